/**
 * Renders a signed request as something else that can deliver it: an API Gateway HTTP API (v2)
 * event or a FunctionGraph APIG-trigger event for `serverless invoke local`, or a curl command.
 * A V2.0 or License 2.0 request is a POST with a JSON body; a V1.0 or License 1.0 request a GET
 * whose query string is everything.
 */
import { randomBytes } from 'node:crypto';
import type { SignedRequest } from './client';

function parts(req: SignedRequest): { url: URL; query: Record<string, string> } {
  const url = new URL(req.url);
  return { url, query: Object.fromEntries(url.searchParams.entries()) };
}

/**
 * An API Gateway HTTP API (payload format 2.0) event carrying the signed request, as
 * `serverless invoke local --path event.json` feeds the handler.
 */
export function apiGatewayV2Event(req: SignedRequest, nowMs: number = Date.now()) {
  const { url, query } = parts(req);
  const requestId = randomBytes(8).toString('hex');
  const post = req.method === 'POST';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers: {
      accept: req.headers.Accept ?? 'application/json',
      ...(post
        ? {
            'content-type': req.headers['Content-Type'] ?? 'application/json',
            'content-length': String(Buffer.byteLength(req.body, 'utf8')),
          }
        : {}),
      host: url.host,
      'user-agent': 'koogallery-sim',
    },
    queryStringParameters: query,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'koogallery-sim',
      domainName: url.hostname,
      domainPrefix: url.hostname.split('.')[0] ?? url.hostname,
      http: {
        method: req.method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'koogallery-sim',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: new Date(nowMs).toUTCString(),
      timeEpoch: nowMs,
    },
    ...(post ? { body: req.body } : {}),
    isBase64Encoded: false,
  };
}

/**
 * A FunctionGraph APIG-trigger event (docs/protocol.md#functiongraph): base64 body, `isBase64Encoded` true,
 * lower-case header names, the signature on `queryStringParameters`.
 */
export function functionGraphEvent(req: SignedRequest) {
  const { url, query } = parts(req);
  return {
    body: Buffer.from(req.body, 'utf8').toString('base64'),
    requestContext: {
      apiId: 'koogallery-sim',
      requestId: randomBytes(16).toString('hex'),
      stage: 'RELEASE',
    },
    queryStringParameters: query,
    httpMethod: req.method,
    pathParameters: {},
    headers: {
      accept: req.headers.Accept ?? 'application/json',
      ...(req.method === 'POST'
        ? { 'content-type': req.headers['Content-Type'] ?? 'application/json' }
        : {}),
      host: url.host,
      'user-agent': 'koogallery-sim',
      'x-forwarded-proto': url.protocol.replace(':', ''),
    },
    path: url.pathname,
    isBase64Encoded: true,
  };
}

/** Quotes one argument for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A curl command line that sends the signed request and shows the answer's headers (`-i`). */
export function curlCommand(req: SignedRequest): string {
  const headers = Object.entries(req.headers)
    .filter(([name]) => name !== 'User-Agent')
    .map(([name, value]) => `-H ${shellQuote(`${name}: ${value}`)}`);
  if (req.method === 'GET') return ['curl -sS -i', shellQuote(req.url), ...headers].join(' ');
  return [
    'curl -sS -i -X POST',
    shellQuote(req.url),
    ...headers,
    `--data-raw ${shellQuote(req.body)}`,
  ].join(' ');
}
