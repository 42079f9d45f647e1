/**
 * What the orders really say, through the real HTTP server, dynalite and the Query Order stand-in:
 * expiry changes ordered by the order's creation time whatever order they arrive in (#14), a
 * RENEWAL_CHANGE's specification read once and applied once, the fallback open API endpoint, and
 * the inputs KooGallery may send where its documents are ambiguous (#9).
 */
import { randomBytes } from 'node:crypto';
import { licenseInstanceIdFor } from '../../lib/ids';
import { formatKooTime } from '../../lib/protocol/koo-time';
import { startTestService, type TestService } from '../helpers/service';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.close();
});

const MIN = 60_000;
const Y = (year: number) => Date.UTC(year, 0, 1);
const idOf = (tag: string) => `${tag}${randomBytes(5).toString('hex').toUpperCase()}`;

/** Buys `orderId` (defined in the stand-in as created at `createdAt`) over SaaS V2.0. */
async function buy(orderId: string, createdAt: number, expireTime: number): Promise<string> {
  svc.standIn.defineOrder(orderId, { createTime: createdAt, expireTime, orderType: 'NEW' });
  const answer = await svc.send({
    activity: 'newInstance',
    orderId,
    orderLineId: `${orderId}-000001`,
    businessId: 'b',
  });
  expect(answer.json.resultCode).toBe('000000');
  return answer.json.instanceId as string;
}

/** A change order as KooGallery created it. */
interface Change {
  orderId: string;
  createdAt: number;
  scene: string;
  expireTime: number;
}

function define(changes: readonly Change[]): void {
  for (const c of changes) {
    svc.standIn.defineOrder(c.orderId, {
      createTime: c.createdAt,
      expireTime: c.expireTime,
      orderType: c.scene === 'UNSUBSCRIBE_RENEWAL_PERIOD' ? 'UNSUBSCRIBE' : 'RENEW',
    });
  }
}

function refresh(instanceId: string, c: Change) {
  return {
    activity: 'refreshInstance',
    scene: c.scene,
    orderId: c.orderId,
    orderLineId: `${c.orderId}-000001`,
    instanceId,
    expireTime: formatKooTime(c.expireTime),
  };
}

/** The two sequences the review observed, each as created and as delivered. */
function observed(t0: number) {
  const p = idOf('OBS');
  const r1 = { orderId: `${p}R1`, createdAt: t0 + MIN, scene: 'RENEWAL', expireTime: Y(2028) };
  const r2 = { orderId: `${p}R2`, createdAt: t0 + 2 * MIN, scene: 'RENEWAL', expireTime: Y(2029) };
  const c2 = {
    orderId: `${p}C2`,
    createdAt: t0 + 3 * MIN,
    scene: 'UNSUBSCRIBE_RENEWAL_PERIOD',
    expireTime: Y(2028),
  };
  const r3 = { orderId: `${p}R3`, createdAt: t0 + 4 * MIN, scene: 'RENEWAL', expireTime: Y(2029) };
  return {
    // purchase, R1 -> 2028, cancellation of R2 -> 2028, then R2 -> 2029 late: 2028.
    first: { delivered: [r1, c2, r2], expected: Y(2028) },
    // purchase, R2 -> 2029, R3 -> 2029, then the cancellation of R2 late: 2029.
    second: { delivered: [r2, r3, c2], expected: Y(2029) },
  };
}

describe('renewals and cancellations delivered out of order (#14)', () => {
  const t0 = Date.UTC(2026, 0, 1);

  it.each(['first', 'second'] as const)(
    'ends the %s observed SaaS V2.0 sequence at the expiry of the latest-created order',
    async (which) => {
      const { delivered, expected } = observed(t0)[which];
      define(delivered);
      const instanceId = await buy(idOf('CSP'), t0, Y(2027));

      for (const c of delivered) {
        expect((await svc.send(refresh(instanceId, c))).json.resultCode).toBe('000000');
      }
      // Every delivery again, as KooGallery's retries would: nothing moves.
      for (const c of delivered) {
        expect((await svc.send(refresh(instanceId, c))).json.resultCode).toBe('000000');
      }

      expect((await svc.store.getInstance('real', instanceId))?.expireTime).toBe(expected);
    },
  );

  it.each(['first', 'second'] as const)(
    'ends the %s observed License 2.0 sequence at the expiry of the latest-created order',
    async (which) => {
      const { delivered, expected } = observed(t0)[which];
      define(delivered);
      const license = idOf('PL');

      for (const c of delivered) {
        const answer = await svc.sendLicense({
          activity: 'refreshLicenseCode',
          license,
          scene: c.scene,
          orderId: c.orderId,
          orderLineId: `${c.orderId}-000001`,
          expireTime: formatKooTime(c.expireTime),
        });
        expect(answer.json.resultCode).toBe('000000');
      }

      const record = await svc.store.getInstance('real', licenseInstanceIdFor(license));
      expect(record?.expireTime).toBe(expected);
    },
  );

  it('ends every delivery order of a renewal, its cancellation and a later renewal at the latest-created expiry', async () => {
    const p = idOf('PERM');
    const changes: Change[] = [
      { orderId: `${p}R2`, createdAt: t0 + MIN, scene: 'RENEWAL', expireTime: Y(2029) },
      {
        orderId: `${p}C2`,
        createdAt: t0 + 2 * MIN,
        scene: 'UNSUBSCRIBE_RENEWAL_PERIOD',
        expireTime: Y(2028),
      },
      { orderId: `${p}R3`, createdAt: t0 + 3 * MIN, scene: 'RENEWAL', expireTime: Y(2030) },
    ];
    define(changes);
    const orderings = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ].map((o) => o.map((i) => changes[i] as Change));

    for (const ordering of orderings) {
      const instanceId = await buy(idOf('CSPM'), t0, Y(2027));
      const delivered: Change[] = [];
      for (const c of ordering) {
        expect((await svc.send(refresh(instanceId, c))).json.resultCode).toBe('000000');
        delivered.push(c);
        const latest = delivered.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
        const trace = delivered.map((d) => d.orderId.slice(-2)).join(' ');
        const stored = await svc.store.getInstance('real', instanceId);
        expect({ trace, expireTime: stored?.expireTime }).toEqual({
          trace,
          expireTime: latest.expireTime,
        });
      }
    }
  });

  it('orders SaaS V1.0 renewals by Query Order when it can read the order', async () => {
    const { delivered, expected } = observed(t0).first;
    define(delivered);
    const orderId = idOf('V1P');
    const bought = await svc.sendV1({
      activity: 'newInstance',
      businessId: 'b',
      customerId: 'C-1',
      orderId,
      productId: 'P-V1',
      chargingMode: '1',
      periodType: 'year',
      periodNumber: '1',
      expireTime: formatKooTime(Y(2027)),
      testFlag: '0',
    });
    expect(bought.json.resultCode).toBe('000000');
    const instanceId = bought.json.instanceId as string;

    for (const c of delivered) {
      const cancel = c.scene === 'UNSUBSCRIBE_RENEWAL_PERIOD';
      const answer = await svc.sendV1({
        activity: 'refreshInstance',
        instanceId,
        orderId: c.orderId,
        expireTime: formatKooTime(c.expireTime),
        orderAmount: cancel ? '-100' : '100',
        testFlag: '0',
      });
      expect(answer.json.resultCode).toBe('000000');
    }

    expect((await svc.store.getInstance('real', instanceId))?.expireTime).toBe(expected);
  });
});

describe('RENEWAL_CHANGE (#9)', () => {
  it('reads the new specification from Query Order once and applies it once', async () => {
    const instanceId = await buy(idOf('CSRC'), Date.UTC(2026, 0, 1), Y(2027));
    const change = idOf('RC');
    svc.standIn.defineOrder(change, {
      createTime: Date.UTC(2026, 5, 1),
      orderType: 'CHANGE',
      expireTime: Y(2028),
      skuCode: 'sku-bigger',
      linearValue: 20,
    });
    const body = {
      activity: 'refreshInstance',
      scene: 'RENEWAL_CHANGE',
      orderId: change,
      orderLineId: `${change}-000001`,
      instanceId,
      expireTime: formatKooTime(Y(2028)),
    };
    const queries = svc.standIn.queryCount;
    const renewals = svc.provisionerCalls.renew ?? 0;
    const upgrades = svc.provisionerCalls.upgrade ?? 0;

    const answer = await svc.send(body);

    expect(answer.json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect(svc.standIn.queryCount - queries).toBe(1);
    expect((svc.provisionerCalls.renew ?? 0) - renewals).toBe(1);
    expect(svc.provisionerCalls.upgrade ?? 0).toBe(upgrades);
    expect(await svc.store.getInstance('real', instanceId)).toMatchObject({
      expireTime: Y(2028),
      entitlement: { skuCode: 'sku-bigger', linearValue: 20 },
    });

    expect((await svc.send(body)).json.resultCode).toBe('000000');
    expect((svc.provisionerCalls.renew ?? 0) - renewals).toBe(1);
  });
});

describe('inputs KooGallery may send (#9)', () => {
  it('accepts changeInstanceCheck with productInfo as a JSON string', async () => {
    const instanceId = await buy(idOf('CSCK'), Date.UTC(2026, 0, 1), Y(2027));

    const answer = await svc.send({
      activity: 'changeInstanceCheck',
      instanceId,
      productInfo: JSON.stringify({ productId: 'P', skuCode: 'S', productName: 'N' }),
    });

    expect(answer.json).toEqual({ resultCode: '000000', resultMsg: 'success' });
  });

  it('reads testFlag sent as the number 1 as a test call', async () => {
    const answer = await svc.send({
      activity: 'newInstance',
      orderId: 'MOCKPERIODYEARNEW',
      orderLineId: 'MOCKPERIODYEARNEW-000001',
      businessId: 'b',
      testFlag: 1,
    });

    expect(answer.json.resultCode).toBe('000000');
    const instanceId = answer.json.instanceId as string;
    expect(await svc.store.getInstance('test', instanceId)).toMatchObject({ status: 'ACTIVE' });
    expect(await svc.store.getInstance('real', instanceId)).toBeUndefined();
  });

  it('accepts a License 2.0 refreshLicenseCode with scene TRIAL_TO_FORMAL', async () => {
    const orderId = idOf('LT');
    svc.standIn.defineOrder(orderId, { createTime: Date.UTC(2026, 0, 1), orderType: 'RENEW' });

    const answer = await svc.sendLicense({
      activity: 'refreshLicenseCode',
      license: idOf('PL'),
      scene: 'TRIAL_TO_FORMAL',
      orderId,
      orderLineId: `${orderId}-000001`,
      expireTime: '20300101000000',
    });

    expect(answer.json).toEqual({ resultCode: '000000', resultMsg: 'success' });
  });
});

describe('the fallback open API endpoint (#9)', () => {
  let refused: TestService;
  beforeAll(async () => {
    refused = await startTestService({ primaryApiRefuses: true });
  });
  afterAll(async () => {
    await refused.close();
  });

  it('reads the order from KOOGALLERY_API_FALLBACK_ENDPOINT when the primary refuses connections', async () => {
    const orderId = idOf('CSFB');

    const answer = await refused.send({
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-000001`,
      businessId: 'b',
    });

    expect(answer.json.resultCode).toBe('000000');
    expect(refused.standIn.queryCount).toBe(1);
    expect(await refused.store.getInstance('real', answer.json.instanceId as string)).toMatchObject(
      { status: 'ACTIVE', entitlement: { customerName: 'mock-buyer', orderType: 'NEW' } },
    );
  });
});
