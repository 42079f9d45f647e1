import { createHash } from 'node:crypto';
import { hmacSha256, safeEqual } from './hmac';

/**
 * The two readings of the V2.0 inner digest `HMAC_SHA256(RequestPayload)`, which KooGallery's
 * pages write without naming a key: `hmac` keys it with the access key (a sibling page does), and
 * `sha256` is a plain SHA-256 of the raw body (public seller code does). Both stay keyed by the
 * outer HMAC, so accepting both costs no security.
 */
export const BODY_DIGESTS = { HMAC: 'hmac', SHA256: 'sha256' } as const;

/** One of {@link BODY_DIGESTS}. */
export type BodyDigest = (typeof BODY_DIGESTS)[keyof typeof BODY_DIGESTS];

/** Which readings a verifier accepts: `auto` (both, the default) or one pinned reading. */
export type BodyDigestSetting = 'auto' | BodyDigest;

/** The readings tried, in the order a match is attributed when (never in practice) both match. */
const READINGS: readonly BodyDigest[] = ['hmac', 'sha256'];

/** Lower-case hex of the inner digest of `body` under one reading. */
function innerDigest(accessKey: string, body: Buffer | string, reading: BodyDigest): string {
  return reading === 'sha256'
    ? createHash('sha256').update(body).digest('hex')
    : hmacSha256(accessKey, body).toString('hex');
}

/**
 * The V2.0 request signature (docs/protocol.md#request-signature, decision 1), shared by SaaS V2.0
 * and License 2.0:
 * `HEX(HMAC(key, key + nonce + timestamp + lowerhex(inner)))`, upper-case hex, where `inner` is
 * `HMAC(key, rawBody)` (reading `hmac`, the default) or `SHA256(rawBody)` (reading `sha256`).
 *
 * @example signRequest('key', 'nonce', '1680508066618', Buffer.from('{"activity":"newInstance"}'))
 */
export function signRequest(
  accessKey: string,
  nonce: string,
  timestamp: string,
  body: Buffer | string,
  reading: BodyDigest = 'hmac',
): string {
  const inner = innerDigest(accessKey, body, reading);
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

/** The outcome of {@link verifyRequestSignature}: which key and digest reading matched, or why none did. */
export type SignatureVerdict =
  | { ok: true; key: string; keyIndex: number; timestampMs: number; bodyDigest: BodyDigest }
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
 * (current first, then the previous one during rotation) under each accepted reading of the inner
 * digest (`bodyDigest`: both by default), and checking the timestamp window. Every candidate is
 * compared in constant time, and all of them are, so timing reveals neither key nor reading.
 * Pure: the nonce replay check is the caller's, because it needs the store.
 *
 * @example
 * const v = verifyRequestSignature({ signature, timestamp, nonce, body }, [current, previous], Date.now(), 60_000);
 * if (!v.ok) throw new SignatureError(v.reason);
 * v.bodyDigest; // 'hmac' or 'sha256': the reading KooGallery used
 */
export function verifyRequestSignature(
  request: SignedRequest,
  keys: readonly string[],
  nowMs: number,
  windowMs: number,
  bodyDigest: BodyDigestSetting = 'auto',
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
  const readings = bodyDigest === 'auto' ? READINGS : [bodyDigest];
  let match: { keyIndex: number; reading: BodyDigest } | undefined;
  // Every key and reading is tried even after a match so the time taken reveals neither.
  keys.forEach((key, keyIndex) => {
    for (const reading of readings) {
      const ok = safeEqual(signRequest(key, nonce, timestamp, body, reading), expected);
      if (ok && match === undefined) match = { keyIndex, reading };
    }
  });
  const key = match ? keys[match.keyIndex] : undefined;
  if (!match || key === undefined) return { ok: false, reason: 'signature mismatch' };
  return { ok: true, key, keyIndex: match.keyIndex, timestampMs, bodyDigest: match.reading };
}

/** The log line written once per reading: KooGallery's reading of the inner digest, as observed. */
export const BODY_DIGEST_MESSAGE = 'request body digest reading';

/**
 * Remembers which reading of the inner digest KooGallery's signatures used and reports each
 * reading the first time it verifies a request, so a container logs it once (`REQUEST_BODY_DIGEST`
 * can then pin it). Returns the function to call with each verdict's `bodyDigest`.
 *
 * @example
 * const note = noteBodyDigestOnce((message, fields) => log.info(message, fields));
 * note(verdict.bodyDigest); // logs 'request body digest reading' { bodyDigest: 'hmac' } once
 */
export function noteBodyDigestOnce(
  report: (message: string, fields: { bodyDigest: BodyDigest; hint: string }) => void,
): (reading: BodyDigest | undefined) => void {
  const seen = new Set<BodyDigest>();
  return (reading) => {
    if (reading === undefined || seen.has(reading)) return;
    seen.add(reading);
    report(BODY_DIGEST_MESSAGE, {
      bodyDigest: reading,
      hint:
        reading === 'hmac'
          ? 'KooGallery keys the inner body digest with the access key; REQUEST_BODY_DIGEST=hmac pins it'
          : 'KooGallery uses a plain SHA-256 of the body as the inner digest; REQUEST_BODY_DIGEST=sha256 pins it',
    });
  };
}
