import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { App } from '../app';
import { buildRawQuery, type HttpRequest, lowerHeaders, parseQuery } from '../http';

/** The events one Lambda entry accepts: HTTP API (payload v2) or Function URL, and REST (v1). */
export type LambdaHttpEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent;

function isV2(event: LambdaHttpEvent): event is APIGatewayProxyEventV2 {
  return (event as APIGatewayProxyEventV2).version === '2.0';
}

/**
 * Turns an API Gateway (HTTP API v2, REST v1) or Function URL event into the app's request. The
 * raw query string is kept where the platform gives it (v2), since V1.0 signatures need it.
 */
export function fromLambdaEvent(event: LambdaHttpEvent, context?: Partial<Context>): HttpRequest {
  const headers = lowerHeaders(event.headers as Record<string, string | undefined>);
  const rawBody = event.body ?? '';
  const body = Buffer.from(rawBody, event.isBase64Encoded ? 'base64' : 'utf8');
  let method: string;
  let path: string;
  let rawQuery: string;
  if (isV2(event)) {
    method = event.requestContext?.http?.method ?? 'POST';
    path = event.rawPath ?? '/';
    rawQuery = event.rawQueryString ?? buildRawQuery(event.queryStringParameters);
  } else {
    method = event.httpMethod ?? 'POST';
    path = event.path ?? '/';
    // REST v1 gives decoded values only; multi-value keeps every value in arrival order.
    const multi = event.multiValueQueryStringParameters;
    rawQuery = multi
      ? Object.entries(multi)
          .flatMap(([k, vs]) =>
            (vs ?? []).map((v) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
          )
          .join('&')
      : buildRawQuery(event.queryStringParameters);
  }
  return {
    method: method.toUpperCase(),
    path,
    rawQuery,
    query: parseQuery(rawQuery),
    headers,
    body,
    remainingMs: context?.getRemainingTimeInMillis
      ? () => context.getRemainingTimeInMillis?.() ?? 0
      : undefined,
    requestId: context?.awsRequestId,
  };
}

/**
 * The Lambda entry over an app built lazily once per container (so a configuration error is
 * reported on the first call, with every problem named, rather than crashing the import).
 */
export function createLambdaHandler(
  getApp: () => Promise<App>,
): (
  event: LambdaHttpEvent,
  context: Context,
) => Promise<APIGatewayProxyResult | APIGatewayProxyStructuredResultV2> {
  let app: Promise<App> | undefined;
  return async (event, context) => {
    app ??= getApp().catch((err: unknown) => {
      app = undefined;
      throw err;
    });
    const response = await (await app)(fromLambdaEvent(event, context));
    return {
      statusCode: response.statusCode,
      headers: response.headers,
      body: response.body,
      isBase64Encoded: false,
    };
  };
}
