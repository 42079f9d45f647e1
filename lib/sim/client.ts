/**
 * Sends requests the way KooGallery does (saas-v2.md §1.2, §1.3): POST, JSON body, and
 * `signature`, `timestamp` (ms) and `nonce` on the query string, signed over the exact body bytes.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { signRequest } from '../protocol/request-signature';
import { ANSWER_TIMEOUT_MS, type CapturedResponse, judge, type Verdict } from './judge';

/** How long the client waits before giving up on an answer: the debugger's 20 s. */
export const ABORT_AFTER_MS = 20_000;

/** The headers KooGallery sends with every call (saas-v2.md §1.2). */
export const REQUEST_HEADERS = {
  'Content-Type': 'application/json;charset=utf8',
  Accept: 'application/json',
  'User-Agent': 'koogallery-sim',
} as const;

/** A request ready to send: its URL carries the signature, and `body` is the exact signed text. */
export interface SignedRequest {
  /** The full URL, with `signature`, `timestamp` and `nonce` on the query string. */
  url: string;
  /** The URL without the signature parameters. */
  baseUrl: string;
  signature: string;
  timestamp: string;
  nonce: string;
  /** The raw body text that was signed. */
  body: string;
  headers: Record<string, string>;
}

/** Overrides for {@link signedRequest}: a fixed timestamp (ms) or nonce, to stage replays and stale calls. */
export interface SignOverrides {
  timestampMs?: number;
  nonce?: string;
}

/** A fresh nonce in the format of the documentation's examples: 64 upper-case hex characters. */
export function freshNonce(): string {
  return randomBytes(32).toString('hex').toUpperCase();
}

/**
 * Builds a signed request for `body` with a fresh timestamp and nonce unless overridden.
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
  const signature = signRequest(key, nonce, timestamp, Buffer.from(text, 'utf8'));
  const url = new URL(baseUrl);
  url.searchParams.set('signature', signature);
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);
  return {
    url: url.toString(),
    baseUrl,
    signature,
    timestamp,
    nonce,
    body: text,
    headers: { ...REQUEST_HEADERS },
  };
}

function describeError(err: unknown, abortAfterMs: number): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') {
      return `no answer within ${abortAfterMs} ms`;
    }
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message;
    return detail ? `${err.message} (${detail})` : err.message;
  }
  return String(err);
}

/**
 * Sends a signed request with `fetch` and captures the answer as it arrived: status, headers,
 * exact body bytes and the time to the last byte. A transport failure is captured, not thrown.
 */
export async function send(
  req: SignedRequest,
  abortAfterMs: number = ABORT_AFTER_MS,
): Promise<CapturedResponse> {
  const started = performance.now();
  try {
    const res = await fetch(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(abortAfterMs),
    });
    const body = Buffer.from(await res.arrayBuffer());
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    return { status: res.status, headers, body, elapsedMs: performance.now() - started };
  } catch (err) {
    return {
      status: 0,
      headers: {},
      body: Buffer.alloc(0),
      elapsedMs: performance.now() - started,
      error: describeError(err, abortAfterMs),
    };
  }
}

/** Where and how to call: the production interface URL, its access key, the answer-time limit. */
export interface Target {
  url: string;
  key: string;
  /** Longest acceptable answer time (default {@link ANSWER_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/** One request sent, the answer captured, and its judgement. */
export interface Exchange {
  activity: string;
  body: Record<string, unknown>;
  request: SignedRequest;
  response: CapturedResponse;
  verdict: Verdict;
}

/** Options of {@link call}: expected result codes, a different signing key, fixed timestamp or nonce. */
export interface CallOptions extends SignOverrides {
  expect?: readonly string[];
  /** Signs with this key instead of the target's (to stage a wrong key); the answer is judged with the target's. */
  signWith?: string;
  /** Sends this exact request again instead of signing a new one (to stage a replayed nonce). */
  replay?: SignedRequest;
}

/**
 * Signs `body`, sends it to the target and judges the answer.
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
  const request =
    options.replay ?? signedRequest(target.url, options.signWith ?? target.key, body, options);
  const timeoutMs = target.timeoutMs ?? ANSWER_TIMEOUT_MS;
  // Wait at least as long as the debugger (20 s), longer when the caller allows more.
  const response = await send(request, Math.max(ABORT_AFTER_MS, timeoutMs + 1000));
  const activity = typeof body.activity === 'string' ? body.activity : '';
  const verdict = judge({ activity, body }, response, {
    key: target.key,
    expect: options.expect ?? ['000000'],
    timeoutMs,
  });
  return { activity, body, request, response, verdict };
}
