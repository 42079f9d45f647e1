/**
 * The listing every {@link InstanceCatalog} must offer the operator tools (#13): a paginated scan
 * that finds every instance of both namespaces exactly once and nothing else (nonces, usage, audit
 * items share the table).
 */
import { randomUUID } from 'node:crypto';
import type { InstanceCatalog, InstanceStore } from '../../lib/store/instance-store';
import { NAMESPACE } from '../../lib/store/instance-store';
import { makeRecord } from './instance-store.contract';

/** Runs the catalog contract against the store `make` returns (one per test). */
export function describeInstanceCatalogContract(
  name: string,
  make: () => { store: InstanceStore; catalog: InstanceCatalog },
): void {
  describe(`${name}: InstanceCatalog contract (#13)`, () => {
    it('pages through every instance exactly once, skipping other items', async () => {
      const { store, catalog } = make();
      const records = [
        ...Array.from({ length: 7 }, () => makeRecord()),
        makeRecord({ namespace: NAMESPACE.TEST }),
      ];
      for (const r of records) await store.createInstance(r);
      await store.recordNonce('v2', randomUUID(), Date.now());

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await catalog.scanInstances({ limit: 3, cursor });
        expect(page.records.length).toBeLessThanOrEqual(3);
        seen.push(...page.records.map((r) => `${r.namespace}/${r.instanceId}`));
        cursor = page.cursor;
        pages += 1;
      } while (cursor !== undefined && pages < 1000);

      const mine = records.map((r) => `${r.namespace}/${r.instanceId}`);
      expect(seen.filter((k) => mine.includes(k)).sort()).toEqual(mine.sort());
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('reads back each record exactly as stored', async () => {
      const { store, catalog } = make();
      const record = makeRecord({ expireTime: 1_800_000_000_000, lastError: 'timed out' });
      await store.createInstance(record);

      const found: unknown[] = [];
      let cursor: string | undefined;
      do {
        const page = await catalog.scanInstances({ limit: 100, cursor });
        found.push(...page.records.filter((r) => r.instanceId === record.instanceId));
        cursor = page.cursor;
      } while (cursor !== undefined);

      expect(found).toEqual([record]);
    });
  });
}
