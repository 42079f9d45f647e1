/**
 * Sends requests the way KooGallery does: SaaS V2.0 and License 2.0 as POST JSON with
 * `signature`, `timestamp` (ms) and `nonce` on the query string, signed over the exact body bytes
 * (docs/protocol.md#transport, #request-signature,
 * #license-20); SaaS V1.0 and License 1.0 as GET with every
 * parameter on the query string and an `authToken` (docs/protocol.md#saas-v10). Answers are read with
 * node:http, which keeps the header names as sent (`rawHeaders`), so the judge can see a
 * `Body-sign` that KooGallery would not find.
 */

import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { ANSWER_TIMEOUT_MS, type CapturedResponse, judge, type Verdict } from './judge';
import { PROTOCOL_INFO, type Protocol } from './protocols';
import { type BodyDigestReading, v1TimeStamp, v1Token, v2Signature } from './signing';

/** How long the client waits before giving up on an answer: the debugger's 20 s. */
export const ABORT_AFTER_MS = 20_000;

/** The headers KooGallery sends with every POST call (docs/protocol.md#transport). */
export const REQUEST_HEADERS = {
  'Content-Type': 'application/json;charset=utf8',
  Accept: 'application/json',
  'User-Agent': 'koogallery-sim',
} as const;

/** The headers of a V1.0 GET call: no body, so no Content-Type. */
export const V1_REQUEST_HEADERS = {
  Accept: 'application/json',
  'User-Agent': 'koogallery-sim',
} as const;

/** A request ready to send: its URL carries the signature, and `body` is the exact signed text. */
export interface SignedRequest {
  /** POST for V2.0 and License 2.0, GET for V1.0 and License 1.0. */
  method: 'GET' | 'POST';
  /** The full URL, with the signature parameters on the query string. */
  url: string;
  /** The URL without the signature parameters. */
  baseUrl: string;
  /** V2.0: `signature`; V1.0: `authToken`. */
  signature: string;
  /** V2.0: `timestamp` (ms); V1.0: `timeStamp` (UTC yyyyMMddHHmmssSSS). */
  timestamp: string;
  /** V2.0: `nonce`; empty for V1.0, which has none (a replay repeats its `authToken`). */
  nonce: string;
  /** The raw body text that was signed; empty for a GET. */
  body: string;
  /** V1.0: every signed parameter, decoded, `authToken` excluded. */
  params?: Record<string, string>;
  headers: Record<string, string>;
}

/**
 * Overrides for {@link signedRequest}: a fixed timestamp (ms) or nonce, to stage replays and stale
 * calls, and the reading of the inner body digest (V2.0-style only; default `hmac`).
 */
export interface SignOverrides {
  timestampMs?: number;
  nonce?: string;
  bodyDigest?: BodyDigestReading;
}

/** A fresh nonce in the format of the documentation's examples: 64 upper-case hex characters. */
export function freshNonce(): string {
  return randomBytes(32).toString('hex').toUpperCase();
}

/**
 * Builds a V2.0-style signed POST for `body` (SaaS V2.0 and License 2.0) with a fresh timestamp and
 * nonce unless overridden.
 *
 * @example
 * const req = signedRequest('http://127.0.0.1:3000/', key, { activity: 'queryInstance', instanceId, testFlag: '1' });
 * const captured = await send(req);
 */
export function signedRequest(
  baseUrl: string,
  key: string,
  body: Record<string, unknown> | string,
  overrides: SignOverrides = {},
): SignedRequest {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = String(overrides.timestampMs ?? Date.now());
  const nonce = overrides.nonce ?? freshNonce();
  const signature = v2Signature(key, nonce, timestamp, text, overrides.bodyDigest);
  const url = new URL(baseUrl);
  url.searchParams.set('signature', signature);
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  return {
    method: 'POST',
    url: url.toString(),
    baseUrl,
    signature,
    timestamp,
    nonce,
    body: text,
    headers: { ...REQUEST_HEADERS },
  };
}

/** A V1.0 query value: strings as they are, other JSON values serialised. */
function paramValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Builds a V1.0 signed GET (SaaS V1.0 and License 1.0): every field of `params` on the query
 * string, form-encoded as Java's `URLEncoder` does (`+` as `%2B`, a space as `+`), then
 * `testFlag` "0" when `params` has none, `timeStamp` (UTC yyyyMMddHHmmssSSS) and the `authToken`
 * over the decoded values of every parameter, the production URL's own included
 * (docs/protocol.md#authtoken).
 *
 * @example
 * const req = signedV1Request(url, key, { activity: 'releaseInstance', instanceId, testFlag: '1' });
 */
export function signedV1Request(
  baseUrl: string,
  key: string,
  params: Record<string, unknown>,
  overrides: Pick<SignOverrides, 'timestampMs'> = {},
): SignedRequest {
  const url = new URL(baseUrl);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) url.searchParams.set(name, paramValue(value));
  }
  // KooGallery sends testFlag with every V1.0 call ("0" for a real one); the service refuses a
  // V1.0 call without it (#14).
  if (!url.searchParams.has('testFlag')) url.searchParams.set('testFlag', '0');
  const timestamp = v1TimeStamp(overrides.timestampMs ?? Date.now());
  url.searchParams.set('timeStamp', timestamp);
  url.searchParams.delete('authToken');
  const signed: Record<string, string> = Object.fromEntries(url.searchParams.entries());
  const authToken = v1Token(key, signed);
  url.searchParams.set('authToken', authToken);
  return {
    method: 'GET',
    url: url.toString(),
    baseUrl,
    signature: authToken,
    timestamp,
    nonce: '',
    body: '',
    params: signed,
    headers: { ...V1_REQUEST_HEADERS },
  };
}

/** Signs `body` the way `protocol` is signed: a V2.0-style POST or a V1.0 GET. */
export function signFor(
  protocol: Protocol,
  baseUrl: string,
  key: string,
  body: Record<string, unknown>,
  overrides: SignOverrides = {},
): SignedRequest {
  return PROTOCOL_INFO[protocol].transport === 'get-auth-token'
    ? signedV1Request(baseUrl, key, body, overrides)
    : signedRequest(baseUrl, key, body, overrides);
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

function describeError(err: unknown, abortAfterMs: number): string {
  if (err instanceof Error) {
    if (isTimeout(err)) {
      return `no answer within ${abortAfterMs} ms`;
    }
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

/** Header values by lower-case name; repeated headers joined with ", " as fetch does. */
function lowerCaseHeaders(raw: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  }
  return out;
}

/**
 * Sends a signed request with node:http (or node:https; `NODE_EXTRA_CA_CERTS` applies) and
 * captures the answer as it arrived: status, headers with their names as sent, exact body bytes
 * and the time to the last byte. Redirects are not followed. A transport failure is captured,
 * not thrown.
 */
export function send(
  req: SignedRequest,
  abortAfterMs: number = ABORT_AFTER_MS,
): Promise<CapturedResponse> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (captured: Omit<CapturedResponse, 'elapsedMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...captured, elapsedMs: performance.now() - started });
    };
    const signal = AbortSignal.timeout(abortAfterMs);
    const failed = (err: unknown, kind: CapturedResponse['errorKind'] = 'connection') =>
      finish({
        status: 0,
        headers: {},
        body: Buffer.alloc(0),
        error: describeError(err, abortAfterMs),
        errorKind: isTimeout(err) || signal.aborted ? 'timeout' : kind,
      });
    let url: URL;
    try {
      url = new URL(req.url);
    } catch (err) {
      failed(err);
      return;
    }
    const body = Buffer.from(req.body, 'utf8');
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.method === 'POST') headers['Content-Length'] = body.length;
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (err) => failed(err, 'broken'));
      res.on('close', () => {
        if (!res.complete) {
          failed(
            signal.aborted ? signal.reason : new Error('the connection closed mid-answer'),
            'broken',
          );
        }
      });
      res.on('end', () =>
        finish({
          status: res.statusCode ?? 0,
          headers: lowerCaseHeaders(res.rawHeaders),
          rawHeaders: [...res.rawHeaders],
          body: Buffer.concat(chunks),
        }),
      );
    };
    try {
      const outgoing = request(url, { method: req.method, headers, signal }, onResponse);
      outgoing.on('error', failed);
      outgoing.end(req.method === 'POST' ? body : undefined);
    } catch (err) {
      failed(err);
    }
  });
}

/** Where and how to call: the production interface URL, its access key, the answer-time limit. */
export interface Target {
  url: string;
  /** The key of the interface type spoken (`--key`): it signs requests and checks answers. */
  key: string;
  /** The interface type spoken (default `v2`). */
  protocol?: Protocol;
  /** Longest acceptable answer time (default {@link ANSWER_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** License 1.0: the public key that verifies the default issuer's licenses offline. */
  licensePublicKey?: KeyObject;
  /** V2.0-style protocols: the reading of the inner body digest to sign with (default `hmac`). */
  bodyDigest?: BodyDigestReading;
}

/** One request sent, the answer captured, and its judgement. */
export interface Exchange {
  activity: string;
  body: Record<string, unknown>;
  request: SignedRequest;
  response: CapturedResponse;
  verdict: Verdict;
}

/** The result code an exchange got, or why it got none. */
export function codeOf(ex: Exchange): string {
  return ex.verdict.resultCode ?? (ex.response.error !== undefined ? 'no answer' : 'none');
}

/** Options of {@link call}: expected result codes, a different signing key, fixed timestamp or nonce. */
export interface CallOptions extends SignOverrides {
  expect?: readonly string[];
  /** Signs with this key instead of the target's (to stage a wrong key); the answer is judged with the target's. */
  signWith?: string;
  /** Sends this exact request again instead of signing a new one (to stage a replayed nonce or token). */
  replay?: SignedRequest;
}

/**
 * Signs `body` for the target's protocol, sends it and judges the answer.
 *
 * @example
 * const ex = await call({ url, key }, { activity: 'releaseInstance', instanceId, testFlag: '1' });
 * if (!ex.verdict.ok) console.log(ex.verdict.findings);
 */
export async function call(
  target: Target,
  body: Record<string, unknown>,
  options: CallOptions = {},
): Promise<Exchange> {
  const protocol = target.protocol ?? 'v2';
  const sign: SignOverrides = {
    ...options,
    ...(target.bodyDigest ? { bodyDigest: target.bodyDigest } : {}),
  };
  const request =
    options.replay ?? signFor(protocol, target.url, options.signWith ?? target.key, body, sign);
  const timeoutMs = target.timeoutMs ?? ANSWER_TIMEOUT_MS;
  // Wait at least as long as the debugger (20 s), longer when the caller allows more.
  const response = await send(request, Math.max(ABORT_AFTER_MS, timeoutMs + 1000));
  const activity = typeof body.activity === 'string' ? body.activity : '';
  const verdict = judge({ activity, body }, response, {
    key: target.key,
    expect: options.expect ?? ['000000'],
    timeoutMs,
    protocol,
    ...(target.licensePublicKey ? { licensePublicKey: target.licensePublicKey } : {}),
  });
  return { activity, body, request, response, verdict };
}
