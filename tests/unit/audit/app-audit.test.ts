/**
 * The app's audit write (#13): one entry per call for the answer actually sent, started when the
 * call answers and never awaited by it (no store round trip added to the answer), never failing a
 * call, and logged under its own message with the request id when it cannot be kept.
 */
import { CALL_LOG_MESSAGE, createApp, UNKNOWN_ACTIVITY } from '../../../lib/app';
import {
  AUDIT_FAILED_LOG_MESSAGE,
  type AuditInput,
  createAuditTrail,
} from '../../../lib/audit/audit-trail';
import { cryptoIds } from '../../../lib/ids';
import type { AuditStore } from '../../../lib/store/audit-store';
import type { InstanceStore } from '../../../lib/store/instance-store';
import { createMemoryAuditStore } from '../../../lib/store/memory-audit-store';
import { createMemoryStore } from '../../../lib/store/memory-store';
import { signedPost } from '../helpers/requests';
import { UNIT_ACCESS_KEY, unitDeps } from '../helpers/unit-deps';

/** A store that counts every call made to it, by method. */
function countingStore(inner: InstanceStore, calls: string[]): InstanceStore {
  const out = {} as Record<string, unknown>;
  for (const name of Object.keys(inner) as (keyof InstanceStore)[]) {
    out[name] = (...args: unknown[]) => {
      calls.push(name);
      return (inner[name] as (...a: unknown[]) => Promise<unknown>)(...args);
    };
  }
  return out as unknown as InstanceStore;
}

const purchase = (orderId: string) => ({
  activity: 'newInstance',
  orderId,
  orderLineId: `${orderId}-000001`,
  businessId: 'B-1',
});

describe('the app and the audit trail (#13)', () => {
  it('answers before the audit write completes, with the same store calls as without a trail', async () => {
    // Arrange: an audit store whose writes wait until the test lets them go.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const memory = createMemoryAuditStore();
    let pending = 0;
    const held: AuditStore = {
      ...memory,
      appendEntry: async (...args) => {
        pending += 1;
        await gate;
        pending -= 1;
        return memory.appendEntry(...args);
      },
    };
    const withTrail: string[] = [];
    const withoutTrail: string[] = [];
    const a = unitDeps({ store: countingStore(createMemoryStore(), withTrail) });
    a.deps.audit = createAuditTrail({
      store: held,
      clock: a.clock,
      ids: cryptoIds,
      log: a.deps.log,
      retentionDays: 400,
    });
    const b = unitDeps({
      store: countingStore(createMemoryStore(), withoutTrail),
      audit: { recordAudit: async () => 'written' },
    });

    // Act
    const answered = JSON.parse(
      (await createApp(a.deps)(signedPost(UNIT_ACCESS_KEY, a.clock.now(), purchase('O-1')))).body,
    );
    const pendingAtAnswer = pending;
    await createApp(b.deps)(signedPost(UNIT_ACCESS_KEY, b.clock.now(), purchase('O-1')));
    release();
    await a.deps.background.drain();

    // Assert
    expect(answered.resultCode).toBe('000000');
    expect(pendingAtAnswer).toBe(2); // filed under the instance and the order, both still waiting
    expect(withTrail).toEqual(withoutTrail);
    const entries = await memory.readEntries({ kind: 'order', id: 'O-1' }, [
      new Date(a.clock.now()).toISOString().slice(0, 10).replace(/-/g, ''),
    ]);
    expect(entries).toEqual([
      expect.objectContaining({ activity: 'newInstance', resultCode: '000000', test: false }),
    ]);
  });

  /** Unit deps whose audit trail keeps every input it is given. */
  function recordingDeps() {
    const inputs: AuditInput[] = [];
    const made = unitDeps({
      audit: {
        recordAudit: async (input) => {
          inputs.push(input);
          return 'written';
        },
      },
    });
    return { ...made, inputs };
  }

  it('records one entry per call, for the answer sent, with the request id of its call line', async () => {
    const { deps, clock, logs, inputs } = recordingDeps();
    const app = createApp(deps);

    await app(signedPost(UNIT_ACCESS_KEY, clock.now(), purchase('O-2'), { requestId: 'r-ok' }));
    await app(
      signedPost(
        'wrong-key',
        clock.now(),
        { ...purchase('O-3'), testFlag: '1' },
        { requestId: 'r-bad' },
      ),
    );
    await deps.background.drain();

    expect(inputs).toEqual([
      expect.objectContaining({ requestId: 'r-ok', orderId: 'O-2', resultCode: '000000' }),
      expect.objectContaining({
        requestId: 'r-bad',
        activity: 'newInstance',
        orderId: 'O-3',
        test: true,
        resultCode: '000001',
        verified: false,
      }),
    ]);
    expect(logs.filter((l) => l.message === CALL_LOG_MESSAGE)).toHaveLength(2);
  });

  it("names an activity no front end knows `other` on a refused call's line and entry (a metric dimension)", async () => {
    const { deps, clock, logs, inputs } = recordingDeps();
    const app = createApp(deps);
    const made = 'x'.repeat(100);

    const unsigned = await app(
      signedPost('wrong-key', clock.now(), { activity: made, testFlag: '1' }, { requestId: 'r-u' }),
    );
    const signed = await app(
      signedPost(UNIT_ACCESS_KEY, clock.now(), { activity: made }, { requestId: 'r-s' }),
    );
    const known = await app(
      signedPost('wrong-key', clock.now(), { activity: 'queryInstance' }, { requestId: 'r-k' }),
    );
    await deps.background.drain();

    expect([unsigned, signed, known].map((r) => JSON.parse(r.body).resultCode)).toEqual([
      '000001',
      '000002',
      '000001',
    ]);
    const lines = logs.filter((l) => l.message === CALL_LOG_MESSAGE);
    expect(lines.map((l) => [l.requestId, l.activity])).toEqual([
      ['r-u', UNKNOWN_ACTIVITY],
      ['r-s', UNKNOWN_ACTIVITY],
      ['r-k', 'queryInstance'],
    ]);
    expect(inputs.map((i) => [i.requestId, i.activity])).toEqual([
      ['r-u', UNKNOWN_ACTIVITY],
      ['r-s', UNKNOWN_ACTIVITY],
      ['r-k', 'queryInstance'],
    ]);
    expect(JSON.stringify([lines, inputs])).not.toContain(made);
  });

  it('never fails a call when the audit store fails, and logs it with the request id', async () => {
    const { deps, clock, logs } = unitDeps();
    deps.audit = createAuditTrail({
      store: { ...createMemoryAuditStore(), appendEntry: () => Promise.reject(new Error('down')) },
      clock,
      ids: cryptoIds,
      log: deps.log,
      retentionDays: 400,
    });

    const response = await createApp(deps)(
      signedPost(UNIT_ACCESS_KEY, clock.now(), purchase('O-4'), { requestId: 'r-down' }),
    );
    await deps.background.drain();

    expect(JSON.parse(response.body).resultCode).toBe('000000');
    const mine = logs.filter((l) => l.requestId === 'r-down');
    expect(mine.map((l) => l.message)).toEqual([CALL_LOG_MESSAGE, AUDIT_FAILED_LOG_MESSAGE]);
    expect(mine[1]).toMatchObject({
      orderId: 'O-4',
      resultCode: '000000',
      activity: 'newInstance',
    });
  });
});
