/**
 * `npm run table:create`: creates the state table on any DynamoDB-compatible endpoint (AWS DynamoDB,
 * Huawei GeminiDB, dynalite), waits until it is ACTIVE, checks its key schema and enables TTL where
 * supported (all in `ensureTable`).
 * Idempotent: an existing table with the right key schema is a success.
 *
 * Environment: TABLE_NAME (required), DYNAMODB_ENDPOINT (default: AWS), DYNAMODB_REGION or AWS_REGION
 * (default us-east-1), and credentials from DYNAMODB_ACCESS_KEY_ID / DYNAMODB_SECRET_ACCESS_KEY (as
 * the function reads them) or the usual way (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
 * AWS_PROFILE, a role). A local dynalite (`npm start`'s store) checks no credentials, but the SDK
 * still needs some: placeholders do (`DYNAMODB_ACCESS_KEY_ID=local DYNAMODB_SECRET_ACCESS_KEY=local`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  adviceFor,
  errorName,
  printableEndpoint,
  summarizeSdkError,
} from '../lib/store/sdk-errors';
import { ensureTable, tableNameProblems } from '../lib/store/table-schema';

/** Where the script writes: progress to `out`, failures to `err`. */
export interface TableCreateOutput {
  out(line: string): void;
  err(line: string): void;
}

function fieldsText(fields?: Record<string, unknown>): string {
  if (!fields) return '';
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/**
 * What to do when the SDK found no credentials at all (not refused ones): which variables to set,
 * including the placeholders a local dynalite accepts.
 */
function missingCredentialsAdvice(endpoint: string | undefined): string[] {
  const local =
    endpoint !== undefined && /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(endpoint);
  return [
    'no credentials were found: set DYNAMODB_ACCESS_KEY_ID and DYNAMODB_SECRET_ACCESS_KEY (the ' +
      "table's keys, as the function reads them), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
      '(or AWS_PROFILE)',
    local
      ? "a local dynalite (npm start's store) checks none, so placeholders do: " +
        'DYNAMODB_ACCESS_KEY_ID=local DYNAMODB_SECRET_ACCESS_KEY=local npm run table:create'
      : "for a local dynalite (npm start's store) any placeholder values do, e.g. local / local",
  ];
}

/**
 * Runs the command against `env` and answers the process exit code (0 ready, 1 failed).
 *
 * @example
 * process.exitCode = await runTableCreate(process.env, { out: console.log, err: console.error });
 */
export async function runTableCreate(
  env: Readonly<Record<string, string | undefined>>,
  output: TableCreateOutput,
): Promise<number> {
  const tableName = env.TABLE_NAME?.trim() ?? '';
  const endpoint = env.DYNAMODB_ENDPOINT?.trim() || undefined;
  const region = env.DYNAMODB_REGION?.trim() || env.AWS_REGION?.trim() || 'us-east-1';

  const problems: string[] = [];
  if (tableName === '') problems.push('TABLE_NAME is not set: export TABLE_NAME=<table name>');
  else problems.push(...tableNameProblems(tableName));
  if (endpoint !== undefined && !URL.canParse(endpoint)) {
    problems.push('DYNAMODB_ENDPOINT is not a URL: use e.g. http://192.168.0.10:8000');
  }
  if (problems.length > 0) {
    for (const problem of problems) output.err(`table:create: ${problem}`);
    return 1;
  }

  const where = printableEndpoint(endpoint, region);
  output.out(`table:create: ensuring table "${tableName}" at ${where} (region ${region})`);
  // The function's own table keys (GeminiDB) first, as the function reads them; then AWS's.
  const ownKeys = Boolean(env.DYNAMODB_ACCESS_KEY_ID && env.DYNAMODB_SECRET_ACCESS_KEY);
  const accessKeyId = ownKeys ? env.DYNAMODB_ACCESS_KEY_ID : env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = ownKeys ? env.DYNAMODB_SECRET_ACCESS_KEY : env.AWS_SECRET_ACCESS_KEY;
  const sessionToken = ownKeys ? undefined : env.AWS_SESSION_TOKEN;
  const client = new DynamoDBClient({
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    // Keys from `env` when it has them; otherwise the SDK's default chain (profile, SSO, role).
    ...(accessKeyId && secretAccessKey
      ? {
          credentials: {
            accessKeyId,
            secretAccessKey,
            ...(sessionToken ? { sessionToken } : {}),
          },
        }
      : {}),
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: 3000,
      requestTimeout: 10_000,
      throwOnRequestTimeout: true,
    },
  });
  try {
    const result = await ensureTable({
      client,
      tableName,
      log: {
        info: (message, fields) => output.out(`table:create: ${message}${fieldsText(fields)}`),
        warn: (message, fields) =>
          output.out(`table:create: warning: ${message}${fieldsText(fields)}`),
      },
    });
    output.out(
      `table:create: table "${tableName}" is ready (${result.created ? `created, ${result.billing} billing` : 'already existed'}; ` +
        `TTL on expiresAt ${result.ttl === 'enabled' ? 'enabled' : 'not supported by this service: nonce items will stay, which is harmless'})`,
    );
    return 0;
  } catch (error) {
    if (errorName(error) === 'CredentialsProviderError') {
      output.err(`table:create: failed at ${where}: no credentials`);
      for (const line of missingCredentialsAdvice(endpoint)) output.err(`table:create: ${line}`);
      return 1;
    }
    output.err(`table:create: failed at ${where}: ${summarizeSdkError(error)}`);
    output.err(`table:create: ${adviceFor(error)}`);
    return 1;
  } finally {
    client.destroy();
  }
}

if (require.main === module) {
  runTableCreate(process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then((code) => {
    process.exitCode = code;
  });
}
