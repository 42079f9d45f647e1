import { randomBytes } from 'node:crypto';
import { createCredentialsVault, credentialsKeyId } from '../../../lib/credentials-vault';
import { SealedValueError } from '../../../lib/errors';
import { resealDelivery, storedDelivery, testDelivery } from '../../../lib/scenarios/delivery';
import { record } from '../helpers/scenario-context';
import { scenarioSetup } from '../helpers/scenario-setup';

const INFO = { frontEndUrl: 'https://t.example.com/', userName: 'admin', password: 'Pa55-word' };
const OLD = randomBytes(32);
const NEW = randomBytes(32);

/** A world whose vault seals under NEW and still opens OLD, and one instance sealed under OLD. */
async function rotated(namespace: 'real' | 'test' = 'real') {
  const w = scenarioSetup({
    overrides: { vault: createCredentialsVault({ key: NEW, previousKey: OLD }) },
  });
  const stale = record({
    instanceId: 'i-1',
    namespace,
    sealedAppInfo: createCredentialsVault({ key: OLD }).seal(INFO),
  });
  await w.store.createInstance(stale);
  return { w, stale };
}

const keyIdOf = (sealed: string | undefined) => sealed?.split('.')[1];

describe('storedDelivery (delivery.ts, #14)', () => {
  it('opens a value of the previous key and writes it back under the current one', async () => {
    const { w, stale } = await rotated();

    const info = await storedDelivery(w.context().ctx, stale);

    expect(info).toEqual(INFO);
    const after = await w.store.getInstance('real', 'i-1');
    expect(keyIdOf(after?.sealedAppInfo)).toBe(credentialsKeyId(NEW));
    expect(after?.version).toBe(2);
    expect(w.logs.map((l) => l.message)).toContain(
      'credentials re-sealed under the current at-rest key',
    );
  });

  it('still answers when the re-seal write loses a race or the store fails', async () => {
    const { w, stale } = await rotated();
    w.faulty.on('updateInstance', [1], { kind: 'conflict' });
    w.faulty.on('updateInstance', [2], { kind: 'fail', error: new Error('store down') });

    expect(await storedDelivery(w.context().ctx, stale)).toEqual(INFO);
    expect(await storedDelivery(w.context().ctx, stale)).toEqual(INFO);

    expect(keyIdOf((await w.store.getInstance('real', 'i-1'))?.sealedAppInfo)).toBe(
      credentialsKeyId(OLD),
    );
    expect(w.logs.map((l) => l.message)).toContain(
      'credentials not re-sealed (the next read retries)',
    );
  });

  it('writes nothing for a value already under the current key, or no value', async () => {
    const w = scenarioSetup();
    const current = record({ instanceId: 'i-2', sealedAppInfo: w.deps.vault.seal(INFO) });

    expect(await storedDelivery(w.context().ctx, current)).toEqual(INFO);
    expect(await storedDelivery(w.context().ctx, record({ instanceId: 'i-3' }))).toBeUndefined();
    expect(await storedDelivery(w.context().ctx, undefined)).toBeUndefined();
    expect(w.faulty.count.updateInstance).toBe(0);
  });

  it('throws the fix for a real instance no configured key opens', async () => {
    const w = scenarioSetup();
    const lost = record({
      instanceId: 'i-4',
      sealedAppInfo: createCredentialsVault({ key: OLD }).seal(INFO),
    });

    await expect(storedDelivery(w.context().ctx, lost)).rejects.toThrow(SealedValueError);
    await expect(storedDelivery(w.context().ctx, lost)).rejects.toThrow(
      /set CREDENTIALS_PREVIOUS_KEY/,
    );
  });

  it('logs the fix and lets a test instance answer synthesized delivery info', async () => {
    const w = scenarioSetup();
    const lost = record({
      instanceId: 'i-5',
      namespace: 'test',
      sealedAppInfo: createCredentialsVault({ key: OLD }).seal(INFO),
    });
    const { ctx } = w.context({ test: true });

    const info = await testDelivery(ctx, lost, {
      instanceId: 'i-5',
      orderId: 'O-1',
      orderLineId: 'O-1-000001',
      entitlement: {},
    });

    expect(info.frontEndUrl).toEqual(expect.any(String));
    expect(info).not.toEqual(INFO);
    const line = w.logs.find((l) => l.errorName === 'SealedValueError');
    expect(line?.errorMessage).toMatch(/set CREDENTIALS_PREVIOUS_KEY/);
  });
});

describe('resealDelivery (delivery.ts, #14)', () => {
  it('answers resealed, then current; changed when it loses a race', async () => {
    const { w, stale } = await rotated('test');
    w.faulty.on('updateInstance', [1], { kind: 'conflict' });

    expect(await resealDelivery(w.context().ctx, stale)).toBe('changed');
    expect(await resealDelivery(w.context().ctx, stale)).toBe('resealed');
    const after = await w.store.getInstance('test', 'i-1');
    if (!after) throw new Error('the instance is gone');
    expect(await resealDelivery(w.context().ctx, after)).toBe('current');
  });

  it('re-seals license material under the current key and seals plain text stored before #14', async () => {
    const w = scenarioSetup({
      overrides: { vault: createCredentialsVault({ key: NEW, previousKey: OLD }) },
    });
    const old = createCredentialsVault({ key: OLD });
    const license = record({
      instanceId: 'l-1',
      protocol: 'license-v1',
      extra: { sealedLicense: old.sealText('KG1.lic'), licenseExpireTime: '5' },
    });
    const code = record({
      instanceId: 'l-2',
      protocol: 'license-v2',
      extra: { licenseCode: 'PL9' },
    });
    await w.store.createInstance(license);
    await w.store.createInstance(code);

    expect(await resealDelivery(w.context().ctx, license)).toBe('resealed');
    expect(await resealDelivery(w.context().ctx, code)).toBe('resealed');

    const l = await w.store.getInstance('real', 'l-1');
    const c = await w.store.getInstance('real', 'l-2');
    expect(keyIdOf(l?.extra?.sealedLicense)).toBe(credentialsKeyId(NEW));
    expect(w.deps.vault.openText(l?.extra?.sealedLicense ?? '')).toBe('KG1.lic');
    expect(l?.extra?.licenseExpireTime).toBe('5');
    expect(c?.extra).toEqual({ sealedLicenseCode: expect.any(String) });
    expect(w.deps.vault.openText(c?.extra?.sealedLicenseCode ?? '')).toBe('PL9');
    if (!l || !c) throw new Error('the instances are gone');
    expect(await resealDelivery(w.context().ctx, l)).toBe('current');
    expect(await resealDelivery(w.context().ctx, c)).toBe('current');
  });

  it('answers failed when the store refuses the write', async () => {
    const { w, stale } = await rotated();
    w.faulty.on('updateInstance', 'every', { kind: 'fail', error: new Error('store down') });

    expect(await resealDelivery(w.context().ctx, stale)).toBe('failed');
  });
});
