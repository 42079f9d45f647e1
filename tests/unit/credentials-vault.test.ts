import { hkdfSync, randomBytes } from 'node:crypto';
import { createCredentialsVault, credentialsKeyId } from '../../lib/credentials-vault';
import { SealedValueError } from '../../lib/errors';

const INFO = { frontEndUrl: 'https://t.example.com/', userName: 'admin', password: 'Pa55-word' };

describe('createCredentialsVault (#14)', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('seals under the current key and opens values of the previous one, asking to re-seal them', () => {
    const before = createCredentialsVault({ key: oldKey });
    const sealed = before.seal(INFO);
    const rotated = createCredentialsVault({ key: newKey, previousKey: oldKey });

    expect(rotated.open(sealed)).toEqual(INFO);
    expect(rotated.needsReseal(sealed)).toBe(true);
    const resealed = rotated.seal(rotated.open(sealed));
    expect(resealed.split('.')[1]).toBe(credentialsKeyId(newKey));
    expect(rotated.needsReseal(resealed)).toBe(false);
    expect(createCredentialsVault({ key: newKey }).open(resealed)).toEqual(INFO);
  });

  it('opens values sealed under the legacy key derived from an access key, never seals with it', () => {
    // What earlier versions sealed with when CREDENTIALS_KEY was unset.
    const derived = Buffer.from(
      hkdfSync('sha256', 'access-1', 'koogallery-credentials', 'appInfo-v1', 32),
    );
    const legacy = createCredentialsVault({ key: derived });
    const other = createCredentialsVault({ key: newKey, legacyAccessKeys: ['access-1'] });

    expect(other.open(legacy.seal(INFO))).toEqual(INFO);
    expect(other.seal(INFO).split('.')[1]).toBe(credentialsKeyId(newKey));
  });

  it('names the key id and the setting to restore when no configured key opens a value', () => {
    const sealed = createCredentialsVault({ key: oldKey }).seal(INFO);
    const open = () => createCredentialsVault({ key: newKey }).open(sealed);

    expect(open).toThrow(SealedValueError);
    expect(open).toThrow(
      `at-rest key ${credentialsKeyId(oldKey)}, which is not configured: set CREDENTIALS_PREVIOUS_KEY`,
    );
  });

  it('refuses a damaged value with a SealedValueError, never quoting it', () => {
    const vault = createCredentialsVault({ key: oldKey });
    const [v, id, iv, data, tag] = vault.seal(INFO).split('.');
    const tampered = [v, id, iv, `A${data?.slice(1)}`, tag].join('.');

    expect(() => vault.open(tampered)).toThrow(/failed authentication \(damaged item\)/);
    expect(() => vault.open('garbage')).toThrow(SealedValueError);
  });
});
