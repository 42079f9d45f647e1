import { recordUsage, USAGE_REFUSAL, UsageRefusedError } from '../../../lib/metering/record-usage';
import { usageInfoFor } from '../../../lib/metering/usage-info';
import { STATUS } from '../../../lib/store/instance-store';
import { USAGE_STATE } from '../../../lib/store/usage-store';
import { addInstance, memoryPorts, NOW } from './fixtures';

async function refusal(promise: Promise<unknown>): Promise<UsageRefusedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageRefusedError);
  return error as UsageRefusedError;
}

describe('recordUsage (#11)', () => {
  it('records a closed hour of an ON_DEMAND instance exactly, with a derived metering_sn', async () => {
    const ports = memoryPorts();
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');

    const result = await recordUsage(ports, {
      instanceId,
      hour: '2026-11-29T11',
      value: '12.3456',
    });

    expect(result.outcome).toBe('recorded');
    expect(result.record).toMatchObject({
      instanceId,
      hour: '2026112911',
      units: 123_456,
      state: USAGE_STATE.RECORDED,
      chargingMode: 'ON_DEMAND',
      recordedAt: NOW,
    });
    expect(result.record.relatePkgInstance).toBeUndefined();
    expect(result.record.meteringSn).toMatch(/^u2026112911[0-9a-f]{32}$/);
    expect(await ports.usage.getHour(instanceId, '2026112911')).toEqual(result.record);
  });

  it('names the package as relate_pkg_instance for an ON_DEMAND_PKG instance', async () => {
    const ports = memoryPorts();
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND_PKG');

    const { record } = await recordUsage(ports, { instanceId, hour: '2026-11-29T10', value: 1 });

    expect(record.relatePkgInstance).toBe(instanceId);
  });

  it('answers already-recorded for the same value again and changes nothing', async () => {
    const ports = memoryPorts();
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    const first = await recordUsage(ports, { instanceId, hour: '2026-11-29T11', value: '2.50' });
    ports.clock.advance(60_000);

    const again = await recordUsage(ports, { instanceId, hour: '2026-11-29T11', value: '2.5' });

    expect(again).toEqual({ outcome: 'already-recorded', record: first.record });
    const [total] = await ports.usage.getTotals([instanceId]);
    expect(total?.hours).toEqual({ '2026112911': 25_000 });
  });

  it('sums two hours exactly in usageInfo, with the end of the last hour', async () => {
    const ports = memoryPorts();
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    const record = await ports.instances.getInstance('real', instanceId);
    await recordUsage(ports, { instanceId, hour: '2026-11-29T10', value: '0.1' });
    await recordUsage(ports, { instanceId, hour: '2026-11-29T11', value: '0.2' });

    const info = await usageInfoFor(ports.usage, record ? [record] : []);

    expect(info.get(instanceId)).toEqual([
      { usageValue: 0.3, statisticalTime: '20261129120000000' },
    ]);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['a future hour', { hour: '2026-11-29T13' }, USAGE_REFUSAL.FUTURE_HOUR, /in the future/],
    ['the hour still running', { hour: '2026-11-29T12' }, USAGE_REFUSAL.OPEN_HOUR, /not ended/],
    ['an hour older than 21 days', { hour: '2026-11-08T11' }, USAGE_REFUSAL.TOO_OLD, /21-day/],
    ['five decimals', { value: '1.00001' }, USAGE_REFUSAL.BAD_VALUE, /at most 4/],
    ['zero', { value: '0' }, USAGE_REFUSAL.BAD_VALUE, /greater than 0/],
    ['a negative value', { value: '-2' }, USAGE_REFUSAL.BAD_VALUE, /greater than 0/],
    ['an exponent', { value: '1e3' }, USAGE_REFUSAL.BAD_VALUE, /plain decimal/],
    ['a malformed hour', { hour: '2026-11-29 11:00' }, USAGE_REFUSAL.BAD_HOUR, /yyyy-MM-ddTHH/],
    ['a date that does not exist', { hour: '2026-02-30T01' }, USAGE_REFUSAL.BAD_HOUR, /not a real/],
    [
      'an unknown instance',
      { instanceId: 'never-seen' },
      USAGE_REFUSAL.UNKNOWN_INSTANCE,
      /does not exist/,
    ],
  ])(
    'refuses %s with a clear message and changes nothing',
    async (_name, change, reason, message) => {
      const ports = memoryPorts();
      const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
      const report = { instanceId, hour: '2026-11-29T11', value: '1', ...change };

      const error = await refusal(recordUsage(ports, report));

      expect(error.reason).toBe(reason);
      expect(error.message).toMatch(message);
      expect(await ports.usage.getTotals([instanceId])).toEqual([]);
      expect(await ports.usage.scanRecorded({ limit: 100 })).toEqual({ items: [] });
    },
  );

  it.each<[string, string | undefined, string, string]>([
    ['a released instance', 'ON_DEMAND', STATUS.RELEASED, USAGE_REFUSAL.RELEASED],
    ['a PERIOD instance', 'PERIOD', STATUS.ACTIVE, USAGE_REFUSAL.NOT_METERED],
    ['an instance without chargingMode', undefined, STATUS.ACTIVE, USAGE_REFUSAL.NOT_METERED],
  ])('refuses %s and changes nothing', async (_name, mode, status, reason) => {
    const ports = memoryPorts();
    const instanceId = await addInstance(ports.instances, mode, status as never);

    const error = await refusal(
      recordUsage(ports, { instanceId, hour: '2026-11-29T11', value: '1' }),
    );

    expect(error.reason).toBe(reason);
    expect(await ports.usage.getHour(instanceId, '2026112911')).toBeUndefined();
  });

  it('refuses another value for a recorded hour and keeps the first', async () => {
    const ports = memoryPorts();
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    await recordUsage(ports, { instanceId, hour: '2026-11-29T11', value: '3' });

    const error = await refusal(
      recordUsage(ports, { instanceId, hour: '2026-11-29T11', value: '4' }),
    );

    expect(error.reason).toBe(USAGE_REFUSAL.CONFLICT);
    expect(error.message).toMatch(/already recorded as 3.*recorded once/);
    expect((await ports.usage.getHour(instanceId, '2026112911'))?.units).toBe(30_000);
  });

  it('repairs a total a crash left behind when the same report is sent again', async () => {
    const ports = memoryPorts();
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    const { record } = await recordUsage(ports, { instanceId, hour: '2026-11-29T11', value: '3' });
    // The crash: the hour item exists, its total does not (a fresh usage store holding only the hour).
    const fresh = memoryPorts(ports.clock);
    await fresh.usage.createHour(record);

    await recordUsage(
      { ...fresh, instances: ports.instances },
      { instanceId, hour: '2026-11-29T11', value: '3' },
    );

    expect((await fresh.usage.getTotals([instanceId]))[0]?.hours).toEqual({ '2026112911': 30_000 });
  });

  it('lets one of concurrent different values win and refuses the others', async () => {
    const ports = memoryPorts();
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');

    const outcomes = await Promise.allSettled(
      ['1', '2', '3', '4'].map((value) =>
        recordUsage(ports, { instanceId, hour: '2026-11-29T11', value }),
      ),
    );

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const [total] = await ports.usage.getTotals([instanceId]);
    const stored = await ports.usage.getHour(instanceId, '2026112911');
    expect(total?.hours).toEqual({ '2026112911': stored?.units });
  });
});
