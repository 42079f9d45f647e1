/**
 * `queryInstance`'s `usageInfo` for metered instances (#11): the cumulative recorded usage and the
 * end of the last recorded hour, read from the per-instance totals in one batch. Nothing for
 * instances that are not billed by usage, or that have no usage recorded yet.
 */
import type { InstanceRecord } from '../store/instance-store';
import type { UsageStore } from '../store/usage-store';
import { METERED_CHARGING_MODES } from './record-usage';
import { type UsageInfo, usageInfoOf } from './usage-totals';

/** True when the instance is billed by usage (`ON_DEMAND`, `ON_DEMAND_PKG`). */
export function isMetered(record: InstanceRecord): boolean {
  return METERED_CHARGING_MODES.includes(record.entitlement.chargingMode ?? '');
}

/**
 * The `usageInfo` list of each metered instance that has recorded usage, by instance id. Reads
 * nothing when none of `records` is metered.
 */
export async function usageInfoFor(
  usage: Pick<UsageStore, 'getTotals'>,
  records: readonly InstanceRecord[],
): Promise<Map<string, UsageInfo[]>> {
  const metered = records.filter(isMetered).map((r) => r.instanceId);
  const out = new Map<string, UsageInfo[]>();
  if (metered.length === 0) return out;
  for (const total of await usage.getTotals(metered)) {
    const info = usageInfoOf(total);
    if (info) out.set(total.instanceId, [info]);
  }
  return out;
}
