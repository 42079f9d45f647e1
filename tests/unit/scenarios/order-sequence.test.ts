import type { OrderInfo } from '../../../lib/open-api/order-client';
import type { RenewalScene, RenewCommand } from '../../../lib/scenarios/commands';
import {
  advanceMark,
  isSettled,
  MAX_RECENT_ORDERS,
  placeOrder,
  rememberOrder,
  settledMessage,
} from '../../../lib/scenarios/order-sequence';
import { renew } from '../../../lib/scenarios/refresh-instance';
import { upgrade } from '../../../lib/scenarios/upgrade-instance';
import { record } from '../helpers/scenario-context';
import { scenarioSetup } from '../helpers/scenario-setup';

const Y = (year: number) => Date.UTC(year, 0, 1);
const MIN = 60_000;

/** One change order as KooGallery created it: when, with which expiry, and its scene. */
interface Change {
  orderId: string;
  createdAt: number;
  scene: RenewalScene;
  expireTime: number;
  /** The SKU a RENEWAL_CHANGE order sets. */
  skuCode?: string;
}

/** Query Order over a table of orders: each order answers its creation time and SKU. */
function ordersOf(changes: readonly Change[]) {
  return async (orderId: string, orderLineId?: string): Promise<OrderInfo> => {
    const c = changes.find((x) => x.orderId === orderId);
    if (!c) throw new Error(`no order ${orderId}`);
    return {
      orderId,
      orderType: 'RENEW',
      createTime: 'set by the test',
      createdAt: c.createdAt,
      orderLine: [
        {
          orderLineId: orderLineId ?? `${orderId}-000001`,
          productInfo: [{ productId: 'P-1', skuCode: c.skuCode ?? 'SKU-1' }],
        },
      ],
    };
  };
}

function command(c: Change): RenewCommand {
  return {
    test: false,
    instanceId: 'i',
    orderId: c.orderId,
    orderLineId: `${c.orderId}-000001`,
    scene: c.scene,
    expireTime: c.expireTime,
    restoreAccess: false,
    creationTime: 'required',
  };
}

/** The instance bought at t0, its purchase a watermark like provisioning leaves it. */
function purchased(t0: number, expireTime: number) {
  const mark = { createdAt: t0, key: 'O-1/O-1-000001' };
  return record({
    instanceId: 'i',
    expireTime,
    entitlement: { productId: 'P-1', skuCode: 'SKU-1' },
    watermarks: { expiry: mark, specification: mark },
  });
}

/** Every ordering of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('placeOrder and rememberOrder (order-sequence.ts)', () => {
  const mark = { createdAt: 1000, key: 'A/1' };

  it('places an order against the latest-created one applied', () => {
    expect(placeOrder(mark, 'A/1', 1000)).toBe('same');
    expect(placeOrder(mark, 'A/1', undefined)).toBe('same');
    expect(placeOrder(mark, 'B/1', 2000)).toBe('newer');
    expect(placeOrder(undefined, 'B/1', 5)).toBe('newer');
    expect(placeOrder(mark, 'B/1', 500)).toBe('older');
    expect(placeOrder(mark, 'B/1', 1000)).toBe('unordered');
    expect(placeOrder(mark, 'B/1', undefined)).toBe('unordered');
    expect(placeOrder(undefined, 'B/1', undefined)).toBe('unordered');
  });

  it('settles only orders that are the watermark or older than it', () => {
    expect(['same', 'older', 'newer', 'unordered'].map((p) => isSettled(p as never))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('answers a settled change with why nothing changed', () => {
    expect(settledMessage('same')).toBe('success (order already applied)');
    expect(settledMessage('older')).toBe('success (a later order decided)');
  });

  it('advances the watermark only to an order whose creation time is known', () => {
    expect(advanceMark(mark, 'B/1', 2000)).toEqual({ createdAt: 2000, key: 'B/1' });
    expect(advanceMark(mark, 'B/1', undefined)).toBe(mark);
  });

  it('keeps the most recent order keys, each once, at most MAX_RECENT_ORDERS', () => {
    let applied = ['P/1'];
    for (let i = 0; i < 100; i++) applied = rememberOrder(applied, `R${i}/1`);
    applied = rememberOrder(applied, 'R98/1');

    expect(applied).toHaveLength(MAX_RECENT_ORDERS);
    expect(applied.at(-1)).toBe('R98/1');
    expect(new Set(applied).size).toBe(applied.length);
  });
});

describe('renewals ordered by order creation time (#14)', () => {
  it('keeps a cancelled period cancelled when the renewal it cancelled arrives late (observed sequence 1)', async () => {
    // purchase, R1 -> 2028, cancellation of R2 -> 2028, then R2 -> 2029 delivered late.
    const changes: Change[] = [
      { orderId: 'R1', createdAt: 1 * MIN, scene: 'RENEWAL', expireTime: Y(2028) },
      { orderId: 'R2', createdAt: 2 * MIN, scene: 'RENEWAL', expireTime: Y(2029) },
      {
        orderId: 'C2',
        createdAt: 3 * MIN,
        scene: 'UNSUBSCRIBE_RENEWAL_PERIOD',
        expireTime: Y(2028),
      },
    ];
    const w = scenarioSetup({ orders: ordersOf(changes) });
    await w.store.createInstance(purchased(0, Y(2027)));

    for (const id of ['R1', 'C2', 'R2']) {
      const c = changes.find((x) => x.orderId === id) as Change;
      expect((await renew(command(c), w.context().ctx)).resultCode).toBe('000000');
    }

    expect((await w.store.getInstance('real', 'i'))?.expireTime).toBe(Y(2028));
  });

  it('keeps a paid renewal when the cancellation of an earlier one arrives late (observed sequence 2)', async () => {
    // purchase, R2 -> 2029, a new renewal R3 -> 2029, then the cancellation of R2 delivered late.
    const changes: Change[] = [
      { orderId: 'R2', createdAt: 1 * MIN, scene: 'RENEWAL', expireTime: Y(2029) },
      {
        orderId: 'C2',
        createdAt: 2 * MIN,
        scene: 'UNSUBSCRIBE_RENEWAL_PERIOD',
        expireTime: Y(2028),
      },
      { orderId: 'R3', createdAt: 3 * MIN, scene: 'RENEWAL', expireTime: Y(2029) },
    ];
    const w = scenarioSetup({ orders: ordersOf(changes) });
    await w.store.createInstance(purchased(0, Y(2028)));

    for (const id of ['R2', 'R3', 'C2']) {
      const c = changes.find((x) => x.orderId === id) as Change;
      await renew(command(c), w.context().ctx);
    }

    expect((await w.store.getInstance('real', 'i'))?.expireTime).toBe(Y(2029));
  });

  it('ends every delivery order at the expiry and specification of the latest-created order delivered', async () => {
    const changes: Change[] = [
      { orderId: 'T2F', createdAt: 1 * MIN, scene: 'TRIAL_TO_FORMAL', expireTime: Y(2027) },
      { orderId: 'R1', createdAt: 2 * MIN, scene: 'RENEWAL', expireTime: Y(2028) },
      { orderId: 'R2', createdAt: 3 * MIN, scene: 'RENEWAL', expireTime: Y(2029) },
      {
        orderId: 'C2',
        createdAt: 4 * MIN,
        scene: 'UNSUBSCRIBE_RENEWAL_PERIOD',
        expireTime: Y(2028),
      },
      {
        orderId: 'RC3',
        createdAt: 5 * MIN,
        scene: 'RENEWAL_CHANGE',
        expireTime: Y(2029),
        skuCode: 'SKU-BIG',
      },
    ];
    const trialEnd = Date.UTC(2026, 1, 1);
    const orderings = permutations(changes);
    expect(orderings).toHaveLength(120);

    for (const ordering of orderings) {
      const w = scenarioSetup({ orders: ordersOf(changes) });
      await w.store.createInstance(purchased(0, trialEnd));
      const delivered: Change[] = [];
      for (const c of ordering) {
        const result = await renew(command(c), w.context().ctx);
        delivered.push(c);
        const latest = delivered.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
        const stored = await w.store.getInstance('real', 'i');
        const trace = ordering.map((x) => x.orderId).join(' ');
        expect({ trace, resultCode: result.resultCode, expireTime: stored?.expireTime }).toEqual({
          trace,
          resultCode: '000000',
          expireTime: latest.expireTime,
        });
        const changed = delivered.some((x) => x.skuCode);
        expect({ trace, sku: stored?.entitlement.skuCode }).toEqual({
          trace,
          sku: changed ? 'SKU-BIG' : 'SKU-1',
        });
      }
      // Replays of every order, in the same order, change nothing and call no provisioner.
      const calls = w.provisioner.calls.length;
      for (const c of ordering) {
        expect((await renew(command(c), w.context().ctx)).resultCode).toBe('000000');
      }
      expect(w.provisioner.calls.length).toBe(calls);
      expect(calls).toBeLessThanOrEqual(changes.length);
    }
  });

  it('falls back to forward-only renewals when Query Order gives no creation time', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(purchased(0, Y(2029)));
    const renewal: Change = { orderId: 'OLD', createdAt: 0, scene: 'RENEWAL', expireTime: Y(2028) };

    const result = await renew(command(renewal), w.context().ctx);

    expect(result.resultCode).toBe('000000');
    expect((await w.store.getInstance('real', 'i'))?.expireTime).toBe(Y(2029));
  });

  it('orders upgrades by creation time too: an older upgrade delivered late changes nothing', async () => {
    const skuOf: Record<string, [number, string]> = {
      U1: [1 * MIN, 'SKU-A'],
      U2: [2 * MIN, 'SKU-B'],
    };
    const w = scenarioSetup({
      orders: async (orderId, orderLineId) => ({
        orderId,
        createdAt: skuOf[orderId]?.[0],
        orderLine: [
          {
            orderLineId: orderLineId ?? `${orderId}-000001`,
            productInfo: [{ productId: 'P-1', skuCode: skuOf[orderId]?.[1] }],
          },
        ],
      }),
    });
    await w.store.createInstance(purchased(0, Y(2027)));
    const up = (orderId: string) => ({
      test: false,
      instanceId: 'i',
      orderId,
      orderLineId: `${orderId}-000001`,
      creationTime: 'required' as const,
    });

    await upgrade(up('U2'), w.context().ctx);
    const late = await upgrade(up('U1'), w.context().ctx);

    expect(late).toEqual({ resultCode: '000000', resultMsg: 'success (a later order decided)' });
    expect((await w.store.getInstance('real', 'i'))?.entitlement.skuCode).toBe('SKU-B');
    expect(w.provisioner.calls.map((c) => c.method)).toEqual(['upgrade']);
  });
  it("keeps a later upgrade's product and SKU when an earlier RENEWAL_CHANGE arrives late", async () => {
    // purchase, upgrade U (created t2: P-U/SKU-U), then RENEWAL_CHANGE RC (created t1: P-RC/SKU-RC).
    const specOf: Record<string, [number, string, string]> = {
      RC: [1 * MIN, 'P-RC', 'SKU-RC'],
      U: [2 * MIN, 'P-U', 'SKU-U'],
    };
    const renewed: string[] = [];
    const w = scenarioSetup({
      provisioner: {
        renew: async (req) => {
          renewed.push(req.productId ?? '-');
        },
      },
      orders: async (orderId, orderLineId) => ({
        orderId,
        createdAt: specOf[orderId]?.[0],
        orderLine: [
          {
            orderLineId: orderLineId ?? `${orderId}-000001`,
            productInfo: [{ productId: specOf[orderId]?.[1], skuCode: specOf[orderId]?.[2] }],
          },
        ],
      }),
    });
    await w.store.createInstance(purchased(0, Y(2027)));

    await upgrade(
      {
        test: false,
        instanceId: 'i',
        orderId: 'U',
        orderLineId: 'U-000001',
        creationTime: 'required',
      },
      w.context().ctx,
    );
    const late = await renew(
      {
        ...command({ orderId: 'RC', createdAt: MIN, scene: 'RENEWAL_CHANGE', expireTime: Y(2028) }),
        productId: 'P-RC',
      },
      w.context().ctx,
    );
    const stored = await w.store.getInstance('real', 'i');

    expect(late.resultCode).toBe('000000');
    // The expiry is RC's (the latest-created expiry change); the specification stays U's.
    expect(stored?.expireTime).toBe(Y(2028));
    expect(stored?.entitlement).toMatchObject({ productId: 'P-U', skuCode: 'SKU-U' });
    expect(stored?.watermarks?.specification?.key).toBe('U/U-000001');
    expect(renewed).toEqual(['-']);
  });

  it("applies a renewal's product by the specification watermark when it is the latest change", async () => {
    const w = scenarioSetup({
      orders: async (orderId, orderLineId) => ({
        orderId,
        createdAt: 3 * MIN,
        orderLine: [{ orderLineId: orderLineId ?? `${orderId}-000001`, productInfo: [] }],
      }),
    });
    await w.store.createInstance(purchased(0, Y(2027)));

    const result = await renew(
      {
        ...command({ orderId: 'R', createdAt: 3 * MIN, scene: 'RENEWAL', expireTime: Y(2028) }),
        productId: 'P-2',
      },
      w.context().ctx,
    );
    const stored = await w.store.getInstance('real', 'i');

    expect(result.resultCode).toBe('000000');
    expect(stored?.entitlement).toMatchObject({ productId: 'P-2', skuCode: 'SKU-1' });
    expect(stored?.watermarks?.specification).toEqual({ createdAt: 3 * MIN, key: 'R/R-000001' });
  });
});

describe('an instance under 10,000 renewals (#14)', () => {
  it('answers every renewal 000000, recognises replays of any of them, and stores a bounded record', async () => {
    const RENEWALS = 10_000;
    const created = (n: number) => (n + 1) * MIN;
    const w = scenarioSetup({
      orders: async (orderId, orderLineId) => ({
        orderId,
        createdAt: created(Number(orderId.slice(1))),
        orderLine: [{ orderLineId: orderLineId ?? `${orderId}-000001`, productInfo: [] }],
      }),
    });
    await w.store.createInstance(purchased(0, Y(2027)));
    const renewal = (n: number): RenewCommand =>
      command({
        orderId: `R${n}`,
        createdAt: created(n),
        scene: 'RENEWAL',
        expireTime: Y(2027) + (n + 1) * 86_400_000,
      });
    const sizes: number[] = [];
    const codes = new Set<string>();

    for (let n = 0; n < RENEWALS; n++) {
      codes.add((await renew(renewal(n), w.context().ctx)).resultCode);
      if (n === 99 || n === RENEWALS - 1) {
        sizes.push(JSON.stringify(await w.store.getInstance('real', 'i')).length);
      }
    }
    const calls = w.provisioner.calls.length;
    const replays = await Promise.all(
      [0, 1, 5_000, RENEWALS - 2, RENEWALS - 1].map(
        async (n) => (await renew(renewal(n), w.context().ctx)).resultCode,
      ),
    );
    const stored = await w.store.getInstance('real', 'i');

    expect([...codes]).toEqual(['000000']);
    expect(replays).toEqual(['000000', '000000', '000000', '000000', '000000']);
    expect(w.provisioner.calls.length).toBe(calls);
    expect(calls).toBe(RENEWALS);
    expect(stored?.expireTime).toBe(Y(2027) + RENEWALS * 86_400_000);
    expect(stored?.appliedOrders.length).toBeLessThanOrEqual(MAX_RECENT_ORDERS);
    // The record after 10,000 renewals is the size it was after 100 (give or take digits), far
    // below DynamoDB's 400 KB item limit.
    expect(sizes[1]).toBeLessThanOrEqual((sizes[0] as number) + 200);
    expect(sizes[1]).toBeLessThan(4_000);
  });
});
