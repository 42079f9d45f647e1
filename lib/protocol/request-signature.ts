import { hmacSha256, safeEqual } from './hmac';

/**
 * The V2.0 request signature (docs/protocol.md#request-signature, decision 1), shared by SaaS V2.0 and License 2.0:
 * `HEX(HMAC(key, key + nonce + timestamp + lowerhex(HMAC(key, rawBody))))`, upper-case hex.
 *
 * @example signRequest('key', 'nonce', '1680508066618', Buffer.from('{"activity":"newInstance"}'))
 */
export function signRequest(
  accessKey: string,
  nonce: string,
  timestamp: string,
  body: Buffer | string,
): string {
  const inner = hmacSha256(accessKey, body).toString('hex');
  return hmacSha256(accessKey, accessKey + nonce + timestamp + inner)
    .toString('hex')
    .toUpperCase();
}

/** Why a request signature was refused; never includes the signature or the key. */
export type SignatureFailure =
  | 'missing signature'
  | 'missing timestamp'
  | 'missing nonce'
  | 'malformed signature'
  | 'malformed timestamp'
  | 'malformed nonce'
  | 'stale timestamp'
  | 'signature mismatch'
  | 'no key configured';

/** The outcome of {@link verifyRequestSignature}: which key matched, or why none did. */
export type SignatureVerdict =
  | { ok: true; key: string; keyIndex: number; timestampMs: number }
  | { ok: false; reason: SignatureFailure };

/** Inputs of {@link verifyRequestSignature}, as received on the query string. */
export interface SignedRequest {
  signature: string | undefined;
  timestamp: string | undefined;
  nonce: string | undefined;
  body: Buffer;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;
const DIGITS = /^\d{10}$|^\d{13}$/;
/** A nonce is an opaque token; anything printable up to 128 characters is accepted. */
const NONCE = /^[\x21-\x7e]{1,128}$/;

/**
 * Reads a KooGallery timestamp: 13 digits are milliseconds, 10 digits are seconds (docs/protocol.md, decision 2).
 * Returns undefined for anything else.
 */
export function parseTimestampMs(timestamp: string): number | undefined {
  if (!DIGITS.test(timestamp)) return undefined;
  const n = Number(timestamp);
  return timestamp.length === 10 ? n * 1000 : n;
}

/**
 * Verifies a V2.0-style request signature over the raw body bytes, trying each key in order
 * (current first, then the previous one during rotation) and checking the timestamp window.
 * Pure: the nonce replay check is the caller's, because it needs the store.
 *
 * @example
 * const v = verifyRequestSignature({ signature, timestamp, nonce, body }, [current, previous], Date.now(), 60_000);
 * if (!v.ok) throw new SignatureError(v.reason);
 */
export function verifyRequestSignature(
  request: SignedRequest,
  keys: readonly string[],
  nowMs: number,
  windowMs: number,
): SignatureVerdict {
  const { signature, timestamp, nonce, body } = request;
  if (!signature) return { ok: false, reason: 'missing signature' };
  if (!timestamp) return { ok: false, reason: 'missing timestamp' };
  if (!nonce) return { ok: false, reason: 'missing nonce' };
  if (!HEX64.test(signature)) return { ok: false, reason: 'malformed signature' };
  const timestampMs = parseTimestampMs(timestamp);
  if (timestampMs === undefined) return { ok: false, reason: 'malformed timestamp' };
  if (!NONCE.test(nonce)) return { ok: false, reason: 'malformed nonce' };
  if (Math.abs(nowMs - timestampMs) > windowMs) return { ok: false, reason: 'stale timestamp' };
  if (keys.length === 0) return { ok: false, reason: 'no key configured' };
  const expected = signature.toUpperCase();
  let match = -1;
  // Every key is tried even after a match so the time taken does not reveal which key matched.
  keys.forEach((key, i) => {
    if (safeEqual(signRequest(key, nonce, timestamp, body), expected) && match < 0) match = i;
  });
  const key = keys[match];
  if (key === undefined) return { ok: false, reason: 'signature mismatch' };
  return { ok: true, key, keyIndex: match, timestampMs };
}
