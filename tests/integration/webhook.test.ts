/**
 * The webhook provisioner through the real HTTP server, a real store and a real local receiver
 * (`koogallery-sim serve-webhook`'s), as issue #12's "done when" lists.
 */
import { randomBytes } from 'node:crypto';
import { STAND_IN_SKUS } from '../../lib/local/open-api-stand-in';
import { decryptCredential } from '../../lib/protocol/credential-cipher';
import { runProbe } from '../../lib/sim/probe';
import {
  type ReceivedDelivery,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../lib/sim/webhook-receiver';
import { readmeNodeVerify } from '../helpers/readme-verifiers';
import { startTestService, type TestService } from '../helpers/service';

const SECRET = `whsec_new_${randomBytes(16).toString('hex')}`;
const PREVIOUS = `whsec_old_${randomBytes(16).toString('hex')}`;

/** The README's Node verifier, as documented: a bug shared by the signer and lib/signed-payload.ts cannot hide from it. */
const readmeVerify = readmeNodeVerify();

const orderOf = () => `CS${randomBytes(6).toString('hex').toUpperCase()}`;

function purchase(orderId = orderOf(), extra: Record<string, string> = {}) {
  return {
    activity: 'newInstance',
    orderId,
    orderLineId: `${orderId}-000001`,
    businessId: randomBytes(4).toString('hex'),
    ...extra,
  };
}

function deliveriesFor(receiver: WebhookReceiver, instanceId: string, type?: string) {
  return receiver.deliveries.filter(
    (d) => d.event?.data.instanceId === instanceId && (type === undefined || d.event.type === type),
  );
}

const STEP_TYPES = [
  'instance.renew',
  'instance.freeze',
  'instance.unfreeze',
  'instance.upgrade',
  'instance.release',
];

const idsOf = (ds: ReceivedDelivery[]) => [...new Set(ds.map((d) => d.event?.id))];

describe('webhook provisioner through HTTP (#12)', () => {
  let receiver: WebhookReceiver;
  let svc: TestService;

  beforeAll(async () => {
    // The receiver knows only the new secret; the function signs with both while rotating.
    receiver = await startWebhookReceiver({ secrets: [SECRET] });
    svc = await startTestService({
      settings: {
        PROVISIONER_WEBHOOK_URL: receiver.url,
        PROVISIONER_WEBHOOK_SECRET: SECRET,
        PROVISIONER_WEBHOOK_PREVIOUS_SECRET: PREVIOUS,
      },
    });
  });
  afterEach(() => receiver.setBehaviour({ answer: 'success', failTimes: 0, delayMs: 0, only: [] }));
  afterAll(async () => {
    await svc.close();
    await receiver.close();
  });

  it('signs each delivery so the documented recipe verifies it with each rotating secret', async () => {
    const created = await svc.send(purchase());
    const instanceId = created.json.instanceId as string;

    const [delivery] = deliveriesFor(receiver, instanceId, 'instance.provision');

    expect(created.json.resultCode).toBe('000000');
    expect(delivery?.verdict.ok).toBe(true);
    const header = delivery?.signature as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(readmeVerify(header, delivery?.body as Buffer, SECRET)).toBe(true);
    expect(readmeVerify(header, delivery?.body as Buffer, PREVIOUS)).toBe(true);
    expect(readmeVerify(header, delivery?.body as Buffer, 'whsec_someone_else_entirely')).toBe(
      false,
    );
    expect(readmeVerify(header, Buffer.from(`${delivery?.body} `), SECRET)).toBe(false);
    expect(delivery?.eventIdHeader).toBe(delivery?.event?.id);
  });

  it('sends the documented event: id, type, createdAt, test false and the order facts', async () => {
    const body = purchase();
    const created = await svc.send(body);
    const instanceId = created.json.instanceId as string;

    const event = deliveriesFor(receiver, instanceId, 'instance.provision')[0]?.event;

    expect(event).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-f]{32}$/),
      type: 'instance.provision',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      test: false,
      data: expect.objectContaining({
        instanceId,
        orderId: body.orderId,
        orderLineId: body.orderLineId,
        productId: expect.any(String),
        skuCode: expect.any(String),
        chargingMode: 'PERIOD',
        periodType: 'month',
        periodNumber: 1,
        customerId: 'mock-customer-0001',
        expireTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
      }),
    });
    // Present even while the order facts do not carry it (null), the buyer's name when they do.
    expect(event?.data).toHaveProperty('customerName');
    expect([null, 'mock-buyer']).toContain(event?.data.customerName);
    expect(JSON.stringify(event)).not.toMatch(/password|accessKey|secret/i);
  });

  it('delivers instance.provision with one event id under 20 concurrent purchases, and makes one tenant', async () => {
    const orderId = orderOf();

    const answers = await Promise.all(
      Array.from({ length: 20 }, () => svc.send(purchase(orderId))),
    );
    await svc.deps.background.drain();
    const instanceId = answers[0]?.json.instanceId as string;
    const settled = await svc.send({ activity: 'queryInstance', instanceId });

    for (const a of answers) {
      expect(a.json.instanceId).toBe(instanceId);
      expect(['000000', '000004']).toContain(a.json.resultCode);
    }
    expect(settled.json.resultCode).toBe('000000');
    const provisions = deliveriesFor(receiver, instanceId, 'instance.provision');
    expect(provisions.length).toBeGreaterThanOrEqual(1);
    expect(idsOf(provisions)).toHaveLength(1);
    expect(receiver.tenants.get(instanceId)?.applied).toEqual(idsOf(provisions));
  });

  it('passes the receiver credentials to queryInstance, encrypted, decryptable and within limits', async () => {
    const created = await svc.send(purchase());
    const instanceId = created.json.instanceId as string;

    const query = await svc.send({ activity: 'queryInstance', instanceId });

    const answered = deliveriesFor(receiver, instanceId, 'instance.provision')[0]?.answered;
    const appInfo = (query.json.info as { appInfo: Record<string, string> }[])[0]?.appInfo;
    expect(query.json).toMatchObject({ resultCode: '000000', encryptType: '1' });
    expect(appInfo?.frontEndUrl).toBe(answered?.frontEndUrl);
    expect(appInfo?.adminUrl).toBe(answered?.adminUrl);
    expect(appInfo?.memo).toBe(answered?.memo);
    expect(decryptCredential(appInfo?.userName as string, svc.accessKey)).toBe(answered?.userName);
    expect(decryptCredential(appInfo?.password as string, svc.accessKey)).toBe(answered?.password);
    expect(query.text).not.toContain(answered?.password as string);
    expect(appInfo?.userName?.length).toBeLessThanOrEqual(128);
    expect(appInfo?.password?.length).toBeLessThanOrEqual(128);
    expect(appInfo?.frontEndUrl?.length).toBeLessThanOrEqual(512);
    const stored = await svc.store.getInstance('real', instanceId);
    expect(stored?.sealedAppInfo).toBeDefined();
    expect(stored?.sealedAppInfo).not.toContain(answered?.password as string);
  });

  it('converges to one tenant when the receiver fails twice, then succeeds; the failure stays visible', async () => {
    receiver.setBehaviour({ failTimes: 2, only: ['instance.provision'] });
    const body = purchase();

    const first = await svc.send(body);
    const instanceId = first.json.instanceId as string;
    const pending = await svc.store.getInstance('real', instanceId);
    const poll = await svc.send({ activity: 'queryInstance', instanceId });
    const second = await svc.send({ ...body, businessId: 'retry-2' });
    const third = await svc.send({ ...body, businessId: 'retry-3' });
    const query = await svc.send({ activity: 'queryInstance', instanceId });

    // KooGallery reads a fixed reason (#14); what failed is in the log line and lastError.
    expect(first.json).toEqual({
      resultCode: '000004',
      resultMsg: 'request is being processed, retry later',
      instanceId,
    });
    expect(pending).toMatchObject({
      status: 'PROVISIONING',
      lastError: expect.stringMatching(/HTTP 500/),
    });
    expect(pending?.lease).toBeUndefined();
    // The poll itself retried the step (the second failure) and says why it is still pending.
    expect(poll.json).toEqual({ resultCode: '000004', resultMsg: 'instance is being provisioned' });
    const calls = svc.logs.map((l) => JSON.parse(l)).filter((l) => l.message === 'call');
    expect(
      calls.find((l) => l.instanceId === instanceId && l.activity === 'queryInstance')?.detail,
    ).toMatch(/last attempt: webhook instance\.provision failed/);
    expect(second.json.resultCode).toBe('000000');
    expect(third.json.resultCode).toBe('000000');
    expect(query.json.resultCode).toBe('000000');
    const provisions = deliveriesFor(receiver, instanceId, 'instance.provision');
    expect(provisions.map((d) => d.status)).toEqual([500, 500, 200]);
    expect(idsOf(provisions)).toHaveLength(1);
    expect([...receiver.tenants.values()].filter((t) => t.instanceId === instanceId)).toHaveLength(
      1,
    );
  });

  it('passes a refusal code and its message, cut to 255, to KooGallery and to lastError (#12)', async () => {
    const message = `Sold out in your region. ${'x'.repeat(300)}`;
    receiver.setBehaviour({
      answer: 'refuse',
      code: '000106',
      message,
      only: ['instance.provision'],
    });

    const refused = await svc.send(purchase());

    expect(refused.json.resultCode).toBe('000106');
    expect(refused.json.resultMsg).toBe(message.slice(0, 255));
    const stored = await svc.store.getInstance('real', refused.json.instanceId as string);
    expect(stored).toMatchObject({ status: 'PROVISIONING', lastError: message.slice(0, 255) });
  });

  it('treats a refusal code outside 000100-000107 as a failure to retry', async () => {
    receiver.setBehaviour({ answer: 'refuse', code: '000005', only: ['instance.provision'] });

    const answer = await svc.send(purchase());

    expect(answer.json.resultCode).toBe('000004');
    const stored = await svc.store.getInstance('real', answer.json.instanceId as string);
    expect(stored?.lastError).toMatch(/without a refusal resultCode from 000100 to 000107/);
  });

  it('delivers renew, freeze, unfreeze, upgrade and release once per order, with their facts', async () => {
    const created = await svc.send(purchase());
    const instanceId = created.json.instanceId as string;
    const orderId = orderOf();
    const steps = [
      {
        activity: 'refreshInstance',
        scene: 'RENEWAL',
        orderId: `${orderId}R`,
        orderLineId: `${orderId}R-000001`,
        instanceId,
        expireTime: '20991231235959',
      },
      { activity: 'updateInstanceStatus', instanceId, status: 'FREEZE' },
      { activity: 'updateInstanceStatus', instanceId, status: 'UNFREEZE' },
      {
        activity: 'upgradeInstance',
        instanceId,
        orderId: 'MOCKMONTYCHANGE',
        orderLineId: 'MOCKMONTYCHANGE-000001',
      },
      { activity: 'releaseInstance', instanceId },
    ];

    for (const step of steps) {
      // Each step twice: KooGallery's retry of a step that already succeeded.
      expect((await svc.send(step)).json.resultCode).toBe('000000');
      expect((await svc.send(step)).json.resultCode).toBe('000000');
    }

    const byType = (type: string) => deliveriesFor(receiver, instanceId, type);
    for (const type of STEP_TYPES) {
      expect({ type, count: byType(type).length }).toEqual({ type, count: 1 });
      expect(byType(type)[0]?.verdict.ok).toBe(true);
    }
    expect(byType('instance.renew')[0]?.event?.data).toMatchObject({
      orderId: `${orderId}R`,
      scene: 'RENEWAL',
      expireTime: '2099-12-31T23:59:59.000Z',
      purchaseOrderId: expect.any(String),
    });
    expect(byType('instance.upgrade')[0]?.event?.data).toMatchObject({
      orderId: 'MOCKMONTYCHANGE',
      skuCode: STAND_IN_SKUS.MONTH_UPGRADED,
    });
    const ids = STEP_TYPES.map((type) => byType(type)[0]?.event?.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.tenants.get(instanceId)).toMatchObject({
      status: 'released',
      skuCode: STAND_IN_SKUS.MONTH_UPGRADED,
    });
  });

  it('keeps a renewal whose delivery keeps failing visible as lastError, and clears it once the retry succeeds (#12)', async () => {
    const created = await svc.send(purchase());
    const instanceId = created.json.instanceId as string;
    const before = await svc.store.getInstance('real', instanceId);
    const orderId = `${orderOf()}R`;
    const renewal = {
      activity: 'refreshInstance',
      scene: 'RENEWAL',
      orderId,
      orderLineId: `${orderId}-000001`,
      instanceId,
      expireTime: '20991231235959',
    };
    receiver.setBehaviour({ failTimes: 1, only: ['instance.renew'] });

    const failed = await svc.send(renewal);
    const pending = await svc.store.getInstance('real', instanceId);
    const retried = await svc.send(renewal);
    const done = await svc.store.getInstance('real', instanceId);

    expect(failed.json).toEqual({
      resultCode: '000004',
      resultMsg: 'request is being processed, retry later',
    });
    expect(pending).toMatchObject({
      status: 'ACTIVE',
      expireTime: before?.expireTime,
      lastError: expect.stringMatching(/^renew: webhook instance\.renew failed: .*HTTP 500/),
    });
    expect(retried.json.resultCode).toBe('000000');
    expect(done?.expireTime).toBe(Date.UTC(2099, 11, 31, 23, 59, 59));
    expect(done?.lastError).toBeUndefined();
    const renews = deliveriesFor(receiver, instanceId, 'instance.renew');
    expect(renews.map((d) => d.status)).toEqual([500, 200]);
    expect(idsOf(renews)).toHaveLength(1);
  });

  it('gives a renewal with a change of specification the new productId and skuCode', async () => {
    const created = await svc.send(purchase());
    const instanceId = created.json.instanceId as string;
    // The stand-in's change order: its skuCode differs from the purchase's.
    const orderId = 'MOCKMONTYCHANGE';

    const renewed = await svc.send({
      activity: 'refreshInstance',
      scene: 'RENEWAL_CHANGE',
      orderId,
      orderLineId: `${orderId}-000001`,
      instanceId,
      productId: 'OFFI-NEW-PRODUCT',
      expireTime: '20991231235959',
    });

    expect(renewed.json.resultCode).toBe('000000');
    expect(STAND_IN_SKUS.MONTH_UPGRADED).not.toBe(STAND_IN_SKUS.MONTH);
    expect(deliveriesFor(receiver, instanceId, 'instance.renew')[0]?.event?.data).toMatchObject({
      scene: 'RENEWAL_CHANGE',
      orderId,
      productId: 'OFFI-NEW-PRODUCT',
      skuCode: STAND_IN_SKUS.MONTH_UPGRADED,
    });
  });

  it('asks the receiver about a change and passes its refusal on', async () => {
    const created = await svc.send(purchase());
    const instanceId = created.json.instanceId as string;
    const check = {
      activity: 'changeInstanceCheck',
      instanceId,
      productInfo: { productId: 'OFFI1', skuCode: 'sku-2', productName: 'Pro' },
    };

    const allowed = await svc.send(check);
    receiver.setBehaviour({ answer: 'refuse', code: '000100', message: 'no capacity for Pro' });
    const refused = await svc.send(check);

    expect(allowed.json.resultCode).toBe('000000');
    expect(refused.json).toMatchObject({ resultCode: '000100', resultMsg: 'no capacity for Pro' });
    const calls = svc.logs.map((l) => JSON.parse(l)).filter((l) => l.message === 'call');
    expect(calls.at(-1)?.detail).toBe('no capacity for Pro');
    const checks = deliveriesFor(receiver, instanceId, 'instance.check_change');
    expect(checks[0]?.event?.data).toMatchObject({ productId: 'OFFI1', skuCode: 'sku-2' });
    expect(idsOf(checks)).toHaveLength(1);
  });

  it('delivers nothing for a replayed request (the replay gate comes first)', async () => {
    const created = await svc.send(purchase());
    const instanceId = created.json.instanceId as string;
    const freeze = { activity: 'updateInstanceStatus', instanceId, status: 'FREEZE' };
    const nonce = randomBytes(32).toString('hex').toUpperCase();
    const timestamp = String(Date.now());

    const [first, replay] = await Promise.all([
      svc.send(freeze, { nonce, timestamp }),
      svc.send(freeze, { nonce, timestamp }),
    ]);

    expect([first.json.resultCode, replay.json.resultCode].sort()).toEqual(['000000', '000001']);
    expect(deliveriesFor(receiver, instanceId, 'instance.freeze')).toHaveLength(1);
  });

  it('delivers nothing for test calls (testFlag "1")', async () => {
    const before = receiver.deliveries.length;
    const t = { testFlag: '1' };
    const created = await svc.send(purchase(orderOf(), t));
    const instanceId = created.json.instanceId as string;

    const answers = [
      await svc.send({ activity: 'queryInstance', instanceId, ...t }),
      await svc.send({
        activity: 'refreshInstance',
        scene: 'RENEWAL',
        orderId: orderOf(),
        orderLineId: 'L-1',
        instanceId,
        expireTime: '20991231235959',
        ...t,
      }),
      await svc.send({ activity: 'updateInstanceStatus', instanceId, status: 'FREEZE', ...t }),
      await svc.send({ activity: 'updateInstanceStatus', instanceId, status: 'UNFREEZE', ...t }),
      await svc.send({ activity: 'releaseInstance', instanceId, ...t }),
    ];

    expect(created.json.resultCode).toBe('000000');
    for (const a of answers) expect(a.json.resultCode).toBe('000000');
    expect(receiver.deliveries.length).toBe(before);
  });

  it("delivers nothing for the probe's saved cases, SaaS V2.0 and V1.0", async () => {
    const before = receiver.deliveries.length;

    const v2 = await runProbe({
      target: { url: svc.url, key: svc.accessKey },
      kind: 'period',
      repeat: 1,
    });
    const v1 = await runProbe({
      target: { url: svc.url, key: svc.v1AccessKey, protocol: 'v1' },
      kind: 'period',
      repeat: 1,
    });

    expect([v2.ok, v1.ok]).toEqual([true, true]);
    expect(receiver.deliveries.length).toBe(before);
  });

  it('never writes a webhook secret, a delivery signature or a delivered password to the log', async () => {
    const created = await svc.send(purchase());
    await svc.send({ activity: 'queryInstance', instanceId: created.json.instanceId });
    await svc.deps.background.drain();
    const instanceId = created.json.instanceId as string;
    const password = deliveriesFor(receiver, instanceId, 'instance.provision')[0]?.answered
      ?.password;

    const logs = svc.logs.join('\n');
    const signatures = receiver.deliveries.flatMap(
      (d) => d.signature?.split(',').filter((p) => p.startsWith('v1=')) ?? [],
    );

    expect(svc.logs.some((l) => l.includes('webhook delivered'))).toBe(true);
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain(PREVIOUS);
    expect(signatures.length).toBeGreaterThan(0);
    for (const s of signatures) expect(logs).not.toContain(s.slice(3));
    expect(password).toEqual(expect.any(String));
    expect(logs).not.toContain(password as string);
  });
});

describe('webhook provisioner slower than the response budget (#12)', () => {
  let receiver: WebhookReceiver;
  let svc: TestService;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ secrets: [SECRET] });
    svc = await startTestService({
      settings: {
        PROVISIONER_WEBHOOK_URL: receiver.url,
        PROVISIONER_WEBHOOK_SECRET: SECRET,
        RESPONSE_BUDGET_MS: '300',
        PROVISIONER_WEBHOOK_TIMEOUT_MS: '1000',
      },
    });
  });
  afterAll(async () => {
    await svc.close();
    await receiver.close();
  });

  it('answers 000004 at the budget, and the work started finishes the instance', async () => {
    receiver.setBehaviour({ delayMs: 700 });

    const first = await svc.send(purchase());
    await svc.deps.background.drain();
    receiver.setBehaviour({ delayMs: 0 });
    const instanceId = first.json.instanceId as string;
    const query = await svc.send({ activity: 'queryInstance', instanceId });

    expect(first.json).toMatchObject({ resultCode: '000004', instanceId });
    expect(query.json.resultCode).toBe('000000');
    expect(deliveriesFor(receiver, instanceId, 'instance.provision')).toHaveLength(1);
  });

  it('answers 000004, and the next poll completes a delivery that timed out, with the same event id', async () => {
    receiver.setBehaviour({ delayMs: 5000 });

    const first = await svc.send(purchase());
    await svc.deps.background.drain();
    const instanceId = first.json.instanceId as string;
    const pending = await svc.store.getInstance('real', instanceId);
    receiver.setBehaviour({ delayMs: 0 });
    const poll = await svc.send({ activity: 'queryInstance', instanceId });

    expect(first.json).toMatchObject({ resultCode: '000004', instanceId });
    expect(pending).toMatchObject({
      status: 'PROVISIONING',
      lastError: expect.stringMatching(/no answer within 1000 ms/),
    });
    expect(poll.json.resultCode).toBe('000000');
    const provisions = deliveriesFor(receiver, instanceId, 'instance.provision');
    expect(provisions).toHaveLength(2);
    expect(idsOf(provisions)).toHaveLength(1);
    expect(provisions[1]?.status).toBe(200);
  });
});

describe('webhook receiver down, then back (#12)', () => {
  it('answers 000004 while nothing listens, and the first poll after it is back completes the purchase', async () => {
    const first = await startWebhookReceiver({ secrets: [SECRET] });
    const port = new URL(first.url).port;
    await first.close();
    const svc = await startTestService({
      settings: { PROVISIONER_WEBHOOK_URL: first.url, PROVISIONER_WEBHOOK_SECRET: SECRET },
    });
    let back: WebhookReceiver | undefined;
    try {
      const created = await svc.send(purchase());
      const instanceId = created.json.instanceId as string;
      const lastError = (await svc.store.getInstance('real', instanceId))?.lastError;
      const pollWhileDown = await svc.send({ activity: 'queryInstance', instanceId });
      back = await startWebhookReceiver({ secrets: [SECRET], port: Number(port) });
      const pollWhenBack = await svc.send({ activity: 'queryInstance', instanceId });

      expect(created.json).toMatchObject({ resultCode: '000004', instanceId });
      expect(lastError).toMatch(/network error/);
      expect(pollWhileDown.json.resultCode).toBe('000004');
      expect(pollWhenBack.json.resultCode).toBe('000000');
      expect(deliveriesFor(back, instanceId, 'instance.provision')).toHaveLength(1);
      expect(back.tenants.get(instanceId)?.status).toBe('active');
    } finally {
      await svc.close();
      await back?.close();
    }
  });
});
