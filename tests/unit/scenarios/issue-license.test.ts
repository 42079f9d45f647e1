import { createPublicKey, randomBytes } from 'node:crypto';
import { createCredentialsVault, credentialsKeyId } from '../../../lib/credentials-vault';
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

/** The license a stored record holds, opened from its sealed form. */
async function storedLicenseOf(w: ReturnType<typeof scenarioSetup>): Promise<string | undefined> {
  const sealed = (await w.store.getInstance('real', ID))?.extra?.sealedLicense;
  return sealed === undefined ? undefined : w.deps.vault.openText(sealed);
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
    const stored = await w.store.getInstance('real', ID);
    expect(stored).toMatchObject({
      version: 1,
      status: 'ACTIVE',
      protocol: 'license-v1',
      orderFromRequest: true,
      extra: { licenseExpireTime: String(EXPIRY) },
    });
    // Sealed at rest like credentials: no plain copy in the record (#14).
    expect(stored?.extra?.license).toBeUndefined();
    expect(JSON.stringify(stored)).not.toContain(result.license);
    expect(await storedLicenseOf(w)).toBe(result.license);
  });

  it('answers every retry of the order with the stored license', async () => {
    const w = scenarioSetup();
    const first = await issueLicense(cmd(), w.context().ctx);
    w.clock.advance(60_000);

    const again = await issueLicense(cmd({ machineCode: 'OTHER' }), w.context().ctx);

    expect(again.license).toBe(first.license);
  });

  it('never delivers a released license again, nor issues a new one (#14)', async () => {
    const w = scenarioSetup();
    await issueLicense(cmd(), w.context().ctx);
    await release({ test: false, instanceId: ID }, w.context().ctx);
    const issued = w.deps.licenseIssuer.issue;
    let issues = 0;
    w.deps.licenseIssuer.issue = async (r) => {
      issues++;
      return issued(r);
    };

    const again = await issueLicense(cmd(), w.context().ctx);

    expect(again).toEqual({
      resultCode: '000000',
      resultMsg: 'success (license was released)',
      instanceId: ID,
    });
    expect(issues).toBe(0);
    const stored = await w.store.getInstance('real', ID);
    expect(stored?.status).toBe('RELEASED');
    expect(stored?.extra).toEqual({
      identificationCode: 'MACHINE-1',
      licenseExpireTime: String(EXPIRY),
    });
  });

  it('answers a test call about a released test license with a fresh, unstored test license', async () => {
    const w = scenarioSetup();
    const testId = instanceIdFor('test', ORDER, LINE);
    const first = await issueLicense(cmd({ test: true }), w.context({ test: true }).ctx);
    await release({ test: true, instanceId: testId }, w.context({ test: true }).ctx);
    w.clock.advance(1000);

    const again = await issueLicense(cmd({ test: true }), w.context({ test: true }).ctx);

    expect(again).toMatchObject({
      resultCode: '000000',
      resultMsg: 'success (license was released)',
    });
    expect(again.license).not.toBe(first.license);
    expect(payloadOf(w, again.license)?.test).toBe(true);
    expect((await w.store.getInstance('test', testId))?.extra?.sealedLicense).toBeUndefined();
  });

  it('reads a license stored in plain text before #14, seals it, and drops it on release', async () => {
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
      extra: { license: 'PLAIN-OLD', licenseExpireTime: '' },
      createdAt: 1,
      updatedAt: 1,
    });

    const before = await issueLicense(cmd(), w.context().ctx);
    const sealed = await w.store.getInstance('real', ID);
    await release({ test: false, instanceId: ID }, w.context().ctx);

    expect(before.license).toBe('PLAIN-OLD');
    expect(sealed?.extra?.license).toBeUndefined();
    expect(sealed?.extra?.licenseExpireTime).toBe('');
    expect(w.deps.vault.openText(sealed?.extra?.sealedLicense ?? '')).toBe('PLAIN-OLD');
    expect((await w.store.getInstance('real', ID))?.extra).toEqual({ licenseExpireTime: '' });
  });

  it('re-seals a license sealed under the previous at-rest key when getLicense reads it (#14)', async () => {
    const OLD = randomBytes(32);
    const NEW = randomBytes(32);
    const w = scenarioSetup({
      overrides: { vault: createCredentialsVault({ key: NEW, previousKey: OLD }) },
    });
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
      extra: { sealedLicense: createCredentialsVault({ key: OLD }).sealText('KG1.old') },
      createdAt: 1,
      updatedAt: 1,
    });

    const again = await issueLicense(cmd(), w.context().ctx);

    expect(again.license).toBe('KG1.old');
    const stored = await w.store.getInstance('real', ID);
    expect(stored?.extra?.sealedLicense?.split('.')[1]).toBe(credentialsKeyId(NEW));
    expect(await storedLicenseOf(w)).toBe('KG1.old');
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

    expect(await storedLicenseOf(w)).toBe(result.license);
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

    await expect(issueLicense(cmd(), w.context().ctx)).rejects.toMatchObject({
      resultCode: '000005',
      message: 'internal error',
      detail: 'no key',
    });
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
        creationTime: 'if-readable',
      },
      w.context().ctx,
    );

    expect(result.resultCode).toBe('000000');
    const stored = await w.store.getInstance('real', ID);
    const renewed = await storedLicenseOf(w);
    expect(renewed).not.toBe(first.license);
    expect(stored?.extra?.licenseExpireTime).toBe(String(later));
    expect(stored?.extra?.identificationCode).toBe('MACHINE-1');
    expect(payloadOf(w, renewed)?.expireTime).toBe(new Date(later).toISOString());
    const again = await issueLicense(cmd(), w.context().ctx);
    expect(again.license).toBe(renewed);
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
        creationTime: 'if-readable',
      },
      w.context().ctx,
    );

    expect(await storedLicenseOf(w)).toBe(first.license);
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
      creationTime: 'if-readable' as const,
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
