/**
 * What every lifecycle story shares (SaaS V2.0, V1.0, License 2.0 and 1.0): steps judged like
 * debugger calls, the story's own expectations as problems, bounded polling while the service
 * answers `000004`, and the invariants' shape.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CallOptions,
  call,
  codeOf,
  type Exchange,
  type SignedRequest,
  type Target,
} from './client';
import type { Finding, FindingName } from './judge';
import type { Protocol } from './protocols';
import { freshSeed, type SeededRandom, seededRandom } from './random';
import { utcStamp } from './suites';

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
  /** The interface type the story spoke. */
  protocol: Protocol;
  /** The purchase order of the story (License 2.0: its first renewal order). */
  orderId: string;
  /** License 2.0: the fresh license code the story is about. */
  license?: string;
  instanceId?: string;
  steps: LifecycleStep[];
  invariants: Invariant[];
  /** The seed of the story's generated ids and delivery order: the same seed replays them. */
  seed: number;
  /** Set when the story stopped because the service could not be reached. */
  unreachable?: string;
  totalMs: number;
}

/** Settings of the story. */
export interface LifecycleOptions {
  target: Target;
  /** Called once with the fresh order id (License 2.0: license code), before the first step. */
  onStart?: (subject: string) => void;
  /** Called as soon as each step is done, to print it. */
  onStep?: (step: LifecycleStep) => void;
  /** Pause between polls while the service answers `000004` (default 250 ms). */
  pollIntervalMs?: number;
  /** Most polls before giving up on `000004` (default 60). */
  pollAttempts?: number;
  /** Identical purchases sent at once (default 20). */
  concurrency?: number;
  /** Seeds the story's generated ids and redelivery order (default: a fresh seed, reported). */
  seed?: number;
}

/**
 * Thrown when a call of the story could not reach the service at all (refused connection, DNS,
 * TLS): every later step would fail the same way, so the story stops with this one message.
 */
export class TargetUnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(
      `cannot reach ${url}: ${reason}. Check --url (or KOOGALLERY_URL), that the service is running (npm start prints the address it listens on) and reachable from here; nothing else was tried`,
    );
    this.name = 'TargetUnreachableError';
  }
}

/** One day in ms. */
export const DAY_MS = 86_400_000;
const UNEXPECTED = 'unexpected-result-code';

/**
 * How stale a V2.0-style call (SaaS V2.0, License 2.0) is made: beyond the 60 s window KooGallery
 * documents, and its label in step titles.
 */
export const STALE_V2 = { byMs: 5 * 60_000, label: 'timestamp (5 min old)' } as const;

/**
 * A fresh, never-seen order id in KooGallery's style (`CS…`), which the order stand-in
 * synthesizes: the time keeps it fresh, `random` (the story's seed) gives the rest.
 */
export function freshOrderId(nowMs: number, random: SeededRandom): string {
  const stamp = utcStamp(nowMs).slice(2, 14);
  return `CSSIM${stamp}${random.hex(4).toUpperCase()}`;
}

/** The orders and expiries of one story: the purchase, two renewals and an upgrade. */
export interface OrderPlan {
  orderId: string;
  renewal1: string;
  renewal2: string;
  upgrade1: string;
  /** R1's expiry, `yyyyMMddHHmmss`: 60 days after the start. */
  expire1: string;
  /** R2's expiry: 120 days after the start. */
  expire2: string;
}

/** A fresh order and the orders and expiries that follow it, from the story's start. */
export function orderPlan(started: number, random: SeededRandom): OrderPlan {
  const orderId = freshOrderId(started, random);
  return {
    orderId,
    renewal1: `${orderId}R1`,
    renewal2: `${orderId}R2`,
    upgrade1: `${orderId}U1`,
    expire1: utcStamp(started + 60 * DAY_MS),
    expire2: utcStamp(started + 120 * DAY_MS),
  };
}

/** The `instanceId` of an answer, when it has one. */
export function instanceIdOf(ex: Exchange): string | undefined {
  const id = ex.verdict.json?.instanceId;
  return typeof id === 'string' ? id : undefined;
}

/** The first `info[]` entry of a `queryInstance` answer. */
export function firstInfo(ex: Exchange): Record<string, unknown> | undefined {
  const info = ex.verdict.json?.info;
  const first = Array.isArray(info) ? info[0] : undefined;
  return typeof first === 'object' && first !== null
    ? (first as Record<string, unknown>)
    : undefined;
}

/** An expiry in `info[0]` or its `appInfo`, if the service chooses to expose one (the protocol has none). */
export function expiryOf(ex: Exchange): string | undefined {
  const info = firstInfo(ex);
  const appInfo = info?.appInfo as Record<string, unknown> | undefined;
  for (const source of [info, appInfo]) {
    for (const [k, v] of Object.entries(source ?? {})) {
      if (/expir/i.test(k) && (typeof v === 'string' || typeof v === 'number')) return String(v);
    }
  }
  return undefined;
}

/** A story being told: its steps so far, each judged and printed as soon as it is done. */
export class Story {
  readonly steps: LifecycleStep[] = [];
  /** Every call of the story, in the order recorded. */
  readonly exchanges: Exchange[] = [];
  readonly started = Date.now();
  /** The story's seeded choices: ids it generates and the order of redeliveries. */
  readonly random: SeededRandom;

  constructor(private readonly options: LifecycleOptions) {
    this.random = seededRandom(options.seed ?? freshSeed());
  }

  /** Stops the story at the first call that could not reach the service (not a slow answer). */
  private reachable(exchanges: readonly Exchange[]): void {
    const lost = exchanges.find((ex) => ex.response.errorKind === 'connection');
    if (lost) throw new TargetUnreachableError(this.options.target.url, lost.response.error ?? '');
  }

  private get poll() {
    return {
      intervalMs: this.options.pollIntervalMs ?? 250,
      attempts: this.options.pollAttempts ?? 60,
    };
  }

  /** The last step recorded. */
  private get last(): LifecycleStep {
    return this.steps[this.steps.length - 1] as LifecycleStep;
  }

  /**
   * Records a step from its exchanges; `problems` are the story's own checks. Findings named in
   * `tolerate` are left out: the step explains them in its note.
   */
  record(
    title: string,
    exchanges: Exchange[],
    expect: readonly string[],
    problems: Problem[] = [],
    note?: string,
    tolerate: readonly FindingName[] = [],
  ): LifecycleStep {
    this.exchanges.push(...exchanges);
    const findings: Finding[] = [];
    const got = exchanges.map(codeOf);
    for (const ex of exchanges) {
      for (const f of ex.verdict.findings) {
        if (f.name === UNEXPECTED || tolerate.includes(f.name)) continue;
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
          'see docs/protocol.md#saas-v20-activities and #result-codes',
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
    this.options.onStep?.(step);
    return step;
  }

  /** One call, one step. */
  async one(
    title: string,
    body: Record<string, unknown>,
    options: CallOptions & {
      check?: (ex: Exchange) => Problem[];
      note?: (ex: Exchange) => string | undefined;
      /** Findings this step does not count, with the reason given by `note`. */
      tolerate?: readonly FindingName[];
    } = {},
  ): Promise<Exchange> {
    const expect = options.expect ?? ['000000'];
    const ex = await call(this.options.target, body, { ...options, expect });
    this.reachable([ex]);
    this.record(
      title,
      [ex],
      expect,
      options.check?.(ex) ?? [],
      options.note?.(ex),
      options.tolerate,
    );
    return ex;
  }

  /**
   * Calls until the answer is not `000004` (bounded), as KooGallery polls or retries; one step.
   * `body` is called for each attempt so that each carries what a fresh delivery would.
   */
  async untilDone(
    title: string,
    body: () => Record<string, unknown>,
    check?: (ex: Exchange) => Problem[],
    describe?: (ex: Exchange) => string | undefined,
  ): Promise<Exchange> {
    const { poll } = this;
    const exchanges: Exchange[] = [];
    let last: Exchange | undefined;
    for (let i = 0; i < poll.attempts; i++) {
      if (i > 0) await sleep(poll.intervalMs);
      last = await call(this.options.target, body(), { expect: ['000000', '000004'] });
      this.reachable([last]);
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
        fix: 'see docs/protocol.md#saas-v20-activities and #result-codes',
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

  /**
   * The calls KooGallery never makes, `subject` signed with a wrong key and with a stale
   * timestamp: each must answer `000001`. Returns their steps.
   */
  async refusals(
    subject: string,
    body: () => Record<string, unknown>,
    stale: { byMs: number; label: string },
  ): Promise<LifecycleStep[]> {
    await this.one(`${subject} signed with a wrong key`, body(), {
      expect: ['000001'],
      signWith: `wrong-${this.random.hex(12)}`,
    });
    const wrongKey = this.last;
    await this.one(`${subject} with a stale ${stale.label}`, body(), {
      expect: ['000001'],
      timestampMs: Date.now() - stale.byMs,
    });
    return [wrongKey, this.last];
  }

  /** `ex`'s exact request sent again (same nonce or authToken), which must answer `000001`. */
  async replay(title: string, ex: Exchange | undefined): Promise<LifecycleStep> {
    await this.one(title, ex?.body ?? {}, {
      expect: ['000001'],
      replay: ex?.request as SignedRequest,
    });
    return this.last;
  }

  /**
   * The same delivery `concurrency` times at once (default 20), one step; `check` and `note`
   * read all the answers.
   */
  async burst(
    title: (n: number) => string,
    body: () => Record<string, unknown>,
    expect: readonly string[],
    check: (exchanges: Exchange[]) => Problem[] = () => [],
    note?: (exchanges: Exchange[]) => string,
  ): Promise<Exchange[]> {
    const n = this.options.concurrency ?? 20;
    const exchanges = await Promise.all(
      Array.from({ length: n }, () => call(this.options.target, body(), { expect })),
    );
    this.reachable(exchanges);
    this.record(title(n), exchanges, expect, check(exchanges), note?.(exchanges));
    return exchanges;
  }

  /**
   * Renewal R1, R1 again, R2, then R1 delivered late, after R2: each `000000`, `peek` after each
   * (the expiry, when the service exposes one). `first` titles R1's first delivery.
   */
  async renewals(
    plan: OrderPlan,
    renew: (order: string, expireTime: string) => Record<string, unknown>,
    peek: (label: string) => Promise<void>,
    first = 'renewal R1',
  ): Promise<void> {
    const { renewal1, renewal2, expire1, expire2 } = plan;
    await this.one(`${first} (expiry ${expire1})`, renew(renewal1, expire1));
    await peek('R1');
    await this.one('renewal R1 delivered again', renew(renewal1, expire1));
    await peek('R1 again');
    await this.one(`renewal R2 (expiry ${expire2})`, renew(renewal2, expire2));
    await peek('R2');
    await this.one('renewal R1 delivered late, after R2', renew(renewal1, expire1));
    await peek('R1 late');
  }

  /**
   * Runs `deliveries` one at a time in an order drawn from the story's seed, as KooGallery may
   * redeliver earlier calls in any order; returns their exchanges in the order given.
   */
  async inSeededOrder(deliveries: readonly (() => Promise<Exchange>)[]): Promise<Exchange[]> {
    const out: Exchange[] = new Array(deliveries.length);
    const order = this.random.shuffle(deliveries.map((_, i) => i));
    for (const i of order) out[i] = await (deliveries[i] as () => Promise<Exchange>)();
    return out;
  }

  /** The distinct instanceIds answered to `purchase` calls over the whole story. */
  instanceIdsOf(purchase: string): Set<string> {
    const ids = this.exchanges.filter((ex) => ex.activity === purchase).map(instanceIdOf);
    return new Set(ids.filter((id) => id !== undefined));
  }

  /** The report of a story stopped because the service could not be reached. */
  unreachableReport(protocol: Protocol, error: TargetUnreachableError): LifecycleReport {
    return {
      ok: false,
      protocol,
      orderId: '',
      steps: this.steps,
      invariants: [],
      seed: this.random.seed,
      unreachable: error.message,
      totalMs: Date.now() - this.started,
    };
  }

  /** The report: ok when every step passed and no invariant failed. */
  report(
    protocol: Protocol,
    orderId: string,
    invariants: Invariant[],
    subject: { instanceId?: string | undefined; license?: string },
  ): LifecycleReport {
    const { instanceId, license } = subject;
    return {
      ok: this.steps.every((s) => s.ok) && invariants.every((i) => i.ok !== false),
      protocol,
      orderId,
      ...(license !== undefined ? { license } : {}),
      ...(instanceId !== undefined ? { instanceId } : {}),
      steps: this.steps,
      invariants,
      seed: this.random.seed,
      totalMs: Date.now() - this.started,
    };
  }
}

/** A check that `queryInstance` answered `instanceId` in `info[0]`. */
export function infoNames(instanceId: string): (ex: Exchange) => Problem[] {
  return (ex) => {
    const id = firstInfo(ex)?.instanceId;
    return id === instanceId
      ? []
      : [
          {
            message: `info[0].instanceId is ${String(id)}, expected ${instanceId}`,
            fix: 'answer queryInstance with one info entry per requested instanceId',
          },
        ];
  };
}

/** A check that a purchase delivered again answered the order's instance; `fix` says how. */
export function sameInstance(
  instanceId: string | undefined,
  fix: string,
): (ex: Exchange) => Problem[] {
  return (ex) => {
    const id = instanceIdOf(ex);
    return id === instanceId
      ? []
      : [
          {
            message: `instanceId ${id ?? 'missing'}, but this order's instance is ${instanceId}`,
            fix,
          },
        ];
  };
}

/** Concurrent purchases of one order must answer one instanceId; `fix` says how. */
export function oneInstance(exchanges: Exchange[], fix: string): Problem[] {
  const ids = new Set(exchanges.map(instanceIdOf).filter((x) => x !== undefined));
  return ids.size === 1
    ? []
    : [
        {
          message: `${ids.size} different instanceIds for one order: ${[...ids].join(', ') || 'none'}`,
          fix,
        },
      ];
}

/** "One instanceId per order", over every answer to `purchase` in the story. */
export function oneInstanceInvariant(
  story: Story,
  purchase: string,
  instanceId: string | undefined,
): Invariant {
  const ids = story.instanceIdsOf(purchase);
  return {
    name: 'one instanceId per order',
    ok: instanceId !== undefined && ids.size === 1,
    detail:
      ids.size === 1
        ? `every ${purchase} answer named ${instanceId}`
        : `${purchase} answers named ${ids.size} instances: ${[...ids].join(', ') || 'none'}`,
  };
}

/** "Nothing after release but 000000 for repeats"; `afterRelease` undefined when not reached. */
export function afterReleaseInvariant(afterRelease: Exchange[] | undefined): Invariant {
  const name = 'nothing after release but 000000 for repeats';
  if (afterRelease === undefined) {
    return { name, ok: false, detail: 'not reached: the purchase gave no instanceId' };
  }
  return {
    name,
    ok: afterRelease.every((ex) => codeOf(ex) === '000000'),
    detail: `repeats after release answered ${afterRelease.map(codeOf).join(', ')}`,
  };
}

/** "000003 for an unknown instance", over the calls about a never-seen instance. */
export function unknownInstanceInvariant(unknown: Exchange[]): Invariant {
  return {
    name: '000003 for an unknown instance',
    ok: unknown.every((ex) => codeOf(ex) === '000003'),
    detail: `${unknown.map((ex) => ex.activity).join(', ')} of a never-seen instance answered ${unknown.map(codeOf).join(', ')}`,
  };
}

/** "000001 for …": every step that had to be refused was. */
export function refusedInvariant(name: string, steps: LifecycleStep[]): Invariant {
  return {
    name,
    ok: steps.length > 0 && steps.every((s) => s.ok),
    detail: 'each refused before anything changed',
  };
}

/** The expiry the service exposed after each renewal delivery, and the ones expected. */
export interface ExpiryObservations {
  exposesExpiry: boolean;
  /** By delivery: `R1`, `R1 again`, `R2`, `R1 late`. */
  expiries: Record<string, string | undefined>;
  expire1: string;
  expire2: string;
}

/**
 * "Expiry moved once per renewal order": R1, R1 again, R2, R1 late after R2 must leave R1's, R1's,
 * R2's and R2's expiry; not observable when the service exposes no expiry.
 */
export function expiryInvariant(later: ExpiryObservations | undefined): Invariant {
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
