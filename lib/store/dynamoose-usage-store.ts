/**
 * The {@link UsageStore} adapter for DynamoDB-compatible services (AWS DynamoDB, GeminiDB's DynamoDB
 * API, dynalite), on dynamoose, in the state table (see `usage-store.ts` for the items).
 *
 * - Hour items keep `instanceId`, `hour`, `state`, `units` and `expiresAt` (TTL, epoch seconds, set
 *   when accepted) as top-level attributes: the write conditions and the push job's scan filter
 *   need them, and an operator can filter on them in a console.
 * - Total items keep their hours as one JSON string in `data`, like instance items (exact round
 *   trips, no nested-map support needed on GeminiDB).
 * - The lease item keeps `holder` and `until`.
 *
 * Every write is one conditional PutItem; reads are GetItem, BatchGetItem and, for the push job
 * only, a paginated Scan filtered on the `USAGE#` prefix and the state.
 */
import dynamoose from 'dynamoose';
import type { ObjectType } from 'dynamoose/dist/General';
import { createTableClient, type DynamooseStoreOptions, unavailable } from './dynamoose-store';
import type { WriteOutcome } from './instance-store';
import { isConditionFailure, printableEndpoint } from './sdk-errors';
import { KEY_ATTRIBUTE, TTL_ATTRIBUTE } from './table-schema';
import {
  assertCreatableHour,
  assertTotal,
  leaseKey,
  USAGE_HOUR_PREFIX,
  USAGE_STATE,
  type UsageHour,
  type UsageStore,
  type UsageTotal,
  usageHourKey,
  usageTotalKey,
} from './usage-store';

/** BatchGetItem's limit on keys per request. */
const BATCH_GET_LIMIT = 100;
let storeCount = 0;

function toHourItem(h: UsageHour): ObjectType {
  return {
    [KEY_ATTRIBUTE]: usageHourKey(h.instanceId, h.hour),
    instanceId: h.instanceId,
    hour: h.hour,
    units: h.units,
    state: h.state,
    meteringSn: h.meteringSn,
    chargingMode: h.chargingMode,
    ...(h.relatePkgInstance === undefined ? {} : { relatePkgInstance: h.relatePkgInstance }),
    recordedAt: h.recordedAt,
    ...(h.acceptedAt === undefined ? {} : { acceptedAt: h.acceptedAt }),
    ...(h.expiredAt === undefined ? {} : { expiredAt: h.expiredAt }),
    // TTL attributes are epoch seconds; rounding up never expires a record early.
    ...(h.expiresAtMs === undefined ? {} : { [TTL_ATTRIBUTE]: Math.ceil(h.expiresAtMs / 1000) }),
  };
}

function fromHourItem(item: ObjectType): UsageHour {
  const expiresAt = item[TTL_ATTRIBUTE];
  const state = item.state;
  if (
    typeof item.instanceId !== 'string' ||
    typeof item.hour !== 'string' ||
    typeof item.units !== 'number' ||
    (state !== USAGE_STATE.RECORDED &&
      state !== USAGE_STATE.ACCEPTED &&
      state !== USAGE_STATE.EXPIRED)
  ) {
    throw new TypeError(`stored item ${String(item[KEY_ATTRIBUTE])} is not a usage hour`);
  }
  return {
    instanceId: item.instanceId,
    hour: item.hour,
    units: item.units,
    state,
    meteringSn: String(item.meteringSn),
    chargingMode: String(item.chargingMode),
    ...(typeof item.relatePkgInstance === 'string'
      ? { relatePkgInstance: item.relatePkgInstance }
      : {}),
    recordedAt: Number(item.recordedAt),
    ...(typeof item.acceptedAt === 'number' ? { acceptedAt: item.acceptedAt } : {}),
    ...(typeof item.expiredAt === 'number' ? { expiredAt: item.expiredAt } : {}),
    ...(typeof expiresAt === 'number' ? { expiresAtMs: expiresAt * 1000 } : {}),
  };
}

function fromTotalItem(item: ObjectType): UsageTotal {
  const data: unknown = typeof item.data === 'string' ? JSON.parse(item.data) : undefined;
  if (typeof item.instanceId !== 'string' || typeof item.version !== 'number' || !data) {
    throw new TypeError(`stored item ${String(item[KEY_ATTRIBUTE])} is not a usage total`);
  }
  const d = data as Pick<UsageTotal, 'hours' | 'foldedUnits' | 'foldedThrough'>;
  return {
    instanceId: item.instanceId,
    version: item.version,
    hours: d.hours ?? {},
    foldedUnits: d.foldedUnits ?? 0,
    ...(d.foldedThrough === undefined ? {} : { foldedThrough: d.foldedThrough }),
  };
}

/**
 * A {@link UsageStore} on a DynamoDB-compatible table, with its own client and dynamoose instance.
 *
 * @example
 * const usage = createDynamooseUsageStore({ tableName: 'koogallery-state', region: 'ap-southeast-1' });
 * await usage.createHour(record); // 'written' | 'conflict'
 */
export function createDynamooseUsageStore(options: DynamooseStoreOptions): UsageStore {
  const where = {
    tableName: options.tableName,
    endpoint: printableEndpoint(options.endpoint, options.region),
  };
  const instance = new dynamoose.Instance();
  instance.aws.ddb.set(createTableClient(options));
  const tableOptions = { create: false, waitForActive: false, update: false } as const;
  storeCount += 1;
  const HourModel = dynamoose.model(
    `koogallery-usage-hour#${storeCount}`,
    new dynamoose.Schema(
      {
        [KEY_ATTRIBUTE]: { type: String, hashKey: true },
        instanceId: { type: String, required: true },
        hour: { type: String, required: true },
        units: { type: Number, required: true },
        state: { type: String, required: true },
        meteringSn: { type: String, required: true },
        chargingMode: { type: String, required: true },
        relatePkgInstance: String,
        recordedAt: { type: Number, required: true },
        acceptedAt: Number,
        expiredAt: Number,
        [TTL_ATTRIBUTE]: Number,
      },
      { saveUnknown: false },
    ),
    tableOptions,
  );
  const TotalModel = dynamoose.model(
    `koogallery-usage-total#${storeCount}`,
    new dynamoose.Schema(
      {
        [KEY_ATTRIBUTE]: { type: String, hashKey: true },
        instanceId: { type: String, required: true },
        version: { type: Number, required: true },
        data: { type: String, required: true },
      },
      { saveUnknown: false },
    ),
    tableOptions,
  );
  const LeaseModel = dynamoose.model(
    `koogallery-lease#${storeCount}`,
    new dynamoose.Schema(
      {
        [KEY_ATTRIBUTE]: { type: String, hashKey: true },
        holder: { type: String },
        until: { type: Number, required: true },
      },
      { saveUnknown: false },
    ),
    tableOptions,
  );
  new instance.Table(options.tableName, [HourModel, TotalModel, LeaseModel], tableOptions);

  async function put(operation: string, save: () => Promise<unknown>): Promise<WriteOutcome> {
    try {
      await save();
      return 'written';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw unavailable(error, operation, where);
    }
  }

  async function read<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw unavailable(error, operation, where);
    }
  }

  async function batchGet(
    model: typeof HourModel | typeof TotalModel,
    keys: string[],
  ): Promise<ObjectType[]> {
    const found: ObjectType[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let pending = keys.slice(i, i + BATCH_GET_LIMIT).map((pk) => ({ [KEY_ATTRIBUTE]: pk }));
      // Keys the service leaves unprocessed (throttling) are asked for again, a few times.
      for (let round = 0; pending.length > 0; round++) {
        if (round > 3) {
          throw Object.assign(new Error(`${pending.length} keys stayed unprocessed`), {
            name: 'ProvisionedThroughputExceededException',
          });
        }
        const items = await model.batchGet(pending, { consistent: true });
        found.push(...items.map((item) => item.toJSON()));
        pending = items.unprocessedKeys.map((k) => ({ [KEY_ATTRIBUTE]: String(k[KEY_ATTRIBUTE]) }));
      }
    }
    return found;
  }

  return {
    async getHour(instanceId, hour) {
      const pk = usageHourKey(instanceId, hour);
      const item = await read('getHour', async () =>
        (await HourModel.get({ [KEY_ATTRIBUTE]: pk }, { consistent: true }))?.toJSON(),
      );
      return item === undefined ? undefined : fromHourItem(item);
    },

    async createHour(record) {
      assertCreatableHour(record);
      const item = new HourModel(toHourItem(record));
      // overwrite: false is `attribute_not_exists(pk)`: an hour is recorded once.
      return put('createHour', () => item.save({ overwrite: false, return: 'item' }));
    },

    async markAccepted(record, acceptedAt, expiresAtMs) {
      const item = new HourModel(
        toHourItem({ ...record, state: USAGE_STATE.ACCEPTED, acceptedAt, expiresAtMs }),
      );
      // `state = RECORDED` also fails when the item does not exist.
      const condition = new dynamoose.Condition('state').eq(USAGE_STATE.RECORDED);
      return put('markAccepted', () => item.save({ condition, return: 'item' }));
    },

    async markExpired(record, expiredAt, expiresAtMs) {
      const item = new HourModel(
        toHourItem({ ...record, state: USAGE_STATE.EXPIRED, expiredAt, expiresAtMs }),
      );
      const condition = new dynamoose.Condition('state').eq(USAGE_STATE.RECORDED);
      return put('markExpired', () => item.save({ condition, return: 'item' }));
    },

    async scanRecorded({ limit, cursor }) {
      const condition = new dynamoose.Condition(KEY_ATTRIBUTE)
        .beginsWith(USAGE_HOUR_PREFIX)
        .and()
        .where('state')
        .eq(USAGE_STATE.RECORDED);
      const page = await read('scanRecorded', async () => {
        let scan = HourModel.scan(condition).consistent().limit(limit);
        if (cursor !== undefined) scan = scan.startAt({ [KEY_ATTRIBUTE]: cursor });
        return scan.exec();
      });
      const items = page.map((item) => fromHourItem(item.toJSON()));
      const last = page.lastKey?.[KEY_ATTRIBUTE];
      return typeof last === 'string' ? { items, cursor: last } : { items };
    },

    async listHours(instanceId, hours) {
      const keys = [...new Set(hours)].map((h) => usageHourKey(instanceId, h));
      const items = await read('listHours', () => batchGet(HourModel, keys));
      return items.map(fromHourItem);
    },

    async getTotals(instanceIds) {
      const keys = [...new Set(instanceIds)].map(usageTotalKey);
      const items = await read('getTotals', () => batchGet(TotalModel, keys));
      return items.map(fromTotalItem);
    },

    async putTotal(next) {
      assertTotal(next);
      const item = new TotalModel({
        [KEY_ATTRIBUTE]: usageTotalKey(next.instanceId),
        instanceId: next.instanceId,
        version: next.version,
        data: JSON.stringify({
          hours: next.hours,
          foldedUnits: next.foldedUnits,
          foldedThrough: next.foldedThrough,
        }),
      });
      if (next.version === 1) {
        return put('putTotal', () => item.save({ overwrite: false, return: 'item' }));
      }
      const condition = new dynamoose.Condition('version').eq(next.version - 1);
      return put('putTotal', () => item.save({ condition, return: 'item' }));
    },

    async acquireLease(name, holder, nowMs, untilMs) {
      const item = new LeaseModel({ [KEY_ATTRIBUTE]: leaseKey(name), holder, until: untilMs });
      // No lease yet, or it expired, or this holder renews its own.
      const condition = new dynamoose.Condition()
        .where(KEY_ATTRIBUTE)
        .not()
        .exists()
        .or()
        .where('until')
        .lt(nowMs)
        .or()
        .where('holder')
        .eq(holder);
      return put('acquireLease', () => item.save({ condition, return: 'item' }));
    },

    async releaseLease(name, holder) {
      const item = new LeaseModel({ [KEY_ATTRIBUTE]: leaseKey(name), holder: '-', until: 0 });
      const condition = new dynamoose.Condition('holder').eq(holder);
      return put('releaseLease', () => item.save({ condition, return: 'item' }));
    },
  };
}
