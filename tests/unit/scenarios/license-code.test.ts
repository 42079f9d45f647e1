import { licenseInstanceIdFor } from '../../../lib/ids';
import type { LicenseCodeCommand } from '../../../lib/scenarios/commands';
import { changeLicenseCode } from '../../../lib/scenarios/license-code';
import { scenarioSetup } from '../helpers/scenario-setup';

const CODE = 'LICENSE-CODE-0001';
const ID = licenseInstanceIdFor(CODE);

const renewal = (over: Partial<LicenseCodeCommand> = {}): LicenseCodeCommand => ({
  test: false,
  licenseCode: CODE,
  productId: 'P-C',
  change: {
    kind: 'renew',
    orderId: 'LC-1',
    orderLineId: 'LC-1-000001',
    scene: 'RENEWAL',
    expireTime: Date.UTC(2027, 0, 1),
  },
  ...over,
});

describe('changeLicenseCode (license-code.ts)', () => {
  it('registers an unknown code on its first notification, then applies the renewal', async () => {
    const w = scenarioSetup();
    const { ctx, annotations } = w.context();

    const result = await changeLicenseCode(renewal(), ctx);

    expect(result).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect(annotations.instanceId).toBe(ID);
    expect(await w.store.getInstance('real', ID)).toMatchObject({
      status: 'ACTIVE',
      protocol: 'license-v2',
      orderId: 'LC-1',
      entitlement: { productId: 'P-C' },
      expireTime: Date.UTC(2027, 0, 1),
      appliedOrders: ['LC-1/LC-1-000001'],
    });
    // Sealed at rest like credentials: the code is nowhere in plain text (#14).
    const stored = await w.store.getInstance('real', ID);
    expect(JSON.stringify(stored)).not.toContain(CODE);
    expect(w.deps.vault.openText(stored?.extra?.sealedLicenseCode ?? '')).toBe(CODE);
  });

  it('freezes and unfreezes a code, registering it first when unknown', async () => {
    const w = scenarioSetup();

    await changeLicenseCode(
      { test: false, licenseCode: CODE, change: { kind: 'status', freeze: true } },
      w.context().ctx,
    );
    expect(await w.store.getInstance('real', ID)).toMatchObject({
      status: 'FROZEN',
      orderId: '',
      entitlement: {},
    });
    w.clock.advance(1000);
    await changeLicenseCode(
      { test: false, licenseCode: CODE, change: { kind: 'status', freeze: false } },
      w.context().ctx,
    );

    expect(await w.store.getInstance('real', ID)).toMatchObject({ status: 'ACTIVE' });
  });

  it('releases a code, and answers every later notification about it without a change', async () => {
    const w = scenarioSetup();
    await changeLicenseCode(
      { test: false, licenseCode: CODE, change: { kind: 'release', orderId: 'LC-9' } },
      w.context().ctx,
    );

    const late = await changeLicenseCode(renewal(), w.context().ctx);

    expect(late.resultMsg).toBe('success (license code was released)');
    expect(await w.store.getInstance('real', ID)).toMatchObject({
      status: 'RELEASED',
      orderId: 'LC-9',
    });
    expect(w.provisioner.calls.map((c) => c.method)).toEqual(['release']);
  });

  it('drops the sealed code on release (#14)', async () => {
    const w = scenarioSetup();
    await changeLicenseCode(renewal(), w.context().ctx);

    await changeLicenseCode(
      { test: false, licenseCode: CODE, change: { kind: 'release' } },
      w.context().ctx,
    );

    const stored = await w.store.getInstance('real', ID);
    expect(stored?.status).toBe('RELEASED');
    expect(stored?.extra).toEqual({});
  });

  it('seals a code stored in plain text before #14 on the next notification', async () => {
    const w = scenarioSetup();
    await w.store.createInstance({
      namespace: 'real',
      instanceId: ID,
      status: 'ACTIVE',
      version: 1,
      orderId: '',
      orderLineId: '',
      protocol: 'license-v2',
      entitlement: {},
      appliedOrders: [],
      extra: { licenseCode: CODE },
      createdAt: 1,
      updatedAt: 1,
    });

    const result = await changeLicenseCode(renewal(), w.context().ctx);

    expect(result.resultCode).toBe('000000');
    const stored = await w.store.getInstance('real', ID);
    expect(JSON.stringify(stored)).not.toContain(CODE);
    expect(w.deps.vault.openText(stored?.extra?.sealedLicenseCode ?? '')).toBe(CODE);
    expect(stored?.expireTime).toBe(Date.UTC(2027, 0, 1));
  });

  it('reads the record again when a concurrent first notification registered it', async () => {
    const w = scenarioSetup();
    w.faulty.on('getInstance', [1], { kind: 'missing' });
    await changeLicenseCode(
      { test: false, licenseCode: CODE, change: { kind: 'release' } },
      w.context().ctx,
    );
    w.faulty.on('getInstance', [3], { kind: 'missing' });

    const result = await changeLicenseCode(renewal(), w.context().ctx);

    expect(result.resultMsg).toBe('success (license code was released)');
  });

  it('keeps test codes apart from real ones', async () => {
    const w = scenarioSetup();

    await changeLicenseCode(renewal({ test: true }), w.context({ test: true }).ctx);

    expect(await w.store.getInstance('test', ID)).toMatchObject({ status: 'ACTIVE' });
    expect(await w.store.getInstance('real', ID)).toBeUndefined();
    expect(w.testProvisioner.calls.map((c) => c.method)).toEqual(['renew']);
  });
});
