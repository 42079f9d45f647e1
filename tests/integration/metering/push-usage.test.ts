import { StoreUnavailableError } from '../../../lib/errors';
import type { OpenApiStandIn } from '../../../lib/local/open-api-stand-in';
import { PUSH_LEASE, pushUsage } from '../../../lib/metering/push-usage';
import { recordUsage } from '../../../lib/metering/record-usage';
import { createUsageClient, type UsageClient } from '../../../lib/open-api/usage-client';
import { USAGE_STATE, type UsageHour } from '../../../lib/store/usage-store';
import {
  addInstance,
  captureLog,
  manualClock,
  memoryPorts,
  standInWithClient,
} from '../../unit/metering/fixtures';

let counter = 0;
const ids = { token: () => `holder-${++counter}` };

describe('pushUsage (#11)', () => {
  let standIn: OpenApiStandIn;
  let client: UsageClient;
  let ports: ReturnType<typeof memoryPorts>;
  let clock: ReturnType<typeof manualClock>;

  beforeEach(async () => {
    clock = manualClock();
    ports = memoryPorts(clock);
    ({ standIn, client } = await standInWithClient(clock));
  });

  afterEach(async () => {
    await standIn.close();
  });

  const push = (log = captureLog()) =>
    pushUsage({ usage: ports.usage, client, clock, ids, log }, {});

  async function record(instanceId: string, hour: string, value: string) {
    return (await recordUsage(ports, { instanceId, hour, value })).record;
  }

  it('sends two recorded hours once, in KooGallery formats, and marks them accepted', async () => {
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    const a = await record(instanceId, '2026-11-29T10', '1.5');
    const b = await record(instanceId, '2026-11-29T11', '2.25');

    const report = await push();

    expect(report).toMatchObject({ ran: true, pending: 2, accepted: 2, failed: 0 });
    expect(standIn.usageRecords).toEqual([
      {
        instance_id: instanceId,
        record_time: '20261129T123000Z',
        begin_time: '20261129T100000Z',
        end_time: '20261129T110000Z',
        usage_value: '1.5',
        metering_sn: a.meteringSn,
      },
      {
        instance_id: instanceId,
        record_time: '20261129T123000Z',
        begin_time: '20261129T110000Z',
        end_time: '20261129T120000Z',
        usage_value: '2.25',
        metering_sn: b.meteringSn,
      },
    ]);
    const stored = await ports.usage.getHour(instanceId, '2026112910');
    expect(stored?.state).toBe(USAGE_STATE.ACCEPTED);
    expect(stored?.expiresAtMs).toBeGreaterThan(clock.now());
  });

  it('repairs totals a crash left behind, one write per instance (#11)', async () => {
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    const a = await record(instanceId, '2026-11-29T09', '1');
    const b = await record(instanceId, '2026-11-29T10', '2');
    // The crash: hour items written, no total (a second store holding only the hours).
    const crashed = memoryPorts(clock);
    await crashed.usage.createHour(a);
    await crashed.usage.createHour(b);

    await pushUsage({ usage: crashed.usage, client, clock, ids, log: captureLog() });

    const [total] = await crashed.usage.getTotals([instanceId]);
    expect(total).toMatchObject({
      hours: { '2026112909': 10_000, '2026112910': 20_000 },
      version: 1,
    });
  });

  it('sends nothing on a second run', async () => {
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    await record(instanceId, '2026-11-29T10', '1');
    await push();

    const second = await push();

    expect(second).toMatchObject({ ran: true, pending: 0, accepted: 0, calls: [] });
    expect([...standIn.usageReceived.values()]).toEqual([1]);
  });

  it('sends relate_pkg_instance for a package instance', async () => {
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND_PKG');
    await record(instanceId, '2026-11-29T10', '1');

    await push();

    expect(standIn.usageRecords[0]?.relate_pkg_instance).toBe(instanceId);
  });

  it('retries a push KooGallery failed on the next run, then accepts it', async () => {
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    await record(instanceId, '2026-11-29T10', '1');
    standIn.faults.failNextPushes(1, 'http500');

    const failed = await push();
    clock.advance(3_600_000);
    const retried = await push();

    expect(failed).toMatchObject({ accepted: 0, failed: 1, incomplete: true });
    expect(failed.calls[0]?.outcome).toBe('unreachable');
    expect((await ports.usage.getHour(instanceId, '2026112910'))?.state).toBe(USAGE_STATE.ACCEPTED);
    expect(retried).toMatchObject({ pending: 1, accepted: 1, failed: 0 });
    expect(standIn.usageRecords).toHaveLength(1);
  });

  it('sends at most 100 records per call', async () => {
    const instances = await Promise.all(
      Array.from({ length: 3 }, () => addInstance(ports.instances, 'ON_DEMAND')),
    );
    for (const id of instances) {
      for (let h = 0; h < 50; h++) {
        const hour = new Date(clock.now() - (h + 2) * 3_600_000).toISOString().slice(0, 13);
        await record(id, hour, '0.0001');
      }
    }
    const progress: number[] = [];

    const report = await pushUsage(
      { usage: ports.usage, client, clock, ids, log: captureLog() },
      { onProgress: (p) => progress.push(p.done) },
    );

    expect(report.calls.map((c) => c.records)).toEqual([100, 50]);
    expect(progress).toEqual([100, 150]);
    expect(standIn.usageRecords).toHaveLength(150);
  });

  it('lets only one of two concurrent runs send: each record arrives once', async () => {
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    await record(instanceId, '2026-11-29T09', '1');
    await record(instanceId, '2026-11-29T10', '2');

    const [one, two] = await Promise.all([push(), push()]);

    expect([one.ran, two.ran].sort()).toEqual([false, true]);
    expect([...standIn.usageReceived.values()]).toEqual([1, 1]);
  });

  it('does not run while another holder has the lease, and runs once it expired', async () => {
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    await record(instanceId, '2026-11-29T10', '1');
    await ports.usage.acquireLease(PUSH_LEASE, 'crashed-run', clock.now(), clock.now() + 60_000);

    const blocked = await push();
    clock.advance(60_001);
    const after = await push();

    expect(blocked.ran).toBe(false);
    expect(after).toMatchObject({ ran: true, accepted: 1 });
  });

  /** The usage store with `acquireLease` answering as listed: a write that landed but timed out, a failure, or the real answer. */
  function leaseFaults(...plan: Array<'landed-timeout' | 'fail' | 'real'>): typeof ports.usage {
    const inner = ports.usage;
    let call = 0;
    return {
      ...inner,
      async acquireLease(name, holder, nowMs, untilMs) {
        const step = plan[call++] ?? 'real';
        if (step === 'real') return inner.acquireLease(name, holder, nowMs, untilMs);
        if (step === 'landed-timeout') await inner.acquireLease(name, holder, nowMs, untilMs);
        throw new StoreUnavailableError('acquireLease timed out (test)');
      },
    };
  }

  it('recognises its own lease after a lease write that landed but timed out (#14 load run)', async () => {
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    await record(instanceId, '2026-11-29T10', '1');

    const report = await pushUsage(
      { usage: leaseFaults('landed-timeout'), client, clock, ids, log: captureLog() },
      {},
    );

    expect(report).toMatchObject({ ran: true, accepted: 1 });
    expect(standIn.usageRecords).toHaveLength(1);
  });

  it('gives the lease up when its write keeps failing, so the next run need not wait 5 minutes', async () => {
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    await record(instanceId, '2026-11-29T10', '1');

    await expect(
      pushUsage({
        usage: leaseFaults('landed-timeout', 'fail'),
        client,
        clock,
        ids,
        log: captureLog(),
      }),
    ).rejects.toThrow(StoreUnavailableError);
    const next = await push();

    expect(next).toMatchObject({ ran: true, accepted: 1 });
  });

  it('isolates a record KooGallery refuses and accepts the others', async () => {
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    const good = await record(instanceId, '2026-11-29T10', '1');
    // A record the stand-in refuses: its serial was already used for another record.
    const other = await addInstance(ports.instances, 'ON_DEMAND');
    const bad: UsageHour = {
      ...good,
      instanceId: other,
      hour: '2026112909',
      meteringSn: 'sn-reused',
    };
    await standInPush(bad, '5');
    await ports.usage.createHour(bad);
    const log = captureLog();

    const report = await push(log);

    expect(report.accepted).toBe(1);
    expect(report.failed).toBe(1);
    expect(report.records.find((r) => r.instanceId === other)?.outcome).toBe('refused');
    expect((await ports.usage.getHour(other, '2026112909'))?.state).toBe(USAGE_STATE.RECORDED);
    expect(
      log.lines.some((l) => l.level === 'error' && /refused by KooGallery/.test(l.message)),
    ).toBe(true);
  });

  it('stops at the first call refused for a wrong SK: no halving, one error line, records stay recorded', async () => {
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    for (let h = 0; h < 64; h++) {
      const hour = new Date(clock.now() - (h + 2) * 3_600_000).toISOString().slice(0, 13);
      await record(instanceId, hour, '1');
    }
    const calls: string[] = [];
    const wrongSk = createUsageClient({
      endpoint: standIn.endpoint,
      ak: 'TESTAK0123456789ABCD',
      sk: 'not-the-secret-key',
      accessKey: 'test-access-key',
      timeoutMs: 2000,
      now: () => clock.now(),
      fetchImpl: (input, init) => {
        calls.push(String(input));
        return fetch(input, init);
      },
    });
    const log = captureLog();

    const report = await pushUsage({ usage: ports.usage, client: wrongSk, clock, ids, log });

    expect(calls).toHaveLength(1);
    expect(report).toMatchObject({ accepted: 0, failed: 64, incomplete: true });
    expect(report.calls).toEqual([expect.objectContaining({ records: 64, outcome: 'refused' })]);
    const errors = log.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/HUAWEICLOUD_AK\/HUAWEICLOUD_SK/);
    expect(JSON.stringify(log.lines)).not.toContain('not-the-secret-key');
    const { items } = await ports.usage.scanRecorded({ limit: 1000 });
    expect(items).toHaveLength(64);
    expect(items.every((h) => h.state === USAGE_STATE.RECORDED)).toBe(true);
    expect(standIn.usageRecords).toEqual([]);
  });

  it('logs and counts records near the 21-day limit and leaves older ones unsent', async () => {
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    await record(instanceId, '2026-11-09T10', '1');
    await record(instanceId, '2026-11-29T10', '1');
    standIn.faults.failNextPushes(1, 'http500');
    const log = captureLog();

    const failed = await push(log);

    expect(failed).toMatchObject({ nearWindowUnsent: 1, accepted: 0 });
    expect(log.lines.some((l) => /near the 21-day window/.test(l.message))).toBe(true);
    clock.advance(2 * 86_400_000);
    const later = captureLog();
    const report = await push(later);

    expect(report.outsideWindow).toBe(1);
    expect(report.accepted).toBe(1);
    expect(
      later.lines.some((l) => l.level === 'error' && /outside the 21-day window/.test(l.message)),
    ).toBe(true);
  });

  it('marks a record outside the 21-day window expired with a TTL, once: later runs neither scan, count nor log it (#11)', async () => {
    const instanceId = await addInstance(ports.instances, 'ON_DEMAND');
    await record(instanceId, '2026-11-09T10', '1');
    standIn.faults.failNextPushes(1, 'http500');
    await push();
    clock.advance(2 * 86_400_000);
    const first = captureLog();

    const marked = await push(first);
    const again = captureLog();
    const next = await push(again);

    expect(marked).toMatchObject({ outsideWindow: 1, pending: 1, accepted: 0 });
    const stored = await ports.usage.getHour(instanceId, '2026110910');
    expect(stored).toMatchObject({ state: USAGE_STATE.EXPIRED, expiredAt: clock.now() });
    expect(stored?.expiresAtMs).toBe(clock.now() + 35 * 86_400_000);
    expect(next).toMatchObject({ outsideWindow: 0, pending: 0, accepted: 0 });
    expect(again.lines.some((l) => /outside the 21-day window/.test(l.message))).toBe(false);
    expect(standIn.usageRecords.filter((r) => r.instance_id === instanceId)).toEqual([]);
  });

  async function standInPush(h: UsageHour, value: string) {
    await client.push([
      {
        instance_id: 'someone-else',
        record_time: '20261129T100000Z',
        begin_time: '20261129T090000Z',
        end_time: '20261129T100000Z',
        usage_value: value,
        metering_sn: h.meteringSn,
      },
    ]);
  }
});
