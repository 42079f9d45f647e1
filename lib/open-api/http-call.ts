/** What one HTTP exchange with an open API gave: the answer, or why there is none. */
export type Exchange =
  | { kind: 'answer'; status: number; text: string }
  | { kind: 'timeout'; problem: string }
  | { kind: 'network'; problem: string };

/**
 * Result codes meaning success for every KooGallery open API: the documentation shows both
 * prefixes (docs/protocol.md, decision 11).
 */
export const OPEN_API_SUCCESS_CODES: readonly string[] = ['MKT.0000', 'CBC.0000'];

/** Longest server message quoted in an error. */
const MAX_QUOTED = 200;

function networkProblem(error: unknown): string {
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? `network error (${cause.code})` : 'network error';
}

/**
 * Sends one request and reads the whole answer within `timeoutMs` (an `AbortController` covers the
 * body too). Never follows a redirect, so that signed headers never reach another host. Never
 * throws: a failure is described without the URL's secrets or any header.
 */
export async function exchange(
  fetchImpl: typeof fetch,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutMs: number,
): Promise<Exchange> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const timedOut: Exchange = { kind: 'timeout', problem: `no answer within ${timeoutMs} ms` };
  try {
    let response: Response;
    try {
      response = await fetchImpl(url, { ...init, signal: controller.signal, redirect: 'manual' });
    } catch (error) {
      return controller.signal.aborted
        ? timedOut
        : { kind: 'network', problem: networkProblem(error) };
    }
    try {
      return { kind: 'answer', status: response.status, text: await response.text() };
    } catch (error) {
      return controller.signal.aborted
        ? timedOut
        : { kind: 'network', problem: `${networkProblem(error)} while reading the answer` };
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Quotes a server message for an error: short, on one line, with anything that looks like a
 * signature and every occurrence of the given secrets masked.
 */
export function quoteServerMessage(message: unknown, secrets: readonly string[]): string {
  if (typeof message !== 'string' || message === '') return '';
  let text = message.replace(/Signature=[0-9a-fA-F]+/g, 'Signature=…').replace(/\s+/g, ' ');
  for (const secret of secrets) if (secret !== '') text = text.split(secret).join('…');
  return ` (${text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text})`;
}

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses an answer body; undefined unless it is a JSON object. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
