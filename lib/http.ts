import { toWellFormedText } from './protocol/well-formed';

/** A request as every entry (Lambda, FunctionGraph, the local server) hands it to the app. */
export interface HttpRequest {
  method: string;
  path: string;
  /** The query string exactly as received, without `?` (V1.0 `authToken` needs the raw form). */
  rawQuery: string;
  /** Decoded query parameters (last value wins). */
  query: Record<string, string>;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** The raw body bytes; signatures are computed over these, never over re-serialised JSON. */
  body: Buffer;
  /** Time the platform still allows this invocation, when it says. */
  remainingMs?: () => number;
  requestId?: string;
}

/**
 * Headers on every answer, for the vulnerability scan KooGallery runs before listing: browsers must
 * not guess another content type (`nosniff`), and no browser or proxy may keep a copy (answers
 * carry delivery credentials).
 */
export const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
} as const;

/** The answer every entry sends back. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses a raw query string with form decoding (`+` is a space); bad escapes are kept as is. */
export function parseQuery(rawQuery: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const k = i < 0 ? part : part.slice(0, i);
    const v = i < 0 ? '' : part.slice(i + 1);
    out[safeDecode(k)] = safeDecode(v);
  }
  return out;
}

function safeDecode(s: string): string {
  const spaced = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Builds a query string from decoded parameters, for adapters whose platform gives no raw one. */
export function buildRawQuery(
  query: Record<string, string | undefined> | null | undefined,
): string {
  if (!query) return '';
  return (
    Object.entries(query)
      .filter((e): e is [string, string] => typeof e[1] === 'string')
      // encodeURIComponent throws on an unpaired surrogate: such a value becomes U+FFFD, so the
      // request is refused by its signature check instead of failing the invocation (#14).
      .map(
        ([k, v]) =>
          `${encodeURIComponent(toWellFormedText(k))}=${encodeURIComponent(toWellFormedText(v))}`,
      )
      .join('&')
  );
}

/** Lower-cases header names and drops empty values. */
export function lowerHeaders(
  headers: Record<string, string | string[] | undefined> | null | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
