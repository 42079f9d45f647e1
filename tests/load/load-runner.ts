/**
 * The load run behind `npm run test:load` and its short version in `npm test` (issue 6 item 1).
 *
 * Against `npm start` as it runs (a spawned `node bin/start.js`), every order goes through a
 * KooGallery-like timeline: a purchase (sometimes duplicated concurrently, sometimes preceded by a
 * renewal that arrives too early), then renewals, an upgrade, a freeze and an unfreeze, polls and
 * change checks in shuffled order, each delivery retried until `000000` as KooGallery retries,
 * about a third of them duplicated or delivered late; a third of the orders are then released and
 * some of their old renewals replayed. Afterwards the table is read and judged.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cryptoIds, instanceIdFor } from '../../lib/ids';
import { readRuntimeFile } from '../../lib/local/runtime-file';
import { silentLogger } from '../../lib/log';
import { pushUsage } from '../../lib/metering/push-usage';
import { createUsageClient } from '../../lib/open-api/usage-client';
import { formatKooTime } from '../../lib/protocol/koo-time';
import { signPayload } from '../../lib/signed-payload';
import { seededRandom } from '../../lib/sim/random';
import { createTableClient } from '../../lib/store/dynamoose-store';
import { createDynamooseUsageStore } from '../../lib/store/dynamoose-usage-store';
import { createSignedClient, percentile, type SignedClient } from '../helpers/signed-client';
import { LOCAL_TABLE, type SpawnedService } from '../helpers/spawned-service';
import { scanTable } from '../helpers/table-scan';

/** The size of one run. */
export interface LoadOptions {
  orders: number;
  /** At least this many requests are sent (retries and duplicates included). */
  requests: number;
  concurrency: number;
  /** Seed of the run's choices, so a failing run can be repeated. */
  seed?: number;
  /** Hard stop for the whole run (default 15 minutes). */
  maxMs?: number;
  /** Called every few seconds with the requests sent so far (the CLI prints progress). */
  onProgress?: (sent: number, target: number, elapsedMs: number) => void;
}

/** Reads LOAD_ORDERS, LOAD_REQUESTS, LOAD_CONCURRENCY and LOAD_SEED over `defaults`. */
export function loadOptionsFromEnv(env: NodeJS.ProcessEnv, defaults: LoadOptions): LoadOptions {
  const int = (name: string, fallback: number): number => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
    return n;
  };
  return {
    orders: int('LOAD_ORDERS', defaults.orders),
    requests: int('LOAD_REQUESTS', defaults.requests),
    concurrency: int('LOAD_CONCURRENCY', defaults.concurrency),
    seed: int('LOAD_SEED', defaults.seed ?? Date.now() % 1_000_000),
    maxMs: defaults.maxMs,
  };
}

/** What a run measured and what the table held afterwards. */
export interface LoadReport {
  options: Required<LoadOptions>;
  requests: number;
  durationMs: number;
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Latency per activity: count, p50, p99. */
  byActivity: Record<string, { count: number; p50Ms: number; p99Ms: number }>;
  /** How many answers had each HTTP status (0: the connection failed). */
  statuses: Record<string, number>;
  /** How many answers had each result code. */
  resultCodes: Record<string, number>;
  /** Requests that were duplicates, early (reordered) or late replays. */
  duplicatedOrReordered: number;
  retries: number;
  /** Deliveries that never got `000000` within their retries. */
  unconverged: string[];
  /** Problems found in the table; empty when it is right. */
  tableProblems: string[];
  /** Pay-per-use (#11): metered orders, usage reports sent (retries included), push runs. */
  metering: {
    meteredOrders: number;
    reports: number;
    reportFailures: string[];
    pushRuns: number;
    pushesThatRan: number;
    /** Push runs that failed (a store timeout under load); their records go with a later run. */
    pushRunsFailed: number;
  };
}

const MAX_DELIVERY_ATTEMPTS = 40;
const RETRY_DELAY_MS = 100;
const YEAR_MS = 365 * 86_400_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How often the load run starts its two concurrent push runs while the load goes on. */
const PUSH_EVERY_MS = 5000;

interface OrderPlan {
  orderId: string;
  lineId: string;
  instanceId: string;
  renewals: { orderId: string; expireTime: number; scene: string }[];
  upgradeOrderId: string;
  release: boolean;
  /** Pay-per-use (#11): the hours reported (`yyyy-MM-ddTHH` to value), none for other orders. */
  usage?: Record<string, string>;
}

/** Metered orders: one in five, bought as `MOCKONDEMAND-…` (the stand-in's ON_DEMAND order). */
const METERED_ONE_IN = 5;
/** Hours reported per metered order (closed hours 2 to 4 hours ago). */
const USAGE_HOURS = 3;

/**
 * Runs the load against a spawned service and judges its table.
 *
 * @example const report = await runLoad(svc, { orders: 100, requests: 2000, concurrency: 16 });
 */
export async function runLoad(svc: SpawnedService, options: LoadOptions): Promise<LoadReport> {
  const opts: Required<LoadOptions> = {
    seed: 1,
    maxMs: 15 * 60_000,
    ...options,
  } as Required<LoadOptions>;
  const random = seededRandom(opts.seed);
  /** True once in `n` draws. */
  const oneIn = (n: number) => random.int(n) === 0;
  const client: SignedClient = createSignedClient(svc.url, svc.accessKey, opts.concurrency);
  const stopAt = Date.now() + opts.maxMs;
  const latencies: Record<string, number[]> = {};
  const statuses: Record<string, number> = {};
  const resultCodes: Record<string, number> = {};
  const unconverged: string[] = [];
  let sent = 0;
  /** Duplicates sent alongside a delivery, not awaited by it: awaited before judging. */
  const alongside = new Set<Promise<unknown>>();
  let retries = 0;
  let duplicatedOrReordered = 0;

  const run = `LD${opts.seed.toString(36).toUpperCase()}${Date.now().toString(36).toUpperCase()}`;
  const base = Date.UTC(2090, 0, 1);
  const usageNow = Date.now();
  const plans: OrderPlan[] = Array.from({ length: opts.orders }, (_, i) => {
    const metered = oneIn(METERED_ONE_IN);
    const orderId = metered ? `MOCKONDEMAND-${run}N${i}` : `${run}N${i}`;
    const lineId = `${orderId}-000001`;
    // Renewal expiries are far ahead of any purchase's, in random order: the later one must win.
    const expiries = random.shuffle([
      base + random.int(5) * YEAR_MS,
      base + 6 * YEAR_MS + i * 1000,
    ]);
    return {
      orderId,
      lineId,
      instanceId: instanceIdFor('real', orderId, lineId),
      renewals: expiries.map((expireTime, k) => ({
        orderId: `${orderId}R${k}`,
        expireTime,
        scene: k === 0 ? 'RENEWAL' : oneIn(2) ? 'RENEWAL' : 'TRIAL_TO_FORMAL',
      })),
      upgradeOrderId: `${orderId}U`,
      release: oneIn(3),
      ...(metered
        ? {
            usage: Object.fromEntries(
              Array.from({ length: USAGE_HOURS }, (_, h) => [
                new Date(usageNow - (h + 2) * 3_600_000).toISOString().slice(0, 13),
                `${1 + random.int(1000)}.${String(random.int(10_000)).padStart(4, '0')}`,
              ]),
            ),
          }
        : {}),
    };
  });
  const metering = {
    meteredOrders: plans.filter((p) => p.usage).length,
    reports: 0,
    reportFailures: [] as string[],
    pushRuns: 0,
    pushesThatRan: 0,
    pushRunsFailed: 0,
  };
  const usageSecret = readFileSync(join(svc.dataDir, 'usage-report-secret'), 'utf8').trim();
  const runtime = readRuntimeFile(svc.dataDir);
  if (runtime.kind !== 'running')
    throw new Error(`npm start published no runtime file (${runtime.kind})`);
  const local = runtime.runtime.settings;
  // One usage store (one DynamoDB client and pool) and one usage client for every push run of the
  // load, shared by the two concurrent runs like two runs of one container; destroyed at the end.
  const pushTable = createTableClient({
    tableName: LOCAL_TABLE,
    endpoint: svc.storeEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // The push job is not on KooGallery's 5 s clock: under the full load the embedded store
    // answers slowly, and a run should wait for it rather than give up.
    requestTimeoutMs: 10_000,
  });
  const pushPorts = {
    usage: createDynamooseUsageStore({
      tableName: LOCAL_TABLE,
      region: 'local',
      client: pushTable,
    }),
    client: createUsageClient({
      endpoint: local.KOOGALLERY_API_ENDPOINT as string,
      ak: local.HUAWEICLOUD_AK as string,
      sk: local.HUAWEICLOUD_SK as string,
      accessKey: svc.accessKey,
      timeoutMs: 10_000,
    }),
    clock: { now: () => Date.now() },
    ids: cryptoIds,
    log: silentLogger,
  };
  /** Two push runs at once, as overlapping schedules would start them: the lease lets one send. */
  async function pushTwice(): Promise<number> {
    const settled = await Promise.allSettled([pushUsage(pushPorts), pushUsage(pushPorts)]);
    const ran = settled.filter((r) => r.status === 'fulfilled' && r.value.ran).length;
    metering.pushRuns += settled.length;
    metering.pushesThatRan += ran;
    // A run the store failed (it timed out under the load) is what the hourly job meets on a bad
    // hour: it sends nothing more and the next run picks its records up (#11).
    metering.pushRunsFailed += settled.filter((r) => r.status === 'rejected').length;
    return ran;
  }

  /** Reports one metered order's hours through the signed route, each retried once (a replay). */
  async function reportUsage(p: OrderPlan): Promise<void> {
    for (const [hour, value] of Object.entries(p.usage ?? {})) {
      for (let attempt = 0; attempt < 2; attempt++) {
        const text = JSON.stringify({ instanceId: p.instanceId, hour, value });
        metering.reports++;
        const res = await fetch(new URL('/usage', svc.url), {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-KooGallery-Signature': signPayload([usageSecret], text, Date.now()),
          },
          body: text,
        }).catch((e: unknown) => e as Error);
        const ok = !(res instanceof Error) && res.status === 200;
        if (!(res instanceof Error)) await res.arrayBuffer();
        if (!ok)
          metering.reportFailures.push(
            `${p.orderId} ${hour}: ${res instanceof Error ? res.message : res.status}`,
          );
      }
    }
  }
  const perOrder = Math.ceil(opts.requests / opts.orders);

  /** Sends without waiting for the answer (a duplicate); the run still counts and judges it. */
  function sendAlongside(activity: string, body: Record<string, unknown>): void {
    const pending = once(activity, body);
    alongside.add(pending);
    void pending.then(() => alongside.delete(pending));
  }

  async function once(activity: string, body: Record<string, unknown>) {
    sent++;
    const a = await client.send(body);
    const list = latencies[activity] ?? [];
    list.push(a.ms);
    latencies[activity] = list;
    statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    const code = a.resultCode || `(none${a.error ? `: ${a.error}` : ''})`;
    resultCodes[code] = (resultCodes[code] ?? 0) + 1;
    return a;
  }

  /** Delivers until `000000`, as KooGallery retries; duplicates are sent alongside when asked. */
  async function deliver(label: string, body: Record<string, unknown>, duplicate: boolean) {
    const activity = body.activity as string;
    if (duplicate) {
      duplicatedOrReordered++;
      sendAlongside(activity, body);
    }
    for (let attempt = 0; attempt < MAX_DELIVERY_ATTEMPTS && Date.now() < stopAt; attempt++) {
      if (attempt > 0) {
        retries++;
        await sleep(RETRY_DELAY_MS + random.int(RETRY_DELAY_MS));
      }
      const a = await once(activity, body);
      if (a.resultCode === '000000') return;
    }
    unconverged.push(label);
  }

  const filler = (p: OrderPlan): Record<string, unknown> => {
    const r = random.int(100);
    if (r < 55) return { activity: 'queryInstance', instanceId: p.instanceId };
    if (r < 80) {
      return {
        activity: 'changeInstanceCheck',
        instanceId: p.instanceId,
        productInfo: { productId: 'OFFI000000000000MOCK', skuCode: 'sku-2', productName: 'p' },
      };
    }
    if (r < 90) {
      const probe = `${p.orderId}P${random.int(3)}`;
      return {
        activity: 'newInstance',
        orderId: probe,
        orderLineId: `${probe}-000001`,
        businessId: 'probe',
        testFlag: '1',
      };
    }
    return { activity: 'queryInstance', instanceId: p.instanceId, testFlag: '1' };
  };

  async function drive(p: OrderPlan): Promise<void> {
    const purchase = {
      activity: 'newInstance',
      orderId: p.orderId,
      orderLineId: p.lineId,
      businessId: `B${p.orderId}`,
    };
    const renewalBody = (k: number) => {
      const r = p.renewals[k] as OrderPlan['renewals'][number];
      return {
        activity: 'refreshInstance',
        instanceId: p.instanceId,
        orderId: r.orderId,
        orderLineId: `${r.orderId}-000001`,
        scene: r.scene,
        expireTime: formatKooTime(r.expireTime),
      };
    };
    const startSent = sent;
    // Reordered: a renewal that arrives before the purchase is answered (000003 or 000004).
    if (oneIn(6)) {
      duplicatedOrReordered++;
      sendAlongside('refreshInstance', renewalBody(0));
    }
    await deliver(`${p.orderId} newInstance`, purchase, oneIn(3));

    const steps: [string, Record<string, unknown>][] = [
      ['renewal 0', renewalBody(0)],
      ['renewal 1', renewalBody(1)],
      [
        'upgrade',
        {
          activity: 'upgradeInstance',
          instanceId: p.instanceId,
          orderId: p.upgradeOrderId,
          orderLineId: `${p.upgradeOrderId}-000001`,
        },
      ],
      ['freeze', { activity: 'updateInstanceStatus', instanceId: p.instanceId, status: 'FREEZE' }],
      [
        'unfreeze',
        { activity: 'updateInstanceStatus', instanceId: p.instanceId, status: 'UNFREEZE' },
      ],
      ['query', { activity: 'queryInstance', instanceId: p.instanceId }],
    ];
    const planned = steps.length * 1.34 + 2.7 + (p.release ? 1.7 : 0);
    const fillers = Math.max(0, Math.round(perOrder - planned));
    for (let k = 0; k < fillers; k++) steps.push([`filler ${k}`, filler(p)]);
    const shuffled = random.shuffle(steps);
    // Reordered: a step delivered late, after everything else, once more.
    const late = shuffled[random.int(shuffled.length)];
    for (const [label, body] of shuffled) {
      await deliver(`${p.orderId} ${label}`, body, oneIn(3));
    }
    if (late && oneIn(3) && late[1].activity !== 'updateInstanceStatus') {
      duplicatedOrReordered++;
      await once(late[1].activity as string, late[1]);
    }
    // Pay-per-use: the SaaS reports the hours while the instance is live (#11).
    if (p.usage) await reportUsage(p);
    if (p.release) {
      await deliver(
        `${p.orderId} release`,
        { activity: 'releaseInstance', instanceId: p.instanceId },
        oneIn(3),
      );
      // Late replays after the release: an applied renewal and the purchase itself.
      duplicatedOrReordered += 2;
      await once('refreshInstance', renewalBody(1));
      await once('newInstance', purchase);
    }
    // Top up to the per-order share of the requested total with polls.
    for (let k = 0; sent - startSent < perOrder && k < perOrder && Date.now() < stopAt; k++) {
      await once('queryInstance', { activity: 'queryInstance', instanceId: p.instanceId });
    }
  }

  const started = performance.now();
  const queue = [...plans];
  const ticker = options.onProgress
    ? setInterval(
        () => options.onProgress?.(sent, opts.requests, performance.now() - started),
        5000,
      )
    : undefined;
  // Pushes run while the load goes on, two at a time (#11).
  let pushing = true;
  const pusher = (async () => {
    while (pushing) {
      await pushTwice();
      // Each run scans the table: every few seconds is already far more often than the hourly
      // schedule, and keeps the embedded store (one process, shared with the load) answering.
      await sleep(PUSH_EVERY_MS);
    }
  })();
  try {
    try {
      await Promise.all(
        Array.from({ length: opts.concurrency }, async () => {
          for (let p = queue.shift(); p && Date.now() < stopAt; p = queue.shift()) await drive(p);
        }),
      );
    } finally {
      clearInterval(ticker);
      pushing = false;
      await pusher;
    }
    // Every duplicate is answered (or fails at the client's 30 s timeout) before the run is judged.
    await Promise.all(alongside);
    // A last (concurrent) push for the hours reported after the last run during the load, repeated
    // until one run holds the lease and finishes (a run that failed under the load may still hold it).
    for (let attempt = 0; attempt < 10 && (await pushTwice()) === 0; attempt++) await sleep(1000);
  } finally {
    pushTable.destroy();
  }
  const durationMs = performance.now() - started;
  client.close();

  const all = Object.values(latencies)
    .flat()
    .sort((a, b) => a - b);
  const byActivity: LoadReport['byActivity'] = {};
  for (const [activity, values] of Object.entries(latencies)) {
    const sorted = [...values].sort((a, b) => a - b);
    byActivity[activity] = {
      count: sorted.length,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
    };
  }
  return {
    options: opts,
    requests: sent,
    durationMs,
    throughput: (sent / durationMs) * 1000,
    p50Ms: percentile(all, 0.5),
    p99Ms: percentile(all, 0.99),
    maxMs: all[all.length - 1] ?? 0,
    byActivity,
    statuses,
    resultCodes,
    duplicatedOrReordered,
    retries,
    unconverged,
    tableProblems: await judgeTable(svc, plans),
    metering,
  };
}

function sumValues(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Every way the table can be wrong after the run, one line each (at most 20 listed). */
async function judgeTable(svc: SpawnedService, plans: OrderPlan[]): Promise<string[]> {
  const table = await scanTable(svc.storeEndpoint, LOCAL_TABLE);
  const problems: string[] = [];
  const real = table.instances.filter((r) => r.namespace === 'real');
  const byId = new Map(real.map((r) => [r.instanceId, r]));
  if (real.length !== plans.length) {
    problems.push(`${real.length} real instances for ${plans.length} orders`);
  }
  for (const p of plans) {
    const r = byId.get(p.instanceId);
    if (!r) {
      problems.push(`${p.orderId}: no instance`);
      continue;
    }
    if (r.orderId !== p.orderId) problems.push(`${p.orderId}: instance names order ${r.orderId}`);
    const expected = p.release ? ['RELEASED'] : ['ACTIVE', 'FROZEN'];
    if (!expected.includes(r.status)) problems.push(`${p.orderId}: status ${r.status}`);
    if (p.release && r.sealedAppInfo !== undefined) {
      problems.push(`${p.orderId}: released but still holds credentials`);
    }
    if (!p.release && r.sealedAppInfo === undefined) {
      problems.push(`${p.orderId}: ${r.status} without sealed appInfo`);
    }
    const keys = [
      `${p.orderId}/${p.lineId}`,
      ...p.renewals.map((x) => `${x.orderId}/${x.orderId}-000001`),
      `${p.upgradeOrderId}/${p.upgradeOrderId}-000001`,
    ];
    for (const key of keys) {
      const n = r.appliedOrders.filter((k) => k === key).length;
      if (n !== 1) problems.push(`${p.orderId}: order ${key} applied ${n} times`);
    }
    if (r.appliedOrders.length !== keys.length) {
      problems.push(`${p.orderId}: ${r.appliedOrders.length} applied orders, ${keys.length} sent`);
    }
    const expiry = Math.max(...p.renewals.map((x) => x.expireTime));
    if (r.expireTime !== expiry) {
      problems.push(`${p.orderId}: expiry ${r.expireTime}, expected ${expiry}`);
    }
  }
  const stray = table.instances.filter((r) => r.status === 'PROVISIONING');
  if (stray.length > 0) problems.push(`${stray.length} instances left PROVISIONING`);
  problems.push(...(await judgeUsage(svc, plans, table)));
  return problems.length > 20
    ? [...problems.slice(0, 20), `…${problems.length - 20} more`]
    : problems;
}

/**
 * Pay-per-use in the table (#11): every metered order's reported hours recorded once with the exact
 * value and accepted after the last push, its total counting each hour once, no usage for any other
 * instance, and the stand-in having received each `metering_sn` exactly once despite pushes that ran
 * two at a time during the load.
 */
async function judgeUsage(
  svc: SpawnedService,
  plans: OrderPlan[],
  table: Awaited<ReturnType<typeof scanTable>>,
): Promise<string[]> {
  const problems: string[] = [];
  const units = (v: string) => {
    const [w, f = ''] = v.split('.');
    return Number(w) * 10_000 + Number(f.padEnd(4, '0'));
  };
  const byInstance = new Map<string, typeof table.usageHours>();
  for (const h of table.usageHours)
    byInstance.set(h.instanceId, [...(byInstance.get(h.instanceId) ?? []), h]);
  const metered = new Set(plans.filter((p) => p.usage).map((p) => p.instanceId));
  for (const id of byInstance.keys()) {
    if (!metered.has(id)) problems.push(`usage recorded for ${id}, which is not a metered order`);
  }
  const runtime = readRuntimeFile(svc.dataDir);
  const endpoint =
    runtime.kind === 'running' ? runtime.runtime.settings.KOOGALLERY_API_ENDPOINT : undefined;
  const seen = endpoint
    ? ((await (await fetch(`${endpoint}/__stand-in/usage/records`)).json()) as {
        received: Record<string, number>;
      })
    : { received: {} };
  const serials = new Set<string>();
  for (const p of plans) {
    if (!p.usage) continue;
    const hours = byInstance.get(p.instanceId) ?? [];
    const expected = Object.entries(p.usage).map(
      ([h, v]) => [h.replace(/[-T]/g, ''), units(v)] as const,
    );
    const total = table.usageTotals.get(p.instanceId) ?? {};
    for (const [hour, u] of expected) {
      const found = hours.filter((h) => h.hour === hour);
      if (found.length !== 1 || found[0]?.units !== u) {
        problems.push(
          `${p.orderId}: hour ${hour} stored ${found.length}× with ${found.map((h) => h.units).join(',')}, expected ${u}`,
        );
        continue;
      }
      const h = found[0];
      if (h.state !== 'ACCEPTED' || h.expiresAt === undefined)
        problems.push(`${p.orderId}: hour ${hour} is ${h.state} after the last push`);
      if (serials.has(h.meteringSn))
        problems.push(`${p.orderId}: metering_sn ${h.meteringSn} used twice`);
      serials.add(h.meteringSn);
      const received = seen.received[h.meteringSn] ?? 0;
      if (received !== 1)
        problems.push(`${p.orderId}: hour ${hour} reached KooGallery ${received} times`);
      if (total[hour] !== u)
        problems.push(`${p.orderId}: total counts hour ${hour} as ${total[hour]}, expected ${u}`);
    }
    if (hours.length !== expected.length || Object.keys(total).length !== expected.length) {
      problems.push(
        `${p.orderId}: ${hours.length} hours and ${Object.keys(total).length} counted, ${expected.length} reported`,
      );
    }
  }
  return problems;
}

/** What a report says is wrong with the run, empty when it passed. */
export function loadFailures(report: LoadReport): string[] {
  const failures: string[] = [];
  const answered = sumValues(report.statuses);
  if (answered !== report.requests) {
    failures.push(`${answered} answers counted for ${report.requests} requests sent`);
  }
  const non200 = Object.entries(report.statuses).filter(([s]) => s !== '200');
  if (non200.length > 0) failures.push(`HTTP statuses other than 200: ${JSON.stringify(non200)}`);
  const internal = report.resultCodes['000005'] ?? 0;
  if (internal > 0) failures.push(`${internal} answers were 000005`);
  const unknown = Object.keys(report.resultCodes).filter((c) => !/^\d{6}$/.test(c));
  if (unknown.length > 0) failures.push(`answers without a result code: ${unknown.join(', ')}`);
  if (report.unconverged.length > 0) {
    failures.push(
      `${report.unconverged.length} deliveries never got 000000: ${report.unconverged.slice(0, 5).join('; ')}`,
    );
  }
  if (report.metering.reportFailures.length > 0) {
    failures.push(
      `${report.metering.reportFailures.length} usage reports were not answered 200: ${report.metering.reportFailures.slice(0, 3).join('; ')}`,
    );
  }
  if (report.requests < report.options.requests) {
    failures.push(`only ${report.requests} of ${report.options.requests} requests were sent`);
  }
  return [...failures, ...report.tableProblems];
}

/** The report as a few printable lines. */
export function formatLoadReport(r: LoadReport): string {
  const o = r.options;
  const lines = [
    `load: ${o.orders} orders, ${r.requests} requests, ${o.concurrency} connections (seed ${o.seed})`,
    `  ${(r.durationMs / 1000).toFixed(1)} s, ${r.throughput.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, ` +
      `p99 ${r.p99Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(0)} ms`,
    `  duplicated or reordered: ${r.duplicatedOrReordered} (${((r.duplicatedOrReordered / r.requests) * 100).toFixed(0)}%), ` +
      `retries: ${r.retries}`,
    `  HTTP statuses: ${JSON.stringify(r.statuses)}`,
    `  result codes: ${JSON.stringify(r.resultCodes)}`,
    `  pay-per-use: ${r.metering.meteredOrders} metered orders, ${r.metering.reports} usage reports (each sent twice), ` +
      `${r.metering.pushRuns} push runs two at a time (${r.metering.pushesThatRan} held the lease, ${r.metering.pushRunsFailed} failed and were retried)`,
    '  activity               count    p50 ms    p99 ms',
    ...Object.entries(r.byActivity).map(
      ([a, s]) =>
        `  ${a.padEnd(22)} ${String(s.count).padStart(5)} ${s.p50Ms.toFixed(1).padStart(9)} ${s.p99Ms
          .toFixed(1)
          .padStart(9)}`,
    ),
  ];
  return lines.join('\n');
}
