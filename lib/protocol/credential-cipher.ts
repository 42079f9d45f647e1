import { createCipheriv, createDecipheriv, createHash, randomInt } from 'node:crypto';

/** `encryptType` values (docs/protocol.md#credential-encryption): "1" AES-256-CBC, "2" AES-128-CBC, both PKCS#5 padded. */
export const ENCRYPT_TYPES = { AES256: '1', AES128: '2' } as const;
/** One of {@link ENCRYPT_TYPES}. */
export type EncryptType = (typeof ENCRYPT_TYPES)[keyof typeof ENCRYPT_TYPES];

const sha1 = (b: Buffer): Buffer => createHash('sha1').update(b).digest();
const IV_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Java's `SecureRandom.getInstance("SHA1PRNG")` seeded before first use, which is how Huawei's
 * sample derives the AES key from the access key (`KeyGenerator.init(bits, sr)`). The state update
 * adds with Java's signed-byte carry; an unsigned carry gives different keys for some seeds.
 */
export function sha1prng(seed: Buffer, length: number): Buffer {
  const state = sha1(seed);
  const out = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const output = sha1(state);
    let carry = 1;
    let changed = false;
    for (let i = 0; i < state.length; i++) {
      const sum =
        (((state[i] as number) << 24) >> 24) + (((output[i] as number) << 24) >> 24) + carry;
      const byte = sum & 0xff;
      changed = changed || state[i] !== byte;
      state[i] = byte;
      carry = sum >> 8;
    }
    if (!changed) state[0] = ((state[0] as number) + 1) & 0xff;
    const n = Math.min(output.length, length - filled);
    output.copy(out, filled, 0, n);
    filled += n;
  }
  return out;
}

const keyCache = new Map<string, Buffer>();

/** The AES key KooGallery derives from an access key for one `encryptType`. */
export function deriveAesKey(accessKey: string, encryptType: EncryptType): Buffer {
  const cacheKey = `${encryptType}:${accessKey}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    key = sha1prng(Buffer.from(accessKey, 'utf8'), encryptType === '2' ? 16 : 32);
    if (keyCache.size > 16) keyCache.clear();
    keyCache.set(cacheKey, key);
  }
  return key;
}

function algorithm(encryptType: EncryptType): string {
  return encryptType === '2' ? 'aes-128-cbc' : 'aes-256-cbc';
}

/** A fresh 16-character alphanumeric IV, as the wire format requires. */
export function randomIv(): string {
  let iv = '';
  for (let i = 0; i < 16; i++) iv += IV_ALPHABET[randomInt(IV_ALPHABET.length)];
  return iv;
}

/**
 * Encrypts a credential for KooGallery: `iv + base64(AES-CBC(plain))`, the IV being 16 alphanumeric
 * characters sent in clear (docs/protocol.md#credential-encryption).
 *
 * @example encryptCredential('P@ss w0rd!', accessKey) // 'Zz9Y…' + base64
 */
export function encryptCredential(
  plain: string,
  accessKey: string,
  encryptType: EncryptType = '1',
  iv: string = randomIv(),
): string {
  if (!/^[A-Za-z0-9]{16}$/.test(iv)) throw new Error('IV must be 16 alphanumeric characters');
  const cipher = createCipheriv(
    algorithm(encryptType),
    deriveAesKey(accessKey, encryptType),
    Buffer.from(iv, 'ascii'),
  );
  return iv + Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
}

/** Reverses {@link encryptCredential}; throws when the key or the value is wrong. */
export function decryptCredential(
  value: string,
  accessKey: string,
  encryptType: EncryptType = '1',
): string {
  const decipher = createDecipheriv(
    algorithm(encryptType),
    deriveAesKey(accessKey, encryptType),
    Buffer.from(value.slice(0, 16), 'ascii'),
  );
  return Buffer.concat([decipher.update(value.slice(16), 'base64'), decipher.final()]).toString(
    'utf8',
  );
}
