import type { Provisioner } from '../../lib/provisioner/provisioner';
import { startTestService, type TestService } from '../helpers/service';
import { createSignedClient, retryUntilSuccess, type SignedClient } from '../helpers/signed-client';
import { scanTable } from '../helpers/table-scan';
import { expectConverged, halfMade, instanceOf, ordersOf, purchaseOf } from './purchases';

/** The service's table, read past its store adapter. */
const tableOf = (svc: TestService) => () =>
  scanTable(svc.dynalite.endpoint, svc.dynalite.tableName);

describe('Query Order failing, timing out or answering garbage during a burst (#6)', () => {
  let svc: TestService;
  let client: SignedClient;
  beforeAll(async () => {
    svc = await startTestService({ settings: { PROVISIONING_LEASE_SECONDS: '5' } });
    client = createSignedClient(svc.url, svc.accessKey, 16);
  });
  afterAll(async () => {
    client.close();
    await svc.close();
  });

  it.each(['http500', 'timeout', 'garbage', 'error-code'] as const)(
    'answers only 000000 or 000004 under %s faults and every order converges once',
    async (mode) => {
      // Arrange
      const orders = ordersOf(8, 'QO');
      svc.standIn.faults.failNext(10, mode);

      // Act
      const burst = await Promise.all(orders.map((o) => client.send(purchaseOf(o))));
      svc.standIn.faults.clear();

      // Assert: in progress while the order is unreadable, then one instance per order.
      expect(burst.filter((a) => !['000000', '000004'].includes(a.resultCode))).toEqual([]);
      expect(burst.some((a) => a.resultCode === '000004')).toBe(true);
      await expectConverged(client, tableOf(svc), orders);
    },
    30_000,
  );

  it('answers an upgrade 000004 while its order is unreadable and applies it once afterwards', async () => {
    const [o] = ordersOf(1, 'QU') as [string];
    expect((await client.send(purchaseOf(o))).resultCode).toBe('000000');
    const instanceId = instanceOf(o);
    const upgrade = {
      activity: 'upgradeInstance',
      instanceId,
      orderId: `${o}U`,
      orderLineId: `${o}U-000001`,
    };
    svc.standIn.faults.failNext(4, 'garbage');
    const refused = await client.send(upgrade);
    const finals = await retryUntilSuccess(() => client.send(upgrade), 20, 100);
    await client.send(upgrade);
    expect(refused.resultCode).toBe('000004');
    expect(finals[0]?.resultCode).toBe('000000');
    const stored = await svc.store.getInstance('real', instanceId);
    expect(stored?.appliedOrders.filter((k) => k === `${o}U/${o}U-000001`)).toHaveLength(1);
  });
});

describe('a provisioner that throws during a burst (#6)', () => {
  let svc: TestService;
  let client: SignedClient;
  let calls = 0;
  beforeAll(async () => {
    svc = await startTestService({
      settings: { PROVISIONING_LEASE_SECONDS: '5' },
      provisioner: (inner): Provisioner => ({
        ...inner,
        provision: async (req) => {
          calls++;
          if (calls % 2 === 1) throw new Error('tenant API refused (token=s3cr3t-token)');
          return inner.provision(req);
        },
      }),
    });
    client = createSignedClient(svc.url, svc.accessKey, 16);
  });
  afterAll(async () => {
    client.close();
    await svc.close();
  });

  it('answers 000000 or 000005, leaves nothing half-made, converges, and never logs the error text', async () => {
    // Act
    const orders = ordersOf(10, 'PT');
    const burst = await Promise.all(orders.map((o) => client.send(purchaseOf(o))));

    // Assert: each failure answered 000005 and logged, its claim released, and retries converge.
    expect(burst.filter((a) => !['000000', '000005'].includes(a.resultCode))).toEqual([]);
    expect(burst.some((a) => a.resultCode === '000005')).toBe(true);
    expect(halfMade((await tableOf(svc)()).instances)).toEqual([]);
    await expectConverged(client, tableOf(svc), orders);
    expect(svc.logs.some((l) => l.includes('provisioning attempt failed'))).toBe(true);
    expect(svc.logs.join('\n')).not.toContain('s3cr3t-token');
  });
});

describe('a provisioner that hangs (#6)', () => {
  let svc: TestService;
  let client: SignedClient;
  const gates: (() => void)[] = [];
  let hang = true;
  beforeAll(async () => {
    svc = await startTestService({
      settings: { PROVISIONING_LEASE_SECONDS: '5', RESPONSE_BUDGET_MS: '800' },
      provisioner: (inner): Provisioner => ({
        ...inner,
        provision: async (req) => {
          if (!hang) return inner.provision(req);
          // Hangs until the test opens the gate (so the service can still shut down).
          await new Promise<void>((resolve) => gates.push(resolve));
          return inner.provision(req);
        },
      }),
    });
    client = createSignedClient(svc.url, svc.accessKey, 4);
  });
  afterAll(async () => {
    hang = false;
    for (const open of gates) open();
    client.close();
    await svc.close();
  });

  it('answers 000004 within the budget, polls answer 000004, and a poll after the lease completes it', async () => {
    // Arrange + Act: the purchase hangs in the provisioner.
    const [o] = ordersOf(1, 'PH') as [string];
    const instanceId = instanceOf(o);
    const first = await client.send(purchaseOf(o));
    const poll = await client.send({ activity: 'queryInstance', instanceId });
    const retry = await client.send(purchaseOf(o));

    // Assert: in progress, and each answer bounded by the budget (well inside KooGallery's 5 s).
    expect([first.resultCode, poll.resultCode, retry.resultCode]).toEqual([
      '000004',
      '000004',
      '000004',
    ]);
    expect(Math.max(first.ms, poll.ms, retry.ms)).toBeLessThan(5000);

    // Act: the provisioner recovers; once the 5 s lease expires a poll takes the claim over.
    hang = false;
    const done = await retryUntilSuccess(
      () => client.send({ activity: 'queryInstance', instanceId }),
      60,
      250,
    );
    expect(done[0]?.resultCode).toBe('000000');
    const ready = await svc.store.getInstance('real', instanceId);

    // The hung call finally returns: its late write loses and changes nothing.
    for (const open of gates.splice(0)) open();
    await svc.deps.background.drain();
    const after = await svc.store.getInstance('real', instanceId);
    expect(after).toMatchObject({ status: 'ACTIVE', version: ready?.version });
    expect(after?.sealedAppInfo).toBe(ready?.sealedAppInfo);
    expect(svc.provisionerCalls.provision).toBe(2);
  }, 30_000);

  it('keeps answering 000004 within the budget while the provisioner never returns', async () => {
    hang = true;
    const [o] = ordersOf(1, 'PF') as [string];
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await client.send(purchaseOf(o)));
    expect(answers.map((a) => a.resultCode)).toEqual(['000004', '000004', '000004']);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(5000);
    const stored = await svc.store.getInstance('real', instanceOf(o));
    expect(stored).toMatchObject({ status: 'PROVISIONING' });
    expect(stored?.sealedAppInfo).toBeUndefined();
  });
});
