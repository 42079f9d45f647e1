/**
 * What a DynamoDB SDK (or dynamoose) error means for an operator, in one place: the dynamoose adapter
 * and `npm run table:create` both turn errors into a message that says what to check. Errors are
 * recognised by `name` and `code`, never `instanceof`: they may come from another copy of the SDK
 * or from a compatible service (GeminiDB, dynalite). Nothing here ever prints a credential.
 */
import { KEY_ATTRIBUTE } from './table-schema';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'AccessDeniedException',
  'ExpiredTokenException',
  'CredentialsProviderError',
  'IncompleteSignatureException',
]);
const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);

function field(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object'
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/** The error's `name` (`'Error'` when it has none). */
export function errorName(error: unknown): string {
  const name = field(error, 'name');
  return typeof name === 'string' ? name : 'Error';
}

/** True when a DynamoDB condition did not hold (the only error that is an answer, not a failure). */
export function isConditionFailure(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

/** True when the endpoint refused, dropped or did not answer the connection in time. */
function isNetworkError(error: unknown): boolean {
  if (errorName(error) === 'TimeoutError') return true;
  const code = field(error, 'code');
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  // Node's happy-eyeballs connect reports every address that failed in an AggregateError.
  const errors = field(error, 'errors');
  return Array.isArray(errors) && errors.some(isNetworkError);
}

function httpStatus(error: unknown): number | undefined {
  const status = field(field(error, '$metadata'), 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

/** The endpoint as it may appear in a message: any `user:password@` part of the URL is dropped. */
export function printableEndpoint(endpoint: string | undefined, region: string): string {
  if (endpoint === undefined) return `the AWS DynamoDB endpoint of region ${region}`;
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'the configured endpoint (not a valid URL: check DYNAMODB_ENDPOINT)';
  }
}

/**
 * A short description of an SDK error for an operator-facing message: name, code and the first
 * 200 characters of its message (unlike `describeError` in `lib/errors.ts`, which builds log
 * fields and withholds foreign messages).
 */
export function summarizeSdkError(error: unknown): string {
  const name = errorName(error);
  const code = field(error, 'code');
  const message = error instanceof Error ? error.message : String(error);
  const label = typeof code === 'string' && code !== name ? `${name} ${code}` : name;
  return `${label}: ${message.length > 200 ? `${message.slice(0, 200)}…` : message}`;
}

/** What the operator should check after `error`, naming the configuration keys involved. */
export function adviceFor(error: unknown): string {
  const name = errorName(error);
  const status = httpStatus(error);
  if (isNetworkError(error)) {
    return (
      'the endpoint did not answer in time or refused the connection: check DYNAMODB_ENDPOINT, ' +
      'the region and network access (a FunctionGraph function needs VPC access to reach GeminiDB)'
    );
  }
  if (name === 'ResourceNotFoundException') {
    return (
      'the table does not exist there: check TABLE_NAME and DYNAMODB_ENDPOINT, or create it with ' +
      '`npm run table:create`'
    );
  }
  if (CREDENTIAL_ERRORS.has(name)) {
    return (
      'the credentials were refused or missing: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY ' +
      '(or the function role / agency), their permissions on the table, and the region'
    );
  }
  if (THROTTLING_ERRORS.has(name)) {
    return 'the table is throttling requests: retry later or raise its capacity';
  }
  if (status !== undefined && !name.endsWith('Exception')) {
    return (
      `the endpoint answered HTTP ${status} without a DynamoDB error: check that DYNAMODB_ENDPOINT ` +
      'is the DynamoDB-compatible API address (GeminiDB: the load balancer, port 8000 or 80)'
    );
  }
  if (name === 'ValidationException') {
    return (
      `the service refused the request: check that TABLE_NAME is the state table (one string hash ` +
      `key "${KEY_ATTRIBUTE}"); \`npm run table:create\` checks it`
    );
  }
  return 'check DYNAMODB_ENDPOINT, TABLE_NAME, the region and the credentials';
}
