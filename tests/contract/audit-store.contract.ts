/**
 * The behaviour every {@link AuditStore} must have (#13): entries filed per subject and UTC day, read
 * back oldest first from computed keys, appends that are idempotent and never lose a concurrent
 * one, subjects kept apart, a paginated scan that finds every recent bucket exactly once, and a
 * bucket that answers `full` instead of failing past the item size limit. Each store's test file
 * calls it once.
 */
import { randomUUID } from 'node:crypto';
import {
  AUDIT_KIND,
  type AuditEntry,
  type AuditStore,
  type AuditSubject,
  auditDay,
} from '../../lib/store/audit-store';
import { shuffle } from '../helpers/shuffle';

const DAY_MS = 86_400_000;
/** 2026-11-29T10:00:00Z. */
export const T0 = Date.UTC(2026, 10, 29, 10);
let sequence = 0;

/** An entry at `time` with a fresh id and instance. */
export function makeEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  const time = overrides.time ?? T0;
  sequence += 1;
  return {
    id: `${time.toString(36)}-${sequence.toString(36)}-${randomUUID().slice(0, 8)}`,
    kind: AUDIT_KIND.CALL,
    time,
    requestId: `req-${sequence}`,
    family: 'v2',
    activity: 'newInstance',
    test: false,
    orderId: `CS${sequence}`,
    instanceId: `i-${randomUUID()}`,
    resultCode: '000000',
    latencyMs: 12,
    ...overrides,
  };
}

/** Runs the audit store contract against the store `make` returns (one per test). */
export function describeAuditStoreContract(name: string, make: () => AuditStore): void {
  describe(`${name}: AuditStore contract (#13)`, () => {
    let store: AuditStore;
    const ttl = T0 + 400 * DAY_MS;
    beforeEach(() => {
      store = make();
    });

    it('reads back every entry of a subject across days, oldest first, exactly as written', async () => {
      const instance: AuditSubject = { kind: 'instance', id: `i-${randomUUID()}` };
      const entries = [0, 1, 2, 3].map((d) =>
        makeEntry({
          time: T0 + d * DAY_MS + d,
          instanceId: instance.kind === 'instance' ? instance.id : undefined,
          reason: d === 2 ? 'order not found' : undefined,
          detail: d === 3 ? { eventId: 'ev-1', records: 3, retried: true } : undefined,
          verified: d === 1 ? false : undefined,
        }),
      );
      for (const e of shuffle(entries)) {
        expect(await store.appendEntry(instance, e, ttl)).toBe('written');
      }

      const days = [0, 1, 2, 3, 4].map((d) => auditDay(T0 + d * DAY_MS));
      const read = await store.readEntries(instance, days);

      expect(read).toEqual(JSON.parse(JSON.stringify(entries)));
    });

    it('orders entries of the same millisecond by id', async () => {
      const subject: AuditSubject = { kind: 'order', id: `O-${randomUUID()}` };
      const first = makeEntry({ id: `${T0.toString(36)}-1-zzzz` });
      const second = makeEntry({ id: `${T0.toString(36)}-2-aaaa` });
      await store.appendEntry(subject, second, ttl);
      await store.appendEntry(subject, first, ttl);

      const read = await store.readEntries(subject, [auditDay(T0)]);

      expect(read.map((e) => e.id)).toEqual([first.id, second.id]);
    });

    it('keeps every one of many concurrent appends to one bucket', async () => {
      const subject: AuditSubject = { kind: 'instance', id: `i-${randomUUID()}` };
      const entries = Array.from({ length: 12 }, (_, i) => makeEntry({ time: T0 + i }));

      await Promise.all(entries.map((e) => store.appendEntry(subject, e, ttl)));

      const read = await store.readEntries(subject, [auditDay(T0)]);
      expect(read.map((e) => e.id)).toEqual(entries.map((e) => e.id));
    });

    it('appending the same entry twice keeps one copy', async () => {
      const subject: AuditSubject = { kind: 'instance', id: `i-${randomUUID()}` };
      const entry = makeEntry();

      await store.appendEntry(subject, entry, ttl);
      await store.appendEntry(subject, entry, ttl);

      expect(await store.readEntries(subject, [auditDay(T0)])).toHaveLength(1);
    });

    it('keeps instances, orders and unattributed entries apart, even with equal ids', async () => {
      const id = `X-${randomUUID()}`;
      const asInstance = makeEntry({ activity: 'queryInstance' });
      const asOrder = makeEntry({ activity: 'refreshInstance' });
      const loose = makeEntry({ activity: undefined, orderId: undefined, instanceId: undefined });
      await store.appendEntry({ kind: 'instance', id }, asInstance, ttl);
      await store.appendEntry({ kind: 'order', id }, asOrder, ttl);
      await store.appendEntry({ kind: 'unattributed' }, loose, ttl);
      const day = [auditDay(T0)];

      expect(await store.readEntries({ kind: 'instance', id }, day)).toEqual([asInstance]);
      expect(await store.readEntries({ kind: 'order', id }, day)).toEqual([asOrder]);
      const unattributed = await store.readEntries({ kind: 'unattributed' }, day);
      expect(unattributed).toContainEqual(loose);
      expect(unattributed).not.toContainEqual(asInstance);
    });

    it('answers an empty timeline for a subject or a day with no entry', async () => {
      const read = await store.readEntries({ kind: 'instance', id: `i-${randomUUID()}` }, [
        auditDay(T0),
        auditDay(T0 + DAY_MS),
      ]);

      expect(read).toEqual([]);
    });

    it('scans every bucket of the recent days exactly once, across pages', async () => {
      const since = T0 + 1000 * DAY_MS;
      const recent = Array.from({ length: 7 }, (_, i) =>
        makeEntry({ time: since + (i % 3) * DAY_MS + i }),
      );
      const old = makeEntry({ time: since - DAY_MS });
      for (const e of [...recent, old]) {
        await store.appendEntry({ kind: 'instance', id: e.instanceId as string }, e, ttl);
      }

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.scanEntries({ sinceDay: auditDay(since), limit: 3, cursor });
        seen.push(...page.entries.map((e) => e.id));
        cursor = page.cursor;
        pages += 1;
      } while (cursor !== undefined && pages < 1000);

      const mine = seen.filter((id) => [...recent, old].some((e) => e.id === id));
      expect(mine.sort()).toEqual(recent.map((e) => e.id).sort());
    });

    it('answers full instead of failing when a bucket reaches the item size limit', async () => {
      const subject: AuditSubject = { kind: 'unattributed' };
      const big = (n: number) =>
        makeEntry({ time: T0 + 3000 * DAY_MS, reason: 'x'.repeat(100_000 + n) });
      const outcomes: string[] = [];
      for (let i = 0; i < 5; i++) outcomes.push(await store.appendEntry(subject, big(i), ttl));

      expect(outcomes.slice(0, 3)).toEqual(['written', 'written', 'written']);
      expect(outcomes[4]).toBe('full');
      expect(await store.readEntries(subject, [auditDay(T0 + 3000 * DAY_MS)])).toHaveLength(
        outcomes.filter((o) => o === 'written').length,
      );
    });

    it('refuses an entry id that could not be an attribute suffix', async () => {
      await expect(
        store.appendEntry({ kind: 'instance', id: 'i-1' }, makeEntry({ id: 'e#1' }), ttl),
      ).rejects.toThrow(RangeError);
    });
  });
}
