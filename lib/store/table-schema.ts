/**
 * The one place the state table's schema lives: its key, its TTL attribute, how to create it and how
 * to check an existing one. The dynamoose adapter, the embedded dynalite store, `npm run table:create`
 * and the cold-start check all read it from here; `serverless.yml` must declare the same key.
 *
 * Portability (AWS DynamoDB, Huawei GeminiDB's DynamoDB API, dynalite): one string hash key and no
 * sort key, no secondary index, no streams, no tags; the table name has no `.` (GeminiDB refuses it).
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { Logger } from '../log';

/** The table's only key attribute: a string HASH key, e.g. `INSTANCE#real#<id>` or `NONCE#v2#<nonce>`. */
export const KEY_ATTRIBUTE = 'pk';

/** The TTL attribute (epoch seconds) carried by nonce items; instance items never expire. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** How the table is billed: on demand where the service supports it, provisioned otherwise. */
export type BillingChoice = 'on-demand' | 'provisioned';

/** Capacity used when a service refuses on-demand billing (GeminiDB ignores capacity anyway). */
const PROVISIONED_CAPACITY = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } as const;

/** What {@link ensureTable} did. */
export interface EnsureTableResult {
  /** True when this call created the table. */
  created: boolean;
  /** The billing mode the table was created with (undefined when it already existed). */
  billing?: BillingChoice;
  /** `enabled`: TTL on {@link TTL_ATTRIBUTE} is on; `unsupported`: the service refused it (see log). */
  ttl: 'enabled' | 'unsupported';
}

/** The minimal logger {@link ensureTable} reports progress to. */
export type TableLog = Pick<Logger, 'info' | 'warn'>;

const TABLE_NAME = /^[A-Za-z0-9_-]{3,255}$/;

/**
 * Problems with a table name, empty when it is usable everywhere: DynamoDB allows `[A-Za-z0-9_.-]`,
 * 3 to 255 characters, and GeminiDB additionally refuses `.`.
 */
export function tableNameProblems(tableName: string): string[] {
  if (TABLE_NAME.test(tableName)) return [];
  if (tableName.includes('.')) {
    return [
      `table name "${tableName}" contains "." which GeminiDB does not accept: use "-" or "_"`,
    ];
  }
  return [
    `table name "${tableName}" is not valid: use 3 to 255 characters from A-Z, a-z, 0-9, "_" and "-"`,
  ];
}

/**
 * The CreateTable request for the state table: `pk` (S) as the only key, billed on demand unless
 * `billing` is `provisioned` (dynalite and DynamoDB accept on-demand; GeminiDB does not document
 * BillingMode, so {@link ensureTable} falls back to provisioned when it is refused).
 */
export function createTableInput(
  tableName: string,
  billing: BillingChoice = 'on-demand',
): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: KEY_ATTRIBUTE, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: KEY_ATTRIBUTE, KeyType: 'HASH' }],
    ...(billing === 'on-demand'
      ? { BillingMode: 'PAY_PER_REQUEST' }
      : { ProvisionedThroughput: { ...PROVISIONED_CAPACITY } }),
  };
}

function errorName(error: unknown): string {
  if (error && typeof error === 'object' && 'name' in error && typeof error.name === 'string') {
    return error.name;
  }
  return 'Error';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function describe(
  client: DynamoDBClient,
  tableName: string,
): Promise<TableDescription | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** Problems with a described table's key schema and status, empty when it is the state table. */
function describedTableProblems(tableName: string, table: TableDescription): string[] {
  const problems: string[] = [];
  const keys = table.KeySchema ?? [];
  const hash = keys.find((k) => k.KeyType === 'HASH');
  const range = keys.find((k) => k.KeyType === 'RANGE');
  if (hash?.AttributeName !== KEY_ATTRIBUTE) {
    problems.push(
      `table "${tableName}" has hash key "${hash?.AttributeName ?? '(none)'}"; expected "${KEY_ATTRIBUTE}": ` +
        'point TABLE_NAME at a table created by `npm run table:create` (or serverless.yml)',
    );
  }
  if (range) {
    problems.push(
      `table "${tableName}" has a sort key "${range.AttributeName}"; the state table has none: ` +
        'create a new table with `npm run table:create`',
    );
  }
  const keyType = table.AttributeDefinitions?.find(
    (d) => d.AttributeName === KEY_ATTRIBUTE,
  )?.AttributeType;
  if (hash?.AttributeName === KEY_ATTRIBUTE && keyType !== undefined && keyType !== 'S') {
    problems.push(
      `table "${tableName}" declares "${KEY_ATTRIBUTE}" as type ${keyType}; expected S (string)`,
    );
  }
  if (table.TableStatus !== undefined && table.TableStatus !== 'ACTIVE') {
    problems.push(`table "${tableName}" is ${table.TableStatus}, not ACTIVE: wait and retry`);
  }
  return problems;
}

/**
 * A cold-start check of the state table with one DescribeTable request: human-readable problems
 * (missing table, wrong key schema, not active, unreachable), empty when the table is usable.
 */
export async function verifyTable(options: {
  client: DynamoDBClient;
  tableName: string;
}): Promise<string[]> {
  const { client, tableName } = options;
  const nameProblems = tableNameProblems(tableName);
  if (nameProblems.length > 0) return nameProblems;
  let table: TableDescription | undefined;
  try {
    table = await describe(client, tableName);
  } catch (error) {
    return [
      `could not describe table "${tableName}" (${errorName(error)}: ${errorMessage(error)}): ` +
        'check DYNAMODB_ENDPOINT, the region and the credentials (AWS_ACCESS_KEY_ID / role / agency)',
    ];
  }
  if (!table) {
    return [
      `table "${tableName}" does not exist: create it with \`npm run table:create\` ` +
        '(or deploy serverless.yml), or fix TABLE_NAME / DYNAMODB_ENDPOINT',
    ];
  }
  return describedTableProblems(tableName, table);
}

async function waitUntilActive(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs: number,
): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    const table = await describe(client, tableName);
    if (table?.TableStatus === 'ACTIVE') return table;
    if (Date.now() + delay > deadline) {
      throw new Error(
        `table "${tableName}" is ${table?.TableStatus ?? 'missing'} after ${timeoutMs} ms; ` +
          'check the table in the console and run the command again',
      );
    }
    await sleep(delay);
  }
}

/** True when CreateTable was refused because of the billing mode (a service without on-demand). */
function refusedBillingMode(error: unknown): boolean {
  return (
    ['ValidationException', 'InvalidParameterException', 'UnknownParameterException'].includes(
      errorName(error),
    ) && /billing|PAY_PER_REQUEST|throughput/i.test(errorMessage(error))
  );
}

async function createTable(
  client: DynamoDBClient,
  tableName: string,
  log: TableLog | undefined,
): Promise<BillingChoice | undefined> {
  for (const billing of ['on-demand', 'provisioned'] as const) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName, billing)));
      return billing;
    } catch (error) {
      // Another process (a concurrent cold start, a second test worker) created it first.
      if (errorName(error) === 'ResourceInUseException') return undefined;
      if (billing === 'on-demand' && refusedBillingMode(error)) {
        log?.warn('on-demand billing refused; creating the table with provisioned capacity', {
          tableName,
          error: errorMessage(error),
        });
        continue;
      }
      throw error;
    }
  }
  return undefined;
}

async function enableTtl(
  client: DynamoDBClient,
  tableName: string,
  log: TableLog | undefined,
): Promise<EnsureTableResult['ttl']> {
  try {
    const { TimeToLiveDescription: ttl } = await client.send(
      new DescribeTimeToLiveCommand({ TableName: tableName }),
    );
    if (
      ttl?.AttributeName === TTL_ATTRIBUTE &&
      (ttl.TimeToLiveStatus === 'ENABLED' || ttl.TimeToLiveStatus === 'ENABLING')
    ) {
      return 'enabled';
    }
  } catch {
    // GeminiDB does not list DescribeTimeToLive; UpdateTimeToLive below is the real test.
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
    return 'enabled';
  } catch (error) {
    if (/already enabled/i.test(errorMessage(error))) return 'enabled';
    // dynalite has no UpdateTimeToLive. Nothing depends on TTL for correctness (replays are refused
    // by the timestamp window first); without it, nonce items simply stay in the table.
    log?.warn('TTL could not be enabled; nonce items will not expire automatically', {
      tableName,
      attribute: TTL_ATTRIBUTE,
      error: `${errorName(error)}: ${errorMessage(error)}`,
    });
    return 'unsupported';
  }
}

/**
 * Creates the state table if it is missing, waits until it is ACTIVE and enables TTL on
 * {@link TTL_ATTRIBUTE} (reported, not fatal, where the service does not support it). Idempotent.
 * Throws when the table name is invalid or an existing table has another key schema.
 *
 * @example
 * await ensureTable({ client: new DynamoDBClient({ endpoint, region }), tableName: 'koogallery-state' });
 */
export async function ensureTable(options: {
  client: DynamoDBClient;
  tableName: string;
  log?: TableLog;
  /** How long to wait for the table to become ACTIVE (default 60 s). */
  timeoutMs?: number;
}): Promise<EnsureTableResult> {
  const { client, tableName, log, timeoutMs = 60_000 } = options;
  const nameProblems = tableNameProblems(tableName);
  if (nameProblems.length > 0) throw new Error(nameProblems.join('; '));

  const existing = await describe(client, tableName);
  let billing: BillingChoice | undefined;
  if (existing) {
    log?.info('table exists', { tableName, status: existing.TableStatus });
  } else {
    log?.info('creating table', { tableName });
    billing = await createTable(client, tableName, log);
  }
  const table = await waitUntilActive(client, tableName, timeoutMs);
  const problems = describedTableProblems(tableName, table);
  if (problems.length > 0) throw new Error(problems.join('; '));
  log?.info('table is active', { tableName });

  const ttl = await enableTtl(client, tableName, log);
  return { created: billing !== undefined, ...(billing ? { billing } : {}), ttl };
}
