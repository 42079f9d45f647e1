/**
 * A keep-alive HTTP client for load and fault tests: node:http with one Agent (`maxSockets` =
 * the concurrency), every request V2.0-signed with a fresh nonce, answers timed.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { signRequest } from '../../lib/protocol/request-signature';

/** One answer as the load and fault tests judge it. */
export interface TimedAnswer {
  /** HTTP status, or 0 when the connection failed. */
  status: number;
  /** The body's `resultCode`, or `''` when the body was not V2.0 JSON. */
  resultCode: string;
  json: Record<string, unknown>;
  /** Wall-clock milliseconds from sending to the last byte. */
  ms: number;
  /** The connection error's code, when status is 0. */
  error?: string;
}

/** A signed client bound to one service. */
export interface SignedClient {
  /** Signs `body` (an object, or a string sent as is) with the key and posts it. */
  send(body: unknown, options?: { timeoutMs?: number }): Promise<TimedAnswer>;
  /** Posts bytes with a query string exactly as given (unsigned or hand-signed). */
  sendRaw(
    query: string,
    body: Buffer,
    options?: { timeoutMs?: number; method?: string },
  ): Promise<TimedAnswer>;
  close(): void;
}

/**
 * A client for `url` signing with `accessKey`, at most `maxSockets` connections.
 *
 * @example const client = createSignedClient(svc.url, svc.accessKey, 64);
 */
export function createSignedClient(url: string, accessKey: string, maxSockets = 64): SignedClient {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const target = new URL(url);

  const sendRaw: SignedClient['sendRaw'] = (query, body, options = {}) =>
    new Promise((resolve) => {
      const started = performance.now();
      const done = (a: Omit<TimedAnswer, 'ms'>) =>
        resolve({ ...a, ms: performance.now() - started });
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: options.method ?? 'POST',
          path: `/?${query}`,
          headers: {
            'Content-Type': 'application/json;charset=utf8',
            'Content-Length': body.length,
          },
          timeout: options.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let json: Record<string, unknown> = {};
            try {
              json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
            } catch {
              json = {};
            }
            const code = typeof json.resultCode === 'string' ? json.resultCode : '';
            done({ status: res.statusCode ?? 0, resultCode: code, json });
          });
          res.on('error', (e: NodeJS.ErrnoException) =>
            done({ status: 0, resultCode: '', json: {}, error: e.code ?? e.name }),
          );
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
      );
      req.on('error', (e: NodeJS.ErrnoException) =>
        done({ status: 0, resultCode: '', json: {}, error: e.code ?? e.name }),
      );
      req.end(body);
    });

  return {
    send(body, options) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const bytes = Buffer.from(text, 'utf8');
      const timestamp = String(Date.now());
      const nonce = randomBytes(16).toString('hex');
      const signature = signRequest(accessKey, nonce, timestamp, bytes);
      return sendRaw(
        `signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`,
        bytes,
        options,
      );
    },
    sendRaw,
    close: () => agent.destroy(),
  };
}

/** The value at fraction `q` (0..1) of sorted numbers, or 0 for none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

/**
 * Sends like KooGallery retries: until `000000`, at most `attempts` times, `delayMs` apart.
 * Resolves with every answer received, the last one first.
 */
export async function retryUntilSuccess(
  send: () => Promise<TimedAnswer>,
  attempts: number,
  delayMs: number,
): Promise<TimedAnswer[]> {
  const answers: TimedAnswer[] = [];
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, delayMs));
    const a = await send();
    answers.unshift(a);
    if (a.resultCode === '000000') break;
  }
  return answers;
}
