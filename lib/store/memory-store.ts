/**
 * An in-memory {@link InstanceStore} for unit tests and quick local runs, with the same semantics
 * as the dynamoose adapter (it passes the same contract suite). Records are deep-copied in and out,
 * so a caller mutating its object never changes the stored state behind the store's back.
 */
import type { InstancePage, InstanceRecord, InstanceStore, WriteOutcome } from './instance-store';
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
  const instances = new Map<string, InstanceRecord>();
  /** Nonce key to expiry in epoch milliseconds; like the TTL, expiry never frees a nonce early. */
  const nonces = new Map<string, number>();

  return {
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

    async listInstances(page = {}): Promise<InstancePage> {
      const keys = [...instances.keys()].sort().filter((k) => !page.cursor || k > page.cursor);
      const taken = keys.slice(0, page.limit ?? 100);
      const last = taken[taken.length - 1];
      return {
        records: taken.map((k) => copy(instances.get(k) as InstanceRecord)),
        ...(taken.length < keys.length && last ? { cursor: last } : {}),
      };
    },

    async recordNonce(family, nonce, expiresAtMs): Promise<WriteOutcome> {
      assertExpiry(expiresAtMs);
      const key = nonceKey(family, nonce);
      if (nonces.has(key)) return 'conflict';
      nonces.set(key, expiresAtMs);
      return 'written';
    },
  };
}
