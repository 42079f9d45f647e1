import { hmacSha256, safeEqual } from './hmac';

/** The response header KooGallery reads; its name is case-sensitive for the debugger. */
export const BODY_SIGN_HEADER = 'Body-Sign';

/**
 * The `Body-Sign` header value over the exact response bytes (docs/protocol.md, decision 4), in the documented
 * format including the space after `signature=`.
 *
 * @example bodySign('k', '{"resultCode":"000001","resultMsg":"authentication failed"}')
 */
export function bodySign(accessKey: string, body: Buffer | string): string {
  const signature = hmacSha256(accessKey, body).toString('base64');
  return `sign_type="HMAC-SHA256", signature= "${signature}"`;
}

/** The outcome of {@link verifyBodySign}. */
export type BodySignVerdict = { ok: true } | { ok: false; reason: string };

const FORMAT = /^\s*sign_type\s*=\s*"([^"]*)"\s*,\s*signature\s*=\s*"([^"]*)"\s*$/;

/**
 * Checks a `Body-Sign` header the way KooGallery's debugger does: both values quoted,
 * `sign_type` is `HMAC-SHA256`, and the signature matches the exact body bytes.
 */
export function verifyBodySign(
  header: string | undefined,
  accessKey: string,
  body: Buffer | string,
): BodySignVerdict {
  if (!header) return { ok: false, reason: 'Body-Sign header is missing' };
  const m = FORMAT.exec(header);
  if (!m) return { ok: false, reason: 'Body-Sign is not sign_type="…", signature="…"' };
  if (m[1] !== 'HMAC-SHA256') return { ok: false, reason: 'sign_type is not HMAC-SHA256' };
  const expected = hmacSha256(accessKey, body).toString('base64');
  if (!safeEqual(m[2] ?? '', expected))
    return { ok: false, reason: 'Body-Sign signature mismatch' };
  return { ok: true };
}
