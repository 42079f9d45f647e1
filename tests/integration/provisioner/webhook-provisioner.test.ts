import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../../lib/config';
import { buildDeps } from '../../../lib/deps';
import { ConfigError, ProvisioningRefusedError } from '../../../lib/errors';
import { createJsonLogger } from '../../../lib/log';
import type { Provisioner } from '../../../lib/provisioner/provisioner';
import {
  appInfoFromAnswer,
  createWebhookProvisioner,
  EVENT_ID_HEADER,
  eventIdFor,
  refusalMessage,
  WebhookDeliveryError,
} from '../../../lib/provisioner/webhook-provisioner';
import { SIGNATURE_HEADER, verifyPayload } from '../../../lib/signed-payload';
import type { InstanceRecord } from '../../../lib/store/instance-store';

const SECRET = 'whsec_unit_0123456789abcdef';
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

interface Seen {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A real HTTP receiver answering each request with the next of `answers`. */
async function receiver(answers: Array<{ status: number; body?: string }>) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const a = answers.shift() ?? { status: 200, body: '{}' };
      res.writeHead(a.status, { 'Content-Type': 'application/json' });
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function provisioner(url: string, logs: string[] = [], secrets = [SECRET]): Provisioner {
  return createWebhookProvisioner({
    url,
    secrets,
    timeoutMs: 2000,
    clock: { now: () => NOW },
    log: createJsonLogger('debug', (l) => logs.push(l)),
  });
}

const INSTANCE: InstanceRecord = {
  namespace: 'real',
  instanceId: 'inst-1',
  status: 'ACTIVE',
  version: 3,
  orderId: 'ORDER-1',
  orderLineId: 'ORDER-1-000001',
  protocol: 'v2',
  entitlement: { productId: 'P1', skuCode: 'sku-1', chargingMode: 'PERIOD', customerId: 'c1' },
  expireTime: Date.UTC(2027, 0, 1),
  appliedOrders: ['ORDER-1/ORDER-1-000001'],
  sealedAppInfo: 'v1.sealed.secret',
  createdAt: NOW,
  updatedAt: NOW,
};

const REQUEST = {
  instanceId: 'inst-1',
  test: false,
  orderId: 'ORDER-1',
  orderLineId: 'ORDER-1-000001',
  entitlement: { productId: 'P1', skuCode: 'sku-1', chargingMode: 'PERIOD' },
  expireTime: Date.UTC(2027, 0, 1),
};

describe('eventIdFor (#12)', () => {
  it('derives the documented id: evt_ and 32 hex digits of SHA-256 over the step', () => {
    const { createHash } = require('node:crypto') as typeof import('node:crypto');
    const expected = createHash('sha256')
      .update('koogallery-event\u0000instance.provision\u0000inst-1\u0000O/L')
      .digest('hex')
      .slice(0, 32);
    expect(eventIdFor('instance.provision', 'inst-1', 'O/L')).toBe(`evt_${expected}`);
  });

  it('differs per type, instance and order', () => {
    const ids = new Set([
      eventIdFor('instance.provision', 'i', 'o'),
      eventIdFor('instance.renew', 'i', 'o'),
      eventIdFor('instance.provision', 'j', 'o'),
      eventIdFor('instance.provision', 'i', 'p'),
    ]);
    expect(ids.size).toBe(4);
  });
});

describe('createWebhookProvisioner (#12)', () => {
  it('posts one signed JSON event with the event id header and every order fact', async () => {
    const r = await receiver([
      {
        status: 200,
        body: JSON.stringify({ frontEndUrl: 'https://t.example.com/', password: 'p' }),
      },
    ]);
    const request = {
      ...REQUEST,
      // Facts another change may add later flow through under their own names.
      entitlement: {
        ...REQUEST.entitlement,
        customerName: 'Ada',
        extendParams: [{ name: 'a', value: 'b' }],
      },
      trialEndTime: Date.UTC(2026, 11, 1),
    };

    const info = await provisioner(r.url).provision(request);
    await r.close();

    expect(info).toEqual({ frontEndUrl: 'https://t.example.com/', password: 'p' });
    const [seen] = r.seen;
    expect(seen?.headers['content-type']).toBe('application/json');
    const event = JSON.parse(seen?.body as string);
    expect(seen?.headers[EVENT_ID_HEADER.toLowerCase()]).toBe(event.id);
    expect(
      verifyPayload(
        seen?.headers[SIGNATURE_HEADER.toLowerCase()] as string,
        seen?.body as string,
        [SECRET],
        NOW,
      ).ok,
    ).toBe(true);
    expect(event).toEqual({
      id: eventIdFor('instance.provision', 'inst-1', 'ORDER-1/ORDER-1-000001'),
      type: 'instance.provision',
      createdAt: '2026-11-29T12:00:00.000Z',
      test: false,
      data: {
        instanceId: 'inst-1',
        orderId: 'ORDER-1',
        orderLineId: 'ORDER-1-000001',
        productId: 'P1',
        skuCode: 'sku-1',
        chargingMode: 'PERIOD',
        customerId: null,
        customerName: 'Ada',
        extendParams: [{ name: 'a', value: 'b' }],
        expireTime: '2027-01-01T00:00:00.000Z',
        trialEndTime: '2026-12-01T00:00:00.000Z',
      },
    });
  });

  it('sends instance facts but never the sealed credentials, a password or a key', async () => {
    const r = await receiver([{ status: 204 }]);
    const instance = {
      ...INSTANCE,
      entitlement: { ...INSTANCE.entitlement, password: 'pw', accessKey: 'ak' },
    } as InstanceRecord;

    await provisioner(r.url).release(instance);
    await r.close();

    const event = JSON.parse(r.seen[0]?.body as string);
    expect(event.type).toBe('instance.release');
    expect(event.data).toMatchObject({
      instanceId: 'inst-1',
      orderId: 'ORDER-1',
      purchaseOrderId: 'ORDER-1',
      customerId: 'c1',
      expireTime: '2027-01-01T00:00:00.000Z',
    });
    expect(r.seen[0]?.body).not.toMatch(/sealed|"pw"|password|accessKey/);
  });

  it('gives renew and upgrade the id and orderId of their own order', async () => {
    const r = await receiver([{ status: 200 }, { status: 200 }]);
    const p = provisioner(r.url);

    await p.renew({
      instance: INSTANCE,
      orderId: 'RENEW-1',
      scene: 'RENEWAL',
      expireTime: NOW,
      entitlement: INSTANCE.entitlement,
    });
    await p.upgrade({
      instance: INSTANCE,
      orderId: 'UP-1',
      entitlement: { ...INSTANCE.entitlement, skuCode: 'sku-2' },
    });
    await r.close();

    const [renew, upgrade] = r.seen.map((s) => JSON.parse(s.body));
    expect(renew.id).toBe(eventIdFor('instance.renew', 'inst-1', 'RENEW-1/'));
    expect(renew.data).toMatchObject({
      orderId: 'RENEW-1',
      orderLineId: null,
      purchaseOrderId: 'ORDER-1',
      scene: 'RENEWAL',
      expireTime: '2026-11-29T12:00:00.000Z',
    });
    expect(upgrade.id).toBe(eventIdFor('instance.upgrade', 'inst-1', 'UP-1/'));
    expect(upgrade.data).toMatchObject({ orderId: 'UP-1', skuCode: 'sku-2' });
  });

  it('gives each freeze/unfreeze cycle its own id and a retry the same one', async () => {
    const r = await receiver([]);
    const p = provisioner(r.url);

    await p.freeze(INSTANCE);
    await p.freeze(INSTANCE);
    await p.unfreeze({ ...INSTANCE, status: 'FROZEN', statusChangedAt: NOW });
    await p.freeze({ ...INSTANCE, statusChangedAt: NOW + 1000 });
    await r.close();

    const ids = r.seen.map((s) => JSON.parse(s.body).id);
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(3);
    // As the README derives them.
    expect(ids[0]).toBe(eventIdFor('instance.freeze', 'inst-1', 'status-since:0'));
    expect(ids[2]).toBe(eventIdFor('instance.unfreeze', 'inst-1', `status-since:${NOW}`));
  });

  it('turns 409/422 with a code from 000100 to 000107 into a refusal; its message, cut to 255, is answered and is the detail (#12)', async () => {
    const long = `no\u0007 seats ${'y'.repeat(300)}`;
    const r = await receiver([
      { status: 422, body: JSON.stringify({ resultCode: '000106', resultMsg: long }) },
      { status: 409, body: JSON.stringify({ resultCode: '000102' }) },
      { status: 409, body: JSON.stringify({ resultCode: '000108', resultMsg: 'x' }) },
      { status: 422, body: 'not json' },
    ]);
    const p = provisioner(r.url);

    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await p.provision(REQUEST).catch((e: unknown) => e));
    await r.close();

    expect(outcomes[0]).toBeInstanceOf(ProvisioningRefusedError);
    // KooGallery gets the receiver's words (written for it), as do the log and lastError.
    const detail = (outcomes[0] as ProvisioningRefusedError).detail ?? '';
    expect(detail).toHaveLength(255);
    expect(detail.startsWith('no seats')).toBe(true);
    expect(outcomes[0]).toMatchObject({ resultCode: '000106', message: detail, resultMsg: detail });
    expect(outcomes[1]).toMatchObject({
      resultCode: '000102',
      message: 'e-mail empty or already in use',
      detail: 'refused by the seller (000102)',
    });
    for (const o of outcomes.slice(2)) {
      expect(o).toBeInstanceOf(WebhookDeliveryError);
      expect(o).toMatchObject({ resultCode: '000004' });
    }
  });

  it('answers a change check from the receiver: 2xx allows, a refusal code refuses', async () => {
    const r = await receiver([
      { status: 200 },
      { status: 422, body: JSON.stringify({ resultCode: '000100', resultMsg: 'full' }) },
    ]);
    const p = provisioner(r.url);
    const req = { instance: INSTANCE, productId: 'P2', skuCode: 's2', productName: 'Pro' };

    const verdicts = [await p.checkChange(req), await p.checkChange(req)];
    await r.close();

    expect(verdicts).toEqual([
      { allowed: true },
      { allowed: false, resultCode: '000100', message: 'full', resultMsg: 'full' },
    ]);
    expect(JSON.parse(r.seen[0]?.body as string).id).toBe(
      eventIdFor('instance.check_change', 'inst-1', 'P2/s2/'),
    );
    expect(JSON.parse(r.seen[0]?.body as string).data).toMatchObject({
      productId: 'P2',
      skuCode: 's2',
      productName: 'Pro',
      purchaseOrderId: 'ORDER-1',
    });
  });

  it('fails a delivery on 5xx, a redirect, an invalid appInfo, a timeout and a refused connection', async () => {
    const r = await receiver([
      { status: 503, body: 'down' },
      { status: 302 },
      { status: 200, body: JSON.stringify({ adminUrl: 'https://a.example.com/' }) },
      {
        status: 200,
        body: JSON.stringify({ frontEndUrl: 'https://a/', password: 'p'.repeat(80) }),
      },
    ]);
    const logs: string[] = [];
    const p = provisioner(r.url, logs);

    const reasons = [];
    for (let i = 0; i < 3; i++) {
      const failed = (await p.provision(REQUEST).catch((e: unknown) => e)) as WebhookDeliveryError;
      expect(failed.message).toBe('request is being processed, retry later');
      reasons.push(failed.detail);
    }
    // Lengths are judged where every provisioner's answer is (deliveryProblems), not here.
    const long = await p.provision(REQUEST);
    await r.close();
    const closed = await p.provision(REQUEST).catch((e: unknown) => e);
    const hang = createServer(() => undefined);
    await new Promise<void>((res) => hang.listen(0, '127.0.0.1', () => res()));
    const slow = createWebhookProvisioner({
      url: `http://127.0.0.1:${(hang.address() as AddressInfo).port}/`,
      secrets: [SECRET],
      timeoutMs: 100,
      clock: { now: () => NOW },
      log: createJsonLogger('debug', (l) => logs.push(l)),
    });
    const timedOut = await slow.provision(REQUEST).catch((e: unknown) => e);
    hang.closeAllConnections();
    hang.close();

    expect(reasons[0]).toMatch(
      /instance\.provision failed: HTTP 503; retried with the same event id/,
    );
    expect(reasons[1]).toMatch(/HTTP 302 \(redirects are not followed/);
    expect(reasons[2]).toMatch(/invalid 2xx answer: frontEndUrl is missing/);
    expect(long.password).toHaveLength(80);
    // The unusable 2xx is a failed delivery in the log (with its event id), never "delivered".
    const lines = logs.map((l) => JSON.parse(l));
    const outcomes = lines
      .filter((l) => /^webhook deliver/.test(l.message))
      .map((l) => [l.message, l.eventId !== undefined]);
    expect(outcomes.slice(0, 4)).toEqual([
      ['webhook delivery failed', true],
      ['webhook delivery failed', true],
      ['webhook delivery failed', true],
      ['webhook delivered', true],
    ]);
    expect(closed).toBeInstanceOf(WebhookDeliveryError);
    expect((closed as WebhookDeliveryError).detail).toMatch(
      /network error.*is the receiver running/,
    );
    expect((timedOut as WebhookDeliveryError).detail).toMatch(/no answer within 100 ms/);
    expect(logs.join('\n')).not.toContain(SECRET);
    expect(logs.join('\n')).not.toContain('127.0.0.1');
  });
});

describe('appInfoFromAnswer (#12)', () => {
  it('keeps the documented fields within their limits and drops the rest', () => {
    expect(
      appInfoFromAnswer({
        frontEndUrl: 'https://t.example.com/',
        adminUrl: null,
        userName: 'admin',
        memo: '',
        extra: 'ignored',
      }),
    ).toEqual({ ok: true, appInfo: { frontEndUrl: 'https://t.example.com/', userName: 'admin' } });
  });

  it('refuses a field of the wrong type, a missing frontEndUrl or a URL that is not http(s), naming it', () => {
    const cases: Array<[Record<string, unknown> | undefined, RegExp]> = [
      [undefined, /not a JSON object with frontEndUrl/],
      [{ adminUrl: 'https://x/' }, /frontEndUrl is missing/],
      [{ frontEndUrl: 'ftp://x/' }, /frontEndUrl is not an http\(s\) URL/],
      [{ frontEndUrl: 'https://x/', adminUrl: 'not a url' }, /adminUrl is not an http\(s\) URL/],
      [{ frontEndUrl: 'https://x/', adminUrl: 7 }, /adminUrl is not a string/],
    ];
    for (const [body, problem] of cases) {
      const read = appInfoFromAnswer(body);
      expect(read.ok).toBe(false);
      expect(read.ok ? '' : read.problem).toMatch(problem);
    }
  });

  it('cuts a refusal message to 255 printable characters, never between surrogate halves (#12)', () => {
    expect(refusalMessage('a\nb')).toBe('a b');
    expect(refusalMessage(undefined)).toBeUndefined();
    expect(refusalMessage(' \u0000 ')).toBeUndefined();
    expect(refusalMessage('z'.repeat(400))).toHaveLength(255);
    const emoji = refusalMessage(`${'z'.repeat(254)}\u{1F600}tail`) ?? '';
    expect(emoji).toBe('z'.repeat(254));
    expect(refusalMessage(`${'z'.repeat(253)}\u{1F600}`)).toBe(`${'z'.repeat(253)}\u{1F600}`);
  });
});

describe('webhook settings (#12)', () => {
  const VALID: Record<string, string> = {
    KOOGALLERY_ACCESS_KEY: 'key',
    HUAWEICLOUD_AK: 'ak',
    HUAWEICLOUD_SK: 'sk',
    CREDENTIALS_KEY: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    TABLE_NAME: 'koogallery-prod',
    FRONTEND_URL_TEMPLATE: 'https://{shortId}.example.com/',
  };
  const problemsOf = (extra: Record<string, string>): string[] => {
    try {
      loadConfig((k) => ({ ...VALID, ...extra })[k]);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return [...(error as ConfigError).problems];
    }
    return [];
  };

  it('reads the URL, both secrets (current first) and the timeout', () => {
    const config = loadConfig(
      (k) =>
        ({
          ...VALID,
          PROVISIONER_WEBHOOK_URL: 'https://hooks.example.com/koogallery',
          PROVISIONER_WEBHOOK_SECRET: SECRET,
          PROVISIONER_WEBHOOK_PREVIOUS_SECRET: `${SECRET}-old`,
          PROVISIONER_WEBHOOK_TIMEOUT_MS: '5000',
        })[k],
    );
    expect(config.provisionerWebhook).toEqual({
      url: 'https://hooks.example.com/koogallery',
      secrets: [SECRET, `${SECRET}-old`],
      timeoutMs: 5000,
    });
    expect(loadConfig((k) => VALID[k]).provisionerWebhook).toBeUndefined();
  });

  it('names the setting in each problem and never quotes a secret', () => {
    const short = 'tooshort';
    const problems = [
      ...problemsOf({ PROVISIONER_WEBHOOK_URL: 'http://hooks.example.com/' }),
      ...problemsOf({
        PROVISIONER_WEBHOOK_URL: 'https://hooks.example.com/',
        PROVISIONER_WEBHOOK_SECRET: short,
      }),
      ...problemsOf({ PROVISIONER_WEBHOOK_SECRET: SECRET }),
      ...problemsOf({
        PROVISIONER_WEBHOOK_URL: 'https://hooks.example.com/',
        PROVISIONER_WEBHOOK_SECRET: SECRET,
        PROVISIONER_WEBHOOK_TIMEOUT_MS: '30000',
        PROVISIONING_LEASE_SECONDS: '20',
      }),
    ];
    expect(problems).toEqual([
      expect.stringMatching(
        /^PROVISIONER_WEBHOOK_URL must be https:\/\/ \(http:\/\/ only on a loopback host\)/,
      ),
      expect.stringMatching(/^PROVISIONER_WEBHOOK_SECRET is missing/),
      expect.stringMatching(/^PROVISIONER_WEBHOOK_SECRET must be at least 16 characters/),
      expect.stringMatching(
        /^PROVISIONER_WEBHOOK_SECRET is set but PROVISIONER_WEBHOOK_URL is not/,
      ),
      expect.stringMatching(
        /^PROVISIONER_WEBHOOK_TIMEOUT_MS \(30000\) must be shorter than PROVISIONING_LEASE_SECONDS/,
      ),
    ]);
    const withPassword = problemsOf({
      PROVISIONER_WEBHOOK_URL: 'https://user:hunter2secret@hooks.example.com/',
      PROVISIONER_WEBHOOK_SECRET: SECRET,
    });
    expect(withPassword).toEqual([
      expect.stringMatching(/^PROVISIONER_WEBHOOK_URL must not contain a user name or password/),
    ]);
    expect(withPassword.join(' ')).not.toContain('hunter2secret');
    // Only the previous secret left behind: the problem names the key that is actually set.
    expect(problemsOf({ PROVISIONER_WEBHOOK_PREVIOUS_SECRET: SECRET })).toEqual([
      expect.stringMatching(
        /^PROVISIONER_WEBHOOK_PREVIOUS_SECRET is set but PROVISIONER_WEBHOOK_URL is not/,
      ),
    ]);
    expect(problems.join(' ')).not.toContain(short);
    expect(problems.join(' ')).not.toContain(SECRET);
  });

  it('accepts http:// on loopback, and buildDeps picks the webhook for real calls only', async () => {
    const r = await receiver([
      { status: 200, body: JSON.stringify({ frontEndUrl: 'https://w/' }) },
    ]);
    const config = loadConfig(
      (k) =>
        ({
          ...VALID,
          PROVISIONER_WEBHOOK_URL: r.url,
          PROVISIONER_WEBHOOK_SECRET: SECRET,
        })[k],
    );
    const deps = buildDeps(config, {
      store: {} as never,
      log: createJsonLogger('error', () => {}),
    });

    const real = await deps.provisioner.provision(REQUEST);
    const test = await deps.testProvisioner.provision({ ...REQUEST, test: true });
    await r.close();

    expect(real).toEqual({ frontEndUrl: 'https://w/' });
    expect(test.frontEndUrl).toMatch(/\.example\.com\/$/);
    expect(r.seen).toHaveLength(1);
  });
});
