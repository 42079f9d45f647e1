/**
 * The usage port: hourly usage records of pay-per-use (`ON_DEMAND`) and package (`ON_DEMAND_PKG`)
 * instances, their per-instance totals, and the push job's lease. Same table as the instances
 * (one string hash key `pk`, no sort key, no index, no transaction; see `table-schema.ts`).
 *
 * ```
 *             record (attribute_not_exists)            push answered success
 *   (none) ───────────────────────────────► RECORDED ───────────────────────► ACCEPTED (TTL set)
 *                                              ▲  │ push failed / refused / not answered
 *                                              └──┘ (stays RECORDED, sent again next run)
 *                                                 │ older than the 21-day window, unsent
 *                                                 └──────────────────────► EXPIRED (TTL set)
 * ```
 *
 * Items:
 * - `USAGE#<instanceId>#<yyyyMMddHH>`: one closed UTC hour of one instance (the record pushed).
 *   Written once; only its state moves, RECORDED → ACCEPTED, which sets `expiresAt`.
 * - `USAGEIDX#<instanceId>`: the instance's total for `queryInstance`: the units of every hour it
 *   has counted and the last hour. Derived from the hour items (the push job repairs it), so that
 *   `queryInstance` reads one item per instance instead of scanning hours.
 * - `LEASE#<name>`: who runs the push job until when.
 *
 * Values are integer ten-thousandths (`units`): 1.2345 is 12345. Never floats.
 */
import type { WriteOutcome } from './instance-store';

/**
 * States of one usage hour. EXPIRED: left KooGallery's 21-day window unsent (KooGallery would
 * refuse it); the push job marks it once, with a TTL, so later runs no longer scan it (#11).
 */
export const USAGE_STATE = {
  RECORDED: 'RECORDED',
  ACCEPTED: 'ACCEPTED',
  EXPIRED: 'EXPIRED',
} as const;
/** One usage state. */
export type UsageState = (typeof USAGE_STATE)[keyof typeof USAGE_STATE];

/** One recorded hour of one metered instance. */
export interface UsageHour {
  instanceId: string;
  /** The closed UTC hour, `yyyyMMddHH`. */
  hour: string;
  /** The hour's usage in ten-thousandths (1.5 is 15000); a positive safe integer. */
  units: number;
  state: UsageState;
  /** KooGallery's dedup key: derived from instance and hour, stable across retries. */
  meteringSn: string;
  /** `ON_DEMAND` or `ON_DEMAND_PKG`, from the instance when it was recorded. */
  chargingMode: string;
  /** The package instance this usage consumes (`relate_pkg_instance`), for `ON_DEMAND_PKG`. */
  relatePkgInstance?: string;
  /** Epoch ms when it was recorded. */
  recordedAt: number;
  /** Epoch ms when KooGallery accepted it. */
  acceptedAt?: number;
  /** Epoch ms when the push job found it outside the 21-day window (EXPIRED). */
  expiredAt?: number;
  /** TTL (epoch ms here, epoch seconds in the table), set when accepted or expired. */
  expiresAtMs?: number;
}

/** One instance's usage total, as `queryInstance` answers it. */
export interface UsageTotal {
  instanceId: string;
  /** Units of every counted hour not yet folded, `yyyyMMddHH` to units. */
  hours: Record<string, number>;
  /**
   * Units of the hours folded out of `hours` (older than the recording window, so they can never
   * be recorded or counted again): keeps the item small however long the instance lives.
   */
  foldedUnits: number;
  /** The latest folded hour, `yyyyMMddHH`, when any. */
  foldedThrough?: string;
  /** Incremented by every write; each write is conditional on the version it read. */
  version: number;
}

/** A page of a scan; `cursor` is undefined on the last page. */
export interface UsagePage {
  items: UsageHour[];
  cursor?: string;
}

/**
 * The usage port. Implementations: `dynamoose-usage-store.ts` (DynamoDB, GeminiDB, dynalite) and
 * `memory-usage-store.ts`; both pass `tests/contract/usage-store.contract.ts`. Errors other than a
 * failed condition surface as `StoreUnavailableError`.
 */
export interface UsageStore {
  /** Reads one hour (strongly consistent), or undefined. */
  getHour(instanceId: string, hour: string): Promise<UsageHour | undefined>;
  /**
   * Creates an hour. Condition: no item with its key exists (`attribute_not_exists(pk)`): an hour
   * is recorded once. The record's state must be RECORDED.
   */
  createHour(record: UsageHour): Promise<WriteOutcome>;
  /**
   * Marks a recorded hour (as read) accepted and sets its TTL (`expiresAtMs`, rounded up to the
   * second). Condition: the stored hour is RECORDED (`state = RECORDED`), so an accepted hour never
   * changes again. Hours are otherwise immutable, so the record read is the record written.
   */
  markAccepted(record: UsageHour, acceptedAt: number, expiresAtMs: number): Promise<WriteOutcome>;
  /**
   * Marks a recorded hour (as read) EXPIRED (outside KooGallery's 21-day window, never sent) and
   * sets its TTL. Condition: the stored hour is RECORDED, so it is marked (and counted) once.
   */
  markExpired(record: UsageHour, expiredAt: number, expiresAtMs: number): Promise<WriteOutcome>;
  /**
   * One page (at most `limit` items examined) of the hours still RECORDED, across every instance:
   * a paginated Scan with a filter on the `USAGE#` prefix and the state.
   */
  scanRecorded(options: { limit: number; cursor?: string }): Promise<UsagePage>;
  /** The hours of one instance still present (accepted hours disappear with their TTL). */
  listHours(instanceId: string, hours: readonly string[]): Promise<UsageHour[]>;
  /** Reads the totals of many instances (at most 100 at a time internally); missing ones left out. */
  getTotals(instanceIds: readonly string[]): Promise<UsageTotal[]>;
  /**
   * Writes a total. Condition: `version = next.version - 1`, or no item exists when `next.version`
   * is 1 (`attribute_not_exists(pk)`).
   */
  putTotal(next: UsageTotal): Promise<WriteOutcome>;
  /**
   * Takes or renews the lease `name` for `holder` until `untilMs`. Condition: no lease item, or it
   * expired (`until < :now`), or `holder` already holds it (`holder = :holder`).
   */
  acquireLease(name: string, holder: string, nowMs: number, untilMs: number): Promise<WriteOutcome>;
  /** Gives the lease up. Condition: `holder` holds it (`holder = :holder`). */
  releaseLease(name: string, holder: string): Promise<WriteOutcome>;
}

const HOUR = /^\d{10}$/;

/** The key of an hour item: `USAGE#<instanceId>#<yyyyMMddHH>`; the hour is fixed-width, so unambiguous. */
export function usageHourKey(instanceId: string, hour: string): string {
  if (instanceId === '') throw new RangeError('usage instanceId must be non-empty');
  if (!HOUR.test(hour)) throw new RangeError(`usage hour must be yyyyMMddHH, got "${hour}"`);
  return `USAGE#${instanceId}#${hour}`;
}

/** The key of an instance's total: `USAGEIDX#<instanceId>`. */
export function usageTotalKey(instanceId: string): string {
  if (instanceId === '') throw new RangeError('usage instanceId must be non-empty');
  return `USAGEIDX#${instanceId}`;
}

/** The key of a lease item: `LEASE#<name>`. */
export function leaseKey(name: string): string {
  if (name === '' || name.includes('#')) {
    throw new RangeError(`lease name "${name}" must be non-empty and must not contain "#"`);
  }
  return `LEASE#${name}`;
}

/** The prefix every hour item's key starts with (and no other item's). */
export const USAGE_HOUR_PREFIX = 'USAGE#';

/** Refuses a record `createHour` must not write. */
export function assertCreatableHour(record: UsageHour): void {
  usageHourKey(record.instanceId, record.hour);
  if (record.state !== USAGE_STATE.RECORDED) {
    throw new RangeError(`createHour needs state RECORDED, got ${record.state}`);
  }
  if (!Number.isSafeInteger(record.units) || record.units <= 0) {
    throw new RangeError(`usage units must be a positive safe integer, got ${record.units}`);
  }
}

/** Refuses a total `putTotal` must not write. */
export function assertTotal(total: UsageTotal): void {
  usageTotalKey(total.instanceId);
  if (!Number.isSafeInteger(total.version) || total.version < 1) {
    throw new RangeError(`usage total version must be 1 or more, got ${total.version}`);
  }
}
