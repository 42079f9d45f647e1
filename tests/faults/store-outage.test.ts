import {
  startTcpFaultProxy,
  startWriteRefusingProxy,
  type TcpFaultProxy,
  type WriteRefusingProxy,
} from '../helpers/fault-proxies';
import {
  createSignedClient,
  retryUntilSuccess,
  type SignedClient,
  type TimedAnswer,
} from '../helpers/signed-client';
import { type ProxiedService, startProxiedService } from './proxied-service';
import { expectConverged, halfMade, instanceOf, ordersOf, purchaseOf } from './purchases';

// Claims left by a failed attempt are taken over after 5 s, so recovery fits in a test.
const SETTINGS = { PROVISIONING_LEASE_SECONDS: '5' };

describe('the store unreachable mid-burst (#6)', () => {
  let proxy: TcpFaultProxy;
  let svc: ProxiedService;
  let client: SignedClient;
  beforeAll(async () => {
    svc = await startProxiedService(async (target) => {
      proxy = await startTcpFaultProxy(target);
      return proxy;
    }, SETTINGS);
    client = createSignedClient(svc.svc.url, svc.svc.accessKey, 16);
  });
  afterAll(async () => {
    client.close();
    await svc.close();
  });

  it('answers 000000, 000004 or 000005, never leaves a half-made instance, and recovers fully', async () => {
    // Arrange: a burst of purchases (each sent twice at once); the store goes away a third in.
    const orders = ordersOf(24, 'OUT');
    const answers: TimedAnswer[] = [];
    const burst = orders.flatMap((o) =>
      [0, 1].map(() => client.send(purchaseOf(o)).then((a) => answers.push(a))),
    );
    for (let i = 0; i < 400 && answers.length < 16; i++)
      await new Promise((r) => setTimeout(r, 10));

    // Act: the store refuses connections while the rest of the burst and a second wave arrive.
    await proxy.setMode('refuse');
    const wave = orders.map((o) => client.send(purchaseOf(o)).then((a) => answers.push(a)));
    await Promise.all([...burst, ...wave]);

    // Assert: only the codes that tell KooGallery to retry, and nothing half-made.
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const allowed = ['000000', '000004', '000005'];
    expect(answers.filter((a) => !allowed.includes(a.resultCode))).toEqual([]);
    expect(answers.some((a) => a.resultCode === '000005')).toBe(true);
    expect(halfMade((await svc.scan()).instances)).toEqual([]);

    // Act + Assert: the store comes back; KooGallery's retries converge.
    await proxy.setMode('pass');
    await expectConverged(client, svc.scan, orders);
  });
});

describe('the store refusing writes mid-burst (#6)', () => {
  let proxy: WriteRefusingProxy;
  let svc: ProxiedService;
  let client: SignedClient;
  beforeAll(async () => {
    svc = await startProxiedService(async (target) => {
      proxy = await startWriteRefusingProxy(target);
      return proxy;
    }, SETTINGS);
    client = createSignedClient(svc.svc.url, svc.svc.accessKey, 16);
  });
  afterEach(() => proxy.refuse('none'));
  afterAll(async () => {
    client.close();
    await svc.close();
  });

  it.each(['instance-updates', 'instance-writes', 'all-writes'] as const)(
    'answers 000004 or 000005 while %s are refused, then every order converges to one instance',
    async (which) => {
      // Arrange
      const orders = ordersOf(12, 'REF');
      proxy.refuse(which);

      // Act
      const answers = await Promise.all(
        orders.flatMap((o) => [client.send(purchaseOf(o)), client.send(purchaseOf(o))]),
      );

      // Assert
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
      expect(answers.filter((a) => !['000004', '000005'].includes(a.resultCode))).toEqual([]);
      expect(proxy.refused).toBeGreaterThan(0);
      const during = await svc.scan();
      expect(halfMade(during.instances)).toEqual([]);
      const ours = during.instances.filter((r) => orders.includes(r.orderId));
      expect(ours.filter((r) => r.status !== 'PROVISIONING')).toEqual([]);
      if (which === 'instance-updates') expect(ours).toHaveLength(orders.length);
      else expect(ours).toEqual([]);

      proxy.refuse('none');
      await expectConverged(client, svc.scan, orders);
    },
    60_000,
  );

  it('applies a renewal refused mid-way exactly once after the store recovers', async () => {
    // Arrange: an instance, then its renewal while instance writes are refused.
    const [order] = ordersOf(1, 'RNW') as [string];
    expect((await client.send(purchaseOf(order))).resultCode).toBe('000000');
    const instanceId = instanceOf(order);
    const renewal = {
      activity: 'refreshInstance',
      scene: 'RENEWAL',
      instanceId,
      orderId: `${order}R`,
      orderLineId: `${order}R-000001`,
      expireTime: '20990101000000',
    };
    proxy.refuse('instance-writes');

    // Act
    const refused = await Promise.all([client.send(renewal), client.send(renewal)]);
    proxy.refuse('none');
    const retried = await retryUntilSuccess(() => client.send(renewal), 20, 100);
    const replay = await client.send(renewal);

    // Assert
    expect(refused.map((a) => a.resultCode)).toEqual(['000005', '000005']);
    expect(retried[0]?.resultCode).toBe('000000');
    expect(replay.resultCode).toBe('000000');
    const stored = (await svc.scan()).instances.find((r) => r.instanceId === instanceId);
    expect(stored?.appliedOrders.filter((k) => k === `${order}R/${order}R-000001`)).toHaveLength(1);
    expect(stored?.expireTime).toBe(Date.UTC(2099, 0, 1));
  });
});
