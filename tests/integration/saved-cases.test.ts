import { instanceIdFor } from '../../lib/ids';
import { startTestService, type TestService } from '../helpers/service';
import { shuffle } from '../helpers/shuffle';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.close();
});

/** The debugger's saved cases for a period product, as a seller saves them (testFlag "1"). */
function savedCases(instanceId: string): Record<string, unknown>[] {
  const t = { testFlag: '1' };
  return [
    {
      activity: 'newInstance',
      orderId: 'MOCKPERIODYEARNEW',
      orderLineId: 'MOCKPERIODYEARNEW-000001',
      businessId: 'b-1',
      ...t,
    },
    { activity: 'queryInstance', instanceId, ...t },
    {
      activity: 'refreshInstance',
      scene: 'RENEWAL',
      orderId: 'MOCKMONTYRENEW',
      orderLineId: 'MOCKMONTYRENEW-000001',
      instanceId,
      expireTime: '20301231235959',
      ...t,
    },
    { activity: 'updateInstanceStatus', instanceId, status: 'FREEZE', ...t },
    { activity: 'updateInstanceStatus', instanceId, status: 'UNFREEZE', ...t },
    { activity: 'releaseInstance', instanceId, ...t },
    {
      activity: 'upgradeInstance',
      instanceId,
      orderId: 'MOCKMONTYCHANGE',
      orderLineId: 'MOCKMONTYCHANGE-000001',
      ...t,
    },
    {
      activity: 'changeInstanceCheck',
      instanceId,
      productInfo: { productId: 'OFFI1', skuCode: 'sku', productName: 'Basic' },
      ...t,
    },
  ];
}

describe('saved debug cases', () => {
  it('all succeed in random order, replayed twice, and never reach the real provisioner', async () => {
    const instanceId = instanceIdFor('test', 'MOCKPERIODYEARNEW', 'MOCKPERIODYEARNEW-000001');
    for (let round = 0; round < 2; round++) {
      for (const body of shuffle(savedCases(instanceId))) {
        const answer = await svc.send(body);
        expect({ activity: body.activity, code: answer.json.resultCode }).toEqual({
          activity: body.activity,
          code: '000000',
        });
        if (body.activity === 'newInstance') expect(answer.json.instanceId).toBe(instanceId);
        if (body.activity === 'queryInstance') {
          expect(answer.json.info).toEqual([
            expect.objectContaining({
              instanceId,
              appInfo: expect.objectContaining({ frontEndUrl: expect.any(String) }),
            }),
          ]);
        }
      }
    }
    expect(svc.provisionerCalls).toEqual({});
  });

  it('answers 000000 for an unknown test instance, for every activity', async () => {
    for (const body of savedCases('unknown-test-instance').slice(1)) {
      expect((await svc.send(body)).json.resultCode).toBe('000000');
    }
  });

  it('keeps test calls away from a real instance with the same id', async () => {
    const real = await svc.send({
      activity: 'newInstance',
      orderId: 'CSREAL1',
      orderLineId: 'CSREAL1-1',
      businessId: 'b',
    });
    const realId = real.json.instanceId as string;
    const test = await svc.send({
      activity: 'newInstance',
      orderId: 'CSREAL1',
      orderLineId: 'CSREAL1-1',
      businessId: 'b',
      testFlag: '1',
    });
    expect(test.json.instanceId).not.toBe(realId);
    expect(
      (await svc.send({ activity: 'releaseInstance', instanceId: realId, testFlag: '1' })).json
        .resultCode,
    ).toBe('000000');
    expect((await svc.store.getInstance('real', realId))?.status).toBe('ACTIVE');
  });
});
