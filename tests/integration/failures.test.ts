import { randomBytes } from 'node:crypto';
import { instanceIdFor } from '../../lib/ids';
import type { Provisioner } from '../../lib/provisioner/provisioner';
import { startTestService, type TestService } from '../helpers/service';

const newOrder = () => {
  const orderId = `CS${randomBytes(6).toString('hex')}`;
  return { activity: 'newInstance', orderId, orderLineId: `${orderId}-000001`, businessId: 'b' };
};

describe('Query Order failing then recovering', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc.close();
  });

  it.each(['http500', 'timeout', 'garbage', 'error-code'] as const)(
    'answers 000004 while orders fail (%s), then 000000 with the same instance',
    async (mode) => {
      const body = newOrder();
      svc.standIn.faults.failNext(2, mode);
      const first = await svc.send(body);
      expect(first.json).toMatchObject({ resultCode: '000004', instanceId: expect.any(String) });
      const pending = await svc.store.getInstance('real', first.json.instanceId as string);
      expect(pending).toMatchObject({ status: 'PROVISIONING', lastError: expect.any(String) });
      expect(pending?.sealedAppInfo).toBeUndefined();
      expect(
        (await svc.send({ activity: 'queryInstance', instanceId: first.json.instanceId })).json
          .resultCode,
      ).toBe('000000');
      const retry = await svc.send({ ...body, businessId: 'b2' });
      expect(retry.json).toEqual({
        resultCode: '000000',
        resultMsg: 'success',
        instanceId: first.json.instanceId,
      });
    },
  );
});

describe('a provisioner that throws', () => {
  let svc: TestService;
  let failures = 1;
  beforeAll(async () => {
    svc = await startTestService({
      provisioner: (inner): Provisioner => ({
        ...inner,
        provision: async (req) => {
          if (failures-- > 0)
            throw new Error('tenant database refused connection (secret=hunter2)');
          return inner.provision(req);
        },
      }),
    });
  });
  afterAll(async () => {
    await svc.close();
  });

  it('answers 000005 with a generic message, leaves nothing half-made, and a retry completes', async () => {
    const body = newOrder();
    const first = await svc.send(body);
    expect(first.json).toEqual({ resultCode: '000005', resultMsg: 'internal error' });
    const id = instanceIdFor('real', body.orderId, body.orderLineId);
    const stored = await svc.store.getInstance('real', id);
    expect(stored?.status).toBe('PROVISIONING');
    expect(stored?.lease).toBeUndefined();
    expect(stored?.sealedAppInfo).toBeUndefined();
    expect(svc.logs.join('\n')).not.toContain('hunter2');

    const retry = await svc.send(body);
    expect(retry.json).toMatchObject({ resultCode: '000000', instanceId: id });
  });
});

describe('a provisioner slower than the budget', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({
      settings: { RESPONSE_BUDGET_MS: '600' },
      provisioner: (inner): Provisioner => ({
        ...inner,
        provision: async (req) => {
          await new Promise((r) => setTimeout(r, 1500));
          return inner.provision(req);
        },
      }),
    });
  });
  afterAll(async () => {
    await svc.close();
  });

  it('answers 000004 within the budget, queryInstance answers 000004 until ready, then 000000', async () => {
    const started = Date.now();
    const first = await svc.send(newOrder());
    expect(first.json).toMatchObject({ resultCode: '000004', instanceId: expect.any(String) });
    expect(Date.now() - started).toBeLessThan(1500);
    const instanceId = first.json.instanceId;
    expect((await svc.send({ activity: 'queryInstance', instanceId })).json.resultCode).toBe(
      '000004',
    );
    await svc.deps.background.drain();
    const ready = await svc.send({ activity: 'queryInstance', instanceId });
    expect(ready.json.resultCode).toBe('000000');
    expect(svc.provisionerCalls.provision).toBe(1);
  });
});

describe('a crash between the claim and the finished instance', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc.close();
  });

  it('is completed by the next retry once the claim has expired', async () => {
    const body = newOrder();
    const id = instanceIdFor('real', body.orderId, body.orderLineId);
    const now = Date.now();
    // What a process killed right after its claim leaves behind.
    await svc.store.createInstance({
      namespace: 'real',
      instanceId: id,
      status: 'PROVISIONING',
      version: 1,
      orderId: body.orderId,
      orderLineId: body.orderLineId,
      protocol: 'v2',
      entitlement: {},
      appliedOrders: [`${body.orderId}/${body.orderLineId}`],
      lease: { token: 'dead-process', until: now - 1 },
      createdAt: now,
      updatedAt: now,
    });
    const retry = await svc.send(body);
    expect(retry.json).toMatchObject({ resultCode: '000000', instanceId: id });
    expect((await svc.store.getInstance('real', id))?.status).toBe('ACTIVE');
    expect(svc.provisionerCalls.provision).toBe(1);
  });
});

describe('a provisioner that hangs on a status change', () => {
  let svc: TestService;
  let release: () => void = () => undefined;
  beforeAll(async () => {
    svc = await startTestService({
      settings: { RESPONSE_BUDGET_MS: '600' },
      provisioner: (inner): Provisioner => ({
        ...inner,
        freeze: () =>
          new Promise<void>((resolve) => {
            release = resolve;
          }),
      }),
    });
  });
  afterAll(async () => {
    release();
    await svc.close();
  });

  it('still answers, 000004, at the budget, and the freeze lands once it returns', async () => {
    const created = await svc.send(newOrder());
    const instanceId = created.json.instanceId as string;
    const started = Date.now();
    const answer = await svc.send({
      activity: 'updateInstanceStatus',
      instanceId,
      status: 'FREEZE',
    });
    expect(answer.json).toEqual({
      resultCode: '000004',
      resultMsg: 'request is being processed, retry later',
    });
    // The app answers at the 600 ms budget; KooGallery gives up at 5 s.
    expect(Date.now() - started).toBeLessThan(5000);
    release();
    await svc.deps.background.drain();
    expect((await svc.store.getInstance('real', instanceId))?.status).toBe('FROZEN');
  });
});
