/**
 * `npm run bench` (issue 6 item 4): this function against the floor on one in-memory dynalite in
 * this process. Per activity: p50/p99 latency and requests per second at 1 and 64 connections,
 * store round trips per request (counted at dynalite) and the p50 ratio to the floor; then the
 * cold start of the bundled handler against the bundled floor, and the bundle size.
 * Prints a table and, for each target, whether this run meets it (bench/targets.ts); `--json`
 * prints the figures and the verdicts as JSON. Targets are reported, never asserted.
 * A shorter run: BENCH_N1 (default 150), BENCH_N64 (1000) and BENCH_COLD_RUNS (5).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { createApp } from '../lib/app';
import { loadConfig } from '../lib/config';
import { buildDeps } from '../lib/deps';
import { instanceIdFor } from '../lib/ids';
import { startLocalHttpServer } from '../lib/local/http-server';
import { startOpenApiStandIn } from '../lib/local/open-api-stand-in';
import { silentLogger } from '../lib/log';
import { signRequest } from '../lib/protocol/request-signature';
import { createDynamooseStore } from '../lib/store/dynamoose-store';
import { BUNDLE_OPTIONS } from '../scripts/build';
import { startTestDynalite, TEST_DYNAMO } from '../tests/helpers/dynalite';
import { createSignedClient, percentile } from '../tests/helpers/signed-client';
import { startFloorServer } from './floor';
import { evaluateTargets, formatVerdict } from './targets';

const ROOT = join(__dirname, '..');
const N1 = Number(process.env.BENCH_N1 ?? 150);
const N64 = Number(process.env.BENCH_N64 ?? 1000);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);

/** One measured phase. */
interface Phase {
  name: string;
  connections: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  rps: number;
  roundTrips: number;
  codes: Record<string, number>;
}

async function main(argv: string[]): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const json = argv.includes('--json');
  const say = (line: string) => json || process.stderr.write(`${line}\n`);
  const accessKey = randomBytes(18).toString('base64url');
  const ak = 'BENCHAK0000000001';
  const sk = randomBytes(16).toString('hex');
  const dynamo = await startTestDynalite();
  const standIn = await startOpenApiStandIn({ ak, sk, accessKey });
  const settings: Record<string, string> = {
    KOOGALLERY_ACCESS_KEY: accessKey,
    HUAWEICLOUD_AK: ak,
    HUAWEICLOUD_SK: sk,
    CREDENTIALS_KEY: randomBytes(32).toString('base64'),
    KOOGALLERY_API_ENDPOINT: standIn.endpoint,
    TABLE_NAME: dynamo.tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    FRONTEND_URL_TEMPLATE: 'https://{shortId}.tenants.example.com/',
  };
  const config = loadConfig((k) => settings[k]);
  const deps = buildDeps(config, {
    log: silentLogger,
    store: createDynamooseStore({
      tableName: dynamo.tableName,
      endpoint: dynamo.endpoint,
      region: TEST_DYNAMO.region,
      credentials: TEST_DYNAMO.credentials,
      requestTimeoutMs: 1500,
    }),
  });
  const fn = await startLocalHttpServer(createApp(deps), { port: 0, maxBodyBytes: 65536 });
  const floor = await startFloorServer({
    accessKey,
    endpoint: dynamo.endpoint,
    tableName: dynamo.tableName,
  });

  const phases: Phase[] = [];
  async function measure(
    name: string,
    url: string,
    connections: number,
    bodies: Record<string, unknown>[],
  ): Promise<Phase> {
    const client = createSignedClient(url, accessKey, connections);
    const ms: number[] = [];
    const codes: Record<string, number> = {};
    let next = 0;
    dynamo.takeRequestCount();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        for (let i = next++; i < bodies.length; i = next++) {
          const a = await client.send(bodies[i]);
          ms.push(a.ms);
          const code = a.resultCode || String(a.status);
          codes[code] = (codes[code] ?? 0) + 1;
        }
      }),
    );
    const elapsed = performance.now() - started;
    const trips = dynamo.takeRequestCount();
    client.close();
    ms.sort((a, b) => a - b);
    const phase: Phase = {
      name,
      connections,
      requests: bodies.length,
      p50Ms: percentile(ms, 0.5),
      p99Ms: percentile(ms, 0.99),
      rps: (bodies.length / elapsed) * 1000,
      roundTrips: trips / bodies.length,
      codes,
    };
    phases.push(phase);
    say(
      `  ${name} x${connections}: p50 ${phase.p50Ms.toFixed(1)} ms, ${phase.rps.toFixed(0)} req/s`,
    );
    return phase;
  }

  const run = `BN${Date.now().toString(36).toUpperCase()}`;
  let orderCount = 0;
  const newOrders = (n: number) =>
    Array.from({ length: n }, () => {
      const orderId = `${run}N${orderCount++}`;
      return { activity: 'newInstance', orderId, orderLineId: `${orderId}-1`, businessId: 'b' };
    });
  const idOf = (b: { orderId: string; orderLineId: string }) =>
    instanceIdFor('real', b.orderId, b.orderLineId);

  say('warming up…');
  await measure('warm-up floor', floor.url, 8, newOrders(200));
  await measure('warm-up newInstance', fn.url, 8, newOrders(200));
  phases.length = 0;

  say('measuring…');
  await measure('floor', floor.url, 1, newOrders(N1));
  await measure('floor', floor.url, 64, newOrders(N64));
  const pool1 = newOrders(N1);
  const pool64 = newOrders(N64);
  await measure('newInstance', fn.url, 1, pool1);
  await measure('newInstance', fn.url, 64, pool64);
  const product = { productId: 'OFFI000000000000MOCK', skuCode: 'sku-2', productName: 'p' };
  // Each activity over the instances bought above, in an order the state rules allow (release last).
  const activities: [string, (instanceId: string, tag: string) => Record<string, unknown>][] = [
    ['queryInstance', (instanceId) => ({ instanceId })],
    [
      'refreshInstance',
      (instanceId, tag) => ({
        scene: 'RENEWAL',
        instanceId,
        orderId: `${run}R${tag}`,
        orderLineId: `${run}R${tag}-1`,
        expireTime: '20991231235959',
      }),
    ],
    [
      'upgradeInstance',
      (instanceId, tag) => ({
        instanceId,
        orderId: `${run}U${tag}`,
        orderLineId: `${run}U${tag}-1`,
      }),
    ],
    ['changeInstanceCheck', (instanceId) => ({ instanceId, productInfo: product })],
    ['updateInstanceStatus', (instanceId) => ({ instanceId, status: 'FREEZE' })],
    ['releaseInstance', (instanceId) => ({ instanceId })],
  ];
  for (const [activity, bodyOf] of activities) {
    for (const [c, pool] of [
      [1, pool1],
      [64, pool64],
    ] as const) {
      await measure(
        activity,
        fn.url,
        c,
        pool.map((b, i) => ({ activity, ...bodyOf(idOf(b), `${c}x${i}`) })),
      );
    }
  }

  say('cold starts…');
  const cold = await coldStarts(settings, accessKey);

  await fn.close();
  floor.server.close();
  floor.server.closeAllConnections();
  await deps.background.drain();
  await standIn.close();
  await dynamo.close();

  const floorP50 = (c: number) =>
    phases.find((p) => p.name === 'floor' && p.connections === c)?.p50Ms ?? 1;
  const rows = phases.map((p) => ({ ...p, ratio: p.p50Ms / floorP50(p.connections) }));
  const targets = evaluateTargets(rows, cold);
  const report = {
    rows,
    cold,
    targets,
    nodeVersion: process.version,
    cpus: cpus().length,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  out.push(
    'activity              conns    p50 ms    p99 ms     req/s  store trips  p50/floor  codes',
  );
  for (const r of rows) {
    out.push(
      `${r.name.padEnd(21)} ${String(r.connections).padStart(5)} ${r.p50Ms.toFixed(1).padStart(9)} ${r.p99Ms
        .toFixed(1)
        .padStart(
          9,
        )} ${r.rps.toFixed(0).padStart(9)} ${r.roundTrips.toFixed(2).padStart(12)} ${r.ratio
        .toFixed(2)
        .padStart(9)}x  ${JSON.stringify(r.codes)}`,
    );
  }
  out.push('');
  out.push(
    `cold start (spawn to first signed answer, median of ${COLD_RUNS}): function ${cold.functionMs.toFixed(0)} ms, ` +
      `floor ${cold.floorMs.toFixed(0)} ms, ratio ${(cold.functionMs / cold.floorMs).toFixed(2)}x`,
  );
  out.push(
    `bundle: function ${(cold.functionBundleBytes / 1024).toFixed(1)} KiB (target < 1024 KiB), floor ${(cold.floorBundleBytes / 1024).toFixed(1)} KiB`,
  );
  out.push('');
  out.push(`targets (${targets.filter((t) => t.met).length} of ${targets.length} met):`);
  for (const verdict of targets) out.push(`  ${formatVerdict(verdict)}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Bundles both entries like scripts/build.ts and times fresh processes answering one request. */
async function coldStarts(settings: Record<string, string>, accessKey: string) {
  const dir = await mkdtemp(join(tmpdir(), 'koogallery-bench-'));
  try {
    // The deployed bundles' own options (shims included), for the function and the floor alike.
    const common = { ...BUNDLE_OPTIONS, sourcemap: false, metafile: false, write: true };
    const fnFile = join(dir, 'handler.js');
    const floorFile = join(dir, 'floor.js');
    await build({
      ...common,
      entryPoints: [join(ROOT, 'functions/production/handler.ts')],
      outfile: fnFile,
    });
    await build({
      ...common,
      entryPoints: [join(ROOT, 'bench/floor-entry.ts')],
      outfile: floorFile,
    });
    const env = {
      PATH: process.env.PATH,
      ...settings,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'local',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LOG_LEVEL: 'warn',
    };
    const script = `const t0=Date.now();const {handler}=require(process.argv[1]);const e=JSON.parse(process.env.BENCH_EVENT);
Promise.resolve(handler(e,{getRemainingTimeInMillis:()=>10000,awsRequestId:'cold'})).then(r=>{process.stdout.write(JSON.stringify({ms:Date.now()-t0,body:r.body}));});`;
    const once = async (file: string): Promise<number> => {
      const orderId = `COLD${randomBytes(5).toString('hex')}`;
      const body = JSON.stringify({
        activity: 'newInstance',
        orderId,
        orderLineId: `${orderId}-1`,
        businessId: 'b',
      });
      const timestamp = String(Date.now());
      const nonce = randomBytes(16).toString('hex');
      const signature = signRequest(accessKey, nonce, timestamp, Buffer.from(body));
      const event = {
        version: '2.0',
        rawPath: '/',
        rawQueryString: `signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`,
        headers: { 'content-type': 'application/json' },
        requestContext: { http: { method: 'POST' } },
        body,
        isBase64Encoded: false,
      };
      const started = performance.now();
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, file], {
        env: { ...env, BENCH_EVENT: JSON.stringify(event) },
        timeout: 30_000,
      });
      const ms = performance.now() - started;
      if (!stdout.includes('000000'))
        throw new Error(`cold start answered ${stdout.slice(0, 200)}`);
      return ms;
    };
    const median = (xs: number[]) =>
      percentile(
        [...xs].sort((a, b) => a - b),
        0.5,
      );
    const fnTimes: number[] = [];
    const floorTimes: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      fnTimes.push(await once(fnFile));
      floorTimes.push(await once(floorFile));
    }
    return {
      functionMs: median(fnTimes),
      floorMs: median(floorTimes),
      functionRunsMs: fnTimes,
      floorRunsMs: floorTimes,
      functionBundleBytes: (await stat(fnFile)).size,
      floorBundleBytes: (await stat(floorFile)).size,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
