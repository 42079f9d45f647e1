/**
 * The behaviour every {@link UsageStore} must have (#11): an hour is created once, an accepted hour
 * never changes, one winner among concurrent writers, a paginated scan that finds every recorded
 * hour exactly once, guarded totals and a lease that two holders never share. Each store's test
 * file calls it once.
 */
import { randomUUID } from 'node:crypto';
import { USAGE_STATE, type UsageHour, type UsageStore } from '../../lib/store/usage-store';

/** A recorded hour of a fresh instance. */
export function makeHour(overrides: Partial<UsageHour> = {}): UsageHour {
  const instanceId = overrides.instanceId ?? `i-${randomUUID()}`;
  const hour = overrides.hour ?? '2026112910';
  return {
    instanceId,
    hour,
    units: 12_345,
    state: USAGE_STATE.RECORDED,
    meteringSn: `sn-${instanceId}-${hour}`,
    chargingMode: 'ON_DEMAND',
    recordedAt: 1_700_000_000_000,
    ...overrides,
  };
}

/** Runs the usage store contract against the store `make` returns (one per test). */
export function describeUsageStoreContract(name: string, make: () => UsageStore): void {
  describe(`${name}: UsageStore contract (#11)`, () => {
    let store: UsageStore;
    beforeEach(() => {
      store = make();
    });

    it('creates an hour once and reads it back exactly', async () => {
      const hour = makeHour({ chargingMode: 'ON_DEMAND_PKG', relatePkgInstance: 'pkg-1' });

      expect(await store.createHour(hour)).toBe('written');
      expect(await store.createHour({ ...hour, units: 1 })).toBe('conflict');

      expect(await store.getHour(hour.instanceId, hour.hour)).toEqual(hour);
      expect(await store.getHour(hour.instanceId, '2026112911')).toBeUndefined();
    });

    it('lets exactly one of many concurrent creations of an hour win', async () => {
      const hour = makeHour();

      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.createHour({ ...hour, units: i + 1 })),
      );

      expect(outcomes.filter((o) => o === 'written')).toHaveLength(1);
      const stored = await store.getHour(hour.instanceId, hour.hour);
      expect(outcomes[(stored?.units ?? 0) - 1]).toBe('written');
    });

    it('marks a recorded hour accepted once, with its TTL, and never again', async () => {
      const hour = makeHour();
      await store.createHour(hour);

      expect(await store.markAccepted(hour, 1_700_000_100_000, 1_702_000_000_000)).toBe('written');
      expect(await store.markAccepted(hour, 1_700_000_200_000, 1_703_000_000_000)).toBe('conflict');

      expect(await store.getHour(hour.instanceId, hour.hour)).toEqual({
        ...hour,
        state: USAGE_STATE.ACCEPTED,
        acceptedAt: 1_700_000_100_000,
        expiresAtMs: 1_702_000_000_000,
      });
    });

    it('marks a recorded hour expired once, with its TTL, out of the scan of recorded hours (#11)', async () => {
      const hour = makeHour();
      await store.createHour(hour);

      expect(await store.markExpired(hour, 1_700_000_100_000, 1_702_000_000_000)).toBe('written');
      expect(await store.markExpired(hour, 1_700_000_200_000, 1_703_000_000_000)).toBe('conflict');
      expect(await store.markAccepted(hour, 1_700_000_300_000, 1_703_000_000_000)).toBe('conflict');

      expect(await store.getHour(hour.instanceId, hour.hour)).toEqual({
        ...hour,
        state: USAGE_STATE.EXPIRED,
        expiredAt: 1_700_000_100_000,
        expiresAtMs: 1_702_000_000_000,
      });
      const seen: UsageHour[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 1000; page++) {
        const out = await store.scanRecorded({ limit: 50, ...(cursor ? { cursor } : {}) });
        seen.push(...out.items);
        cursor = out.cursor;
        if (cursor === undefined) break;
      }
      expect(seen.map((h) => h.meteringSn)).not.toContain(hour.meteringSn);
    });

    it('refuses to mark an hour that was never recorded', async () => {
      expect(await store.markAccepted(makeHour(), 1, 2_000)).toBe('conflict');
    });

    it('scans every recorded hour once across pages, and no accepted one', async () => {
      const instanceId = `i-${randomUUID()}`;
      const hours = Array.from({ length: 7 }, (_, i) =>
        makeHour({ instanceId, hour: `20261129${String(i + 10)}` }),
      );
      for (const h of hours) await store.createHour(h);
      await store.markAccepted(hours[0] as UsageHour, 1, 1_000);

      const seen: UsageHour[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 1000; page++) {
        const out = await store.scanRecorded({ limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...out.items);
        cursor = out.cursor;
        if (cursor === undefined) break;
      }

      const mine = seen.filter((h) => h.instanceId === instanceId).map((h) => h.hour);
      expect(mine.sort()).toEqual(hours.slice(1).map((h) => h.hour));
    });

    it('lists the asked hours of one instance that exist', async () => {
      const a = makeHour({ hour: '2026112901' });
      const b = makeHour({ instanceId: a.instanceId, hour: '2026112902' });
      await store.createHour(a);
      await store.createHour(b);

      const listed = await store.listHours(a.instanceId, [
        '2026112901',
        '2026112902',
        '2026112903',
      ]);

      expect(listed.sort((x, y) => x.hour.localeCompare(y.hour))).toEqual([a, b]);
    });

    it('writes totals guarded by their version and reads many at once', async () => {
      const instanceId = `i-${randomUUID()}`;
      const first = { instanceId, hours: { '2026112910': 5 }, foldedUnits: 0, version: 1 };

      expect(await store.putTotal(first)).toBe('written');
      expect(await store.putTotal(first)).toBe('conflict');
      const second = {
        ...first,
        hours: { '2026112911': 7 },
        foldedUnits: 5,
        foldedThrough: '2026112910',
        version: 2,
      };
      expect(await store.putTotal(second)).toBe('written');
      expect(await store.putTotal({ ...second, version: 2 })).toBe('conflict');
      expect(await store.putTotal({ ...second, instanceId: `i-${randomUUID()}`, version: 2 })).toBe(
        'conflict',
      );

      expect(await store.getTotals([instanceId, instanceId, 'missing'])).toEqual([second]);
    });

    it('gives a lease to one holder until it expires or is released', async () => {
      const name = `push-${randomUUID()}`;

      const both = await Promise.all([
        store.acquireLease(name, 'a', 1_000, 61_000),
        store.acquireLease(name, 'b', 1_000, 61_000),
      ]);
      const winner = both[0] === 'written' ? 'a' : 'b';
      expect([...both].sort()).toEqual(['conflict', 'written']);
      const loser = winner === 'a' ? 'b' : 'a';

      expect(await store.acquireLease(name, winner, 30_000, 90_000)).toBe('written');
      expect(await store.acquireLease(name, loser, 60_000, 120_000)).toBe('conflict');
      expect(await store.acquireLease(name, loser, 90_001, 150_000)).toBe('written');
      expect(await store.releaseLease(name, winner)).toBe('conflict');
      expect(await store.releaseLease(name, loser)).toBe('written');
      expect(await store.acquireLease(name, winner, 90_002, 150_000)).toBe('written');
    });
  });
}
