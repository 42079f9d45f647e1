/**
 * Answers the debugger cannot reject (#9) and answers that leak nothing (#14), through the real
 * HTTP server and a real dynalite: delivery info that cannot fit is refused where the provisioner
 * produces it, and a `resultMsg` carries a fixed reason while the details go to the log.
 */
import { randomBytes } from 'node:crypto';
import { verifyBodySign } from '../../lib/protocol/body-sign';
import { formatKooTime } from '../../lib/protocol/koo-time';
import type { Provisioner } from '../../lib/provisioner/provisioner';
import { startTestService, type TestService } from '../helpers/service';

/** 80 bytes: 144 characters once encrypted, over the 128 the debugger accepts. */
const LONG_PASSWORD = `${'Pw'.repeat(39)}!!`;

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({
    // Orders whose id starts with LONG get a password that cannot fit once encrypted.
    provisioner: (inner): Provisioner => ({
      ...inner,
      provision: async (req) => {
        const info = await inner.provision(req);
        return req.orderId.startsWith('LONG') ? { ...info, password: LONG_PASSWORD } : info;
      },
    }),
  });
});
afterAll(async () => {
  await svc.close();
});

const orderOf = (prefix: string) => `${prefix}${randomBytes(6).toString('hex').toUpperCase()}`;

/** The parsed log lines with message `call`, in order. */
const callLines = () =>
  svc.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.message === 'call');

describe('delivery info that cannot fit, through HTTP (#9)', () => {
  it('refuses a SaaS V2.0 purchase whose password would encrypt past 128 characters, storing nothing', async () => {
    const orderId = orderOf('LONG');
    const bought = await svc.send({
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-000001`,
      businessId: 'b-1',
    });
    const instanceId = bought.json.instanceId as string;

    const polled = await svc.send({ activity: 'queryInstance', instanceId });

    expect(bought.json).toEqual({ resultCode: '000005', resultMsg: 'internal error', instanceId });
    expect(
      verifyBodySign(bought.headers.get('body-sign') ?? undefined, svc.accessKey, bought.text),
    ).toEqual({ ok: true });
    expect(polled.json).toEqual({
      resultCode: '000004',
      resultMsg: 'instance is being provisioned',
    });
    const stored = await svc.store.getInstance('real', instanceId);
    expect(stored?.status).toBe('PROVISIONING');
    expect(stored?.sealedAppInfo).toBeUndefined();
    expect(stored?.lastError).toContain(
      'appInfo.password is 80 UTF-8 bytes, 144 characters once encrypted; KooGallery accepts at most 128',
    );
    const line = callLines().find((l) => l.instanceId === instanceId);
    expect(line).toMatchObject({
      resultCode: '000005',
      detail: expect.stringContaining('appInfo.password'),
    });
    expect(svc.logs.join('\n')).not.toContain(LONG_PASSWORD);
  });

  it('refuses a SaaS V1.0 purchase the same way, with no appInfo in the answer', async () => {
    const orderId = orderOf('LONG');

    const bought = await svc.sendV1({
      activity: 'newInstance',
      businessId: 'b-1',
      customerId: 'c-1',
      orderId,
      productId: 'P-V1',
      skuCode: 'sku-1',
      chargingMode: '1',
      expireTime: formatKooTime(Date.now() + 30 * 86_400_000),
    });

    expect(bought.json).toEqual({
      resultCode: '000005',
      resultMsg: 'internal error',
      instanceId: bought.json.instanceId,
    });
  });

  it('answers a purchase that fits with credentials within 128 characters', async () => {
    const orderId = orderOf('FIT');
    await svc.send({
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-000001`,
      businessId: 'b-1',
    });
    const instanceId = callLines().at(-1)?.instanceId as string;

    const polled = await svc.send({ activity: 'queryInstance', instanceId });

    expect(polled.json.resultCode).toBe('000000');
    const appInfo = (polled.json.info as { appInfo: Record<string, string> }[])[0]?.appInfo;
    expect(appInfo?.password?.length).toBeLessThanOrEqual(128);
    expect(appInfo?.frontEndUrl?.length).toBeLessThanOrEqual(512);
  });
});

describe('resultMsg carries a fixed reason, through HTTP (#14)', () => {
  it('answers 000004 to a poll without the stored last error; the log line has it', async () => {
    const orderId = orderOf('LEAK');
    svc.standIn.faults.failNext(20, 'error-code');
    const bought = await svc.send({
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-000001`,
      businessId: 'b-1',
    });
    const instanceId = bought.json.instanceId as string;
    const lastError = (await svc.store.getInstance('real', instanceId))?.lastError ?? '';

    const polled = await svc.send({ activity: 'queryInstance', instanceId });
    svc.standIn.faults.clear();

    expect(lastError).toContain('Query Order');
    expect(bought.json).toEqual({
      resultCode: '000004',
      resultMsg: 'order details are not readable yet, retry later',
      instanceId,
    });
    expect(polled.json).toEqual({
      resultCode: '000004',
      resultMsg: 'instance is being provisioned',
    });
    expect(polled.text).not.toContain('Query Order');
    expect(polled.text).not.toContain(svc.standIn.endpoint);
    const line = callLines().at(-1);
    expect(line).toMatchObject({
      resultCode: '000004',
      reason: 'instance is being provisioned',
      detail: expect.stringContaining('last attempt: Query Order'),
    });
  });
});
