/** Signed requests built in process, for driving `createApp` without a server. */
import { randomBytes } from 'node:crypto';
import type { HttpRequest } from '../../../lib/http';
import { parseQuery } from '../../../lib/http';
import { signRequest } from '../../../lib/protocol/request-signature';
import { formatV1Timestamp, v1AuthToken } from '../../../lib/protocol/v1-auth-token';

/** Extra parts of a built request. */
export interface RequestOptions {
  nonce?: string;
  requestId?: string;
  remainingMs?: () => number;
}

/** A SaaS V2.0 (or License 2.0) POST signed with `key` at `nowMs`. */
export function signedPost(
  key: string,
  nowMs: number,
  body: unknown,
  o: RequestOptions = {},
): HttpRequest {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = String(nowMs);
  const nonce = o.nonce ?? randomBytes(32).toString('hex').toUpperCase();
  const signature = signRequest(key, nonce, timestamp, Buffer.from(text, 'utf8'));
  const rawQuery = new URLSearchParams({ signature, timestamp, nonce }).toString();
  return {
    method: 'POST',
    path: '/',
    rawQuery,
    query: parseQuery(rawQuery),
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(text, 'utf8'),
    requestId: o.requestId,
    remainingMs: o.remainingMs,
  };
}

/**
 * A SaaS V1.0 (or License 1.0) GET signed with `key` at `nowMs`, with `testFlag` "0" when `params`
 * has none (KooGallery sends it with every V1.0 call; the service refuses a call without it, #14).
 */
export function signedGet(
  key: string,
  nowMs: number,
  params: Record<string, string>,
  o: RequestOptions = {},
): HttpRequest {
  const flag: Record<string, string> = 'testFlag' in params ? {} : { testFlag: '0' };
  const all = { ...flag, ...params, timeStamp: formatV1Timestamp(nowMs) };
  const pairs = Object.entries(all).map(
    ([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`,
  );
  pairs.push(`authToken=${encodeURIComponent(v1AuthToken(key, all))}`);
  const rawQuery = pairs.join('&');
  return {
    method: 'GET',
    path: '/',
    rawQuery,
    query: parseQuery(rawQuery),
    headers: {},
    body: Buffer.alloc(0),
    requestId: o.requestId,
    remainingMs: o.remainingMs,
  };
}
