/**
 * An in-memory {@link UsageStore} for unit tests, with the dynamoose adapter's semantics (it passes
 * the same contract suite). Each check-and-write runs without an `await` in between, which makes it
 * atomic in single-threaded JavaScript, like a conditional write on one item.
 */
import type { WriteOutcome } from './instance-store';
import {
  assertCreatableHour,
  assertTotal,
  leaseKey,
  USAGE_STATE,
  type UsageHour,
  type UsageStore,
  type UsageTotal,
  usageHourKey,
  usageTotalKey,
} from './usage-store';

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A fresh, empty in-memory usage store. */
export function createMemoryUsageStore(): UsageStore {
  const hours = new Map<string, UsageHour>();
  const totals = new Map<string, UsageTotal>();
  const leases = new Map<string, { holder: string; until: number }>();

  return {
    async getHour(instanceId, hour) {
      const found = hours.get(usageHourKey(instanceId, hour));
      return found === undefined ? undefined : copy(found);
    },

    async createHour(record): Promise<WriteOutcome> {
      assertCreatableHour(record);
      const key = usageHourKey(record.instanceId, record.hour);
      if (hours.has(key)) return 'conflict';
      hours.set(key, copy(record));
      return 'written';
    },

    async markAccepted(record, acceptedAt, expiresAtMs): Promise<WriteOutcome> {
      const key = usageHourKey(record.instanceId, record.hour);
      const found = hours.get(key);
      if (found?.state !== USAGE_STATE.RECORDED) return 'conflict';
      hours.set(key, {
        ...found,
        state: USAGE_STATE.ACCEPTED,
        acceptedAt,
        // Like the table's TTL attribute: whole seconds, rounded up.
        expiresAtMs: Math.ceil(expiresAtMs / 1000) * 1000,
      });
      return 'written';
    },

    async markExpired(record, expiredAt, expiresAtMs): Promise<WriteOutcome> {
      const key = usageHourKey(record.instanceId, record.hour);
      const found = hours.get(key);
      if (found?.state !== USAGE_STATE.RECORDED) return 'conflict';
      hours.set(key, {
        ...found,
        state: USAGE_STATE.EXPIRED,
        expiredAt,
        expiresAtMs: Math.ceil(expiresAtMs / 1000) * 1000,
      });
      return 'written';
    },

    async scanRecorded({ limit, cursor }) {
      const keys = [...hours.keys()].sort();
      const start = cursor === undefined ? 0 : keys.findIndex((k) => k > cursor);
      const examined = start < 0 ? [] : keys.slice(start, start + limit);
      const items = examined
        .map((k) => hours.get(k) as UsageHour)
        .filter((h) => h.state === USAGE_STATE.RECORDED)
        .map(copy);
      const last = examined[examined.length - 1];
      const more = start >= 0 && start + limit < keys.length;
      return more && last !== undefined ? { items, cursor: last } : { items };
    },

    async listHours(instanceId, wanted) {
      const found: UsageHour[] = [];
      for (const hour of new Set(wanted)) {
        const h = hours.get(usageHourKey(instanceId, hour));
        if (h) found.push(copy(h));
      }
      return found;
    },

    async getTotals(instanceIds) {
      const found: UsageTotal[] = [];
      for (const id of new Set(instanceIds)) {
        const t = totals.get(usageTotalKey(id));
        if (t) found.push(copy(t));
      }
      return found;
    },

    async putTotal(next): Promise<WriteOutcome> {
      assertTotal(next);
      const key = usageTotalKey(next.instanceId);
      const stored = totals.get(key);
      const holds =
        next.version === 1 ? stored === undefined : stored?.version === next.version - 1;
      if (!holds) return 'conflict';
      totals.set(key, copy(next));
      return 'written';
    },

    async acquireLease(name, holder, nowMs, untilMs): Promise<WriteOutcome> {
      const key = leaseKey(name);
      const lease = leases.get(key);
      if (lease && lease.until >= nowMs && lease.holder !== holder) return 'conflict';
      leases.set(key, { holder, until: untilMs });
      return 'written';
    },

    async releaseLease(name, holder): Promise<WriteOutcome> {
      const key = leaseKey(name);
      if (leases.get(key)?.holder !== holder) return 'conflict';
      leases.set(key, { holder: '-', until: 0 });
      return 'written';
    },
  };
}
