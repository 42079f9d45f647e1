/**
 * The one behaviour every {@link InstanceStore} must have: guarded writes that answer `conflict`
 * instead of overwriting, exactly one winner among concurrent writers, isolated namespaces, exact
 * round trips and replay-proof nonces. Each store's test file calls it once.
 */
import { randomUUID } from 'node:crypto';
import {
  type InstanceRecord,
  type InstanceStore,
  NAMESPACE,
  STATUS,
} from '../../lib/store/instance-store';
import { shuffle } from '../helpers/shuffle';

/** A minimal valid record (version 1, no optional field) with a fresh instance id. */
export function makeRecord(overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  const instanceId = overrides.instanceId ?? `i-${randomUUID()}`;
  return {
    namespace: NAMESPACE.REAL,
    instanceId,
    status: STATUS.PROVISIONING,
    version: 1,
    orderId: `CS${instanceId}`,
    orderLineId: `CS${instanceId}-000001`,
    protocol: 'v2',
    entitlement: {},
    appliedOrders: [`CS${instanceId}/CS${instanceId}-000001`],
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

/** Every field of {@link InstanceRecord} set, optional ones included. */
function makeFullRecord(): InstanceRecord {
  return makeRecord({
    namespace: NAMESPACE.TEST,
    status: STATUS.ACTIVE,
    entitlement: {
      productId: 'OFFI123',
      skuCode: 'sku-1',
      chargingMode: 'PERIOD',
      periodType: 'month',
      periodNumber: 3,
      linearValue: 10,
      customerId: 'cust-1',
    },
    expireTime: 1_800_000_000_123,
    appliedOrders: ['A/A-1', 'B/B-1'],
    lease: { token: 'lease-token', until: 1_700_000_060_000 },
    sealedAppInfo: 'v1.aes.c2VhbGVk',
    statusChangedAt: 1_700_000_030_000,
    lastError: 'provisioner timed out',
    extra: { licenseKey: 'L-1', 'with spaces & ünïcode': '' },
  });
}

/** The next version of a stored record, as a scenario would write it. */
function nextVersion(
  record: InstanceRecord,
  changes: Partial<InstanceRecord> = {},
): InstanceRecord {
  return { ...record, ...changes, version: record.version + 1, updatedAt: record.updatedAt + 1 };
}

/**
 * Declares the contract suite for one store. `factory` is called before each test; tests use fresh
 * instance ids, so a factory may hand out stores sharing one table.
 */
export function describeInstanceStoreContract(
  name: string,
  factory: () => InstanceStore | Promise<InstanceStore>,
): void {
  describe(`InstanceStore contract: ${name}`, () => {
    let store: InstanceStore;

    beforeEach(async () => {
      store = await factory();
    });

    describe('createInstance', () => {
      it('writes a new instance and answers conflict for a second create of the same key', async () => {
        const first = makeRecord();
        const second = makeRecord({ instanceId: first.instanceId, orderId: 'another-order' });

        const outcomes = [await store.createInstance(first), await store.createInstance(second)];

        expect(outcomes).toEqual(['written', 'conflict']);
        expect(await store.getInstance(first.namespace, first.instanceId)).toEqual(first);
      });

      it('lets exactly one of 20 concurrent creates of the same key win', async () => {
        const instanceId = `i-${randomUUID()}`;
        const contenders = Array.from({ length: 20 }, (_, i) =>
          makeRecord({ instanceId, orderId: `order-${i}` }),
        );

        const outcomes = await Promise.all(contenders.map((r) => store.createInstance(r)));

        expect(outcomes.filter((o) => o === 'written')).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'conflict')).toHaveLength(19);
        const winner = contenders[outcomes.indexOf('written')];
        expect(await store.getInstance(NAMESPACE.REAL, instanceId)).toEqual(winner);
      });

      it('refuses a record whose version is not 1', async () => {
        await expect(store.createInstance(makeRecord({ version: 2 }))).rejects.toThrow(RangeError);
      });
    });

    describe('updateInstance', () => {
      it('writes when the stored version is the one before and answers conflict when it is stale', async () => {
        const created = makeRecord();
        await store.createInstance(created);
        const v2 = nextVersion(created, { status: STATUS.ACTIVE });
        const staleV2 = nextVersion(created, { status: STATUS.FROZEN });

        const fresh = await store.updateInstance(v2);
        const stale = await store.updateInstance(staleV2);

        expect([fresh, stale]).toEqual(['written', 'conflict']);
        expect(await store.getInstance(created.namespace, created.instanceId)).toEqual(v2);
      });

      it('answers conflict when the instance does not exist', async () => {
        const outcome = await store.updateInstance(nextVersion(makeRecord()));

        expect(outcome).toBe('conflict');
      });

      it('lets exactly one of 10 concurrent updates from the same version win', async () => {
        const created = makeRecord();
        await store.createInstance(created);
        const contenders = Array.from({ length: 10 }, (_, i) =>
          nextVersion(created, { lastError: `writer ${i}` }),
        );

        const outcomes = await Promise.all(contenders.map((r) => store.updateInstance(r)));

        expect(outcomes.filter((o) => o === 'written')).toHaveLength(1);
        const winner = contenders[outcomes.indexOf('written')];
        expect(await store.getInstance(created.namespace, created.instanceId)).toEqual(winner);
      });

      it('removes optional fields the next version leaves out', async () => {
        const created = makeRecord({ lease: { token: 't', until: 5 }, expireTime: 10 });
        await store.createInstance(created);
        const { lease: _lease, expireTime: _expireTime, ...withoutOptionals } = created;
        const v2 = nextVersion(withoutOptionals, { status: STATUS.ACTIVE });

        await store.updateInstance(v2);

        const stored = await store.getInstance(created.namespace, created.instanceId);
        expect(stored).toEqual(v2);
        expect(stored).not.toHaveProperty('lease');
        expect(stored).not.toHaveProperty('expireTime');
      });
    });

    describe('getInstance', () => {
      it('answers undefined for an instance that was never created', async () => {
        expect(await store.getInstance(NAMESPACE.REAL, `missing-${randomUUID()}`)).toBeUndefined();
      });

      it('round-trips every field, optional ones included', async () => {
        const full = makeFullRecord();
        await store.createInstance(full);

        expect(await store.getInstance(full.namespace, full.instanceId)).toStrictEqual(full);
      });

      it('round-trips a record without optional fields and adds none', async () => {
        const minimal = makeRecord();
        await store.createInstance(minimal);

        const stored = await store.getInstance(minimal.namespace, minimal.instanceId);

        expect(stored).toStrictEqual(minimal);
        expect(Object.keys(stored ?? {}).sort()).toEqual(Object.keys(minimal).sort());
      });

      it('hands out copies: changing a returned or written record does not change the store', async () => {
        const record = makeRecord({ appliedOrders: ['a/1'] });
        await store.createInstance(record);
        record.appliedOrders.push('written-after/1');

        const read = await store.getInstance(record.namespace, record.instanceId);
        read?.appliedOrders.push('read-after/1');

        const again = await store.getInstance(record.namespace, record.instanceId);
        expect(again?.appliedOrders).toEqual(['a/1']);
      });
    });

    describe('namespaces', () => {
      it('keeps the same instance id in real and test as two separate instances', async () => {
        const instanceId = `i-${randomUUID()}`;
        const real = makeRecord({ instanceId, namespace: NAMESPACE.REAL, orderId: 'real-order' });
        const test = makeRecord({ instanceId, namespace: NAMESPACE.TEST, orderId: 'test-order' });

        const outcomes = [await store.createInstance(real), await store.createInstance(test)];
        await store.updateInstance(nextVersion(test, { status: STATUS.ACTIVE }));

        expect(outcomes).toEqual(['written', 'written']);
        expect(await store.getInstance(NAMESPACE.REAL, instanceId)).toEqual(real);
        expect(await store.getInstance(NAMESPACE.TEST, instanceId)).toMatchObject({
          orderId: 'test-order',
          version: 2,
          status: STATUS.ACTIVE,
        });
        expect(await store.getInstances(NAMESPACE.TEST, [instanceId])).toHaveLength(1);
      });
    });

    describe('getInstances', () => {
      it('returns the present instances of a mixed list beyond the 25-item batch size', async () => {
        const present = Array.from({ length: 60 }, () => makeRecord());
        await Promise.all(present.map((r) => store.createInstance(r)));
        const missing = Array.from({ length: 40 }, () => `missing-${randomUUID()}`);
        const ids = shuffle([...present.map((r) => r.instanceId), ...missing]);

        const found = await store.getInstances(NAMESPACE.REAL, ids);

        const byId = (a: InstanceRecord, b: InstanceRecord) =>
          a.instanceId.localeCompare(b.instanceId);
        expect([...found].sort(byId)).toEqual([...present].sort(byId));
      });

      it('answers an empty list for no ids and one record for a repeated id', async () => {
        const record = makeRecord();
        await store.createInstance(record);

        const none = await store.getInstances(NAMESPACE.REAL, []);
        const repeated = await store.getInstances(NAMESPACE.REAL, [
          record.instanceId,
          record.instanceId,
        ]);

        expect(none).toEqual([]);
        expect(repeated).toEqual([record]);
      });

      it('does not return an instance of the other namespace', async () => {
        const record = makeRecord({ namespace: NAMESPACE.TEST });
        await store.createInstance(record);

        expect(await store.getInstances(NAMESPACE.REAL, [record.instanceId])).toEqual([]);
      });
    });

    describe('listInstances', () => {
      it('pages through every instance of both namespaces and no nonce item (#14)', async () => {
        const mine = [
          makeRecord(),
          makeRecord({ namespace: NAMESPACE.TEST }),
          makeRecord(),
          makeRecord(),
        ];
        for (const r of mine) expect(await store.createInstance(r)).toBe('written');
        await store.recordNonce('v2', `n-${randomUUID()}`, Date.now() + 60_000);

        const seen: InstanceRecord[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listInstances({ cursor, limit: 2 });
          seen.push(...page.records);
          cursor = page.cursor;
          pages += 1;
        } while (cursor && pages < 10_000);

        expect(pages).toBeGreaterThan(1);
        const ids = seen.map((r) => `${r.namespace}/${r.instanceId}`);
        expect(new Set(ids).size).toBe(ids.length);
        for (const r of mine) {
          expect(seen.find((s) => s.instanceId === r.instanceId)).toEqual(r);
        }
      });
    });

    describe('recordNonce', () => {
      it('answers written for a fresh nonce, conflict for its replay and written in another family', async () => {
        const nonce = randomUUID();
        const expiresAtMs = Date.now() + 5 * 60_000;

        const fresh = await store.recordNonce('v2', nonce, expiresAtMs);
        const replay = await store.recordNonce('v2', nonce, expiresAtMs + 1000);
        const otherFamily = await store.recordNonce('license', nonce, expiresAtMs);

        expect([fresh, replay, otherFamily]).toEqual(['written', 'conflict', 'written']);
      });

      it('lets exactly one of 10 concurrent records of the same nonce win', async () => {
        const nonce = randomUUID();

        const outcomes = await Promise.all(
          Array.from({ length: 10 }, () => store.recordNonce('v2', nonce, Date.now() + 60_000)),
        );

        expect(outcomes.filter((o) => o === 'written')).toHaveLength(1);
      });

      it('refuses a family containing "#", which would alias another family', async () => {
        await expect(store.recordNonce('v2#x', randomUUID(), Date.now())).rejects.toThrow(
          RangeError,
        );
      });
    });
  });
}
