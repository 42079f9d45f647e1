/**
 * The audit trail and the operator CLI (#13) against a real local store (dynalite), the Query
 * Order stand-in and the app over HTTP: `show` after a lifecycle with a duplicate, a replay and
 * refusals; `instances` filters; `reconcile` reports exactly the drift introduced into the
 * stand-in and `--apply` fixes only the expiry; `health` counts a failed test call; `stuck` and
 * `retry` complete a purchase whose provisioner failed; no secret reaches an entry or an output.
 */
import { randomBytes } from 'node:crypto';
import { main } from '../../lib/admin/cli';
import type { AdminIo } from '../../lib/admin/command';
import { resolveAdminSettings } from '../../lib/admin/settings';
import { loadConfig } from '../../lib/config';
import { instanceIdFor } from '../../lib/ids';
import { formatKooTime } from '../../lib/protocol/koo-time';
import type { AppInfo, Provisioner } from '../../lib/provisioner/provisioner';
import { startWebhookReceiver } from '../../lib/sim/webhook-receiver';
import { createDynamooseAuditStore } from '../../lib/store/dynamoose-audit-store';
import { NAMESPACE, STATUS } from '../../lib/store/instance-store';
import { TEST_DYNAMO } from '../helpers/dynalite';
import { sendSigned, startTestService, type TestService } from '../helpers/service';
import {
  LOCAL_TABLE,
  removeDataDir,
  type SpawnedService,
  spawnService,
} from '../helpers/spawned-service';
import { scanTable } from '../helpers/table-scan';

/** Everything the CLI printed in this file, to search for secrets at the end. */
const printed: string[] = [];

/** Runs `koogallery-admin` in process with the service's settings as its environment. */
async function admin(svc: TestService, args: string[], now: () => number = () => Date.now()) {
  let stdout = '';
  let stderr = '';
  const env = { ...svc.settings };
  const io: AdminIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
    cwd: process.cwd(),
    now,
    settings: () => resolveAdminSettings(env, process.cwd()),
  };
  const code = await main(args, io);
  printed.push(stdout, stderr);
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

const tag = () => randomBytes(5).toString('hex').toUpperCase();

async function buy(svc: TestService, orderId = `AUD${tag()}`) {
  const a = await svc.send({
    activity: 'newInstance',
    orderId,
    orderLineId: `${orderId}-000001`,
    businessId: 'b',
  });
  expect(a.json.resultCode).toBe('000000');
  return { orderId, instanceId: a.json.instanceId as string };
}

/** A provisioner that records every delivery (to look for its passwords later). */
function recording(appInfos: AppInfo[], failing: Set<string>) {
  return (templates: Provisioner): Provisioner => ({
    ...templates,
    provision: async (request) => {
      if (failing.has(request.orderId)) throw new Error('the tenant API answered 503');
      const info = await templates.provision(request);
      appInfos.push(info);
      return info;
    },
  });
}

const appInfos: AppInfo[] = [];
const services: TestService[] = [];
async function service(failing = new Set<string>()): Promise<TestService> {
  const svc = await startTestService({ provisioner: recording(appInfos, failing) });
  services.push(svc);
  return svc;
}

afterAll(async () => {
  for (const svc of services) await svc.close();
});

describe('koogallery-admin show (#13)', () => {
  it('lists every call of a lifecycle in order with its result code, the duplicate, the replay and the refusals included', async () => {
    const svc = await service();
    const orderId = `AUD${tag()}`;
    const purchase = {
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-000001`,
      businessId: 'b',
    };
    const nonce = randomBytes(32).toString('hex').toUpperCase();
    const timestamp = String(Date.now());

    const first = await svc.send(purchase, { nonce, timestamp });
    const instanceId = first.json.instanceId as string;
    const duplicate = await svc.send(purchase);
    const replay = await svc.send(purchase, { nonce, timestamp });
    const refused = await svc.send({ activity: 'newInstance', orderId, businessId: 'b' });
    const query = await svc.send({ activity: 'queryInstance', instanceId });
    const freeze = await svc.send({
      activity: 'updateInstanceStatus',
      instanceId,
      status: 'FREEZE',
    });
    await svc.deps.background.drain();

    const byInstance = await admin(svc, ['show', instanceId, '--json']);
    const byOrder = await admin(svc, ['show', orderId, '--json']);
    const text = await admin(svc, ['show', instanceId]);

    expect(
      [first, duplicate, replay, refused, query, freeze].map((a) => a.json.resultCode),
    ).toEqual(['000000', '000000', '000001', '000002', '000000', '000000']);
    expect(byInstance.code).toBe(0);
    const shown = byInstance.json();
    expect(shown.instance).toMatchObject({ instanceId, status: 'FROZEN', orderId });
    expect(shown.instance.expireTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(
      shown.timeline.map((e: { activity: string; resultCode: string }) => [
        e.activity,
        e.resultCode,
      ]),
    ).toEqual([
      ['newInstance', '000000'],
      ['newInstance', '000000'],
      ['newInstance', '000001'],
      ['newInstance', '000002'],
      ['queryInstance', '000000'],
      ['updateInstanceStatus', '000000'],
    ]);
    const times = shown.timeline.map((e: { time: string }) => Date.parse(e.time));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(shown.timeline[3]).toMatchObject({ orderId, reason: expect.any(String) });
    expect(byOrder.json()).toEqual(shown);
    expect(text.stdout).toContain('6 entries');
  });

  it('says what to check for an id nothing is known about', async () => {
    const svc = await service();

    const out = await admin(svc, ['show', `NOPE${tag()}`]);

    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/nothing is known about .*check the id/);
  });
});

describe('koogallery-admin instances (#13)', () => {
  it('filters by status, expiry and product', async () => {
    const svc = await service();
    const active = await buy(svc);
    const frozen = await buy(svc);
    await svc.send({
      activity: 'updateInstanceStatus',
      instanceId: frozen.instanceId,
      status: 'FREEZE',
    });
    const ids = (out: { json: () => { instanceId: string }[] }) =>
      out
        .json()
        .map((v) => v.instanceId)
        .filter((id) => id === active.instanceId || id === frozen.instanceId)
        .sort();

    const all = await admin(svc, ['instances', '--json']);
    const onlyFrozen = await admin(svc, ['instances', '--status', 'FROZEN', '--json']);
    const expiringSoon = await admin(svc, ['instances', '--expiring-within', '40', '--json']);
    const expiringLater = await admin(svc, ['instances', '--expiring-within', '20', '--json']);
    const product = await admin(svc, ['instances', '--product', 'OFFI000000000000MOCK', '--json']);
    const otherProduct = await admin(svc, ['instances', '--product', 'OTHER', '--json']);
    const bad = await admin(svc, ['instances', '--status', 'GONE']);

    expect(ids(all)).toEqual([active.instanceId, frozen.instanceId].sort());
    expect(all.json()[0]).toEqual(
      expect.objectContaining({
        instanceId: expect.any(String),
        orderId: expect.any(String),
        status: expect.any(String),
        productId: 'OFFI000000000000MOCK',
        skuCode: expect.any(String),
        expireTime: expect.any(String),
      }),
    );
    expect(ids(onlyFrozen)).toEqual([frozen.instanceId]);
    expect(ids(expiringSoon)).toEqual([active.instanceId, frozen.instanceId].sort());
    expect(ids(expiringLater)).toEqual([]);
    expect(ids(product)).toEqual([active.instanceId, frozen.instanceId].sort());
    expect(ids(otherProduct)).toEqual([]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--status is one of PROVISIONING, ACTIVE, FROZEN, RELEASED/);
  });

  it('pages with --limit and --after without losing or repeating an instance', async () => {
    const svc = await service();
    const bought = [];
    for (let i = 0; i < 5; i++) bought.push((await buy(svc)).instanceId);

    const seen: string[] = [];
    let after: string | undefined;
    for (let round = 0; round < 10; round++) {
      const out = await admin(svc, [
        'instances',
        '--limit',
        '2',
        '--json',
        ...(after ? ['--after', after] : []),
      ]);
      seen.push(...out.json().map((v: { instanceId: string }) => v.instanceId));
      after = /--after '([^']+)'/.exec(out.stderr)?.[1];
      if (!after) break;
    }

    expect(seen.sort()).toEqual(bought.sort());
  });
});

describe('koogallery-admin reconcile (#13)', () => {
  it('reports exactly the drift introduced into the stand-in, and --apply fixes only the expiry', async () => {
    const svc = await service();
    const consistent = await buy(svc);
    const drifted = await buy(svc);
    const gone = await buy(svc);
    const before = await svc.store.getInstance(NAMESPACE.REAL, drifted.instanceId);
    svc.standIn.orders.patch(drifted.orderId, {
      expireTime: '20991231235959',
      skuCode: 'sku-the-buyer-changed',
    });
    svc.standIn.orders.remove(gone.orderId);
    const provisionerCallsBefore = { ...svc.provisionerCalls };

    const report = await admin(svc, ['reconcile', '--json']);
    const unchanged = await svc.store.getInstance(NAMESPACE.REAL, drifted.instanceId);
    const applied = await admin(svc, ['reconcile', '--apply', '--json']);
    const after = await svc.store.getInstance(NAMESPACE.REAL, drifted.instanceId);
    const again = await admin(svc, ['reconcile', '--json']);
    await svc.deps.background.drain();
    const shown = await admin(svc, ['show', drifted.instanceId, '--json']);

    expect(report.code).toBe(1);
    expect(report.json()).toEqual({
      checked: 3,
      drift: [
        {
          instanceId: drifted.instanceId,
          orderId: drifted.orderId,
          field: 'expireTime',
          ours: new Date(Math.floor((before?.expireTime ?? 0) / 1000) * 1000).toISOString(),
          koogallery: '2099-12-31T23:59:59.000Z',
        },
        {
          instanceId: drifted.instanceId,
          orderId: drifted.orderId,
          field: 'skuCode',
          ours: before?.entitlement.skuCode,
          koogallery: 'sku-the-buyer-changed',
        },
        {
          instanceId: gone.instanceId,
          orderId: gone.orderId,
          field: 'order',
          ours: gone.orderId,
          koogallery: null,
        },
      ].sort((a, b) => a.instanceId.localeCompare(b.instanceId) || a.field.localeCompare(b.field)),
    });
    expect(report.json().drift.map((d: { instanceId: string }) => d.instanceId)).not.toContain(
      consistent.instanceId,
    );
    expect(unchanged).toEqual(before);
    expect(applied.json().applied).toEqual([
      expect.objectContaining({ instanceId: drifted.instanceId, field: 'expireTime' }),
    ]);
    expect(after?.expireTime).toBe(Date.UTC(2099, 11, 31, 23, 59, 59));
    expect(after?.status).toBe(before?.status);
    expect(after?.entitlement).toEqual(before?.entitlement);
    expect(svc.provisionerCalls).toEqual(provisionerCallsBefore);
    expect(
      again
        .json()
        .drift.map((d: { field: string }) => d.field)
        .sort(),
    ).toEqual(['order', 'skuCode']);
    expect(shown.json().timeline.at(-1)).toMatchObject({
      kind: 'operator',
      activity: 'reconcile --apply',
      detail: { field: 'expireTime', to: '2099-12-31T23:59:59.000Z' },
    });
  });

  it('reports no drift for an instance whose renewal was cancelled (it stays ACTIVE) (#13)', async () => {
    const svc = await service();
    const bought = await buy(svc);
    const cancel = `AUDC${tag()}`;
    const expireTime = Date.UTC(2095, 0, 1);
    svc.standIn.defineOrder(cancel, {
      createTime: Date.now(),
      orderType: 'UNSUBSCRIBE',
      expireTime,
    });
    const cancelled = await svc.send({
      activity: 'refreshInstance',
      scene: 'UNSUBSCRIBE_RENEWAL_PERIOD',
      orderId: cancel,
      orderLineId: `${cancel}-000001`,
      instanceId: bought.instanceId,
      expireTime: formatKooTime(expireTime),
    });
    const record = await svc.store.getInstance(NAMESPACE.REAL, bought.instanceId);

    const report = await admin(svc, ['reconcile', '--json']);

    expect(cancelled.json.resultCode).toBe('000000');
    expect(record).toMatchObject({ status: STATUS.ACTIVE, expireTime });
    expect(record?.appliedOrders.at(-1)).toBe(`${cancel}/${cancel}-000001`);
    expect(report.json()).toEqual({ checked: 1, drift: [] });
    expect(report.code).toBe(0);
  });

  /**
   * A purchase, a renewal (created last, delivered first) and a RENEWAL_CHANGE created between them
   * and delivered last: it changes the SKU (newer than the purchase's specification) but not the
   * expiry (older than the renewal's), and is the last order applied.
   */
  async function renewalThenLateChange(svc: TestService) {
    const t0 = Date.UTC(2026, 0, 1);
    const purchase = `AUDP${tag()}`;
    const renewal = `AUDR${tag()}`;
    const change = `AUDX${tag()}`;
    svc.standIn.defineOrder(purchase, {
      createTime: t0,
      orderType: 'NEW',
      expireTime: Date.UTC(2090, 0, 1),
    });
    svc.standIn.defineOrder(change, {
      createTime: t0 + 60_000,
      orderType: 'CHANGE',
      expireTime: Date.UTC(2091, 0, 1),
      skuCode: 'sku-bigger',
    });
    svc.standIn.defineOrder(renewal, {
      createTime: t0 + 120_000,
      orderType: 'RENEW',
      expireTime: Date.UTC(2092, 0, 1),
    });
    const { instanceId } = await buy(svc, purchase);
    const codes: string[] = [];
    for (const [orderId, scene, expireTime] of [
      [renewal, 'RENEWAL', Date.UTC(2092, 0, 1)],
      [change, 'RENEWAL_CHANGE', Date.UTC(2091, 0, 1)],
    ] as const) {
      const answer = await svc.send({
        activity: 'refreshInstance',
        scene,
        orderId,
        orderLineId: `${orderId}-000001`,
        instanceId,
        expireTime: formatKooTime(expireTime),
      });
      codes.push(answer.json.resultCode as string);
    }
    return { instanceId, renewal, change, codes };
  }

  it('measures the expiry against the order that set it, not a late older change applied last (#13, #14)', async () => {
    const svc = await service();
    const { instanceId, change, codes } = await renewalThenLateChange(svc);
    const record = await svc.store.getInstance(NAMESPACE.REAL, instanceId);

    const report = await admin(svc, ['reconcile', '--json']);
    const applied = await admin(svc, ['reconcile', '--apply', '--json']);
    const after = await svc.store.getInstance(NAMESPACE.REAL, instanceId);

    expect(codes).toEqual(['000000', '000000']);
    expect(record?.appliedOrders.at(-1)).toBe(`${change}/${change}-000001`);
    expect(record).toMatchObject({
      expireTime: Date.UTC(2092, 0, 1),
      entitlement: { skuCode: 'sku-bigger' },
    });
    expect(report.json()).toEqual({ checked: 1, drift: [] });
    expect(applied.json()).toEqual({ checked: 1, drift: [], applied: [] });
    expect(after?.expireTime).toBe(Date.UTC(2092, 0, 1));
    expect(after?.version).toBe(record?.version);
  });

  it('reports expiry drift against the expiry order and SKU drift against the specification order (#13)', async () => {
    const svc = await service();
    const { instanceId, renewal, change, codes } = await renewalThenLateChange(svc);
    svc.standIn.orders.patch(renewal, { expireTime: '20930101000000', skuCode: 'sku-ignored' });
    svc.standIn.orders.patch(change, { expireTime: '20940101000000', skuCode: 'sku-other' });

    const report = await admin(svc, ['reconcile', '--json']);

    expect(codes).toEqual(['000000', '000000']);
    expect(report.json().drift).toEqual([
      {
        instanceId,
        orderId: renewal,
        field: 'expireTime',
        ours: '2092-01-01T00:00:00.000Z',
        koogallery: '2093-01-01T00:00:00.000Z',
      },
      {
        instanceId,
        orderId: change,
        field: 'skuCode',
        ours: 'sku-bigger',
        koogallery: 'sku-other',
      },
    ]);
  });

  it('reaches Query Order through KOOGALLERY_API_FALLBACK_ENDPOINT when the primary endpoint refuses connections (#13)', async () => {
    const svc = await startTestService({ primaryApiRefuses: true });
    services.push(svc);
    const bought = await buy(svc);

    const report = await admin(svc, ['reconcile', '--json']);

    expect(svc.settings.KOOGALLERY_API_FALLBACK_ENDPOINT).toBe(svc.standIn.endpoint);
    expect(svc.settings.KOOGALLERY_API_ENDPOINT).not.toBe(svc.standIn.endpoint);
    expect(report.code).toBe(0);
    expect(report.json()).toEqual({ checked: 1, drift: [] });
    expect(bought.instanceId).toBeTruthy();
  });
});

describe('koogallery-admin health (#13)', () => {
  it('counts a failed test call, including one refused before its signature was verified', async () => {
    const svc = await service();
    const ok = await svc.send({ activity: 'queryInstance', instanceId: 'probe-1', testFlag: '1' });
    const refused = await svc.send(
      { activity: 'newInstance', orderId: 'MOCKPERIODYEARNEW', testFlag: '1', businessId: 'b' },
      { key: 'a-key-the-seller-mistyped' },
    );
    await svc.deps.background.drain();

    const out = await admin(svc, ['health', '--json']);
    const text = await admin(svc, ['health']);

    expect([ok.json.resultCode, refused.json.resultCode]).toEqual(['000000', '000001']);
    expect(out.code).toBe(1);
    expect(out.json()).toMatchObject({
      testCalls: {
        total: 2,
        failed: 1,
        failures: [
          expect.objectContaining({
            activity: 'newInstance',
            resultCode: '000001',
            verified: false,
          }),
        ],
      },
      pendingPurchases: [],
      ok: false,
    });
    expect(out.json().calls).toEqual(
      expect.arrayContaining([
        { activity: 'queryInstance', resultCode: '000000', count: 1 },
        { activity: 'newInstance', resultCode: '000001', count: 1 },
      ]),
    );
    expect(text.stdout).toMatch(/NEEDS ATTENTION:\n {2}- 1 failed test call/);
  });

  it('still counts a failed test call when scanner traffic filled the unattributed day (#13)', async () => {
    const svc = await service();
    const store = createDynamooseAuditStore({
      tableName: svc.dynalite.tableName,
      endpoint: svc.dynalite.endpoint,
      region: TEST_DYNAMO.region,
      credentials: TEST_DYNAMO.credentials,
    });
    // Scanner noise (bodies naming no activity) fills today's AUDIT#U# bucket to the item limit.
    const now = Date.now();
    // Fill with ever smaller entries until not even a 50-byte reason fits.
    let n = 0;
    for (const size of [100_000, 10_000, 1_000, 100, 50]) {
      let outcome = 'written';
      while (outcome === 'written') {
        n += 1;
        outcome = await store.appendEntry(
          { kind: 'unattributed' },
          {
            id: `${now.toString(36)}-${n.toString(36)}-fill`,
            kind: 'call',
            time: now,
            reason: 'x'.repeat(size),
          },
          now + 86_400_000,
        );
      }
    }
    const noise = await svc.send({ path: '/wp-login.php' }, { key: 'a-scanner-guess' });
    const probe = await svc.send(
      { activity: 'newInstance', orderId: 'MOCKPERIODYEARNEW', testFlag: '1', businessId: 'b' },
      { key: 'a-key-the-seller-mistyped' },
    );
    await svc.deps.background.drain();

    const out = await admin(svc, ['health', '--json']);

    expect([noise.json.resultCode, probe.json.resultCode]).toEqual(['000001', '000001']);
    expect(svc.logs.some((l) => l.includes('audit bucket full'))).toBe(true);
    expect(out.code).toBe(1);
    expect(out.json().testCalls).toMatchObject({
      failed: 1,
      failures: [expect.objectContaining({ activity: 'newInstance', resultCode: '000001' })],
    });
  });
});

describe('koogallery-admin stuck and retry (#13)', () => {
  it('complete a purchase whose provisioner failed', async () => {
    const failing = new Set<string>();
    const svc = await service(failing);
    const orderId = `AUD${tag()}`;
    failing.add(orderId);
    const first = await svc.send({
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-000001`,
      businessId: 'b',
    });
    // The answer may not carry it (a failed purchase): it is derived from the order line.
    const instanceId = instanceIdFor('real', orderId, `${orderId}-000001`);
    await svc.deps.background.drain();

    // One clock for both, so the ages they print agree to the minute.
    const at = Date.now();
    const stuck = await admin(svc, ['stuck', '--json'], () => at);
    const health = await admin(svc, ['health', '--json'], () => at);
    const retried = await admin(svc, ['retry', instanceId, '--json']);
    const poll = await svc.send({ activity: 'queryInstance', instanceId });
    const stuckAfter = await admin(svc, ['stuck', '--json']);
    const again = await admin(svc, ['retry', instanceId, '--json']);
    const shown = await admin(svc, ['show', instanceId, '--json']);

    expect(first.json.resultCode).not.toBe('000000');
    expect(stuck.code).toBe(1);
    expect(stuck.json().stuck).toEqual([
      expect.objectContaining({
        instanceId,
        orderId,
        step: 'provisioning',
        lastError: expect.any(String),
        minutesToRefund: expect.any(Number),
      }),
    ]);
    expect(stuck.json().stuck[0].minutesToRefund).toBeGreaterThan(170);
    const { since, ageMinutes, minutesToRefund, lastError } = stuck.json().stuck[0];
    expect(health.json().pendingPurchases).toEqual([
      { instanceId, orderId, since, ageMinutes, minutesToRefund, lastError },
    ]);
    expect(retried.code).toBe(0);
    expect(retried.json()).toMatchObject({ outcome: 'ready', instance: { status: STATUS.ACTIVE } });
    expect(poll.json.resultCode).toBe('000000');
    expect(stuckAfter.code).toBe(0);
    expect(again.json()).toMatchObject({ outcome: 'nothing-to-do' });
    expect(shown.json().timeline.at(-2)).toMatchObject({
      kind: 'operator',
      activity: 'retry',
      resultCode: 'ready',
    });
  });
});

describe('koogallery-admin against npm start (#13)', () => {
  let local: SpawnedService;
  beforeAll(async () => {
    local = await spawnService({ env: { LOG_LEVEL: 'warn' } });
  }, 60_000);
  afterAll(async () => {
    await local?.kill('SIGTERM');
    if (local) await removeDataDir(local.dataDir);
  });

  /** The CLI with nothing but the data folder, as a seller runs it beside `npm start`. */
  async function beside(args: string[]) {
    let stdout = '';
    let stderr = '';
    const env = { DATA_DIR: local.dataDir };
    const code = await main(args, {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env,
      cwd: process.cwd(),
      now: () => Date.now(),
      settings: () => resolveAdminSettings(env, process.cwd()),
    });
    printed.push(stdout, stderr);
    return { code, stdout, stderr };
  }

  it('finds the running store and stand-in: instances, show, retry, reconcile and health', async () => {
    const orderId = `AUD${tag()}`;
    const bought = await sendSigned(local.url, local.accessKey, {
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-000001`,
      businessId: 'b',
    });
    const instanceId = bought.json.instanceId as string;

    const listed = await beside(['instances', '--json']);
    const shown = await beside(['show', instanceId, '--json']);
    const retried = await beside(['retry', instanceId, '--json']);
    const reconciled = await beside(['reconcile', '--json']);
    const health = await beside(['health', '--json']);

    expect(bought.json.resultCode).toBe('000000');
    expect(JSON.parse(listed.stdout).map((v: { instanceId: string }) => v.instanceId)).toContain(
      instanceId,
    );
    expect(JSON.parse(shown.stdout).instance).toMatchObject({ instanceId, status: 'ACTIVE' });
    expect(JSON.parse(retried.stdout)).toMatchObject({ outcome: 'nothing-to-do' });
    // What retry loads to provision as the service does: the whole configuration, from the folder.
    const settings = await resolveAdminSettings({ DATA_DIR: local.dataDir }, process.cwd());
    expect(loadConfig(settings.lookup).tableName).toBe(LOCAL_TABLE);
    expect(reconciled.code).toBe(0);
    expect(JSON.parse(reconciled.stdout)).toEqual({ checked: 1, drift: [] });
    expect(health.code).toBe(0);
    expect(JSON.parse(health.stdout)).toMatchObject({
      testCalls: { total: 0, failed: 0 },
      pendingPurchases: [],
    });
  });
});

describe('webhook deliveries, stuck and retry (#13)', () => {
  it('show lists each failed delivery, and retry delivers the step again with the same event id', async () => {
    const secret = `whsec_${randomBytes(16).toString('hex')}`;
    const receiver = await startWebhookReceiver({ secrets: [secret], behaviour: { failTimes: 1 } });
    const svc = await startTestService({
      settings: { PROVISIONER_WEBHOOK_URL: receiver.url, PROVISIONER_WEBHOOK_SECRET: secret },
    });
    services.push(svc);
    try {
      const orderId = `CS${tag()}`;
      const first = await svc.send({
        activity: 'newInstance',
        orderId,
        orderLineId: `${orderId}-000001`,
        businessId: 'b',
      });
      const instanceId = instanceIdFor('real', orderId, `${orderId}-000001`);
      await svc.deps.background.drain();

      const stuck = await admin(svc, ['stuck', '--json']);
      const retried = await admin(svc, ['retry', instanceId, '--json']);
      const stuckAfter = await admin(svc, ['stuck', '--json']);
      const shown = await admin(svc, ['show', instanceId, '--json']);

      const delivered = receiver.deliveries.filter((d) => d.event?.data.instanceId === instanceId);
      expect(first.json.resultCode).toBe('000004');
      expect(stuck.json().stuck.map((s: { instanceId: string }) => s.instanceId)).toEqual([
        instanceId,
      ]);
      expect(stuck.json().failingWebhooks).toEqual([
        expect.objectContaining({
          instanceId,
          orderId,
          event: delivered[0]?.event?.type,
          failures: 1,
          lastReason: expect.any(String),
        }),
      ]);
      expect(retried.json()).toMatchObject({ outcome: 'ready', instance: { status: 'ACTIVE' } });
      expect(stuckAfter.code).toBe(0);
      expect(stuckAfter.json()).toEqual({ stuck: [], failingWebhooks: [] });
      expect(delivered).toHaveLength(2);
      expect(new Set(delivered.map((d) => d.event?.id)).size).toBe(1);
      const webhooks = shown
        .json()
        .timeline.filter((e: { kind: string }) => e.kind === 'webhook')
        .map((e: { resultCode: string; detail: { eventId: string } }) => [
          e.resultCode,
          e.detail.eventId,
        ]);
      expect(webhooks).toEqual([
        ['failed', delivered[0]?.event?.id],
        ['delivered', delivered[0]?.event?.id],
      ]);
    } finally {
      await receiver.close();
    }
  });
});

describe('secrets (#13)', () => {
  it('no audit entry and no CLI output holds a secret or a password', async () => {
    // Last in the file, so every service above (the webhook one included) has run.
    const secrets = services.flatMap((svc) =>
      [
        svc.accessKey,
        svc.settings.HUAWEICLOUD_SK,
        svc.settings.KOOGALLERY_V1_ACCESS_KEY,
        svc.settings.KOOGALLERY_LICENSE_ACCESS_KEY,
        svc.settings.CREDENTIALS_KEY,
        svc.settings.PROVISIONER_WEBHOOK_SECRET,
        svc.settings.USAGE_REPORT_SECRET,
        svc.usageReportSecret,
      ].filter((v): v is string => typeof v === 'string' && v !== ''),
    );
    for (const name of [
      'KOOGALLERY_LICENSE_ACCESS_KEY',
      'CREDENTIALS_KEY',
      'PROVISIONER_WEBHOOK_SECRET',
      'USAGE_REPORT_SECRET',
    ]) {
      expect({ name, set: services.some((svc) => Boolean(svc.settings[name])) }).toEqual({
        name,
        set: true,
      });
    }
    const passwords = appInfos.flatMap((a) =>
      Object.values(a).filter((v): v is string => typeof v === 'string' && /[^\w:/.-]/.test(v)),
    );
    const stored: string[] = [];
    for (const svc of services) {
      const table = await scanTable(svc.dynalite.endpoint, svc.dynalite.tableName);
      stored.push(...table.audit.values());
    }
    const everything = [...stored, ...printed].join('\n');

    expect(stored.length).toBeGreaterThan(5);
    expect(passwords.length).toBeGreaterThan(0);
    for (const secret of [...secrets, ...passwords]) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/"(signature|password|appInfo|body)"/i);
  });
});
