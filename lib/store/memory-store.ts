/**
 * An in-memory {@link InstanceStore} for unit tests and quick local runs, with the same semantics
 * as the dynamoose adapter (it passes the same contract suite). Records are deep-copied in and out,
 * so a caller mutating its object never changes the stored state behind the store's back.
 */
import type {
  InstanceCatalog,
  InstanceRecord,
  InstanceStore,
  WriteOutcome,
} from './instance-store';
import { assertCreatable, assertExpiry, assertUpdatable, instanceKey, nonceKey } from './keys';

/**
 * A deep copy through JSON, like the adapter's own serialization: properties set to `undefined` come
 * back absent, exactly as they do from DynamoDB.
 */
function copy(record: InstanceRecord): InstanceRecord {
  return JSON.parse(JSON.stringify(record)) as InstanceRecord;
}

/**
 * A fresh, empty in-memory store. Each check-and-write runs without an `await` in between, which is
 * what makes it atomic in single-threaded JavaScript, like a conditional write on one item.
 */
export function createMemoryStore(): InstanceStore {
  return createMemoryInstanceTable().store;
}

/**
 * A memory store and the operator tools' listing over the same records (like
 * `createDynamooseInstanceCatalog` on one table).
 */
export function createMemoryInstanceTable(): { store: InstanceStore; catalog: InstanceCatalog } {
  const instances = new Map<string, InstanceRecord>();
  /** Nonce key to expiry in epoch milliseconds; like the TTL, expiry never frees a nonce early. */
  const nonces = new Map<string, number>();

  const store: InstanceStore = {
    async getInstance(namespace, instanceId) {
      const record = instances.get(instanceKey(namespace, instanceId));
      return record === undefined ? undefined : copy(record);
    },

    async getInstances(namespace, instanceIds) {
      const found: InstanceRecord[] = [];
      for (const id of new Set(instanceIds)) {
        const record = instances.get(instanceKey(namespace, id));
        if (record !== undefined) found.push(copy(record));
      }
      return found;
    },

    async createInstance(record): Promise<WriteOutcome> {
      assertCreatable(record);
      const key = instanceKey(record.namespace, record.instanceId);
      if (instances.has(key)) return 'conflict';
      instances.set(key, copy(record));
      return 'written';
    },

    async updateInstance(next): Promise<WriteOutcome> {
      assertUpdatable(next);
      const key = instanceKey(next.namespace, next.instanceId);
      if (instances.get(key)?.version !== next.version - 1) return 'conflict';
      instances.set(key, copy(next));
      return 'written';
    },

    async recordNonce(family, nonce, expiresAtMs): Promise<WriteOutcome> {
      assertExpiry(expiresAtMs);
      const key = nonceKey(family, nonce);
      if (nonces.has(key)) return 'conflict';
      nonces.set(key, expiresAtMs);
      return 'written';
    },
  };

  const catalog: InstanceCatalog = {
    async scanInstances({ limit, cursor }) {
      const keys = [...instances.keys()].sort();
      const start = cursor === undefined ? 0 : keys.findIndex((k) => k > cursor);
      const page = start < 0 ? [] : keys.slice(start, start + limit);
      const last = page[page.length - 1];
      const more = start >= 0 && start + limit < keys.length;
      return {
        records: page.map((k) => copy(instances.get(k) as InstanceRecord)),
        scanned: page.length,
        ...(more && last !== undefined ? { cursor: last } : {}),
      };
    },
  };
  return { store, catalog };
}
