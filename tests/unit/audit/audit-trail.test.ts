import {
  AUDIT_FAILED_LOG_MESSAGE,
  createAuditTrail,
  subjectsOf,
} from '../../../lib/audit/audit-trail';
import { callAuditInput, peekCallFields } from '../../../lib/audit/call-entry';
import { instanceIdFor } from '../../../lib/ids';
import type { LogFields } from '../../../lib/log';
import type { AuditStore } from '../../../lib/store/audit-store';
import { createMemoryAuditStore } from '../../../lib/store/memory-audit-store';

const T0 = Date.UTC(2026, 10, 29, 10);

function recordingLog() {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, fields });
    };
  return {
    lines,
    log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}

function trailOn(store: AuditStore, now = T0) {
  const { lines, log } = recordingLog();
  let n = 0;
  const trail = createAuditTrail({
    store,
    clock: { now: () => now },
    ids: { token: () => `${(n++).toString(16).padStart(8, '0')}ffff`, password: () => 'unused' },
    log,
    retentionDays: 400,
  });
  return { trail, lines };
}

describe('createAuditTrail (#13)', () => {
  it('files a call under its instance and its order, with a sortable id', async () => {
    const store = createMemoryAuditStore();
    const { trail } = trailOn(store);

    const outcome = await trail.recordAudit({
      kind: 'call',
      requestId: 'r-1',
      activity: 'newInstance',
      instanceId: 'i-1',
      orderId: 'O-1',
      resultCode: '000000',
      latencyMs: 20,
    });

    const day = ['20261129'];
    const [byInstance] = await store.readEntries({ kind: 'instance', id: 'i-1' }, day);
    const [byOrder] = await store.readEntries({ kind: 'order', id: 'O-1' }, day);
    expect(outcome).toBe('written');
    expect(byInstance).toEqual(byOrder);
    expect(byInstance).toMatchObject({ time: T0, activity: 'newInstance', resultCode: '000000' });
    expect(byInstance?.id).toMatch(/^[0-9a-z]+-000001-00000000$/);
  });

  it('files a query naming 5 instances under each full instance id, none cut', async () => {
    // queryInstance annotates up to 5 ids, comma-separated: 5 × 36 characters pass the 128 kept.
    const store = createMemoryAuditStore();
    const { trail } = trailOn(store);
    const ids = [1, 2, 3, 4, 5].map((n) => instanceIdFor('real', `O-${n}`, `O-${n}-000001`));

    const outcome = await trail.recordAudit({
      kind: 'call',
      requestId: 'r-q',
      activity: 'queryInstance',
      instanceId: ids.join(','),
      resultCode: '000000',
    });

    expect(outcome).toBe('written');
    for (const id of ids) {
      const entries = await store.readEntries({ kind: 'instance', id }, ['20261129']);
      expect(entries).toEqual([
        expect.objectContaining({ requestId: 'r-q', instanceId: ids.join(',') }),
      ]);
    }
    const [entry] = await store.readEntries({ kind: 'instance', id: ids[4] as string }, [
      '20261129',
    ]);
    expect(subjectsOf(entry as never)).toEqual(ids.map((id) => ({ kind: 'instance', id })));
  });

  it('files an unverified call only under the unattributed day, whatever it names', async () => {
    const store = createMemoryAuditStore();
    const { trail } = trailOn(store);

    await trail.recordAudit({
      kind: 'call',
      instanceId: 'i-victim',
      resultCode: '000001',
      verified: false,
    });

    expect(await store.readEntries({ kind: 'instance', id: 'i-victim' }, ['20261129'])).toEqual([]);
    expect(await store.readEntries({ kind: 'unattributed' }, ['20261129'])).toEqual([
      expect.objectContaining({ instanceId: 'i-victim', verified: false }),
    ]);
  });

  it('drops detail keys that name a secret, control characters and overlong values', async () => {
    const store = createMemoryAuditStore();
    const { trail } = trailOn(store);

    await trail.recordAudit({
      kind: 'webhook',
      instanceId: 'i-2',
      reason: `bad\nline ${'x'.repeat(500)}`,
      detail: { eventId: 'ev-1', password: 'hunter2', signature: 'abc', secretKey: 's', n: 3 },
    });

    const [entry] = await store.readEntries({ kind: 'instance', id: 'i-2' }, ['20261129']);
    expect(entry?.detail).toEqual({ eventId: 'ev-1', n: 3 });
    expect(entry?.reason?.length).toBe(300);
    expect(entry?.reason).not.toContain('\n');
    expect(JSON.stringify(entry)).not.toMatch(/hunter2|"abc"/);
  });

  it('answers failed and logs the entry when the store fails, without rejecting', async () => {
    const broken: AuditStore = {
      ...createMemoryAuditStore(),
      appendEntry: () => Promise.reject(new Error('store down')),
    };
    const { trail, lines } = trailOn(broken);

    const outcome = await trail.recordAudit({
      kind: 'call',
      requestId: 'r-9',
      instanceId: 'i-9',
      resultCode: '000005',
    });

    expect(outcome).toBe('failed');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: AUDIT_FAILED_LOG_MESSAGE,
        fields: expect.objectContaining({
          requestId: 'r-9',
          instanceId: 'i-9',
          errorName: 'Error',
        }),
      }),
    ]);
  });

  it('stops writing to a full unattributed day once it answered full', async () => {
    let appends = 0;
    const full: AuditStore = {
      ...createMemoryAuditStore(),
      appendEntry: async () => {
        appends += 1;
        return 'full';
      },
    };
    const { trail } = trailOn(full);

    const outcomes = [
      await trail.recordAudit({ kind: 'call', resultCode: '000001', verified: false }),
      await trail.recordAudit({ kind: 'call', resultCode: '000001', verified: false }),
    ];

    expect(outcomes).toEqual(['full', 'full']);
    expect(appends).toBe(1);
  });
});

describe('callAuditInput and peekCallFields (#13)', () => {
  const http = (body: string, query: Record<string, string> = {}) => ({
    body: Buffer.from(body),
    query,
    requestId: 'req-1',
  });

  it('names a refused call with the identifiers of a body that parsed, and nothing else', () => {
    const peeked = peekCallFields(
      http(
        JSON.stringify({
          activity: 'newInstance',
          testFlag: '1',
          orderId: 'CS1',
          instanceId: 'not an id; drop table',
          password: 'p',
        }),
      ),
    );

    expect(peeked).toEqual({ activity: 'newInstance', test: true, orderId: 'CS1' });
  });

  it('reads the query when the body is not JSON', () => {
    expect(peekCallFields(http('garbage', { activity: 'queryInstance', testFlag: '0' }))).toEqual({
      activity: 'queryInstance',
      test: false,
    });
  });

  it("takes the call line's fields as they are, and marks an unverified call", () => {
    const parsed = callAuditInput({
      fields: {
        requestId: 'req-1',
        activity: 'newInstance',
        test: false,
        instanceId: 'i-1',
        family: 'v2',
        resultCode: '000000',
        latencyMs: 5,
      },
      startedAt: T0,
      verified: true,
    });
    const refused = callAuditInput({
      fields: {
        requestId: 'req-2',
        ...peekCallFields(http('{"activity":"newInstance","testFlag":"1","password":"p"}')),
        verified: false,
        family: 'v2',
        resultCode: '000001',
        latencyMs: 1,
        reason: 'authentication failed: signature mismatch',
        detail: 'signature mismatch: expected abc',
      },
      startedAt: T0,
      verified: false,
    });

    expect(parsed).toEqual({
      kind: 'call',
      time: T0,
      requestId: 'req-1',
      family: 'v2',
      activity: 'newInstance',
      test: false,
      instanceId: 'i-1',
      resultCode: '000000',
      latencyMs: 5,
    });
    expect(refused).toEqual({
      kind: 'call',
      time: T0,
      requestId: 'req-2',
      family: 'v2',
      activity: 'newInstance',
      test: true,
      resultCode: '000001',
      latencyMs: 1,
      reason: 'authentication failed: signature mismatch',
      verified: false,
    });
  });
});

describe('subjectsOf: test calls have their own day bucket (#13)', () => {
  const base = { id: 'k-1-a', kind: 'call' as const, time: 0 };

  it('files a test call naming an activity but no instance or order, verified or not, under the test bucket', () => {
    expect(subjectsOf({ ...base, test: true, activity: 'newInstance', verified: false })).toEqual([
      { kind: 'test' },
    ]);
    expect(
      subjectsOf({ ...base, test: true, activity: 'newInstance', orderId: 'O-1', verified: false }),
    ).toEqual([{ kind: 'test' }]);
    expect(subjectsOf({ ...base, test: true, activity: 'queryInstance' })).toEqual([
      { kind: 'test' },
    ]);
    expect(
      subjectsOf({ ...base, test: true, activity: 'queryInstance', instanceId: 'i-1' }),
    ).toEqual([{ kind: 'instance', id: 'i-1' }]);
  });

  it('keeps scanner noise (no activity, or no test flag) in the unattributed bucket', () => {
    expect(subjectsOf({ ...base, test: true, verified: false })).toEqual([
      { kind: 'unattributed' },
    ]);
    expect(subjectsOf({ ...base, activity: 'newInstance', verified: false })).toEqual([
      { kind: 'unattributed' },
    ]);
    expect(subjectsOf({ ...base, resultCode: '000001', verified: false })).toEqual([
      { kind: 'unattributed' },
    ]);
  });
});
