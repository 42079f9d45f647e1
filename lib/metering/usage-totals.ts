/**
 * Per-instance usage totals (`USAGEIDX#<instanceId>`), what `queryInstance` answers as `usageInfo`.
 * A total counts each recorded hour once: it is updated after the hour item is written, and the
 * push job repairs any total a crash left behind (every RECORDED hour it sees is counted again,
 * which is a no-op when it already is).
 */
import type { UsageHour, UsageStore, UsageTotal } from '../store/usage-store';
import {
  formatUnits,
  HOUR_MS,
  hourKey,
  hourStart,
  statisticalTime,
  sumUnits,
} from './usage-values';

/** Hours older than this are folded into one sum: far outside the 21-day recording window. */
export const FOLD_AFTER_MS = 60 * 86_400_000;
/** Attempts at the total's conditional write before leaving it to the push job's repair. */
const ATTEMPTS = 6;

/** The total with `hour` counted (and old hours folded), or undefined when it already counts it. */
export function withHour(
  total: UsageTotal | undefined,
  record: UsageHour,
  nowMs: number,
): UsageTotal | undefined {
  const base: UsageTotal = total ?? {
    instanceId: record.instanceId,
    hours: {},
    foldedUnits: 0,
    version: 0,
  };
  if (record.hour in base.hours) return undefined;
  if (base.foldedThrough !== undefined && record.hour <= base.foldedThrough) return undefined;
  const hours: Record<string, number> = { ...base.hours, [record.hour]: record.units };
  let foldedUnits = base.foldedUnits;
  let foldedThrough = base.foldedThrough;
  const foldBefore = hourKey(nowMs - FOLD_AFTER_MS);
  for (const [h, units] of Object.entries(hours)) {
    if (h >= foldBefore) continue;
    foldedUnits += units;
    if (foldedThrough === undefined || h > foldedThrough) foldedThrough = h;
    delete hours[h];
  }
  return {
    instanceId: base.instanceId,
    hours,
    foldedUnits,
    ...(foldedThrough === undefined ? {} : { foldedThrough }),
    version: base.version + 1,
  };
}

/**
 * Counts recorded hours in their instances' totals. One `getTotals` read for every instance (the
 * store batches it), then one conditional write per total that is behind: a total counting every
 * hour already is not written. A conflicting write is retried, re-reading only those totals, up to
 * {@link ATTEMPTS} times. Resolves how many totals it could not update (the push job repairs them).
 */
export async function countHours(
  usage: UsageStore,
  records: readonly UsageHour[],
  nowMs: number,
): Promise<number> {
  let pending = new Map<string, UsageHour[]>();
  for (const r of records) pending.set(r.instanceId, [...(pending.get(r.instanceId) ?? []), r]);
  for (let attempt = 0; attempt < ATTEMPTS && pending.size > 0; attempt++) {
    const stored = new Map(
      (await usage.getTotals([...pending.keys()])).map((t) => [t.instanceId, t]),
    );
    const conflicted = new Map<string, UsageHour[]>();
    for (const [instanceId, hours] of pending) {
      const total = stored.get(instanceId);
      let next: UsageTotal | undefined;
      for (const h of hours) next = withHour(next ?? total, h, nowMs) ?? next;
      // Nothing missing: every hour is counted already.
      if (next === undefined) continue;
      const outcome = await usage.putTotal({ ...next, version: (total?.version ?? 0) + 1 });
      if (outcome !== 'written') conflicted.set(instanceId, hours);
    }
    pending = conflicted;
  }
  return pending.size;
}

/** `queryInstance`'s `usageInfo` entry: the cumulative value and the end of the last hour. */
export interface UsageInfo {
  /** Cumulative usage, at most 4 decimals (a JSON number, as KooGallery's `Double(12,4)`). */
  usageValue: number;
  /** End of the last recorded hour, UTC `yyyyMMddHHmmssSSS`. */
  statisticalTime: string;
}

/** The `usageInfo` of a total, or undefined when it counts no hour. */
export function usageInfoOf(total: UsageTotal): UsageInfo | undefined {
  const hours = Object.keys(total.hours).sort();
  const last = hours[hours.length - 1] ?? total.foldedThrough;
  if (last === undefined) return undefined;
  const units = sumUnits(Object.values(total.hours)) + BigInt(total.foldedUnits);
  return {
    // The decimal text of an exact sum: Number() of it prints back the same digits.
    usageValue: Number(formatUnits(units)),
    statisticalTime: statisticalTime(hourStart(last) + HOUR_MS),
  };
}
