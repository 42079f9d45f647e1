/**
 * The {@link InstanceStore} adapter for DynamoDB-compatible services (AWS DynamoDB, Huawei GeminiDB's
 * DynamoDB API, dynalite), built on dynamoose. The only module importing dynamoose.
 *
 * Item layout (one table, key {@link KEY_ATTRIBUTE}):
 * - `INSTANCE#<namespace>#<instanceId>`: `namespace`, `instanceId`, `status`, `version` and
 *   `expireTime` as top-level attributes (the write conditions and an operator's console filters
 *   need them), and every other field as one JSON string in `data`. JSON rather than a map because
 *   it round-trips every field exactly (absent optionals stay absent, `extra`'s free-form keys and
 *   the `appliedOrders` list need no schema), nested-map support on GeminiDB is not documented, and a
 *   new optional field in {@link InstanceRecord} needs no change here. It stays readable in a console.
 * - `NONCE#<family>#<nonce>`: the key, `expiresAt` (TTL, epoch seconds) and `writer`, a token per
 *   call that lets the SDK's retry of a timed-out write recognise its own first attempt.
 *
 * Each method is one request (BatchGet retries only keys the service left unprocessed), and each
 * write is a single conditional PutItem: no UpdateExpression, no transaction.
 */
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import dynamoose from 'dynamoose';
import type { ObjectType } from 'dynamoose/dist/General';
import type { AnyItem } from 'dynamoose/dist/Item';
import type { ScanResponse } from 'dynamoose/dist/ItemRetriever';
import { StoreUnavailableError } from '../errors';
import { cryptoIds } from '../ids';
import {
  type InstanceRecord,
  type InstanceStore,
  NAMESPACE,
  type Namespace,
  STATUS,
  type WriteOutcome,
} from './instance-store';
import {
  assertCreatable,
  assertExpiry,
  assertUpdatable,
  INSTANCE_KEY_PREFIX,
  instanceKey,
  nonceKey,
} from './keys';
import { adviceFor, isConditionFailure, printableEndpoint, summarizeSdkError } from './sdk-errors';
import { KEY_ATTRIBUTE, TTL_ATTRIBUTE } from './table-schema';

/** Where and how {@link createDynamooseStore} reaches the table. */
export interface DynamooseStoreOptions {
  tableName: string;
  /** A DynamoDB-compatible endpoint (GeminiDB, dynalite); the AWS regional endpoint when absent. */
  endpoint?: string;
  region: string;
  /** Static credentials; the SDK's default chain (environment, role) when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Upper bound of one HTTP attempt in milliseconds (default 2000; two attempts at most). */
  requestTimeoutMs?: number;
  /**
   * A client to share: the instance, usage and audit adapters of one table use one client and so
   * one connection pool (three pools overwhelmed a single-process store under load).
   */
  client?: DynamoDB;
}

/** Time to establish a TCP connection: a dead endpoint must fail well inside the 5 s budget. */
const CONNECTION_TIMEOUT_MS = 1000;
const DEFAULT_REQUEST_TIMEOUT_MS = 2000;
/** One retry at most: two attempts of at most `requestTimeoutMs` each still answer in time. */
const MAX_ATTEMPTS = 2;
/** BatchGetItem's limit on keys per request. */
const BATCH_GET_LIMIT = 100;
/** Extra BatchGet rounds for keys the service left unprocessed (throttling), with backoff. */
const UNPROCESSED_RETRY_DELAYS_MS = [50, 150, 400] as const;

/** dynamoose's registry of models is process-global and keyed by name: one unique name per store. */
let storeCount = 0;

const NAMESPACES: readonly unknown[] = Object.values(NAMESPACE);
const STATUSES: readonly unknown[] = Object.values(STATUS);

/** Turns anything but a failed condition into a {@link StoreUnavailableError} saying what to check. */
export function unavailable(
  error: unknown,
  operation: string,
  where: { tableName: string; endpoint: string },
): StoreUnavailableError {
  return new StoreUnavailableError(
    `store ${operation} on table "${where.tableName}" at ${where.endpoint} failed ` +
      `(${summarizeSdkError(error)}): ${adviceFor(error)}`,
    { cause: error },
  );
}

function toInstanceItem(record: InstanceRecord): ObjectType {
  const { namespace, instanceId, status, version, expireTime, ...rest } = record;
  return {
    [KEY_ATTRIBUTE]: instanceKey(namespace, instanceId),
    namespace,
    instanceId,
    status,
    version,
    ...(expireTime === undefined ? {} : { expireTime }),
    data: JSON.stringify(rest),
  };
}

function fromInstanceItem(item: ObjectType): InstanceRecord {
  const { namespace, instanceId, status, version, expireTime, data } = item;
  const rest: unknown = typeof data === 'string' ? JSON.parse(data) : undefined;
  if (
    !NAMESPACES.includes(namespace) ||
    typeof instanceId !== 'string' ||
    !STATUSES.includes(status) ||
    typeof version !== 'number' ||
    (expireTime !== undefined && typeof expireTime !== 'number') ||
    rest === null ||
    typeof rest !== 'object' ||
    Array.isArray(rest)
  ) {
    throw new TypeError(`stored item ${String(item[KEY_ATTRIBUTE])} is not an instance record`);
  }
  return {
    ...(rest as Omit<InstanceRecord, 'namespace' | 'instanceId' | 'status' | 'version'>),
    namespace: namespace as Namespace,
    instanceId,
    status: status as InstanceRecord['status'],
    version,
    ...(expireTime === undefined ? {} : { expireTime }),
  };
}

/**
 * The DynamoDB client every store adapter uses: one retry at most, a 1 s connect timeout and
 * `requestTimeoutMs` per attempt, so a dead or black-holed endpoint fails within the answer budget.
 */
export function createTableClient(options: DynamooseStoreOptions): DynamoDB {
  if (options.client) return options.client;
  const { endpoint, region, credentials } = options;
  return new DynamoDB({
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      // Without this the handler only logs a warning when requestTimeout passes and keeps waiting
      // on a black-holed endpoint.
      throwOnRequestTimeout: true,
    },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * An {@link InstanceStore} on a DynamoDB-compatible table (see `table-schema.ts`). Each store has its
 * own dynamoose Instance and DynamoDB client, so stores on different endpoints coexist in one process.
 * A dead endpoint fails within about `2 × requestTimeoutMs` (1 s to connect, two attempts).
 *
 * @example
 * const store = createDynamooseStore({ tableName: 'koogallery-state', region: 'cn-north-4',
 *   endpoint: 'http://192.168.0.10:8000' });
 * await store.createInstance(record); // 'written' | 'conflict'
 */
export function createDynamooseStore(options: DynamooseStoreOptions): InstanceStore {
  const { tableName, endpoint, region } = options;
  const where = { tableName, endpoint: printableEndpoint(endpoint, region) };

  const client = createTableClient(options);
  const instance = new dynamoose.Instance();
  instance.aws.ddb.set(client);

  // The table belongs to serverless.yml or to the local runner: never create it, never wait for it
  // (dynamoose's defaults would describe the table and wait up to 180 s on a cold start).
  const tableOptions = { create: false, waitForActive: false, update: false } as const;
  storeCount += 1;
  const InstanceModel = dynamoose.model(
    // '#' cannot occur in a table name, so these names never alias a table in dynamoose's registry.
    `koogallery-instance#${storeCount}`,
    new dynamoose.Schema(
      {
        [KEY_ATTRIBUTE]: { type: String, hashKey: true },
        namespace: { type: String, required: true },
        instanceId: { type: String, required: true },
        status: { type: String, required: true },
        version: { type: Number, required: true },
        expireTime: Number,
        data: { type: String, required: true },
      },
      { saveUnknown: false },
    ),
    tableOptions,
  );
  const NonceModel = dynamoose.model(
    `koogallery-nonce#${storeCount}`,
    new dynamoose.Schema(
      {
        [KEY_ATTRIBUTE]: { type: String, hashKey: true },
        [TTL_ATTRIBUTE]: { type: Number, required: true },
        writer: String,
      },
      { saveUnknown: false },
    ),
    tableOptions,
  );
  new instance.Table(tableName, [InstanceModel, NonceModel], tableOptions);

  async function put(operation: string, save: () => Promise<unknown>): Promise<WriteOutcome> {
    try {
      await save();
      return 'written';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw unavailable(error, operation, where);
    }
  }

  async function batchGet(keys: string[]): Promise<ObjectType[]> {
    const found: ObjectType[] = [];
    let pending = keys.map((pk) => ({ [KEY_ATTRIBUTE]: pk }));
    for (let round = 0; ; round += 1) {
      const items = await InstanceModel.batchGet(pending, { consistent: true });
      found.push(...items.map((item) => item.toJSON()));
      const unprocessed = items.unprocessedKeys;
      if (unprocessed.length === 0) return found;
      const delay = UNPROCESSED_RETRY_DELAYS_MS[round];
      if (delay === undefined) {
        throw Object.assign(
          new Error(
            `${unprocessed.length} keys stayed unprocessed after ${round + 1} BatchGet rounds`,
          ),
          { name: 'ProvisionedThroughputExceededException' },
        );
      }
      await sleep(delay);
      pending = unprocessed.map((key) => ({ [KEY_ATTRIBUTE]: String(key[KEY_ATTRIBUTE]) }));
    }
  }

  return {
    async getInstance(namespace, instanceId) {
      const pk = instanceKey(namespace, instanceId);
      let item: ObjectType | undefined;
      try {
        item = (await InstanceModel.get({ [KEY_ATTRIBUTE]: pk }, { consistent: true }))?.toJSON();
      } catch (error) {
        throw unavailable(error, 'getInstance', where);
      }
      return item === undefined ? undefined : fromInstanceItem(item);
    },

    async getInstances(namespace, instanceIds) {
      // BatchGetItem refuses duplicate keys and an empty key list.
      const keys = [...new Set(instanceIds)].map((id) => instanceKey(namespace, id));
      const items: ObjectType[] = [];
      try {
        for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
          items.push(...(await batchGet(keys.slice(i, i + BATCH_GET_LIMIT))));
        }
      } catch (error) {
        throw unavailable(error, 'getInstances', where);
      }
      return items.map(fromInstanceItem);
    },

    async createInstance(record) {
      assertCreatable(record);
      const item = new InstanceModel(toInstanceItem(record));
      // overwrite: false is `attribute_not_exists(pk)`.
      return put('createInstance', () => item.save({ overwrite: false, return: 'item' }));
    },

    async updateInstance(next) {
      assertUpdatable(next);
      const item = new InstanceModel(toInstanceItem(next));
      // `version = :expected` also fails when the item does not exist: nothing to update.
      const condition = new dynamoose.Condition('version').eq(next.version - 1);
      return put('updateInstance', () => item.save({ condition, return: 'item' }));
    },

    async listInstances(page = {}) {
      // Scan counts items before the filter: a page may hold fewer records than `limit`, or none,
      // and still have a cursor.
      let scan = InstanceModel.scan(KEY_ATTRIBUTE)
        .beginsWith(INSTANCE_KEY_PREFIX)
        .limit(page.limit ?? 100);
      if (page.cursor) scan = scan.startAt(JSON.parse(page.cursor) as ObjectType);
      let result: ScanResponse<AnyItem>;
      try {
        result = await scan.exec();
      } catch (error) {
        throw unavailable(error, 'listInstances', where);
      }
      return {
        records: result.map((item) => fromInstanceItem(item.toJSON())),
        ...(result.lastKey ? { cursor: JSON.stringify(result.lastKey) } : {}),
      };
    },

    async recordNonce(family, nonce, expiresAtMs) {
      assertExpiry(expiresAtMs);
      const writer = cryptoIds.token();
      const item = new NonceModel({
        [KEY_ATTRIBUTE]: nonceKey(family, nonce),
        // TTL attributes are epoch seconds; rounding up never expires a nonce early.
        [TTL_ATTRIBUTE]: Math.ceil(expiresAtMs / 1000),
        writer,
      });
      // `attribute_not_exists(pk) OR writer = :writer`: the SDK retries a PutItem whose answer
      // timed out, and that retry must not find the nonce its own first attempt wrote (#6).
      const condition = new dynamoose.Condition()
        .where(KEY_ATTRIBUTE)
        .not()
        .exists()
        .or()
        .where('writer')
        .eq(writer);
      return put('recordNonce', () => item.save({ condition, return: 'item' }));
    },
  };
}
