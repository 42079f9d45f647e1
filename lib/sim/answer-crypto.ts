/**
 * How the simulator checks the cryptography of an answer, written here on its own rather than
 * imported from the function (the simulator judges the function, so a bug they shared would pass
 * unseen): the `Body-Sign` header (docs/protocol.md#body-sign), `appInfo` credentials encrypted
 * with a key derived from the access key by Java's SHA1PRNG (docs/protocol.md#credential-encryption),
 * and the default License 1.0 license format.
 * Pinned by the known-answer vectors (tests/unit/sim/signing.test.ts).
 */
import {
  createDecipheriv,
  createHash,
  createHmac,
  type KeyObject,
  timingSafeEqual,
  verify,
} from 'node:crypto';

/** The exact name KooGallery reads the answer signature from. */
export const BODY_SIGN_HEADER = 'Body-Sign';

/** `sign_type="…", signature="…"`, both quoted, spaces around `=` and `,` tolerated. */
const BODY_SIGN = /^\s*sign_type\s*=\s*"([^"]*)"\s*,\s*signature\s*=\s*"([^"]*)"\s*$/;

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * True when `header` is a well-formed `Body-Sign` with `sign_type` `HMAC-SHA256` whose signature
 * is the base64 HMAC-SHA256 of the exact `body` bytes under `accessKey`.
 */
export function bodySignMatches(
  header: string | undefined,
  accessKey: string,
  body: Buffer | string,
): boolean {
  const m = BODY_SIGN.exec(header ?? '');
  if (m?.[1] !== 'HMAC-SHA256') return false;
  const expected = createHmac('sha256', accessKey).update(body).digest('base64');
  return sameText(m[2] ?? '', expected);
}

/**
 * `length` bytes of Java's `SecureRandom.getInstance("SHA1PRNG")` seeded with `seed` before its
 * first use: the state starts as SHA-1(seed); each 20-byte block is SHA-1(state), after which the
 * state becomes state + block + 1 as little-endian signed bytes (Java's `updateState`), with its
 * first byte bumped when nothing changed.
 */
export function javaSha1Prng(seed: Buffer, length: number): Buffer {
  const sha1 = (data: Uint8Array) => createHash('sha1').update(data).digest();
  const state = new Int8Array(sha1(seed));
  const result = Buffer.alloc(length);
  for (let at = 0; at < length; at += 20) {
    const block = new Int8Array(sha1(new Uint8Array(state.buffer)));
    let carry = 1;
    let changed = false;
    for (let i = 0; i < state.length; i++) {
      const v = (state[i] as number) + (block[i] as number) + carry;
      const next = (v << 24) >> 24; // Java's (byte) cast
      if (next !== state[i]) changed = true;
      state[i] = next;
      carry = v >> 8;
    }
    if (!changed) state[0] = (((state[0] as number) + 1) << 24) >> 24;
    Buffer.from(block.buffer).copy(result, at, 0, Math.min(20, length - at));
  }
  return result;
}

/**
 * Decrypts an `appInfo` credential: 16 clear IV characters, then base64 of AES-CBC (PKCS#5) under
 * the key SHA1PRNG derives from the access key: AES-256 for `encryptType` "1", AES-128 for "2".
 * Throws when the key or the value is wrong.
 */
export function decryptAppInfoValue(
  value: string,
  accessKey: string,
  encryptType: '1' | '2',
): string {
  const bits = encryptType === '2' ? 128 : 256;
  const key = javaSha1Prng(Buffer.from(accessKey, 'utf8'), bits / 8);
  const iv = Buffer.from(value.slice(0, 16), 'latin1');
  const decipher = createDecipheriv(`aes-${bits}-cbc`, key, iv);
  const clear = Buffer.concat([
    decipher.update(Buffer.from(value.slice(16), 'base64')),
    decipher.final(),
  ]);
  return clear.toString('utf8');
}

/** What a default License 1.0 license states, as far as the simulator checks it. */
export interface LicenseClaims {
  instanceId?: unknown;
  expireTime?: string;
  test?: boolean;
}

/**
 * Verifies a license of the function's default format, `KG1.<base64url JSON>.<base64url Ed25519
 * signature of "KG1.<payload part>">`, with `publicKey`; returns its claims, or undefined when the
 * format or the signature is wrong.
 */
export function verifyDefaultLicense(
  license: string,
  publicKey: KeyObject,
): LicenseClaims | undefined {
  const parts = license.trim().split('.');
  if (parts.length !== 3 || parts[0] !== 'KG1' || !parts[1] || !parts[2]) return undefined;
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`, 'utf8');
  if (!verify(null, signed, publicKey, Buffer.from(parts[2], 'base64url'))) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const c = claims as Record<string, unknown>;
    return {
      instanceId: c.instanceId,
      ...(typeof c.expireTime === 'string' ? { expireTime: c.expireTime } : {}),
      ...(c.test === true ? { test: true } : {}),
    };
  } catch {
    return undefined;
  }
}
