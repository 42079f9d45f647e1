import { randomBytes } from 'node:crypto';
import { verifyBodySign } from '../../lib/protocol/body-sign';
import { decryptCredential } from '../../lib/protocol/credential-cipher';
import { startTestService, type TestService } from '../helpers/service';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.close();
});

const orderOf = () => `CS${randomBytes(6).toString('hex').toUpperCase()}`;

describe('one real purchase through HTTP', () => {
  it('goes through purchase, query, renewal, freeze, unfreeze, upgrade, check and release', async () => {
    const orderId = orderOf();
    const purchase = {
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-000001`,
      businessId: 'b1',
    };

    // Arrange + Act: the purchase.
    const created = await svc.send(purchase);

    // Assert: a signed 000000 with an instanceId, in the documented HTTP shape.
    expect(created.status).toBe(200);
    expect(created.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(
      verifyBodySign(created.headers.get('body-sign') ?? undefined, svc.accessKey, created.text),
    ).toEqual({ ok: true });
    expect(created.json).toMatchObject({ resultCode: '000000', instanceId: expect.any(String) });
    const instanceId = created.json.instanceId as string;

    const retry = await svc.send({ ...purchase, businessId: 'b2' });
    expect(retry.json).toMatchObject({ resultCode: '000000', instanceId });

    const query = await svc.send({ activity: 'queryInstance', instanceId });
    expect(query.json).toMatchObject({ resultCode: '000000', encryptType: '1' });
    const info = (query.json.info as { instanceId: string; appInfo: Record<string, string> }[])[0];
    expect(info?.instanceId).toBe(instanceId);
    expect(info?.appInfo.frontEndUrl).toMatch(/^https:\/\/[0-9a-f]{12}\.tenants\.example\.com\/$/);
    const password = decryptCredential(info?.appInfo.password as string, svc.accessKey);
    expect(password).toMatch(/^.{20}$/);
    expect(decryptCredential(info?.appInfo.userName as string, svc.accessKey)).toMatch(/^admin-/);
    expect(query.text).not.toContain(password);

    const renewal = {
      activity: 'refreshInstance',
      scene: 'RENEWAL',
      orderId: `${orderId}R`,
      orderLineId: `${orderId}R-000001`,
      instanceId,
      expireTime: '20991231235959',
    };
    expect((await svc.send(renewal)).json.resultCode).toBe('000000');
    const afterRenewal = await svc.store.getInstance('real', instanceId);
    expect(afterRenewal?.expireTime).toBe(Date.UTC(2099, 11, 31, 23, 59, 59));
    expect((await svc.send(renewal)).json.resultCode).toBe('000000');
    expect((await svc.store.getInstance('real', instanceId))?.version).toBe(afterRenewal?.version);

    expect(
      (await svc.send({ activity: 'updateInstanceStatus', instanceId, status: 'FREEZE' })).json
        .resultCode,
    ).toBe('000000');
    expect((await svc.store.getInstance('real', instanceId))?.status).toBe('FROZEN');
    expect(
      (await svc.send({ activity: 'updateInstanceStatus', instanceId, status: 'UNFREEZE' })).json
        .resultCode,
    ).toBe('000000');
    expect((await svc.store.getInstance('real', instanceId))?.status).toBe('ACTIVE');

    const upgrade = {
      activity: 'upgradeInstance',
      instanceId,
      orderId: `${orderId}U`,
      orderLineId: `${orderId}U-000001`,
    };
    expect((await svc.send(upgrade)).json.resultCode).toBe('000000');
    expect((await svc.send(upgrade)).json.resultCode).toBe('000000');

    const check = await svc.send({
      activity: 'changeInstanceCheck',
      instanceId,
      productInfo: { productId: 'OFFI1', skuCode: 'sku-2', productName: 'Pro' },
    });
    expect(check.json.resultCode).toBe('000000');

    const release = { activity: 'releaseInstance', instanceId };
    expect((await svc.send(release)).json.resultCode).toBe('000000');
    expect((await svc.send(release)).json.resultCode).toBe('000000');
    const tombstone = await svc.store.getInstance('real', instanceId);
    expect(tombstone).toMatchObject({ status: 'RELEASED' });
    expect(tombstone?.sealedAppInfo).toBeUndefined();
    expect((await svc.send({ activity: 'queryInstance', instanceId })).json.resultCode).toBe(
      '000003',
    );
    expect(svc.provisionerCalls).toMatchObject({
      provision: 1,
      renew: 1,
      freeze: 1,
      unfreeze: 1,
      upgrade: 1,
      release: 1,
    });
  });

  it('answers 000003 for a real call about an instance that never existed', async () => {
    for (const body of [
      { activity: 'releaseInstance', instanceId: 'never-existed' },
      { activity: 'updateInstanceStatus', instanceId: 'never-existed', status: 'FREEZE' },
      { activity: 'queryInstance', instanceId: 'never-existed' },
      {
        activity: 'refreshInstance',
        scene: 'RENEWAL',
        orderId: 'X',
        orderLineId: 'X-1',
        instanceId: 'never-existed',
        expireTime: '20300101000000',
      },
    ]) {
      expect((await svc.send(body)).json.resultCode).toBe('000003');
    }
  });

  it('gives 20 concurrent identical purchases one instance and one provisioning', async () => {
    const before = svc.provisionerCalls.provision ?? 0;
    const orderId = orderOf();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        svc.send({
          activity: 'newInstance',
          orderId,
          orderLineId: `${orderId}-000001`,
          businessId: `b${i}`,
        }),
      ),
    );
    const ids = new Set(answers.map((a) => a.json.instanceId));
    expect(ids.size).toBe(1);
    for (const a of answers) expect(['000000', '000004']).toContain(a.json.resultCode);
    expect((svc.provisionerCalls.provision ?? 0) - before).toBe(1);
    const record = await svc.store.getInstance('real', [...ids][0] as string);
    expect(record?.status).toBe('ACTIVE');
  });

  it('never moves expiry back for a renewal delivered after a later one', async () => {
    const orderId = orderOf();
    const created = await svc.send({
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-1`,
      businessId: 'b',
    });
    const instanceId = created.json.instanceId as string;
    const renew = (n: number, expireTime: string) => ({
      activity: 'refreshInstance',
      scene: 'RENEWAL',
      orderId: `${orderId}R${n}`,
      orderLineId: `${orderId}R${n}-1`,
      instanceId,
      expireTime,
    });
    await svc.send(renew(2, '20400101000000'));
    await svc.send(renew(1, '20350101000000'));
    expect((await svc.store.getInstance('real', instanceId))?.expireTime).toBe(
      Date.UTC(2040, 0, 1),
    );
  });

  it('ignores a FREEZE signed before the UNFREEZE that already applied', async () => {
    const orderId = orderOf();
    const created = await svc.send({
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-1`,
      businessId: 'b',
    });
    const instanceId = created.json.instanceId as string;
    const now = Date.now();
    await svc.send(
      { activity: 'updateInstanceStatus', instanceId, status: 'FREEZE' },
      { timestamp: String(now - 2000) },
    );
    await svc.send(
      { activity: 'updateInstanceStatus', instanceId, status: 'UNFREEZE' },
      { timestamp: String(now) },
    );
    const late = await svc.send(
      { activity: 'updateInstanceStatus', instanceId, status: 'FREEZE' },
      { timestamp: String(now - 1000) },
    );
    expect(late.json.resultCode).toBe('000000');
    expect((await svc.store.getInstance('real', instanceId))?.status).toBe('ACTIVE');
  });
});
