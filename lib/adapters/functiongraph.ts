import type { App } from '../app';
import { buildRawQuery, type HttpRequest, lowerHeaders, parseQuery } from '../http';

/** FunctionGraph's APIG trigger event (docs/protocol.md#functiongraph): lowercase headers, base64 body by default. */
export interface FunctionGraphApigEvent {
  body?: string;
  isBase64Encoded?: boolean;
  httpMethod?: string;
  path?: string;
  headers?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  pathParameters?: Record<string, string>;
  requestContext?: { apiId?: string; requestId?: string; stage?: string };
}

/** The parts of FunctionGraph's context object this function uses. */
export interface FunctionGraphContext {
  getRequestID?(): string;
  getRemainingTimeInMilliSeconds?(): number;
  /** Reads a user-data (environment) variable configured on the function. */
  getUserData?(key: string): string | undefined;
  getLogger?(): { info(...args: unknown[]): void };
}

/** The response shape APIG requires from a FunctionGraph backend; any other shape is an HTTP 500. */
export interface FunctionGraphResponse {
  statusCode: number;
  isBase64Encoded: boolean;
  headers: Record<string, string>;
  body: string;
}

/**
 * Turns an APIG trigger event into the app's request. FunctionGraph gives decoded query values
 * only, so the raw query is rebuilt from them.
 */
export function fromFunctionGraphEvent(
  event: FunctionGraphApigEvent,
  context?: FunctionGraphContext,
): HttpRequest {
  const raw = event.body ?? '';
  // The template default is base64; a missing flag with a body is treated as base64 as well.
  const base64 = event.isBase64Encoded !== false;
  const rawQuery = buildRawQuery(event.queryStringParameters);
  return {
    method: (event.httpMethod ?? 'POST').toUpperCase(),
    path: event.path ?? '/',
    rawQuery,
    query: { ...parseQuery(rawQuery) },
    headers: lowerHeaders(event.headers),
    body: Buffer.from(raw, base64 ? 'base64' : 'utf8'),
    // FunctionGraph spells it MilliSeconds, unlike Lambda's getRemainingTimeInMillis.
    remainingMs: context?.getRemainingTimeInMilliSeconds
      ? () => context.getRemainingTimeInMilliSeconds?.() ?? 0
      : undefined,
    requestId: context?.getRequestID?.() ?? event.requestContext?.requestId,
  };
}

/**
 * The FunctionGraph entry. Settings come from `context.getUserData` (falling back to the process
 * environment), read on the first call; the app is built once per instance.
 */
export function createFunctionGraphHandler(
  getApp: (lookup: (key: string) => string | undefined) => Promise<App>,
): (
  event: FunctionGraphApigEvent,
  context: FunctionGraphContext,
) => Promise<FunctionGraphResponse> {
  let app: Promise<App> | undefined;
  return async (event, context) => {
    app ??= getApp((key) => context?.getUserData?.(key) || process.env[key]).catch(
      (err: unknown) => {
        app = undefined;
        throw err;
      },
    );
    const response = await (await app)(fromFunctionGraphEvent(event, context));
    return {
      statusCode: response.statusCode,
      isBase64Encoded: false,
      headers: response.headers,
      body: response.body,
    };
  };
}
