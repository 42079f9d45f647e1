import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { SealedValueError } from './errors';
import type { AppInfo } from './provisioner/provisioner';

/**
 * Seals delivery info (URLs, admin user name, initial password) at rest with AES-256-GCM, so a
 * table dump or backup never shows a buyer's password. The at-rest key is its own setting,
 * independent of every access key (`CREDENTIALS_KEY`, with `CREDENTIALS_PREVIOUS_KEY` during a
 * rotation): rotating the access key never touches what is stored (#14). Every sealed value names
 * its key id; values sealed under the previous key, or under the key earlier versions derived from
 * the access key, are still opened, and {@link CredentialsVault.needsReseal} tells the caller to
 * write them back under the current key.
 */
export interface CredentialsVault {
  /** Seals under the current key. */
  seal(info: AppInfo): string;
  /** Opens a value sealed under any configured key; throws {@link SealedValueError} otherwise. */
  open(sealed: string): AppInfo;
  /** True when `sealed` names a key other than the current one (it should be sealed again). */
  needsReseal(sealed: string): boolean;
  /** Seals other secret text kept at rest (a License 1.0 license, a License 2.0 code) the same way. */
  sealText(text: string): string;
  /** Opens what {@link CredentialsVault.sealText} sealed; throws {@link SealedValueError} like `open`. */
  openText(sealed: string): string;
}

interface VaultKey {
  id: string;
  key: Buffer;
}

/** The id a sealed value names: 8 hex digits of the key's SHA-256 (not enough to find the key). */
export function credentialsKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** The key versions before the dedicated at-rest key derived from an access key (read only). */
function legacyKey(accessKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', accessKey, 'koogallery-credentials', 'appInfo-v1', 32));
}

/** What to set so that a value sealed under key `id` opens again. */
function missingKeyFix(id: string): string {
  return (
    `stored credentials sealed under at-rest key ${id}, which is not configured: set ` +
    'CREDENTIALS_PREVIOUS_KEY to the CREDENTIALS_KEY used before (values stored before ' +
    'CREDENTIALS_KEY existed: KOOGALLERY_PREVIOUS_ACCESS_KEY to the access key used then)'
  );
}

/**
 * Builds the vault: `key` seals and opens, `previousKey` and the keys derived from
 * `legacyAccessKeys` only open.
 *
 * @example
 * const vault = createCredentialsVault({
 *   key: config.credentialsKey,
 *   previousKey: config.previousCredentialsKey,
 *   legacyAccessKeys: config.accessKeys,
 * });
 */
export function createCredentialsVault(options: {
  key: Buffer;
  previousKey?: Buffer;
  legacyAccessKeys?: readonly string[];
}): CredentialsVault {
  const current: VaultKey = { id: credentialsKeyId(options.key), key: options.key };
  const keys: VaultKey[] = [current];
  const add = (key: Buffer): void => {
    const id = credentialsKeyId(key);
    if (!keys.some((k) => k.id === id)) keys.push({ id, key });
  };
  if (options.previousKey) add(options.previousKey);
  for (const accessKey of options.legacyAccessKeys ?? []) add(legacyKey(accessKey));
  const idOf = (sealed: string): string | undefined => {
    const [version, id] = sealed.split('.');
    return version === 'v1' ? id : undefined;
  };
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
    if (version !== 'v1' || !id || !iv || !data || !tag) {
      throw new SealedValueError('stored credentials are not a sealed value (damaged item)');
    }
    const entry = keys.find((k) => k.id === id);
    if (!entry) throw new SealedValueError(missingKeyFix(id));
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]);
      return plain.toString('utf8');
    } catch {
      throw new SealedValueError(
        `stored credentials sealed under at-rest key ${id} failed authentication (damaged item)`,
      );
    }
  };
  return {
    seal: (info) => sealText(JSON.stringify(info)),
    open: (sealed) => JSON.parse(openText(sealed)) as AppInfo,
    needsReseal(sealed) {
      return idOf(sealed) !== current.id;
    },
    sealText,
    openText,
  };
}
