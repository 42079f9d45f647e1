/**
 * Reads a whole state table with the raw SDK (Scan, paginated), bypassing the store adapter, so that
 * load, fault and property tests judge what is really stored.
 */
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { InstanceRecord } from '../../lib/store/instance-store';

/** One stored usage hour (the adapter's layout: see dynamoose-usage-store.ts). */
export interface UsageHourItem {
  instanceId: string;
  hour: string;
  units: number;
  state: string;
  meteringSn: string;
  expiresAt?: number;
}

/** Everything in the table: instance records by key, and how many nonce items there are. */
export interface TableSnapshot {
  instances: InstanceRecord[];
  nonceCount: number;
  /** Usage hour items (`USAGE#…`), as stored. */
  usageHours: UsageHourItem[];
  /** Usage totals (`USAGEIDX#…`): instance id to counted hours (units). */
  usageTotals: Map<string, Record<string, number>>;
  /**
   * Every state item's key and its raw attributes as JSON, for "nothing changed" comparisons. Audit
   * items (`AUDIT#`, #13) are kept apart in `audit`: every call, refused or not, adds an entry.
   */
  raw: Map<string, string>;
  /** The audit buckets' keys and raw attributes as JSON. */
  audit: Map<string, string>;
}

function text(v: AttributeValue | undefined): string | undefined {
  return v && 'S' in v ? v.S : undefined;
}

function num(v: AttributeValue | undefined): number | undefined {
  return v && 'N' in v && v.N !== undefined ? Number(v.N) : undefined;
}

/** Turns a raw instance item back into a record (the adapter's layout: see dynamoose-store.ts). */
export function recordOfItem(item: Record<string, AttributeValue>): InstanceRecord {
  const rest = JSON.parse(text(item.data) ?? '{}') as Partial<InstanceRecord>;
  const expireTime = num(item.expireTime);
  return {
    ...rest,
    namespace: text(item.namespace) as InstanceRecord['namespace'],
    instanceId: text(item.instanceId) as string,
    status: text(item.status) as InstanceRecord['status'],
    version: num(item.version) as number,
    ...(expireTime === undefined ? {} : { expireTime }),
  } as InstanceRecord;
}

/**
 * Scans `tableName` at `endpoint` (a local dynalite: placeholder credentials). Bounded: at most
 * `maxPages` pages of 1 MB.
 */
export async function scanTable(
  endpoint: string,
  tableName: string,
  maxPages = 1000,
): Promise<TableSnapshot> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const instances: InstanceRecord[] = [];
  const raw = new Map<string, string>();
  const audit = new Map<string, string>();
  const usageHours: UsageHourItem[] = [];
  const usageTotals = new Map<string, Record<string, number>>();
  let nonceCount = 0;
  try {
    let start: Record<string, AttributeValue> | undefined;
    for (let page = 0; page < maxPages; page++) {
      const out = await client.send(
        new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of out.Items ?? []) {
        const pk = text(item.pk) ?? '';
        if (pk.startsWith('AUDIT#')) {
          audit.set(pk, JSON.stringify(item));
          continue;
        }
        raw.set(pk, JSON.stringify(item));
        if (pk.startsWith('NONCE#')) nonceCount++;
        else if (pk.startsWith('INSTANCE#')) instances.push(recordOfItem(item));
        else if (pk.startsWith('USAGE#')) {
          const expiresAt = num(item.expiresAt);
          usageHours.push({
            instanceId: text(item.instanceId) ?? '',
            hour: text(item.hour) ?? '',
            units: num(item.units) ?? 0,
            state: text(item.state) ?? '',
            meteringSn: text(item.meteringSn) ?? '',
            ...(expiresAt === undefined ? {} : { expiresAt }),
          });
        } else if (pk.startsWith('USAGEIDX#')) {
          const data = JSON.parse(text(item.data) ?? '{}') as { hours?: Record<string, number> };
          usageTotals.set(text(item.instanceId) ?? '', data.hours ?? {});
        }
      }
      start = out.LastEvaluatedKey;
      if (!start) break;
    }
  } finally {
    client.destroy();
  }
  return { instances, nonceCount, usageHours, usageTotals, raw, audit };
}

/** The keys whose items differ between two snapshots (added, removed or changed). */
export function changedKeys(before: TableSnapshot, after: TableSnapshot): string[] {
  const keys = new Set([...before.raw.keys(), ...after.raw.keys()]);
  return [...keys].filter((k) => before.raw.get(k) !== after.raw.get(k)).sort();
}
