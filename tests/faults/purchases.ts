/**
 * What the fault tests share: purchases keyed by order, and the convergence check every fault ends
 * with (KooGallery's retries bring each order to one sealed ACTIVE instance, judged in the table).
 */
import { randomBytes } from 'node:crypto';
import { instanceIdFor } from '../../lib/ids';
import type { InstanceRecord } from '../../lib/store/instance-store';
import { retryUntilSuccess, type SignedClient } from '../helpers/signed-client';
import type { TableSnapshot } from '../helpers/table-scan';

/** A SaaS V2.0 purchase of `orderId`, line `<orderId>-000001`. */
export const purchaseOf = (orderId: string) => ({
  activity: 'newInstance',
  orderId,
  orderLineId: `${orderId}-000001`,
  businessId: 'b',
});

/** The real instance id {@link purchaseOf} creates. */
export const instanceOf = (orderId: string): string =>
  instanceIdFor('real', orderId, `${orderId}-000001`);

/** `n` order ids no other run or test shares, starting with `tag`. */
export const ordersOf = (n: number, tag: string): string[] =>
  Array.from({ length: n }, (_, i) => `${tag}${randomBytes(4).toString('hex')}${i}`);

/** Records an instance may never be in: ACTIVE without credentials, or PROVISIONING with them. */
export function halfMade(instances: InstanceRecord[]): InstanceRecord[] {
  return instances.filter(
    (r) =>
      (r.status === 'ACTIVE' && r.sealedAppInfo === undefined) ||
      (r.status === 'PROVISIONING' && r.sealedAppInfo !== undefined),
  );
}

/**
 * Retries every purchase as KooGallery does until `000000`, then expects exactly one sealed ACTIVE
 * real instance per order in the table (read by `scan`, past the service) and each one readable.
 */
export async function expectConverged(
  client: SignedClient,
  scan: () => Promise<TableSnapshot>,
  orders: string[],
): Promise<void> {
  const finals = await Promise.all(
    orders.map((o) => retryUntilSuccess(() => client.send(purchaseOf(o)), 60, 250)),
  );
  expect(finals.map((answers) => answers[0]?.resultCode)).toEqual(orders.map(() => '000000'));
  const real = (await scan()).instances.filter(
    (r) => r.namespace === 'real' && orders.includes(r.orderId),
  );
  expect(real.map((r) => r.instanceId).sort()).toEqual(orders.map(instanceOf).sort());
  expect(real.filter((r) => r.status !== 'ACTIVE' || r.sealedAppInfo === undefined)).toEqual([]);
  for (const o of orders) {
    const query = await client.send({ activity: 'queryInstance', instanceId: instanceOf(o) });
    expect(query.resultCode).toBe('000000');
  }
}
