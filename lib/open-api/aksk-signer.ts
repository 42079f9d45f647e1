import { createHash } from 'node:crypto';
// Deep import on purpose: the package root pulls axios and the IAM service into the bundle.
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner';
import { systemClock } from '../clock';
import { hmacSha256, safeEqual } from '../protocol/hmac';

/** Huawei Cloud IAM access key pair used to sign calls to KooGallery's open APIs. */
export interface ApigCredentials {
  ak: string;
  sk: string;
}

/** A request to sign: `url` is absolute and may carry its query; `body` is sent as `JSON.stringify(body)`. */
export interface ApigRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: object;
}

/** A request as a server received it, for {@link verifyApigRequest}. */
export interface ReceivedApigRequest {
  method: string;
  /** Path and query exactly as received (node's `req.url`). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body bytes as received (empty for a GET). */
  body: Buffer | string;
}

/** Options of {@link verifyApigRequest}. */
export interface VerifyApigOptions {
  /** The SK for an AK, or undefined when the AK is unknown. */
  secretFor: (ak: string) => string | undefined;
  /** Milliseconds since the epoch. */
  now: number;
  /** Accepted distance between `X-Sdk-Date` and `now`; 15 minutes by default, as APIG does. */
  maxSkewMs?: number;
}

/** Why {@link verifyApigRequest} refused a request; never contains a key or a signature. */
export type ApigVerifyFailure =
  | 'missing Authorization header'
  | 'malformed Authorization header'
  | 'unknown access key'
  | 'host and x-sdk-date must be signed'
  | 'a signed header is missing'
  | 'malformed X-Sdk-Date'
  | 'stale X-Sdk-Date'
  | 'malformed query string'
  | 'signature mismatch';

/** The outcome of {@link verifyApigRequest}. */
export type ApigVerdict = { ok: true; ak: string } | { ok: false; reason: ApigVerifyFailure };

/** The only signing algorithm APIG's SDKs use for AK/SK. */
const ALGORITHM = 'SDK-HMAC-SHA256';
/** APIG refuses a request whose `X-Sdk-Date` is more than 15 minutes away from its clock. */
const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
/** `yyyyMMdd'T'HHmmss'Z'`: the only date form the SDK signer handles correctly (docs/protocol.md#apig-signing). */
const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const AUTHORIZATION =
  /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([a-z0-9;._-]+),\s*Signature=([0-9a-fA-F]{64})$/;

/** Query parameters by name; a repeated name carries every value. */
export type QueryParams = Record<string, string | string[]>;

/**
 * Percent-encodes like the APIG signer (RFC 3986: only `A-Z a-z 0-9 - _ . ~` stay as they are), so
 * that the query string sent is byte for byte the one signed.
 */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The canonical query string: names sorted, values of a repeated name sorted, RFC 3986 encoded.
 * The query client sends exactly this string, so the sent and the signed query cannot differ.
 */
export function canonicalQueryString(params: QueryParams): string {
  const parts: string[] = [];
  for (const name of Object.keys(params).sort()) {
    const value = params[name] ?? '';
    const values = Array.isArray(value) ? [...value].sort() : [value];
    for (const v of values) parts.push(`${encodeRfc3986(name)}=${encodeRfc3986(v)}`);
  }
  return parts.join('&');
}

/**
 * Parses a raw query string (without `?`) into decoded parameters; `+` is a literal plus, as in
 * RFC 3986. Returns undefined when a percent escape is malformed.
 */
export function parseQueryString(query: string): QueryParams | undefined {
  const params: QueryParams = {};
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    } catch {
      return undefined;
    }
    const prior = params[name];
    params[name] =
      prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  return params;
}

/** Formats milliseconds since the epoch as an `X-Sdk-Date` (`20240101T000000Z`). */
export function formatSdkDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/**
 * Reads a `yyyyMMdd'T'HHmmss'Z'` time (an `X-Sdk-Date`, a usage record time) as milliseconds since
 * the epoch; undefined unless it is well formed and a real date.
 */
export function parseSdkDate(value: string): number | undefined {
  const m = SDK_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const ms = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
  return formatSdkDate(ms) === value ? ms : undefined;
}

/**
 * Signs a request for Huawei Cloud APIG with AK/SK (`SDK-HMAC-SHA256`) through the SDK's own
 * `AKSKSigner`, and returns every header to send: the caller's headers, `host`, `X-Sdk-Date` and
 * `Authorization`. Header names are normalised first, so that a `Host` or `x-sdk-date` in any case
 * is signed once (the SDK looks up `host` and `X-Sdk-Date` case-sensitively, docs/protocol.md#apig-signing).
 * Send the body as exactly `JSON.stringify(request.body)`.
 *
 * @param sdkDate `yyyyMMdd'T'HHmmss'Z'`; when omitted, the request's own `X-Sdk-Date` header (any
 *   case), else the current time.
 * @example
 * const headers = signApigRequest(
 *   { method: 'GET', url: `${endpoint}/api/mkp-openapi-public/global/v1/order/query?orderId=X`,
 *     headers: { 'content-type': 'application/json' } },
 *   { ak, sk },
 * );
 */
export function signApigRequest(
  request: ApigRequest,
  credentials: ApigCredentials,
  sdkDate?: string,
): Record<string, string> {
  const given = Object.entries(request.headers ?? {}).find(
    ([n]) => n.toLowerCase() === 'x-sdk-date',
  );
  const date = sdkDate ?? given?.[1] ?? formatSdkDate(systemClock.now());
  if (parseSdkDate(date) === undefined) {
    throw new TypeError(`X-Sdk-Date must look like 20240101T000000Z, got "${date}"`);
  }
  const queryAt = request.url.indexOf('?');
  const endpoint = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  const queryParams = parseQueryString(queryAt < 0 ? '' : request.url.slice(queryAt + 1));
  if (queryParams === undefined)
    throw new TypeError('the request URL has a malformed query string');

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'x-sdk-date' || lower === 'authorization') continue;
    headers[lower] = value;
  }
  headers['X-Sdk-Date'] = date;

  const signed = AKSKSigner.sign(
    {
      endpoint,
      method: request.method.toUpperCase(),
      headers,
      queryParams,
      data: request.body,
    },
    // A plain credential object: BasicCredentials would drag the SDK root into the bundle.
    {
      getAk: () => credentials.ak,
      getSk: () => credentials.sk,
      processAuthRequest: async (_client, req) => req,
      processAuthParams: async function () {
        return this;
      },
    },
  ) as Record<string, string>;
  return { ...signed };
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** The canonical URI as the SDK builds it: every raw segment encoded, always ending in `/`. */
function canonicalUri(path: string): string {
  const uri = path.split('/').map(encodeRfc3986).join('/');
  return uri.endsWith('/') ? uri : `${uri}/`;
}

/**
 * Verifies an APIG AK/SK signature the way the gateway does, independently of the SDK signer:
 * recomputes it from the method, path, query, the headers named in `SignedHeaders` and the raw
 * body bytes, with the SK of the `Access` key, and refuses an `X-Sdk-Date` more than 15 minutes
 * away from `now`. Returns a verdict; it never throws.
 *
 * @example
 * const verdict = verifyApigRequest(
 *   { method: req.method, url: req.url, headers: req.headers, body: rawBody },
 *   { secretFor: (ak) => (ak === AK ? SK : undefined), now: Date.now() },
 * );
 * if (!verdict.ok) answer401(verdict.reason);
 */
export function verifyApigRequest(
  request: ReceivedApigRequest,
  options: VerifyApigOptions,
): ApigVerdict {
  const authorization = headerValue(request.headers.authorization);
  if (!authorization) return { ok: false, reason: 'missing Authorization header' };
  const auth = AUTHORIZATION.exec(authorization.trim());
  if (!auth) return { ok: false, reason: 'malformed Authorization header' };
  const [, ak, signedHeaderList, signature] = auth as unknown as [string, string, string, string];

  const sk = options.secretFor(ak);
  if (sk === undefined) return { ok: false, reason: 'unknown access key' };

  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-sdk-date')) {
    return { ok: false, reason: 'host and x-sdk-date must be signed' };
  }
  const canonicalHeaders: string[] = [];
  for (const name of signedHeaders) {
    const value = headerValue(request.headers[name]);
    if (value === undefined) return { ok: false, reason: 'a signed header is missing' };
    canonicalHeaders.push(`${name}:${value}\n`);
  }

  const date = headerValue(request.headers['x-sdk-date']) ?? '';
  const dateMs = parseSdkDate(date);
  if (dateMs === undefined) return { ok: false, reason: 'malformed X-Sdk-Date' };
  if (Math.abs(options.now - dateMs) > (options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) {
    return { ok: false, reason: 'stale X-Sdk-Date' };
  }

  const queryAt = request.url.indexOf('?');
  const path = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  const query = parseQueryString(queryAt < 0 ? '' : request.url.slice(queryAt + 1));
  if (query === undefined) return { ok: false, reason: 'malformed query string' };

  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(path),
    canonicalQueryString(query),
    canonicalHeaders.join(''),
    signedHeaderList,
    sha256Hex(request.body),
  ].join('\n');
  const stringToSign = `${ALGORITHM}\n${date}\n${sha256Hex(canonicalRequest)}`;
  const expected = hmacSha256(sk, stringToSign).toString('hex');
  return safeEqual(expected, signature.toLowerCase())
    ? { ok: true, ak }
    : { ok: false, reason: 'signature mismatch' };
}
