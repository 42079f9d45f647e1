import { randomBytes } from 'node:crypto';
import { instanceIdFor } from '../../lib/ids';
import { verifyBodySign } from '../../lib/protocol/body-sign';
import { decryptCredential } from '../../lib/protocol/credential-cipher';
import { formatKooTime } from '../../lib/protocol/koo-time';
import { startTestService, type TestService } from '../helpers/service';
import { shuffle } from '../helpers/shuffle';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.close();
});

const orderOf = () => `CS${randomBytes(6).toString('hex').toUpperCase()}`;

/** A V1.0 purchase as KooGallery sends it: the order details are in the query. */
function newInstance(orderId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    activity: 'newInstance',
    businessId: randomBytes(8).toString('hex'),
    customerId: '68cbc86abc2018ab880d92f36422fa0e',
    orderId,
    productId: '00301-666666-0--0',
    skuCode: 'sku-basic',
    chargingMode: '1',
    periodType: 'month',
    periodNumber: '1',
    // The period has just ended, so that expireInstance has something to expire.
    expireTime: formatKooTime(Date.now() - 60_000),
    ...extra,
  };
}

describe('SaaS V1.0 through HTTP', () => {
  it('goes through purchase, re-entry, expiry, renewal, upgrade, status, query and release', async () => {
    const orderId = orderOf();

    // Purchase: 000000 with instanceId, encryptType and encrypted appInfo, signed with the V1 key.
    const created = await svc.sendV1(newInstance(orderId));
    expect(created.status).toBe(200);
    expect(created.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(
      verifyBodySign(created.headers.get('body-sign') ?? undefined, svc.v1AccessKey, created.text),
    ).toEqual({ ok: true });
    expect(created.json).toMatchObject({
      resultCode: '000000',
      instanceId: instanceIdFor('real', orderId, `${orderId}-000001`),
      encryptType: '1',
      appInfo: { frontEndUrl: expect.stringMatching(/^https:\/\//) },
    });
    const instanceId = created.json.instanceId as string;
    const appInfo = created.json.appInfo as Record<string, string>;
    const password = decryptCredential(appInfo.password as string, svc.v1AccessKey);
    expect(password).toMatch(/^.{20}$/);
    expect(created.text).not.toContain(password);
    const record = await svc.store.getInstance('real', instanceId);
    expect(record).toMatchObject({
      status: 'ACTIVE',
      protocol: 'v1',
      orderFromRequest: true,
      entitlement: {
        productId: '00301-666666-0--0',
        skuCode: 'sku-basic',
        chargingMode: 'PERIOD',
        periodType: 'month',
        periodNumber: 1,
      },
    });

    // Re-entry (资源详情) and retries: the same instance and credentials, one provisioning.
    const again = await svc.sendV1(newInstance(orderId));
    expect(again.json).toMatchObject({ resultCode: '000000', instanceId });
    const againInfo = again.json.appInfo as Record<string, string>;
    expect(decryptCredential(againInfo.password as string, svc.v1AccessKey)).toBe(password);

    // Expiry freezes.
    const expire = { activity: 'expireInstance', instanceId, orderId };
    expect((await svc.sendV1(expire)).json.resultCode).toBe('000000');
    expect((await svc.store.getInstance('real', instanceId))?.status).toBe('FROZEN');

    // A renewal after expiry restores access; a retried expiry does not freeze it again.
    const renewal = {
      activity: 'refreshInstance',
      instanceId,
      orderId: `${orderId}R`,
      expireTime: '20991231235959',
      periodType: 'month',
      periodNumber: '1',
    };
    expect((await svc.sendV1(renewal)).json.resultCode).toBe('000000');
    expect(await svc.store.getInstance('real', instanceId)).toMatchObject({
      status: 'ACTIVE',
      expireTime: Date.UTC(2099, 11, 31, 23, 59, 59),
    });
    expect((await svc.sendV1(expire)).json.resultCode).toBe('000000');
    expect((await svc.store.getInstance('real', instanceId))?.status).toBe('ACTIVE');

    // Upgrade: the new specification comes with the request.
    const upgrade = {
      activity: 'upgrade',
      instanceId,
      orderId: `${orderId}U`,
      skuCode: 'sku-pro',
      productId: '00301-666666-0--0',
      amount: '10',
    };
    expect((await svc.sendV1(upgrade)).json.resultCode).toBe('000000');
    expect((await svc.store.getInstance('real', instanceId))?.entitlement).toMatchObject({
      skuCode: 'sku-pro',
      linearValue: 10,
    });

    // On-demand freeze and unfreeze.
    const freeze = { activity: 'instanceStatus', instanceId, instanceStatus: 'FREEZE' };
    expect((await svc.sendV1(freeze)).json.resultCode).toBe('000000');
    expect((await svc.store.getInstance('real', instanceId))?.status).toBe('FROZEN');
    const normal = { activity: 'instanceStatus', instanceId, instanceStatus: 'NORMAL' };
    expect((await svc.sendV1(normal)).json.resultCode).toBe('000000');
    expect((await svc.store.getInstance('real', instanceId))?.status).toBe('ACTIVE');

    // Query: delivery info, credentials under the V1 key.
    const query = await svc.sendV1({ activity: 'queryInstance', instanceId });
    expect(query.json).toMatchObject({ resultCode: '000000', encryptType: '1' });
    const info = (query.json.info as { instanceId: string; appInfo: Record<string, string> }[])[0];
    expect(info?.instanceId).toBe(instanceId);
    expect(decryptCredential(info?.appInfo.password as string, svc.v1AccessKey)).toBe(password);

    // Every applied call replayed (re-signed, as KooGallery retries) in random order changes nothing.
    const settled = await svc.store.getInstance('real', instanceId);
    const calls = { ...svc.provisionerCalls };
    for (const params of shuffle([newInstance(orderId), renewal, upgrade, normal, expire])) {
      expect((await svc.sendV1(params)).json.resultCode).toBe('000000');
    }
    expect((await svc.store.getInstance('real', instanceId))?.version).toBe(settled?.version);
    expect(svc.provisionerCalls).toEqual(calls);

    // Release, twice.
    const release = { activity: 'releaseInstance', instanceId, orderId };
    expect((await svc.sendV1(release)).json.resultCode).toBe('000000');
    expect((await svc.sendV1(release)).json.resultCode).toBe('000000');
    expect((await svc.store.getInstance('real', instanceId))?.status).toBe('RELEASED');
    expect(svc.provisionerCalls).toMatchObject({
      provision: 1,
      renew: 1,
      upgrade: 1,
      release: 1,
    });
  });

  it('gives each product of an on-demand order its own instance', async () => {
    const orderId = orderOf();
    const a = await svc.sendV1(newInstance(orderId, { chargingMode: '0', productId: 'P-A' }));
    const b = await svc.sendV1(newInstance(orderId, { chargingMode: '0', productId: 'P-B' }));
    expect(a.json.resultCode).toBe('000000');
    expect(b.json.resultCode).toBe('000000');
    expect(a.json.instanceId).not.toBe(b.json.instanceId);
  });

  it('answers 000003 for a real call about an instance that never existed', async () => {
    const calls: Record<string, string>[] = [
      { activity: 'expireInstance', instanceId: 'never-existed' },
      { activity: 'releaseInstance', instanceId: 'never-existed' },
      { activity: 'instanceStatus', instanceId: 'never-existed', instanceStatus: 'FREEZE' },
      { activity: 'queryInstance', instanceId: 'never-existed' },
      {
        activity: 'refreshInstance',
        instanceId: 'never-existed',
        orderId: 'X',
        expireTime: '20300101000000',
      },
    ];
    for (const params of calls) {
      expect({ a: params.activity, r: (await svc.sendV1(params)).json.resultCode }).toEqual({
        a: params.activity,
        r: '000003',
      });
    }
  });

  it('answers every saved debug case 000000 in random order, twice, never reaching the real provisioner', async () => {
    const before = { ...svc.provisionerCalls };
    const orderId = 'MOCKV1PERIODNEW';
    const instanceId = instanceIdFor('test', orderId, `${orderId}-000001`);
    const t = { testFlag: '1' };
    const cases: Record<string, string>[] = [
      { ...newInstance(orderId), ...t },
      { activity: 'queryInstance', instanceId, ...t },
      {
        activity: 'refreshInstance',
        instanceId,
        orderId: 'MOCKV1RENEW',
        expireTime: '20301231235959',
        trialToFormal: '1',
        ...t,
      },
      { activity: 'expireInstance', instanceId, orderId, ...t },
      { activity: 'instanceStatus', instanceId, instanceStatus: 'FREEZE', ...t },
      { activity: 'instanceStatus', instanceId, instanceStatus: 'NORMAL', ...t },
      { activity: 'upgrade', instanceId, orderId: 'MOCKV1UP', skuCode: 'sku-pro', ...t },
      { activity: 'releaseInstance', instanceId, orderId, ...t },
    ];
    for (let round = 0; round < 2; round++) {
      for (const params of shuffle(cases)) {
        const answer = await svc.sendV1(params);
        expect({ a: params.activity, r: answer.json.resultCode }).toEqual({
          a: params.activity,
          r: '000000',
        });
        if (params.activity === 'newInstance') {
          expect(answer.json).toMatchObject({
            instanceId,
            appInfo: { frontEndUrl: expect.any(String) },
          });
        }
      }
    }
    expect(svc.provisionerCalls).toEqual(before);
    expect(await svc.store.getInstance('real', instanceId)).toBeUndefined();
  });
});

describe('a product migrating from SaaS V1.0 to V2.0', () => {
  it('keeps one instance: V2.0 calls find the V1.0 purchase by its instanceId', async () => {
    const orderId = orderOf();
    const created = await svc.sendV1(newInstance(orderId));
    expect(created.json.resultCode).toBe('000000');
    const instanceId = created.json.instanceId as string;
    const password = decryptCredential(
      (created.json.appInfo as Record<string, string>).password as string,
      svc.v1AccessKey,
    );

    // A V2.0 newInstance for the same single-line order lands on the same instance.
    const v2Purchase = await svc.send({
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-000001`,
      businessId: 'b-v2',
    });
    expect(v2Purchase.json).toMatchObject({ resultCode: '000000', instanceId });

    const query = await svc.send({ activity: 'queryInstance', instanceId });
    expect(query.json.resultCode).toBe('000000');
    const info = (query.json.info as { appInfo: Record<string, string> }[])[0];
    // Same credentials, now encrypted with the V2.0 key.
    expect(decryptCredential(info?.appInfo.password as string, svc.accessKey)).toBe(password);

    const renewal = {
      activity: 'refreshInstance',
      scene: 'RENEWAL',
      orderId: `${orderId}R`,
      orderLineId: `${orderId}R-000001`,
      instanceId,
      expireTime: '20991231235959',
    };
    expect((await svc.send(renewal)).json.resultCode).toBe('000000');
    for (const status of ['FREEZE', 'UNFREEZE']) {
      const answer = await svc.send({ activity: 'updateInstanceStatus', instanceId, status });
      expect(answer.json.resultCode).toBe('000000');
    }
    expect((await svc.send({ activity: 'releaseInstance', instanceId })).json.resultCode).toBe(
      '000000',
    );

    const record = await svc.store.getInstance('real', instanceId);
    expect(record).toMatchObject({
      status: 'RELEASED',
      protocol: 'v1',
      orderId,
      expireTime: Date.UTC(2099, 11, 31, 23, 59, 59),
    });
    expect(record?.appliedOrders).toEqual(
      expect.arrayContaining([`${orderId}/${orderId}-000001`, `${orderId}R/${orderId}R-000001`]),
    );
  });
});
