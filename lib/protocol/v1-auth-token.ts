import { createHash } from 'node:crypto';
import { hmacSha256, safeEqual } from './hmac';
import { parseKooTime } from './koo-time';

/**
 * The SaaS V1.0 / License 1.0 request signature (docs/protocol.md#authtoken):
 * `base64(HMAC-SHA256(key = accessKey + timeStamp, "k1=v1&k2=v2…"))` over every query parameter but
 * `authToken`, sorted by name, with URL-decoded values, no re-encoding.
 */

/** The query parameter carrying the token. */
const AUTH_TOKEN_PARAM = 'authToken';
/** The query parameter carrying the signed time, UTC `yyyyMMddHHmmssSSS`. */
const TIMESTAMP_PARAM = 'timeStamp';

/**
 * The text a V1.0 token signs: every parameter but `authToken` (and, with `skipEmpty`, but the
 * empty-valued ones), sorted by name, as `k=v` joined by `&`.
 */
function signedText(params: Readonly<Record<string, string>>, skipEmpty = false): string {
  return (
    Object.keys(params)
      .filter((k) => k !== AUTH_TOKEN_PARAM && !(skipEmpty && params[k]?.trim() === ''))
      // Java's TreeMap order: UTF-16 code units, which is what Array.prototype.sort compares.
      .sort()
      .map((k) => `${k}=${params[k]}`)
      .join('&')
  );
}

function tokenOf(
  accessKey: string,
  params: Readonly<Record<string, string>>,
  text: string,
): string {
  return hmacSha256(accessKey + (params[TIMESTAMP_PARAM] ?? ''), text).toString('base64');
}

/**
 * The V1.0 token for decoded parameters. `skipEmpty` leaves out empty-valued parameters, as the
 * Java POST sample does (docs/protocol.md, decision 10 tries both forms).
 *
 * @example v1AuthToken('test-access-key-123', { activity: 'newInstance', timeStamp: '20200727073711903' })
 */
export function v1AuthToken(
  accessKey: string,
  params: Readonly<Record<string, string>>,
  options: { skipEmpty?: boolean } = {},
): string {
  return tokenOf(accessKey, params, signedText(params, options.skipEmpty));
}

function decode(s: string, plusIsSpace: boolean): string {
  const text = plusIsSpace ? s.replace(/\+/g, ' ') : s;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Decodes a raw query string: with `plusIsSpace` as a form (`+` is a space, what Java's
 * `getParameter` does), otherwise with a literal `+`. A repeated name keeps its last value; a bad
 * escape is kept as written.
 */
export function decodeV1Query(rawQuery: string, plusIsSpace: boolean): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const name = decode(i < 0 ? part : part.slice(0, i), plusIsSpace);
    out[name] = decode(i < 0 ? '' : part.slice(i + 1), plusIsSpace);
  }
  return out;
}

/**
 * Reads a V1.0 `timeStamp`: UTC `yyyyMMddHHmmssSSS` as documented; the 14-digit form without
 * milliseconds is accepted too (docs/protocol.md, decision 7's leniency). Returns epoch ms, or undefined.
 */
export function parseV1Timestamp(value: string): number | undefined {
  return parseKooTime(value);
}

/** Formats epoch ms as a V1.0 `timeStamp` (UTC `yyyyMMddHHmmssSSS`). */
export function formatV1Timestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 17);
}

/** Why a V1.0 request was refused; never includes the token or the key. */
export type V1AuthFailure =
  | 'missing authToken'
  | 'missing timeStamp'
  | 'malformed timeStamp'
  | 'stale timeStamp'
  | 'authToken mismatch'
  | 'ambiguous parameter boundaries'
  | 'no key configured';

/** The outcome of {@link verifyV1AuthToken}. */
export type V1AuthVerdict =
  | {
      ok: true;
      key: string;
      timestampMs: number;
      /** The parameters decoded the way the token matched (authToken removed). */
      params: Record<string, string>;
      /** The token as received, for replay protection. */
      token: string;
    }
  | { ok: false; reason: V1AuthFailure };

/**
 * The four ways a V1.0 query may have been signed (docs/protocol.md, decision 10): form decoding first, then a
 * literal `+`; every parameter first, then without the empty-valued ones.
 */
const VARIANTS = [
  { plusIsSpace: true, skipEmpty: false },
  { plusIsSpace: true, skipEmpty: true },
  { plusIsSpace: false, skipEmpty: false },
  { plusIsSpace: false, skipEmpty: true },
] as const;

/**
 * Verifies a V1.0 `authToken` over the raw query string with each key (current first), and checks
 * that `timeStamp` is within `windowMs` of now and that the token binds the parameter boundaries
 * (no decoded value re-splits into other parameters). Pure: the replay check needs the store and is the
 * caller's. The token is compared in constant time; a base64 token sent with a raw `+` that form
 * decoding turned into a space is read back with its `+`.
 *
 * @example
 * const v = verifyV1AuthToken(http.rawQuery, config.v1AccessKeys, clock.now(), 600_000);
 * if (!v.ok) throw new SignatureError(v.reason);
 */
export function verifyV1AuthToken(
  rawQuery: string,
  keys: readonly string[],
  nowMs: number,
  windowMs: number,
): V1AuthVerdict {
  const form = decodeV1Query(rawQuery, true);
  const sent = form[AUTH_TOKEN_PARAM];
  if (!sent) return { ok: false, reason: 'missing authToken' };
  const stamp = form[TIMESTAMP_PARAM];
  if (!stamp) return { ok: false, reason: 'missing timeStamp' };
  const timestampMs = parseV1Timestamp(stamp);
  if (timestampMs === undefined) return { ok: false, reason: 'malformed timeStamp' };
  if (Math.abs(nowMs - timestampMs) > windowMs) return { ok: false, reason: 'stale timeStamp' };
  if (keys.length === 0) return { ok: false, reason: 'no key configured' };
  // Base64 never holds a space: a space here is a raw '+' that form decoding changed.
  const token = sent.replace(/ /g, '+');
  const literal = decodeV1Query(rawQuery, false);
  let match: { key: string; params: Record<string, string> } | undefined;
  const tried = new Set<string>();
  for (const variant of VARIANTS) {
    const params = variant.plusIsSpace ? form : literal;
    const text = signedText(params, variant.skipEmpty);
    // Two variants that sign the same text need not be tried twice (the timeStamp, all digits,
    // decodes the same either way).
    if (tried.has(text)) continue;
    tried.add(text);
    // Every key is tried even after a match, so timing does not reveal which key matched.
    for (const key of keys) {
      const ok = safeEqual(tokenOf(key, params, text), token);
      if (ok && !match) match = { key, params };
    }
  }
  if (!match) return { ok: false, reason: 'authToken mismatch' };
  if (!boundariesAreBound(match.params))
    return { ok: false, reason: 'ambiguous parameter boundaries' };
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(match.params)) if (k !== AUTH_TOKEN_PARAM) params[k] = v;
  return { ok: true, key: match.key, timestampMs, params, token };
}

/**
 * True when the signed text `k1=v1&k2=v2…` cannot be read back as another parameter set. The
 * token signs decoded pairs joined by `&` (KooGallery's format), so `productId=P1%26testFlag%3D1`
 * (one parameter) signs like `productId=P1&testFlag=1` (two): a signed URL could be replayed as
 * other parameters (#14). Every pair holds a `=`, so a value re-splits into other parameters
 * exactly when a piece of it after a `&` holds a `=`; a name holding `&` or `=` re-splits too. A
 * `&` followed by no `=` (a company name "Johnson & Johnson") and a `=` before any `&` (base64
 * padding) read back only one way and are accepted.
 */
function boundariesAreBound(params: Readonly<Record<string, string>>): boolean {
  for (const [name, value] of Object.entries(params)) {
    if (name === AUTH_TOKEN_PARAM) continue;
    if (/[&=]/.test(name)) return false;
    if (
      value
        .split('&')
        .slice(1)
        .some((piece) => piece.includes('='))
    ) {
      return false;
    }
  }
  return true;
}

/**
 * The replay-protection nonce of a V1.0 request: V1.0 sends no nonce, but its token is an HMAC over
 * the timestamp and every parameter, so a second request with the same token is a replay. Stored
 * hashed, so the table never holds a signature.
 */
export function v1ReplayNonce(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
