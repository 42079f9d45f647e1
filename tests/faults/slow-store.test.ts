import { startTcpFaultProxy, type TcpFaultProxy } from '../helpers/fault-proxies';
import { createSignedClient, type SignedClient } from '../helpers/signed-client';
import { type ProxiedService, startProxiedService } from './proxied-service';
import { expectConverged, ordersOf, purchaseOf } from './purchases';

/**
 * The default RESPONSE_BUDGET_MS: the app answers 000004 at it, well inside the 5 s KooGallery
 * waits (docs/protocol.md#transport), so that work slowed by the store goes on in the background.
 */
const BUDGET_MS = 3000;

describe('the store slowed by a delaying proxy (#6)', () => {
  let proxy: TcpFaultProxy;
  let svc: ProxiedService;
  let client: SignedClient;
  beforeAll(async () => {
    svc = await startProxiedService(
      async (target) => {
        proxy = await startTcpFaultProxy(target);
        return proxy;
      },
      { PROVISIONING_LEASE_SECONDS: '5' },
    );
    client = createSignedClient(svc.svc.url, svc.svc.accessKey, 16);
  });
  afterEach(() => proxy.setDelay(0));
  afterAll(async () => {
    client.close();
    await svc.close();
  });

  // Per-direction delays. 150 ms: a purchase's three sequential store round trips (its nonce,
  // its claim, its sealed instance; Query Order is read alongside the claim) take about 1 s, well
  // inside the 3 s budget and each call's 1.5 s timeout. 650 ms: they take about 4 s, so the app
  // answers 000004 at the budget; without that deadline they would answer 000000 after 3.9 s.
  it.each([
    [150, 'done'],
    [650, 'in progress'],
  ] as const)(
    'answers a burst well within KooGallery 5 s at %i ms per direction (%s), then converges',
    async (delayMs, expected) => {
      // Arrange
      const orders = ordersOf(6, 'SLOW');
      proxy.setDelay(delayMs);

      // Act
      const answers = await Promise.all(orders.map((o) => client.send(purchaseOf(o))));

      // Assert: done, or in progress answered at the budget, long before KooGallery gives up.
      const codes = answers.map((a) => a.resultCode);
      expect(codes.filter((c) => !['000000', '000004'].includes(c))).toEqual([]);
      if (expected === 'done') expect(codes).toEqual(orders.map(() => '000000'));
      else expect(codes).toContain('000004');
      expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(BUDGET_MS + 700);

      proxy.setDelay(0);
      await expectConverged(client, svc.scan, orders);
    },
    60_000,
  );

  it('does not answer 000001 when its own nonce write is retried after a store timeout (#6)', async () => {
    // Arrange: the nonce PutItem reaches the table, its answer comes after the client's 1.5 s
    // timeout, and the SDK's retry then finds the nonce it just wrote.
    proxy.setDelay(900);
    const lift = setTimeout(() => proxy.setDelay(0), 1100);

    // Act
    const answer = await client.send({
      activity: 'queryInstance',
      instanceId: 'probe-1',
      testFlag: '1',
    });
    clearTimeout(lift);

    // Assert: a validly signed first delivery is never taken for a replay.
    expect(answer.resultCode).toBe('000000');
  });
});
