import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { AppInfo } from './provisioner/provisioner';

/**
 * Seals delivery info (URLs, admin user name, initial password) at rest with AES-256-GCM, so a
 * table dump or backup never shows a buyer's password. Keys come from `CREDENTIALS_KEY` or, when
 * unset, are derived (HKDF) from each configured access key; every sealed value names its key id,
 * so rotating the access key keeps earlier values readable while the previous key is configured.
 */
export interface CredentialsVault {
  seal(info: AppInfo): string;
  /** Throws when no configured key opened the value. */
  open(sealed: string): AppInfo;
  /** Seals other secret text kept at rest (a License 1.0 license, a License 2.0 code) the same way. */
  sealText(text: string): string;
  /** Opens what {@link CredentialsVault.sealText} sealed; throws like `open`. */
  openText(sealed: string): string;
}

interface VaultKey {
  id: string;
  key: Buffer;
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

function deriveKey(accessKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', accessKey, 'koogallery-credentials', 'appInfo-v1', 32));
}

/**
 * Builds the vault from an explicit key (preferred) or from the access keys, current first.
 *
 * @example const vault = createCredentialsVault({ accessKeys: config.accessKeys, key: config.credentialsKey });
 */
export function createCredentialsVault(options: {
  accessKeys: readonly string[];
  key?: Buffer;
}): CredentialsVault {
  const keys: VaultKey[] = (options.key ? [options.key] : options.accessKeys.map(deriveKey)).map(
    (key) => ({ id: keyId(key), key }),
  );
  const current = keys[0];
  if (!current) throw new Error('the credentials vault needs at least one key');
  const sealText = (text: string): string => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      'v1',
      current.id,
      iv.toString('base64'),
      data.toString('base64'),
      tag.toString('base64'),
    ].join('.');
  };
  const openText = (sealed: string): string => {
    const [version, id, iv, data, tag] = sealed.split('.');
    const entry = keys.find((k) => k.id === id);
    if (version !== 'v1' || !entry || !iv || !data || !tag) {
      throw new Error(
        'stored credentials were sealed with a key that is not configured (set CREDENTIALS_KEY or KOOGALLERY_PREVIOUS_ACCESS_KEY to the key used before)',
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]);
    return plain.toString('utf8');
  };
  return {
    seal: (info) => sealText(JSON.stringify(info)),
    open: (sealed) => JSON.parse(openText(sealed)) as AppInfo,
    sealText,
    openText,
  };
}
