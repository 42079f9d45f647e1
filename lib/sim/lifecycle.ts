/**
 * The life of one real (non-test) order against a fresh instance, with the faults KooGallery's
 * delivery produces: duplicates, concurrent retries, out-of-order deliveries, replays, stale and
 * wrongly signed calls. Each step is judged like a debugger call; the story asserts the invariants
 * of issue #3 (one instanceId per order, expiry moved once per renewal order, nothing after release
 * but `000000` for repeats, `000003` for an unknown instance, `000001` for bad signatures).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CallOptions, call, type Exchange, type SignedRequest, type Target } from './client';
import type { Finding } from './judge';
import { CHANGE_PRODUCT_INFO, utcStamp } from './suites';

/** Something the story expected of the service and did not get, with what to do about it. */
export interface Problem {
  message: string;
  fix: string;
}

/** One step of the story as printed. */
export interface LifecycleStep {
  n: number;
  title: string;
  activity: string;
  /** Result codes that pass. */
  expect: readonly string[];
  /** Result codes received (several for concurrent or polled steps). */
  got: string[];
  /** Longest answer time of the step's calls. */
  ms: number;
  ok: boolean;
  /** Debugger findings other than the result code (Body-Sign, lengths, content type…). */
  findings: Finding[];
  /** Failed expectations of the story itself (result codes, instanceIds, expiry). */
  problems: Problem[];
  note?: string;
}

/** One invariant of the story; `ok` undefined when the service gives no way to observe it. */
export interface Invariant {
  name: string;
  ok: boolean | undefined;
  detail: string;
}

/** The outcome of the story. */
export interface LifecycleReport {
  ok: boolean;
  orderId: string;
  instanceId?: string;
  steps: LifecycleStep[];
  invariants: Invariant[];
  totalMs: number;
}

/** Settings of the story. */
export interface LifecycleOptions {
  target: Target;
  /** Called once with the fresh order id, before the first step. */
  onStart?: (orderId: string) => void;
  /** Called as soon as each step is done, to print it. */
  onStep?: (step: LifecycleStep) => void;
  /** Pause between polls while the service answers `000004` (default 250 ms). */
  pollIntervalMs?: number;
  /** Most polls before giving up on `000004` (default 60). */
  pollAttempts?: number;
  /** Identical purchases sent at once (default 20). */
  concurrency?: number;
}

const DAY_MS = 86_400_000;
const STALE_BY_MS = 5 * 60_000;
const UNEXPECTED = 'unexpected-result-code';

/** A fresh, never-seen order id in KooGallery's style (`CS…`), which the order stand-in synthesizes. */
export function freshOrderId(nowMs: number): string {
  const stamp = utcStamp(nowMs).slice(2, 14);
  return `CSSIM${stamp}${randomBytes(4).toString('hex').toUpperCase()}`;
}

function codeOf(ex: Exchange): string {
  return ex.verdict.resultCode ?? (ex.response.error !== undefined ? 'no answer' : 'none');
}

function instanceIdOf(ex: Exchange): string | undefined {
  const id = ex.verdict.json?.instanceId;
  return typeof id === 'string' ? id : undefined;
}

function firstInfo(ex: Exchange): Record<string, unknown> | undefined {
  const info = ex.verdict.json?.info;
  const first = Array.isArray(info) ? info[0] : undefined;
  return typeof first === 'object' && first !== null
    ? (first as Record<string, unknown>)
    : undefined;
}

/** An expiry in `info[0]` or its `appInfo`, if the service chooses to expose one (the protocol has none). */
function expiryOf(ex: Exchange): string | undefined {
  const info = firstInfo(ex);
  const appInfo = info?.appInfo as Record<string, unknown> | undefined;
  for (const source of [info, appInfo]) {
    for (const [k, v] of Object.entries(source ?? {})) {
      if (/expir/i.test(k) && (typeof v === 'string' || typeof v === 'number')) return String(v);
    }
  }
  return undefined;
}

class Story {
  readonly steps: LifecycleStep[] = [];

  constructor(
    private readonly target: Target,
    private readonly onStep?: (step: LifecycleStep) => void,
  ) {}

  /** Records a step from its exchanges; `problems` are the story's own checks. */
  record(
    title: string,
    exchanges: Exchange[],
    expect: readonly string[],
    problems: Problem[] = [],
    note?: string,
  ): LifecycleStep {
    const findings: Finding[] = [];
    const got = exchanges.map(codeOf);
    for (const ex of exchanges) {
      for (const f of ex.verdict.findings) {
        if (f.name === UNEXPECTED) continue;
        if (!findings.some((x) => x.name === f.name && x.message === f.message)) findings.push(f);
      }
    }
    const wrong = got.filter((c) => !expect.includes(c));
    const all: Problem[] = [];
    if (wrong.length > 0) {
      const sample = exchanges.find((ex) => !expect.includes(codeOf(ex)));
      const msg = sample?.verdict.resultMsg ? ` (${sample.verdict.resultMsg.slice(0, 80)})` : '';
      all.push({
        message: `expected ${expect.join(' or ')}, got ${[...new Set(wrong)].join(', ')}${msg}`,
        fix:
          sample?.verdict.findings.find((f) => f.name === UNEXPECTED)?.fix ??
          'see spec saas-v2.md §3 and §6',
      });
    }
    all.push(...problems);
    const step: LifecycleStep = {
      n: this.steps.length + 1,
      title,
      activity: exchanges[0]?.activity ?? '',
      expect,
      got,
      ms: Math.max(0, ...exchanges.map((ex) => ex.response.elapsedMs)),
      ok: findings.length === 0 && all.length === 0,
      findings,
      problems: all,
      ...(note !== undefined ? { note } : {}),
    };
    this.steps.push(step);
    this.onStep?.(step);
    return step;
  }

  /** One call, one step. */
  async one(
    title: string,
    body: Record<string, unknown>,
    options: CallOptions & {
      check?: (ex: Exchange) => Problem[];
      note?: (ex: Exchange) => string | undefined;
    } = {},
  ): Promise<Exchange> {
    const expect = options.expect ?? ['000000'];
    const ex = await call(this.target, body, { ...options, expect });
    this.record(title, [ex], expect, options.check?.(ex) ?? [], options.note?.(ex));
    return ex;
  }

  /**
   * Calls until the answer is not `000004` (bounded), as KooGallery polls or retries; one step.
   * `body` is called for each attempt so that each carries what a fresh delivery would.
   */
  async untilDone(
    title: string,
    body: () => Record<string, unknown>,
    poll: { intervalMs: number; attempts: number },
    check?: (ex: Exchange) => Problem[],
    describe?: (ex: Exchange) => string | undefined,
  ): Promise<Exchange> {
    const exchanges: Exchange[] = [];
    let last: Exchange | undefined;
    for (let i = 0; i < poll.attempts; i++) {
      if (i > 0) await sleep(poll.intervalMs);
      last = await call(this.target, body(), { expect: ['000000', '000004'] });
      exchanges.push(last);
      if (codeOf(last) !== '000004') break;
    }
    const final = last as Exchange;
    const problems: Problem[] = [];
    if (codeOf(final) === '000004') {
      problems.push({
        message: `still 000004 after ${exchanges.length} calls over ${((exchanges.length * poll.intervalMs) / 1000).toFixed(1)} s`,
        fix: 'finish provisioning (or the Query Order read) sooner; KooGallery gives up after 3 h',
      });
    } else if (codeOf(final) !== '000000') {
      problems.push({
        message: `ended with ${codeOf(final)}${final.verdict.resultMsg ? ` (${final.verdict.resultMsg.slice(0, 80)})` : ''}, expected 000000`,
        fix: 'see spec saas-v2.md §3 and §6',
      });
    } else {
      problems.push(...(check?.(final) ?? []));
    }
    const notes = [
      exchanges.length > 1 ? `${exchanges.length} calls, 000004 until ready` : undefined,
      describe?.(final),
    ].filter((x) => x !== undefined && x !== '');
    this.record(
      title,
      exchanges,
      ['000000', '000004'],
      problems,
      notes.length > 0 ? notes.join('; ') : undefined,
    );
    return final;
  }
}

/**
 * Runs the whole story of one fresh real order and returns every step and invariant.
 *
 * @example
 * const report = await runLifecycle({ target: { url, key }, onStep: (s) => console.log(s.title, s.ok) });
 */
export async function runLifecycle(options: LifecycleOptions): Promise<LifecycleReport> {
  const started = Date.now();
  const { target } = options;
  const poll = { intervalMs: options.pollIntervalMs ?? 250, attempts: options.pollAttempts ?? 60 };
  const story = new Story(target, options.onStep);
  const orderId = freshOrderId(started);
  const orderLineId = `${orderId}-000001`;
  options.onStart?.(orderId);
  const renewal1 = `${orderId}R1`;
  const renewal2 = `${orderId}R2`;
  const upgrade1 = `${orderId}U1`;
  const expire1 = utcStamp(started + 60 * DAY_MS);
  const expire2 = utcStamp(started + 120 * DAY_MS);
  const purchaseBody = () => ({
    activity: 'newInstance',
    orderId,
    orderLineId,
    businessId: randomUUID(),
  });
  const instanceIds = new Set<string>();
  const noteId = (ex: Exchange) => {
    const id = instanceIdOf(ex);
    if (id !== undefined) instanceIds.add(id);
  };

  // Authentication: nothing may happen for a call that is not KooGallery's.
  const wrongKey = `wrong-${randomBytes(12).toString('hex')}`;
  await story.one('purchase signed with a wrong key', purchaseBody(), {
    expect: ['000001'],
    signWith: wrongKey,
  });
  await story.one('purchase with a stale timestamp (5 min old)', purchaseBody(), {
    expect: ['000001'],
    timestampMs: Date.now() - STALE_BY_MS,
  });
  const unknownId = randomUUID();
  const unknown = [
    await story.one(
      'query an unknown instance',
      { activity: 'queryInstance', instanceId: unknownId },
      { expect: ['000003'] },
    ),
    await story.one(
      'freeze an unknown instance',
      { activity: 'updateInstanceStatus', instanceId: unknownId, status: 'FREEZE' },
      { expect: ['000003'] },
    ),
    await story.one(
      'release an unknown instance',
      { activity: 'releaseInstance', instanceId: unknownId },
      { expect: ['000003'] },
    ),
  ];

  // Purchase: concurrent retries of the same order, then a replay and a late duplicate.
  const concurrency = options.concurrency ?? 20;
  const burst = await Promise.all(
    Array.from({ length: concurrency }, () =>
      call(target, purchaseBody(), { expect: ['000000', '000004'] }),
    ),
  );
  for (const ex of burst) noteId(ex);
  const burstIds = new Set(burst.map(instanceIdOf).filter((x) => x !== undefined));
  story.record(
    `purchase, ${concurrency} retries at once (new businessId each)`,
    burst,
    ['000000', '000004'],
    burstIds.size === 1
      ? []
      : [
          {
            message: `${burstIds.size} different instanceIds for one order: ${[...burstIds].join(', ')}`,
            fix: 'derive the instance from orderId + orderLineId with one conditional write, so retries find it',
          },
        ],
    `instanceId ${[...burstIds][0] ?? 'none'}`,
  );
  const instanceId = [...burstIds][0];
  const firstRequest = burst[0]?.request as SignedRequest;
  await story.one('the first purchase request replayed (same nonce)', burst[0]?.body ?? {}, {
    expect: ['000001'],
    replay: firstRequest,
  });
  const sameId = (ex: Exchange): Problem[] => {
    noteId(ex);
    const id = instanceIdOf(ex);
    return id === instanceId
      ? []
      : [
          {
            message: `instanceId ${id ?? 'missing'}, but this order's instance is ${instanceId}`,
            fix: 'answer every delivery of the same orderId + orderLineId with the same instanceId, forever',
          },
        ];
  };
  await story.one('purchase delivered again later (new businessId)', purchaseBody(), {
    expect: ['000000', '000004'],
    check: sameId,
  });
  if (instanceId === undefined) {
    return finish(story, orderId, undefined, instanceIds, unknown, started, undefined);
  }

  const query = () => ({ activity: 'queryInstance', instanceId });
  const infoIsOurs = (ex: Exchange): Problem[] =>
    firstInfo(ex)?.instanceId === instanceId
      ? []
      : [
          {
            message: `info[0].instanceId is ${String(firstInfo(ex)?.instanceId)}, expected ${instanceId}`,
            fix: 'answer queryInstance with one info entry per requested instanceId',
          },
        ];
  const ready = await story.untilDone(
    'query until ready',
    query,
    poll,
    (ex) => [
      ...infoIsOurs(ex),
      ...(firstInfo(ex)?.appInfo === undefined
        ? [{ message: 'no appInfo for a ready instance', fix: 'send appInfo with frontEndUrl' }]
        : []),
    ],
    (ex) =>
      ex.verdict.credentials.length > 0
        ? `credentials ${ex.verdict.credentials.map((c) => `${c.field} ${c.form} ${c.masked}`).join(', ')}`
        : undefined,
  );
  const exposesExpiry = expiryOf(ready) !== undefined;
  const expiries: Record<string, string | undefined> = {};
  const peekExpiry = async (label: string) => {
    if (!exposesExpiry) return;
    const ex = await story.one(`query: expiry after ${label}`, query(), {
      check: infoIsOurs,
      note: (x) => `expiry ${expiryOf(x) ?? 'missing'}`,
    });
    expiries[label] = expiryOf(ex);
  };

  // Renewals: a retry, a second renewal, and the first delivered late, after the second.
  const renew = (order: string, expireTime: string) => ({
    activity: 'refreshInstance',
    scene: 'RENEWAL',
    orderId: order,
    orderLineId: `${order}-000001`,
    instanceId,
    expireTime,
  });
  await story.one(`renewal R1 (expiry ${expire1})`, renew(renewal1, expire1));
  await peekExpiry('R1');
  await story.one('renewal R1 delivered again', renew(renewal1, expire1));
  await peekExpiry('R1 again');
  await story.one(`renewal R2 (expiry ${expire2})`, renew(renewal2, expire2));
  await peekExpiry('R2');
  await story.one('renewal R1 delivered late, after R2', renew(renewal1, expire1));
  await peekExpiry('R1 late');

  // Status: an unfreeze arriving before its freeze, then each change delivered twice.
  const status = (s: string) => ({ activity: 'updateInstanceStatus', instanceId, status: s });
  await story.one('unfreeze delivered before any freeze', status('UNFREEZE'));
  await story.one('freeze (expired)', status('FREEZE'));
  await story.one('freeze delivered again', status('FREEZE'));
  await story.one('query while frozen', query(), { check: infoIsOurs });
  await story.one('unfreeze (renewed)', status('UNFREEZE'));
  await story.one('unfreeze delivered again', status('UNFREEZE'));

  // Upgrade and change check.
  const upgrade = () => ({
    activity: 'upgradeInstance',
    instanceId,
    orderId: upgrade1,
    orderLineId: `${upgrade1}-000001`,
  });
  await story.untilDone('upgrade U1', upgrade, poll);
  await story.one('upgrade U1 delivered again', upgrade());
  await story.one('query after upgrade: same instance', query(), { check: infoIsOurs });
  await story.one('change check before a renewal with a new spec', {
    activity: 'changeInstanceCheck',
    instanceId,
    productInfo: { ...CHANGE_PRODUCT_INFO },
  });

  // Release, then every earlier delivery again: nothing but 000000.
  const release = () => ({ activity: 'releaseInstance', instanceId });
  await story.one('release', release());
  const afterRelease = [
    await story.one('release delivered again', release()),
    await story.one('purchase delivered again after release', purchaseBody(), {
      check: sameId,
    }),
    await story.one('renewal R2 delivered again after release', renew(renewal2, expire2)),
    await story.one('freeze delivered again after release', status('FREEZE')),
    await story.one('upgrade U1 delivered again after release', upgrade()),
  ];
  await story.one('query after release', query(), {
    expect: ['000000', '000003'],
    note: (ex) => `answered ${codeOf(ex)}`,
  });
  return finish(story, orderId, instanceId, instanceIds, unknown, started, {
    exposesExpiry,
    expiries,
    expire1,
    expire2,
    afterRelease,
  });
}

function finish(
  story: Story,
  orderId: string,
  instanceId: string | undefined,
  instanceIds: Set<string>,
  unknown: Exchange[],
  started: number,
  later:
    | {
        exposesExpiry: boolean;
        expiries: Record<string, string | undefined>;
        expire1: string;
        expire2: string;
        afterRelease: Exchange[];
      }
    | undefined,
): LifecycleReport {
  const stepOk = (title: string) => story.steps.find((s) => s.title === title)?.ok === true;
  const invariants: Invariant[] = [
    {
      name: 'one instanceId per order',
      ok: instanceId !== undefined && instanceIds.size === 1,
      detail:
        instanceIds.size === 1
          ? `every purchase answer named ${instanceId}`
          : `purchase answers named ${instanceIds.size} instances: ${[...instanceIds].join(', ') || 'none'}`,
    },
    expiryInvariant(later),
    {
      name: 'nothing after release but 000000 for repeats',
      ok: later === undefined ? false : later.afterRelease.every((ex) => codeOf(ex) === '000000'),
      detail:
        later === undefined
          ? 'not reached: the purchase gave no instanceId'
          : `repeats after release answered ${later.afterRelease.map(codeOf).join(', ')}`,
    },
    {
      name: '000003 for an unknown instance',
      ok: unknown.every((ex) => codeOf(ex) === '000003'),
      detail: `query, freeze, release of a never-seen instance answered ${unknown.map(codeOf).join(', ')}`,
    },
    {
      name: '000001 for a wrong key, a stale timestamp, a replayed nonce',
      ok:
        stepOk('purchase signed with a wrong key') &&
        stepOk('purchase with a stale timestamp (5 min old)') &&
        stepOk('the first purchase request replayed (same nonce)'),
      detail: 'each refused before anything changed',
    },
  ];
  return {
    ok: story.steps.every((s) => s.ok) && invariants.every((i) => i.ok !== false),
    orderId,
    ...(instanceId !== undefined ? { instanceId } : {}),
    steps: story.steps,
    invariants,
    totalMs: Date.now() - started,
  };
}

function expiryInvariant(
  later:
    | {
        exposesExpiry: boolean;
        expiries: Record<string, string | undefined>;
        expire1: string;
        expire2: string;
      }
    | undefined,
): Invariant {
  const name = 'expiry moved once per renewal order';
  if (later === undefined) return { name, ok: false, detail: 'not reached' };
  if (!later.exposesExpiry) {
    return {
      name,
      ok: undefined,
      detail:
        'not observable: queryInstance exposes no expiry (the protocol has none); every renewal and its repeats answered as checked above',
    };
  }
  const e = later.expiries;
  const starts = (v: string | undefined, stamp: string) =>
    v?.replace(/\D/g, '').startsWith(stamp) === true;
  const ok =
    starts(e.R1, later.expire1) &&
    e['R1 again'] === e.R1 &&
    starts(e.R2, later.expire2) &&
    e['R1 late'] === e.R2;
  return {
    name,
    ok,
    detail: `after R1 ${e.R1}, R1 again ${e['R1 again']}, R2 ${e.R2}, R1 late ${e['R1 late']}`,
  };
}
