import { decryptCredential, encryptCredential } from '../../../lib/protocol/credential-cipher';
import { formatKooTime } from '../../../lib/protocol/koo-time';
import type { ProvisionRequest } from '../../../lib/provisioner/provisioner';
import { appHarness } from '../helpers/app-harness';
import { UNIT_V1_ACCESS_KEY } from '../helpers/unit-deps';

const DAY = 86_400_000;

function newInstance(orderId: string, expireTime: number, extra: Record<string, string> = {}) {
  return {
    activity: 'newInstance',
    businessId: 'B-1',
    customerId: 'C-1',
    orderId,
    productId: 'P-V1',
    skuCode: 'sku-basic',
    chargingMode: '1',
    periodType: 'month',
    periodNumber: '1',
    amount: '3',
    expireTime: formatKooTime(expireTime),
    ...extra,
  };
}

describe('SaaS V1.0 front end (saas-v1.ts)', () => {
  it('buys with the order from the request and answers the delivery info encrypted with the V1.0 key', async () => {
    const h = appHarness();

    const bought = await h.v1(newInstance('V1-A', h.clock.now() + 30 * DAY));

    expect(Object.keys(bought.json)).toEqual([
      'resultCode',
      'resultMsg',
      'instanceId',
      'encryptType',
      'appInfo',
    ]);
    const appInfo = bought.json.appInfo as Record<string, string>;
    expect(decryptCredential(appInfo.password as string, UNIT_V1_ACCESS_KEY)).toMatch(/^.{20}$/);
    expect(await h.deps.store.getInstance('real', bought.json.instanceId as string)).toMatchObject({
      protocol: 'v1',
      orderLineId: 'V1-A-000001',
      entitlement: {
        productId: 'P-V1',
        skuCode: 'sku-basic',
        linearValue: 3,
        chargingMode: 'PERIOD',
        periodType: 'month',
        periodNumber: 1,
        customerId: 'C-1',
      },
    });
  });

  it('makes an on-demand order one instance per order and product', async () => {
    const h = appHarness();

    const bought = await h.v1(newInstance('V1-OD', h.clock.now(), { chargingMode: '0' }));

    const stored = await h.deps.store.getInstance('real', bought.json.instanceId as string);
    expect(stored?.orderLineId).toBe('V1-OD-P-V1');
    expect(stored?.entitlement.chargingMode).toBe('ON_DEMAND');
  });

  it('expires, restores on a late renewal, freezes and unfreezes, upgrades, queries and releases', async () => {
    const h = appHarness();
    const bought = await h.v1(newInstance('V1-L', h.clock.now() - DAY));
    const instanceId = bought.json.instanceId as string;
    const status = async () => (await h.deps.store.getInstance('real', instanceId))?.status;

    const expired = await h.v1({ activity: 'expireInstance', instanceId, orderId: 'V1-L' });
    expect(expired.json.resultCode).toBe('000000');
    expect(await status()).toBe('FROZEN');
    h.clock.advance(1000);
    const renewed = await h.v1({
      activity: 'refreshInstance',
      instanceId,
      orderId: 'V1-R',
      expireTime: formatKooTime(h.clock.now() + 30 * DAY),
    });
    expect(renewed.json.resultCode).toBe('000000');
    expect(await status()).toBe('ACTIVE');
    h.clock.advance(1000);
    await h.v1({ activity: 'instanceStatus', instanceId, instanceStatus: 'FREEZE' });
    expect(await status()).toBe('FROZEN');
    h.clock.advance(1000);
    await h.v1({ activity: 'instanceStatus', instanceId, instanceStatus: 'NORMAL' });
    expect(await status()).toBe('ACTIVE');
    const upgraded = await h.v1({
      activity: 'upgrade',
      instanceId,
      orderId: 'V1-U',
      skuCode: 'sku-pro',
      diskSize: '40',
    });
    expect(upgraded.json.resultCode).toBe('000000');
    const query = await h.v1({
      activity: 'queryInstance',
      instanceId: `${instanceId},${instanceId}`,
    });
    expect((query.json.info as unknown[]).length).toBe(1);
    const released = await h.v1({ activity: 'releaseInstance', instanceId, orderId: 'V1-L' });

    expect(released.json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect(await h.deps.store.getInstance('real', instanceId)).toMatchObject({
      status: 'RELEASED',
      entitlement: { skuCode: 'sku-pro', linearValue: 40 },
    });
  });

  it('reads a renewal refund and a trial conversion into their scenes', async () => {
    const h = appHarness();
    const scenes: string[] = [];
    h.deps.provisioner = { ...h.deps.provisioner, renew: async (r) => void scenes.push(r.scene) };
    const bought = await h.v1(newInstance('V1-S', h.clock.now() + 10 * DAY));
    const instanceId = bought.json.instanceId as string;
    const expireTime = formatKooTime(h.clock.now() + 20 * DAY);

    await h.v1({
      activity: 'refreshInstance',
      instanceId,
      orderId: 'S1',
      expireTime,
      trialToFormal: '1',
    });
    await h.v1({
      activity: 'refreshInstance',
      instanceId,
      orderId: 'S2',
      expireTime,
      orderAmount: '-5.5',
    });
    await h.v1({
      activity: 'refreshInstance',
      instanceId,
      orderId: 'S3',
      expireTime,
      orderAmount: '5',
    });

    expect(scenes).toEqual(['TRIAL_TO_FORMAL', 'UNSUBSCRIBE_RENEWAL_PERIOD', 'RENEWAL']);
  });

  it.each([
    [{ activity: 'nope' }, 'unknown activity "nope": parameter activity'],
    [
      { activity: 'instanceStatus', instanceId: 'i', instanceStatus: 'PAUSED' },
      'parameter instanceStatus must be one of FREEZE, NORMAL',
    ],
    [
      { activity: 'queryInstance', instanceId: 'a,,b' },
      'parameter instanceId has an empty or too long id',
    ],
    [
      {
        activity: 'queryInstance',
        instanceId: Array.from({ length: 101 }, (_, i) => `i${i}`).join(','),
      },
      'parameter instanceId lists more than 100 ids',
    ],
    [
      { activity: 'releaseInstance', instanceId: 'i', testFlag: '2' },
      'parameter testFlag must be "0" or "1"',
    ],
    [
      { activity: 'refreshInstance', instanceId: 'i', orderId: 'o', expireTime: '2030' },
      'parameter expireTime must be yyyyMMddHHmmss (UTC)',
    ],
    [
      {
        activity: 'refreshInstance',
        instanceId: 'i',
        orderId: 'o',
        expireTime: '20300101000000',
        orderAmount: 'x',
      },
      'parameter orderAmount must be a number',
    ],
    [
      { activity: 'upgrade', instanceId: 'i', orderId: 'o', amount: '-1' },
      'parameter amount must be a non-negative integer',
    ],
    [{ activity: 'releaseInstance' }, 'missing required parameter: instanceId'],
  ])('answers 000002 naming the parameter for %j', async (params, message) => {
    const h = appHarness();

    const answer = await h.v1(params as Record<string, string>);

    expect(answer.json).toEqual({ resultCode: '000002', resultMsg: message });
  });

  it('answers 000002 for a purchase with an unknown charging mode', async () => {
    const h = appHarness();

    const answer = await h.v1(newInstance('V1-C', h.clock.now(), { chargingMode: '7' }));

    expect(answer.json.resultMsg).toBe('parameter chargingMode must be 0, 1, 3 or 5');
  });
});

describe('SaaS V1.0 purchase facts (#9)', () => {
  it('hands the provisioner the buyer, contact details decrypted with the V1.0 key, extend params and the trial flag', async () => {
    const received: ProvisionRequest[] = [];
    const h = appHarness();
    const inner = h.deps.provisioner;
    h.deps.provisioner = {
      ...inner,
      provision: async (req) => {
        received.push(req);
        return inner.provision(req);
      },
    };
    const extend = Buffer.from(JSON.stringify([{ name: 'company', value: 'ACME & Co' }])).toString(
      'base64',
    );

    const bought = await h.v1(
      newInstance('V1-FACTS', h.clock.now() + 30 * DAY, {
        customerName: 'Buyer Name',
        userId: 'U-1',
        userName: 'buyer-user',
        mobilePhone: encryptCredential('+8613800000000', UNIT_V1_ACCESS_KEY, '1'),
        email: encryptCredential('buyer@example.com', UNIT_V1_ACCESS_KEY, '2'),
        trialFlag: '1',
        saasExtendParams: extend,
      }),
    );

    expect(bought.json.resultCode).toBe('000000');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      entitlement: {
        customerId: 'C-1',
        customerName: 'Buyer Name',
        trial: true,
        orderType: 'TRIAL',
        productId: 'P-V1',
        skuCode: 'sku-basic',
        linearValue: 3,
        periodType: 'month',
        periodNumber: 1,
      },
      contact: {
        userId: 'U-1',
        userName: 'buyer-user',
        mobilePhone: '+8613800000000',
        email: 'buyer@example.com',
      },
      extendParams: [{ name: 'company', value: 'ACME & Co' }],
    });
    const stored = await h.deps.store.getInstance('real', bought.json.instanceId as string);
    expect(JSON.stringify(stored)).not.toContain('buyer@example.com');
  });

  it('leaves out a contact detail that does not decrypt, and still buys', async () => {
    const received: ProvisionRequest[] = [];
    const h = appHarness();
    const inner = h.deps.provisioner;
    h.deps.provisioner = {
      ...inner,
      provision: async (req) => {
        received.push(req);
        return inner.provision(req);
      },
    };

    const bought = await h.v1(
      newInstance('V1-NOISE', h.clock.now() + 30 * DAY, {
        mobilePhone: 'not-encrypted-at-all',
        email: encryptCredential('x@example.com', 'another-key-entirely', '1'),
      }),
    );

    expect(bought.json.resultCode).toBe('000000');
    expect(received[0]?.contact).toBeUndefined();
    expect(received[0]?.entitlement).toMatchObject({ trial: false, orderType: 'NEW' });
  });
});
