import { createPublicKey } from 'node:crypto';
import { ProvisioningRefusedError } from '../../../lib/errors';
import { instanceIdFor } from '../../../lib/ids';
import { verifyLicense } from '../../../lib/provisioner/license-issuer';
import type { LicenseIssueCommand } from '../../../lib/scenarios/commands';
import { issueLicense, renewLicense } from '../../../lib/scenarios/issue-license';
import { release } from '../../../lib/scenarios/release-instance';
import { scenarioSetup } from '../helpers/scenario-setup';

const ORDER = 'L-1';
const LINE = `${ORDER}-000001`;
const ID = instanceIdFor('real', ORDER, LINE);
const EXPIRY = Date.UTC(2027, 0, 1);

function cmd(over: Partial<LicenseIssueCommand> = {}): LicenseIssueCommand {
  return {
    test: false,
    orderId: ORDER,
    orderLineId: LINE,
    order: { entitlement: { productId: 'P-L', customerId: 'C-L' }, expireTime: EXPIRY },
    machineCode: 'MACHINE-1',
    ...over,
  };
}

function payloadOf(w: ReturnType<typeof scenarioSetup>, license: string | undefined) {
  const key = createPublicKey(w.deps.config.licenseSigningKey as never);
  return verifyLicense(license ?? '', key);
}

describe('issueLicense (issue-license.ts)', () => {
  it('issues one signed license per order and stores it with the record', async () => {
    const w = scenarioSetup();
    const { ctx, annotations } = w.context();

    const result = await issueLicense(cmd(), ctx);

    expect(result).toMatchObject({ resultCode: '000000', resultMsg: 'success', instanceId: ID });
    expect(annotations).toMatchObject({ orderId: ORDER, instanceId: ID });
    expect(payloadOf(w, result.license)).toMatchObject({
      instanceId: ID,
      orderId: ORDER,
      productId: 'P-L',
      identificationCode: 'MACHINE-1',
      expireTime: new Date(EXPIRY).toISOString(),
    });
    expect(await w.store.getInstance('real', ID)).toMatchObject({
      version: 1,
      status: 'ACTIVE',
      protocol: 'license-v1',
      orderFromRequest: true,
      extra: { license: result.license, licenseExpireTime: String(EXPIRY) },
    });
  });

  it('answers every retry of the order with the stored license', async () => {
    const w = scenarioSetup();
    const first = await issueLicense(cmd(), w.context().ctx);
    w.clock.advance(60_000);

    const again = await issueLicense(cmd({ machineCode: 'OTHER' }), w.context().ctx);

    expect(again.license).toBe(first.license);
  });

  it('keeps answering the license of a released order, and says so', async () => {
    const w = scenarioSetup();
    const first = await issueLicense(cmd(), w.context().ctx);
    await release({ test: false, instanceId: ID }, w.context().ctx);

    const again = await issueLicense(cmd(), w.context().ctx);

    expect(again).toMatchObject({
      resultMsg: 'success (license was released)',
      license: first.license,
    });
  });

  it('answers the license a concurrent call stored first', async () => {
    const w = scenarioSetup();
    // The concurrent call's create lands between our read and our create.
    w.faulty.on('createInstance', [1], {
      kind: 'before',
      run: async () => {
        await w.store.createInstance({
          namespace: 'real',
          instanceId: ID,
          status: 'ACTIVE',
          version: 1,
          orderId: ORDER,
          orderLineId: LINE,
          protocol: 'license-v1',
          entitlement: {},
          appliedOrders: [],
          extra: { license: 'THEIRS' },
          createdAt: 1,
          updatedAt: 1,
        });
      },
    });

    const mine = await issueLicense(cmd(), w.context().ctx);

    expect(mine.license).toBe('THEIRS');
    expect((await w.store.getInstance('real', ID))?.extra?.license).toBe('THEIRS');
  });

  it('completes a record that exists without a license', async () => {
    const w = scenarioSetup();
    await w.store.createInstance({
      namespace: 'real',
      instanceId: ID,
      status: 'ACTIVE',
      version: 1,
      orderId: ORDER,
      orderLineId: LINE,
      protocol: 'license-v1',
      entitlement: {},
      appliedOrders: [],
      createdAt: 1,
      updatedAt: 1,
    });

    const result = await issueLicense(cmd({ machineCode: undefined }), w.context().ctx);

    expect((await w.store.getInstance('real', ID))?.extra?.license).toBe(result.license);
    expect((await w.store.getInstance('real', ID))?.version).toBe(2);
  });

  it('marks a test call’s license as a test license, from the test issuer', async () => {
    const w = scenarioSetup();

    const result = await issueLicense(cmd({ test: true }), w.context({ test: true }).ctx);

    expect(result.instanceId).toBe(instanceIdFor('test', ORDER, LINE));
    expect(payloadOf(w, result.license)?.test).toBe(true);
  });

  it('answers 000004 when every write conflicts', async () => {
    const w = scenarioSetup();
    w.faulty.on('createInstance', 'every', { kind: 'conflict' });

    await expect(issueLicense(cmd(), w.context().ctx)).rejects.toThrow(
      'the instance is changing concurrently, retry later',
    );
    expect(w.faulty.count.createInstance).toBe(6);
  });

  it("passes on the issuer's refusal", async () => {
    const w = scenarioSetup({
      overrides: {
        licenseIssuer: {
          issue: async () => {
            throw new ProvisioningRefusedError('000005', 'no key');
          },
        },
      },
    });

    await expect(issueLicense(cmd(), w.context().ctx)).rejects.toThrow('no key');
    expect(await w.store.getInstance('real', ID)).toBeUndefined();
  });
});

describe('renewLicense (issue-license.ts)', () => {
  it('renews, then re-issues the license for the new expiry', async () => {
    const w = scenarioSetup();
    const first = await issueLicense(cmd(), w.context().ctx);
    const later = Date.UTC(2028, 0, 1);

    const result = await renewLicense(
      {
        test: false,
        instanceId: ID,
        orderId: 'L-R',
        scene: 'RENEWAL',
        expireTime: later,
        restoreAccess: true,
      },
      w.context().ctx,
    );

    expect(result.resultCode).toBe('000000');
    const stored = await w.store.getInstance('real', ID);
    expect(stored?.extra?.license).not.toBe(first.license);
    expect(stored?.extra?.licenseExpireTime).toBe(String(later));
    expect(stored?.extra?.identificationCode).toBe('MACHINE-1');
    expect(payloadOf(w, stored?.extra?.license)?.expireTime).toBe(new Date(later).toISOString());
    const again = await issueLicense(cmd(), w.context().ctx);
    expect(again.license).toBe(stored?.extra?.license);
  });

  it('leaves a license issued for the current expiry alone', async () => {
    const w = scenarioSetup();
    const first = await issueLicense(cmd(), w.context().ctx);

    await renewLicense(
      {
        test: false,
        instanceId: ID,
        orderId: 'L-OLD',
        scene: 'RENEWAL',
        expireTime: EXPIRY - 1,
        restoreAccess: true,
      },
      w.context().ctx,
    );

    expect((await w.store.getInstance('real', ID))?.extra?.license).toBe(first.license);
  });

  it('issues nothing for a record without a license, or a test call for an unknown one', async () => {
    const w = scenarioSetup();
    await w.store.createInstance({
      namespace: 'real',
      instanceId: 'bare',
      status: 'ACTIVE',
      version: 1,
      orderId: 'B',
      orderLineId: 'B-1',
      protocol: 'license-v1',
      entitlement: {},
      appliedOrders: [],
      createdAt: 1,
      updatedAt: 1,
    });
    const renewal = {
      orderId: 'B-R',
      scene: 'RENEWAL' as const,
      expireTime: 5,
      restoreAccess: true,
    };

    const bare = await renewLicense(
      { ...renewal, test: false, instanceId: 'bare' },
      w.context().ctx,
    );
    const unknown = await renewLicense(
      { ...renewal, test: true, instanceId: 'unknown' },
      w.context({ test: true }).ctx,
    );

    expect(bare.resultCode).toBe('000000');
    expect(unknown.resultCode).toBe('000000');
    expect((await w.store.getInstance('real', 'bare'))?.extra).toBeUndefined();
  });
});
