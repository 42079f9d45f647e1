/**
 * How the simulator signs what it sends, written here on its own rather than imported from the
 * function (the simulator checks the function, so a shared bug must not hide): the V2.0-style
 * request signature of SaaS V2.0 and License 2.0 (docs/protocol.md#request-signature) in both
 * readings of its inner digest, and the V1.0 `authToken` of SaaS V1.0 and License 1.0
 * (docs/protocol.md#authtoken). Pinned by the
 * known-answer vectors (tests/unit/sim/signing.test.ts).
 */
import { createHash, createHmac } from 'node:crypto';

/**
 * The readings of the V2.0 inner digest `HMAC_SHA256(RequestPayload)` the simulator can sign
 * with (`--body-digest`): `hmac` keys it with the access key (the default), `sha256` is a plain
 * SHA-256 of the raw body.
 */
export const BODY_DIGEST_READINGS = { HMAC: 'hmac', SHA256: 'sha256' } as const;

/** One of {@link BODY_DIGEST_READINGS}. */
export type BodyDigestReading = (typeof BODY_DIGEST_READINGS)[keyof typeof BODY_DIGEST_READINGS];

/** True when `value` names a reading. */
export function isBodyDigestReading(value: string): value is BodyDigestReading {
  return value === 'hmac' || value === 'sha256';
}

/**
 * The `signature` query parameter of a V2.0-style request:
 * upper-case hex of `HMAC-SHA256(key, key ‖ nonce ‖ timestamp ‖ inner)`, where `inner` is the
 * lower-case hex digest of the exact body bytes under `reading`.
 *
 * @example v2Signature('key', 'NONCE', '1680508066618', '{"activity":"newInstance"}')
 */
export function v2Signature(
  accessKey: string,
  nonce: string,
  timestamp: string,
  body: string | Buffer,
  reading: BodyDigestReading = 'hmac',
): string {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const inner = (reading === 'sha256' ? createHash('sha256') : createHmac('sha256', accessKey))
    .update(bytes)
    .digest('hex');
  const mac = createHmac('sha256', accessKey);
  for (const part of [accessKey, nonce, timestamp, inner]) mac.update(part, 'utf8');
  return mac.digest('hex').toUpperCase();
}

/**
 * The V1.0 `authToken` over decoded query parameters: base64 of
 * `HMAC-SHA256(accessKey ‖ timeStamp, "k1=v1&k2=v2…")`, every parameter but `authToken`, sorted by
 * name as Java's `TreeMap` sorts (UTF-16 code units), values as decoded, nothing re-encoded.
 *
 * @example v1Token('key', { activity: 'newInstance', timeStamp: '20200727073711903' })
 */
export function v1Token(accessKey: string, params: Readonly<Record<string, string>>): string {
  const names = Object.keys(params).filter((name) => name !== 'authToken');
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const text = names.map((name) => `${name}=${params[name]}`).join('&');
  return createHmac('sha256', `${accessKey}${params.timeStamp ?? ''}`)
    .update(text, 'utf8')
    .digest('base64');
}

/** Epoch ms as a V1.0 `timeStamp`: UTC `yyyyMMddHHmmssSSS`. */
export function v1TimeStamp(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    String(d.getUTCFullYear()).padStart(4, '0') +
    two(d.getUTCMonth() + 1) +
    two(d.getUTCDate()) +
    two(d.getUTCHours()) +
    two(d.getUTCMinutes()) +
    two(d.getUTCSeconds()) +
    String(d.getUTCMilliseconds()).padStart(3, '0')
  );
}
