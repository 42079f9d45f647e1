/**
 * The {@link AuditStore} adapter for DynamoDB-compatible services (AWS DynamoDB, GeminiDB's DynamoDB
 * API, dynalite), on dynamoose, in the state table (see `audit-store.ts` for the bucket items).
 *
 * A bucket item keeps `day` (`yyyyMMdd`, the scan filter) and `expiresAt` (TTL, epoch seconds) as
 * top-level attributes, and each entry as its own string attribute `e_<entryId>`. An append is one
 * UpdateItem with `SET` on placeholders only (sent with the SDK directly); reads are BatchGetItem (100 keys a request) and, for
 * `health`, a paginated Scan filtered on the `AUDIT#` prefix and the day.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import dynamoose from 'dynamoose';
import type { ObjectType } from 'dynamoose/dist/General';
import {
  AUDIT_PREFIX,
  type AuditEntry,
  type AuditStore,
  auditBucketKey,
  auditDay,
  byTime,
  ENTRY_ATTRIBUTE_PREFIX,
  entryAttribute,
  parseEntry,
} from './audit-store';
import { createTableClient, type DynamooseStoreOptions, unavailable } from './dynamoose-store';
import { errorName, printableEndpoint } from './sdk-errors';
import { KEY_ATTRIBUTE, TTL_ATTRIBUTE } from './table-schema';

/** BatchGetItem's limit on keys per request. */
const BATCH_GET_LIMIT = 100;
/** Extra BatchGet rounds for keys the service left unprocessed (throttling). */
const UNPROCESSED_ROUNDS = 3;
let storeCount = 0;

function entriesOf(item: ObjectType): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(ENTRY_ATTRIBUTE_PREFIX)) continue;
    const entry = parseEntry(value);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** True when DynamoDB refused the write because the item would outgrow 400 KB. */
function isItemTooLarge(error: unknown): boolean {
  return (
    errorName(error) === 'ValidationException' &&
    /item size|maximum allowed size|exceeds? .*size/i.test(
      error instanceof Error ? error.message : String(error),
    )
  );
}

/**
 * An {@link AuditStore} on a DynamoDB-compatible table, with its own client and dynamoose instance.
 *
 * @example
 * const audit = createDynamooseAuditStore({ tableName: 'koogallery-state', region: 'cn-north-4' });
 * await audit.appendEntry({ kind: 'instance', id: instanceId }, entry, expiresAtMs);
 */
export function createDynamooseAuditStore(options: DynamooseStoreOptions): AuditStore {
  const where = {
    tableName: options.tableName,
    endpoint: printableEndpoint(options.endpoint, options.region),
  };
  const client = createTableClient(options);
  const instance = new dynamoose.Instance();
  instance.aws.ddb.set(client);
  const tableOptions = { create: false, waitForActive: false, update: false } as const;
  storeCount += 1;
  const BucketModel = dynamoose.model(
    `koogallery-audit#${storeCount}`,
    new dynamoose.Schema(
      {
        [KEY_ATTRIBUTE]: { type: String, hashKey: true },
        day: { type: String, required: true },
        [TTL_ATTRIBUTE]: { type: Number, required: true },
      },
      // The entries are attributes named after them (`e_<id>`), unknown to the schema.
      { saveUnknown: true },
    ),
    tableOptions,
  );
  new instance.Table(options.tableName, [BucketModel], tableOptions);

  async function read<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw unavailable(error, operation, where);
    }
  }

  async function batchGet(keys: string[]): Promise<ObjectType[]> {
    const found: ObjectType[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let pending = keys.slice(i, i + BATCH_GET_LIMIT).map((pk) => ({ [KEY_ATTRIBUTE]: pk }));
      for (let round = 0; pending.length > 0; round++) {
        if (round > UNPROCESSED_ROUNDS) {
          throw Object.assign(new Error(`${pending.length} keys stayed unprocessed`), {
            name: 'ProvisionedThroughputExceededException',
          });
        }
        const items = await BucketModel.batchGet(pending, { consistent: true });
        found.push(...items.map((item) => item.toJSON()));
        pending = items.unprocessedKeys.map((k) => ({ [KEY_ATTRIBUTE]: String(k[KEY_ATTRIBUTE]) }));
      }
    }
    return found;
  }

  return {
    async appendEntry(subject, entry, expiresAtMs) {
      const day = auditDay(entry.time);
      const pk = auditBucketKey(subject, day);
      const attribute = entryAttribute(entry);
      try {
        // `SET e_<id> = :entry, day = :day, expiresAt = :ttl`: creates the bucket when missing;
        // no condition, since each entry owns its attribute. Built directly (not through the
        // model): this runs after every call, and dynamoose's item processing is its main cost.
        await client.send(
          new UpdateItemCommand({
            TableName: options.tableName,
            Key: { [KEY_ATTRIBUTE]: { S: pk } },
            UpdateExpression: 'SET #e = :e, #d = :d, #t = :t',
            ExpressionAttributeNames: { '#e': attribute, '#d': 'day', '#t': TTL_ATTRIBUTE },
            ExpressionAttributeValues: {
              ':e': { S: JSON.stringify(entry) },
              ':d': { S: day },
              // TTL attributes are epoch seconds; rounding up never expires a bucket early.
              ':t': { N: String(Math.ceil(expiresAtMs / 1000)) },
            },
          }),
        );
        return 'written';
      } catch (error) {
        if (isItemTooLarge(error)) return 'full';
        throw unavailable(error, 'appendEntry', where);
      }
    },

    async readEntries(subject, days) {
      const keys = [...new Set(days)].map((day) => auditBucketKey(subject, day));
      const items = await read('readEntries', () => batchGet(keys));
      return items.flatMap(entriesOf).sort(byTime);
    },

    async scanEntries({ sinceDay, limit, cursor }) {
      const condition = new dynamoose.Condition(KEY_ATTRIBUTE)
        .beginsWith(AUDIT_PREFIX)
        .and()
        .where('day')
        .ge(sinceDay);
      const page = await read('scanEntries', async () => {
        let scan = BucketModel.scan(condition).consistent().limit(limit);
        if (cursor !== undefined) scan = scan.startAt({ [KEY_ATTRIBUTE]: cursor });
        return scan.exec();
      });
      const entries = page.flatMap((item) => entriesOf(item.toJSON())).sort(byTime);
      const last = page.lastKey?.[KEY_ATTRIBUTE];
      return {
        entries,
        buckets: page.scannedCount ?? page.length,
        ...(typeof last === 'string' ? { cursor: last } : {}),
      };
    },
  };
}
