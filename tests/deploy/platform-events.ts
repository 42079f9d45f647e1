/**
 * The same signed KooGallery call as each platform delivers it to a function: API Gateway HTTP API
 * (payload v2), REST API (v1), Lambda Function URL, and FunctionGraph's APIG trigger (docs/protocol.md#functiongraph: base64 body, lowercase headers, no raw query string). Used by the deploy tests and to
 * write the samples in `events/`.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import type { SignedRequest } from '../../lib/sim/client';

/** What the events are built from: the request `signedRequest` produced. */
export type CallForEvent = Pick<SignedRequest, 'url' | 'body' | 'headers'>;

/** FunctionGraph's APIG trigger event, as documented (docs/protocol.md#functiongraph). */
export interface FunctionGraphApigEvent {
  body: string;
  requestContext: { apiId: string; requestId: string; stage: string };
  queryStringParameters: Record<string, string>;
  httpMethod: string;
  pathParameters: Record<string, string>;
  headers: Record<string, string>;
  path: string;
  isBase64Encoded: boolean;
}

const REQUEST_ID = 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef';

function parts(call: CallForEvent): {
  path: string;
  rawQuery: string;
  query: Record<string, string>;
  headers: Record<string, string>;
} {
  const url = new URL(call.url);
  const headers: Record<string, string> = { host: url.host };
  for (const [k, v] of Object.entries(call.headers)) headers[k.toLowerCase()] = v;
  headers['content-length'] = String(Buffer.byteLength(call.body));
  return {
    path: url.pathname,
    rawQuery: url.search.replace(/^\?/, ''),
    query: Object.fromEntries(url.searchParams),
    headers,
  };
}

/** An API Gateway HTTP API (payload format 2.0) event for a POST of `call`. */
export function httpApiV2Event(call: CallForEvent): APIGatewayProxyEventV2 {
  const p = parts(call);
  return {
    version: '2.0',
    routeKey: `POST ${p.path}`,
    rawPath: p.path,
    rawQueryString: p.rawQuery,
    headers: p.headers,
    queryStringParameters: p.query,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      domainName: p.headers.host ?? 'abcdef1234.execute-api.ap-southeast-1.amazonaws.com',
      domainPrefix: 'abcdef1234',
      http: {
        method: 'POST',
        path: p.path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.10',
        userAgent: p.headers['user-agent'] ?? '',
      },
      requestId: REQUEST_ID,
      routeKey: `POST ${p.path}`,
      stage: '$default',
      time: '28/Nov/2026:13:00:00 +0000',
      timeEpoch: 1795870800000,
    },
    body: call.body,
    isBase64Encoded: false,
  };
}

/** A Lambda Function URL event: payload 2.0 with `routeKey` `$default`, usually a base64 body. */
export function functionUrlEvent(call: CallForEvent): APIGatewayProxyEventV2 {
  const e = httpApiV2Event(call);
  return {
    ...e,
    routeKey: '$default',
    requestContext: {
      ...e.requestContext,
      routeKey: '$default',
      domainName: 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.ap-southeast-1.on.aws',
      domainPrefix: 'abcdefghijklmnopqrstuvwxyz012345',
    },
    body: Buffer.from(call.body, 'utf8').toString('base64'),
    isBase64Encoded: true,
  };
}

/** An API Gateway REST API (v1 proxy integration) event. */
export function restV1Event(call: CallForEvent): APIGatewayProxyEvent {
  const p = parts(call);
  const multiHeaders = Object.fromEntries(Object.entries(p.headers).map(([k, v]) => [k, [v]]));
  const multiQuery = Object.fromEntries(Object.entries(p.query).map(([k, v]) => [k, [v]]));
  return {
    resource: p.path,
    path: p.path,
    httpMethod: 'POST',
    headers: p.headers,
    multiValueHeaders: multiHeaders,
    queryStringParameters: p.query,
    multiValueQueryStringParameters: multiQuery,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      authorizer: undefined,
      protocol: 'HTTP/1.1',
      httpMethod: 'POST',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.10',
        user: null,
        userAgent: p.headers['user-agent'] ?? null,
        userArn: null,
      },
      path: `/prod${p.path}`,
      stage: 'prod',
      requestId: REQUEST_ID,
      requestTimeEpoch: 1795870800000,
      resourceId: 'abc123',
      resourcePath: p.path,
    },
    body: call.body,
    isBase64Encoded: false,
  };
}

/** FunctionGraph's APIG trigger event: base64 body, lowercase headers, decoded query values. */
export function functionGraphApigEvent(call: CallForEvent): FunctionGraphApigEvent {
  const p = parts(call);
  return {
    body: Buffer.from(call.body, 'utf8').toString('base64'),
    requestContext: {
      apiId: 'bc1dcffd-aa35-474d-897c-d53425a4c08e',
      requestId: '11cdcdcf33949dc6d722640a13091c77',
      stage: 'RELEASE',
    },
    queryStringParameters: p.query,
    httpMethod: 'POST',
    pathParameters: {},
    headers: {
      ...p.headers,
      'x-forwarded-port': '443',
      'x-forwarded-for': '203.0.113.10',
      'x-forwarded-proto': 'https',
      'x-real-ip': '203.0.113.10',
    },
    path: p.path,
    isBase64Encoded: true,
  };
}
