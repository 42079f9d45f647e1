/**
 * `koogallery-sim lifecycle --suite ondemand` (#11): the life of one real pay-per-use order. It
 * buys an on-demand order (`MOCKONDEMAND-<fresh>`, which the local stand-in answers as
 * `chargingMode` ON_DEMAND), reports two closed hours through the signed `/usage` route, replays
 * and contradicts a report, checks `usageInfo` in `queryInstance`, runs the push job and checks what
 * the stand-in accepted (against the local `npm start`), then releases the instance and checks that
 * usage after the release is refused.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { USAGE_REPORT_SECRET_FILE } from '../local/data-files';
import {
  firstInfo,
  type Invariant,
  instanceIdOf,
  type LifecycleOptions,
  type LifecycleReport,
  type LifecycleStep,
  type Problem,
  type Story,
} from './lifecycle-story';
import type { SeededRandom } from './random';
import { utcStamp } from './suites';

/** What the local environment lets the story do beyond HTTP: run a push, read the stand-in. */
export interface OnDemandHooks {
  /** The secret usage reports are signed with (USAGE_REPORT_SECRET). */
  secret: string;
  /** Runs the push job once; undefined when the target is not the local `npm start`. */
  push?: () => Promise<{ ran: boolean; accepted: number; failed: number; pending: number }>;
  /** What the stand-in accepted and how often each `metering_sn` arrived. */
  standIn?: () => Promise<{
    records: { metering_sn: string; instance_id: string; usage_value: string }[];
    received: Record<string, number>;
  }>;
}

/** The result of one usage report. */
interface ReportAnswer {
  status: number;
  results: { outcome?: string; reason?: string; message?: string; meteringSn?: string }[];
  error?: string;
  ms: number;
}

const HOUR = 3_600_000;
const hourAgo = (now: number, h: number) => new Date(now - h * HOUR).toISOString().slice(0, 13);

function reportUrl(url: string): string {
  const u = new URL(url);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/usage`;
  u.search = '';
  return u.toString();
}

async function sendReport(url: string, secret: string, body: unknown): Promise<ReportAnswer> {
  const text = JSON.stringify(body);
  const started = performance.now();
  try {
    const res = await fetch(reportUrl(url), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-KooGallery-Signature': signUsageReport(secret, text, Date.now()),
        'User-Agent': 'koogallery-sim',
      },
      body: text,
      signal: AbortSignal.timeout(20_000),
    });
    const json = (await res.json().catch(() => ({}))) as {
      results?: ReportAnswer['results'];
      error?: string;
    };
    return {
      status: res.status,
      results: json.results ?? [],
      ...(json.error ? { error: json.error } : {}),
      ms: performance.now() - started,
    };
  } catch (error) {
    return {
      status: 0,
      results: [],
      error: error instanceof Error ? error.message : String(error),
      ms: performance.now() - started,
    };
  }
}

/** Records a step that is not a KooGallery call (a usage report, a push run). */
function step(
  story: Story,
  options: LifecycleOptions,
  s: {
    title: string;
    activity: string;
    expect: string[];
    got: string[];
    ms: number;
    problems: Problem[];
    note?: string;
  },
): LifecycleStep {
  const recorded: LifecycleStep = {
    n: story.steps.length + 1,
    ...s,
    ok: s.problems.length === 0,
    findings: [],
  };
  story.steps.push(recorded);
  options.onStep?.(recorded);
  return recorded;
}

/**
 * A never-seen on-demand order id, `MOCKONDEMAND-<yyMMddHHmmssSSS><random>`, which the local
 * stand-in answers as `chargingMode` ON_DEMAND: the time keeps it fresh (the same `--seed` run again
 * buys a new order, not the one the last run released), `random` (the story's seed) gives the rest.
 */
export function freshOnDemandOrderId(nowMs: number, random: SeededRandom): string {
  const stamp = `${utcStamp(nowMs).slice(2, 14)}${String(nowMs % 1000).padStart(3, '0')}`;
  return `MOCKONDEMAND-${stamp}${random.hex(5)}`;
}

/**
 * Runs the on-demand story against `options.target` (SaaS V2.0); `runLifecycle` calls it with
 * the hooks, and stops it at an unreachable target.
 */
export async function runOnDemandLifecycle(
  options: LifecycleOptions,
  hooks: OnDemandHooks,
  story: Story,
): Promise<LifecycleReport> {
  const orderId = freshOnDemandOrderId(story.started, story.random);
  options.onStart?.(orderId);
  const url = options.target.url;
  const purchase = await story.one(
    'buy an on-demand order (chargingMode ON_DEMAND)',
    {
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-000001`,
      businessId: story.random.hex(8),
    },
    { expect: ['000000', '000004'] },
  );
  const instanceId = instanceIdOf(purchase);
  const invariants: Invariant[] = [];
  if (instanceId === undefined) {
    invariants.push({
      name: 'usage summed in usageInfo',
      ok: false,
      detail: 'no instance was created',
    });
    return story.report('v2', orderId, invariants, {});
  }
  const query = () => ({ activity: 'queryInstance', instanceId });
  await story.untilDone('query until ready', query);
  const usageOf = (ex: Parameters<typeof firstInfo>[0]) =>
    (
      firstInfo(ex)?.usageInfo as { usageValue?: unknown; statisticalTime?: unknown }[] | undefined
    )?.[0];
  await story.one('query before any usage: no usageInfo', query(), {
    check: (ex) =>
      usageOf(ex) === undefined
        ? []
        : [
            {
              message: 'usageInfo before any usage was reported',
              fix: 'answer usageInfo only once usage is recorded',
            },
          ],
  });

  const now = Date.now();
  const [h1, h2] = [hourAgo(now, 3), hourAgo(now, 2)];
  const expectOutcome = (
    title: string,
    a: ReportAnswer,
    status: number,
    outcome: string,
    reason?: string,
  ) => {
    const r = a.results[0];
    const got = `${a.status} ${r?.outcome ?? a.error ?? ''}${r?.reason ? ` (${r.reason})` : ''}`;
    const problems: Problem[] =
      a.status === status &&
      r?.outcome === outcome &&
      (reason === undefined || r?.reason === reason)
        ? []
        : [
            {
              message: `expected ${status} ${outcome}${reason ? ` (${reason})` : ''}, got ${got}${r?.message ? `: ${r.message}` : a.error ? `: ${a.error}` : ''}`,
              fix: 'see the README: reporting usage (USAGE_REPORT_SECRET, /usage)',
            },
          ];
    step(story, options, {
      title,
      activity: 'usage report',
      expect: [`${status} ${outcome}`],
      got: [got],
      ms: a.ms,
      problems,
      ...(r?.meteringSn ? { note: `metering_sn ${r.meteringSn}` } : {}),
    });
    return r;
  };
  const first = expectOutcome(
    `report hour ${h1} = 1.25`,
    await sendReport(url, hooks.secret, { instanceId, hour: h1, value: '1.25' }),
    200,
    'recorded',
  );
  const second = expectOutcome(
    `report hour ${h2} = 2.5`,
    await sendReport(url, hooks.secret, { records: [{ instanceId, hour: h2, value: '2.5' }] }),
    200,
    'recorded',
  );
  const replay = expectOutcome(
    `the report of ${h1} again (a retry)`,
    await sendReport(url, hooks.secret, { instanceId, hour: h1, value: '1.25' }),
    200,
    'already-recorded',
  );
  const conflict = expectOutcome(
    `another value for ${h1}`,
    await sendReport(url, hooks.secret, { instanceId, hour: h1, value: '9' }),
    422,
    'refused',
    'conflict',
  );
  expectOutcome(
    'a future hour',
    await sendReport(url, hooks.secret, { instanceId, hour: hourAgo(now, -2), value: '1' }),
    422,
    'refused',
    'future-hour',
  );
  expectOutcome(
    'five decimals',
    await sendReport(url, hooks.secret, { instanceId, hour: hourAgo(now, 4), value: '1.00001' }),
    422,
    'refused',
    'bad-value',
  );

  const summed = await story.one('query: usageInfo sums the two hours', query(), {
    check: (ex) => {
      const u = usageOf(ex);
      const end = `${new Date(Date.parse(`${h2}:00:00Z`) + HOUR).toISOString().slice(0, 13).replace(/[-T]/g, '')}0000000`;
      return u?.usageValue === 3.75 && u.statisticalTime === end
        ? []
        : [
            {
              message: `usageInfo is ${JSON.stringify(u)}, expected usageValue 3.75 and statisticalTime ${end}`,
              fix: 'sum every recorded hour; statisticalTime is the end of the last hour (yyyyMMddHHmmssSSS, UTC)',
            },
          ];
    },
    note: (ex) => `usageInfo ${JSON.stringify(usageOf(ex))}`,
  });
  invariants.push({
    name: 'usage summed in usageInfo',
    ok: usageOf(summed)?.usageValue === 3.75,
    detail: `two hours (1.25 + 2.5) answered usageValue ${String(usageOf(summed)?.usageValue)}`,
  });
  invariants.push({
    name: 'an hour is recorded once',
    ok: replay?.outcome === 'already-recorded' && conflict?.reason === 'conflict',
    detail: 'the same report again changed nothing; another value for the hour was refused',
  });

  const sns = [first?.meteringSn, second?.meteringSn].filter((x): x is string => x !== undefined);
  if (hooks.push && hooks.standIn) {
    const started = performance.now();
    const run = await hooks.push();
    step(story, options, {
      title: 'push: the two hours go to KooGallery',
      activity: 'usage push',
      expect: ['accepted'],
      got: [`${run.accepted} accepted, ${run.failed} failed`],
      ms: performance.now() - started,
      problems:
        run.ran && run.failed === 0 && run.accepted >= 2
          ? []
          : [
              {
                message: `push ran ${run.ran}, accepted ${run.accepted}, failed ${run.failed}`,
                fix: 'run `npx koogallery-admin usage push` and read its answer',
              },
            ],
    });
    const again = await hooks.push();
    step(story, options, {
      title: 'push again: nothing left to send',
      activity: 'usage push',
      expect: ['0 pending'],
      got: [`${again.pending} pending`],
      ms: 0,
      problems:
        again.pending === 0
          ? []
          : [
              {
                message: `${again.pending} records still pending after a successful push`,
                fix: 'mark records accepted when KooGallery answers success',
              },
            ],
    });
    const seen = await hooks.standIn();
    const counts = sns.map((sn) => seen.received[sn] ?? 0);
    invariants.push({
      name: 'each hour pushed once',
      ok: counts.length === 2 && counts.every((c) => c === 1),
      detail: `the stand-in received the two metering_sn ${counts.join(' and ')} time(s)`,
    });
  } else {
    invariants.push({
      name: 'each hour pushed once',
      ok: undefined,
      detail:
        'the push runs hourly on the deployment: run `koogallery-admin usage push` there and check `usage list`',
    });
  }

  await story.one('release', { activity: 'releaseInstance', instanceId });
  const late = expectOutcome(
    'usage after the release',
    await sendReport(url, hooks.secret, { instanceId, hour: hourAgo(now, 5), value: '1' }),
    422,
    'refused',
    'released',
  );
  invariants.push({
    name: 'no usage after release',
    ok: late?.reason === 'released',
    detail: 'a report after the release was refused',
  });
  return story.report('v2', orderId, invariants, { instanceId });
}

/** The simulator's own copy of the report signature (`t=<s>,v1=<hex HMAC-SHA256(secret, "t.body")>`). */
export function signUsageReport(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** The operator tool the story runs for a push, as a seller would: `koogallery-admin usage push --json`. */
const ADMIN_BIN = join(__dirname, '..', '..', 'bin', 'koogallery-admin.js');
/** What `npm start` publishes in DATA_DIR (lib/local/runtime-file.ts), read here on its own. */
const RUNTIME_FILE = 'local-runtime.json';
/** The stand-in's loopback route listing what it accepted. */
const STAND_IN_RECORDS = '/__stand-in/usage/records';

function adminPush(
  dataDir: string,
  cwd: string,
): Promise<{ ran: boolean; accepted: number; failed: number; pending: number }> {
  return new Promise((done, fail) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
    // The running npm start's store, not a deployed table named in this shell.
    delete env.TABLE_NAME;
    delete env.DYNAMODB_ENDPOINT;
    execFile(
      process.execPath,
      [ADMIN_BIN, 'usage', 'push', '--json'],
      { cwd, env, timeout: 120_000 },
      (error, stdout) => {
        try {
          done(
            JSON.parse(stdout) as {
              ran: boolean;
              accepted: number;
              failed: number;
              pending: number;
            },
          );
        } catch {
          fail(
            new Error(
              `koogallery-admin usage push gave no report${error ? `: ${error.message}` : ''}`,
            ),
          );
        }
      },
    );
  });
}

/**
 * The hooks for a target: the report secret (`--usage-secret-file <path>`, else USAGE_REPORT_SECRET,
 * else the local runner's `DATA_DIR/usage-report-secret`; never from the command line, where `ps`
 * and the shell history would show it), and, when the target is the `npm start` running from
 * DATA_DIR, a push run through `koogallery-admin usage push` and a look at its open-API stand-in.
 * Answers a message (for the usage error) when no secret can be read.
 */
export async function onDemandHooks(
  url: string,
  env: Record<string, string | undefined>,
  cwd: string,
  secretFile?: string,
): Promise<OnDemandHooks | string> {
  const dataDir = resolve(cwd, env.DATA_DIR ?? '.data');
  let secret: string | undefined;
  if (secretFile !== undefined) {
    const path = resolve(cwd, secretFile);
    try {
      secret = readFileSync(path, 'utf8').trim();
    } catch (error) {
      return `--usage-secret-file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): give the path of a file holding the function's USAGE_REPORT_SECRET`;
    }
    if (!secret) {
      return `--usage-secret-file ${path} is empty: it must hold the function's USAGE_REPORT_SECRET`;
    }
  }
  secret ||= env.USAGE_REPORT_SECRET?.trim();
  if (!secret) {
    try {
      secret = readFileSync(join(dataDir, USAGE_REPORT_SECRET_FILE), 'utf8').trim();
    } catch {
      secret = undefined;
    }
  }
  if (!secret) {
    return `no usage report secret: pass --usage-secret-file <path> or set USAGE_REPORT_SECRET (the function's setting); a local npm start keeps its own in ${join(dataDir, USAGE_REPORT_SECRET_FILE)}`;
  }
  let runtime: { url?: string; settings?: Record<string, string> } | undefined;
  try {
    runtime = JSON.parse(readFileSync(join(dataDir, RUNTIME_FILE), 'utf8')) as typeof runtime;
  } catch {
    runtime = undefined;
  }
  if (!runtime?.url || new URL(runtime.url).origin !== new URL(url).origin) return { secret };
  const apiEndpoint = runtime.settings?.KOOGALLERY_API_ENDPOINT;
  return {
    secret,
    push: () => adminPush(dataDir, cwd),
    ...(apiEndpoint
      ? {
          standIn: async () => {
            const res = await fetch(`${apiEndpoint}${STAND_IN_RECORDS}`);
            return (await res.json()) as Awaited<ReturnType<NonNullable<OnDemandHooks['standIn']>>>;
          },
        }
      : {}),
  };
}
