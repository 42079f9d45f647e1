import { recordUsage } from '../../../lib/metering/record-usage';
import { countHours, withHour } from '../../../lib/metering/usage-totals';
import type { UsageHour, UsageStore, UsageTotal } from '../../../lib/store/usage-store';
import { addInstance, memoryPorts, NOW } from './fixtures';

/** `usage` with every `getTotals` and `putTotal` call noted. */
function counted(usage: UsageStore) {
  const reads: string[][] = [];
  const writes: string[] = [];
  const store: UsageStore = Object.create(usage);
  store.getTotals = (ids) => {
    reads.push([...ids]);
    return usage.getTotals(ids);
  };
  store.putTotal = (next) => {
    writes.push(next.instanceId);
    return usage.putTotal(next);
  };
  return { store, reads, writes };
}

/** Hours recorded on one store, to be copied into another without their totals (a crash). */
async function recordedHours(count: number): Promise<UsageHour[]> {
  const ports = memoryPorts();
  const hours: UsageHour[] = [];
  for (let i = 0; i < count; i++) {
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    for (const hour of ['2026-11-29T09', '2026-11-29T10']) {
      hours.push((await recordUsage(ports, { instanceId, hour, value: '1.5' })).record);
    }
  }
  return hours;
}

describe('countHours (#11)', () => {
  it('reads every total in one call and writes only the totals that are behind', async () => {
    const hours = await recordedHours(3);
    const crashed = memoryPorts();
    for (const h of hours) await crashed.usage.createHour(h);
    // The first instance's total is up to date; the other two were left behind by a crash.
    const [first] = hours;
    const upToDate = hours.filter((h) => h.instanceId === first?.instanceId);
    expect(await countHours(crashed.usage, upToDate, NOW)).toBe(0);
    const { store, reads, writes } = counted(crashed.usage);

    const lagging = await countHours(store, hours, NOW);

    expect(lagging).toBe(0);
    expect(reads).toEqual([[...new Set(hours.map((h) => h.instanceId))]]);
    expect(writes.sort()).toEqual(
      [...new Set(hours.map((h) => h.instanceId))].filter((id) => id !== first?.instanceId).sort(),
    );
    const totals = await crashed.usage.getTotals([...new Set(hours.map((h) => h.instanceId))]);
    expect(totals.map((t) => Object.keys(t.hours).sort())).toEqual([
      ['2026112909', '2026112910'],
      ['2026112909', '2026112910'],
      ['2026112909', '2026112910'],
    ]);
  });

  it('re-reads and retries a total another writer changed in between', async () => {
    const [a, b] = await recordedHours(1);
    const ports = memoryPorts();
    await ports.usage.createHour(a as UsageHour);
    await ports.usage.createHour(b as UsageHour);
    const { store, reads } = counted(ports.usage);
    let raced = false;
    store.putTotal = async (next) => {
      if (!raced) {
        raced = true;
        // A concurrent recordUsage counts hour b first.
        await ports.usage.putTotal(withHour(undefined, b as UsageHour, NOW) as UsageTotal);
      }
      return ports.usage.putTotal(next);
    };

    expect(await countHours(store, [a as UsageHour, b as UsageHour], NOW)).toBe(0);

    expect(reads).toHaveLength(2);
    const [total] = await ports.usage.getTotals([(a as UsageHour).instanceId]);
    expect(total).toMatchObject({ hours: { '2026112909': 15_000, '2026112910': 15_000 } });
    expect(total?.version).toBe(2);
  });
});
