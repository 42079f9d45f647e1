import { randomBytes } from 'node:crypto';
import { startTcpFaultProxy, type TcpFaultProxy } from '../helpers/fault-proxies';
import { createSignedClient, retryUntilSuccess, type SignedClient } from '../helpers/signed-client';
import { type ProxiedService, startProxiedService } from './proxied-service';

/** KooGallery waits 5 s for an answer (spec saas-v2.md): the one deadline this test checks. */
const KOOGALLERY_TIMEOUT_MS = 5000;

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

  // Per-direction delays: 150 ms keeps every store call well inside its 1.5 s timeout; 650 ms
  // makes one purchase's four store round trips outlast the 3 s response budget; 700 ms used to
  // answer after 6 s, before the app's backstop answered 000004 at the deadline.
  it.each([150, 650, 700])(
    'answers a burst within KooGallery 5 s with 000000 or 000004 at %i ms per direction, then converges',
    async (delayMs) => {
      // Arrange
      const orders = Array.from(
        { length: 6 },
        (_, i) => `SLOW${randomBytes(4).toString('hex')}${i}`,
      );
      const purchase = (o: string) => ({
        activity: 'newInstance',
        orderId: o,
        orderLineId: `${o}-000001`,
        businessId: 'b',
      });
      proxy.setDelay(delayMs);

      // Act
      const answers = await Promise.all(orders.map((o) => client.send(purchase(o))));

      // Assert: every answer came before KooGallery gave up, and says done or in progress.
      expect(answers.filter((a) => !['000000', '000004'].includes(a.resultCode))).toEqual([]);
      expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(KOOGALLERY_TIMEOUT_MS);

      proxy.setDelay(0);
      const finals = await Promise.all(
        orders.map((o) => retryUntilSuccess(() => client.send(purchase(o)), 60, 250)),
      );
      expect(finals.map((f) => f[0]?.resultCode)).toEqual(orders.map(() => '000000'));
      const ours = (await svc.scan()).instances.filter((r) => orders.includes(r.orderId));
      expect(ours).toHaveLength(orders.length);
      expect(ours.every((r) => r.status === 'ACTIVE' && r.sealedAppInfo !== undefined)).toBe(true);
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
