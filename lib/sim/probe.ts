/**
 * The twice-daily probe (docs/protocol.md#debugger-and-probes): replays a product's saved cases, each
 * repeated, in random order, with `testFlag` "1", and judges every answer, in the interface type of
 * the target (`target.protocol`: SaaS V2.0, V1.0, License 2.0 or 1.0). The order comes from a seed
 * (`--seed`), so the same seed replays the same order.
 */
import { call, codeOf, type Exchange, type Target } from './client';
import type { Finding } from './judge';
import { isPurchase, type Protocol } from './protocols';
import { freshSeed, seededRandom } from './random';
import {
  buildSuite,
  caseBody,
  purchases,
  type SavedCase,
  type Suite,
  type SuiteKind,
} from './suites';

/** Settings of one probe run. */
export interface ProbeOptions {
  target: Target;
  kind: SuiteKind;
  /** How many times each case is replayed (the purchases run once more first). */
  repeat: number;
  /** Seeds the order the cases run in (default: a fresh seed, reported in `seed`). */
  seed?: number;
  /** Called after every exchange, e.g. to show progress. */
  onExchange?: (c: SavedCase, ex: Exchange) => void;
}

/** A failure seen on a case, and how many of its runs showed it. */
export interface CaseFinding extends Finding {
  count: number;
}

/** The outcome of one saved case over all its runs. */
export interface CaseResult {
  id: string;
  activity: string;
  optional: boolean;
  runs: number;
  passed: number;
  /** Result codes received, with their counts. */
  codes: Record<string, number>;
  /** Answer times of every run, in ms, in the order they ran. */
  latenciesMs: number[];
  findings: CaseFinding[];
  /** Why the case could not run at all. */
  notRun?: string;
}

/** The outcome of a probe run. */
export interface ProbeReport {
  ok: boolean;
  suite: Pick<Suite, 'kind' | 'title' | 'protocol'>;
  repeat: number;
  /** The instanceId each purchase case answered, by case id. */
  instanceIds: Record<string, string>;
  cases: CaseResult[];
  /** The order the cases ran in after the purchases (case ids). */
  order: string[];
  /** The seed of that order: the same seed replays it (`--seed`). */
  seed: number;
  totalMs: number;
}

function newResult(c: SavedCase): CaseResult {
  return {
    id: c.id,
    activity: c.activity,
    optional: c.optional === true,
    runs: 0,
    passed: 0,
    codes: {},
    latenciesMs: [],
    findings: [],
  };
}

function record(result: CaseResult, ex: Exchange): void {
  result.runs++;
  if (ex.verdict.ok) result.passed++;
  const code = codeOf(ex);
  result.codes[code] = (result.codes[code] ?? 0) + 1;
  result.latenciesMs.push(ex.response.elapsedMs);
  for (const f of ex.verdict.findings) {
    const seen = result.findings.find((x) => x.name === f.name && x.message === f.message);
    if (seen) seen.count++;
    else result.findings.push({ ...f, count: 1 });
  }
}

/** The value at quantile `q` (0..1) of `values`, nearest-rank; 0 for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * Runs the probe: the purchases once to learn the instanceIds (as when the seller saved the
 * cases), then every case `repeat` times in one order drawn from the seed, one call at a time.
 *
 * @example
 * const report = await runProbe({ target: { url, key }, kind: 'period', repeat: 2 });
 * process.exitCode = report.ok ? 0 : 1;
 */
export async function runProbe(options: ProbeOptions): Promise<ProbeReport> {
  const started = Date.now();
  const protocol: Protocol = options.target.protocol ?? 'v2';
  const suite = buildSuite(options.kind, started, protocol);
  const results = new Map(suite.cases.map((c) => [c.id, newResult(c)]));
  const ids = new Map<string, string>();
  const run = async (c: SavedCase): Promise<void> => {
    const result = results.get(c.id) as CaseResult;
    const ex = await call(options.target, caseBody(c, ids));
    record(result, ex);
    options.onExchange?.(c, ex);
    const instanceId = ex.verdict.json?.instanceId;
    if (isPurchase(protocol, c.activity) && typeof instanceId === 'string' && !ids.has(c.id)) {
      ids.set(c.id, instanceId);
    }
  };
  for (const c of purchases(suite)) await run(c);
  const runnable = suite.cases.filter((c) => {
    if (c.instanceOf === undefined || ids.has(c.instanceOf)) return true;
    (results.get(c.id) as CaseResult).notRun =
      `its purchase "${c.instanceOf}" gave no instanceId, so this case cannot name an instance`;
    return false;
  });
  const random = seededRandom(options.seed ?? freshSeed());
  const plan = random.shuffle(
    runnable.flatMap((c) => Array.from({ length: options.repeat }, () => c)),
  );
  for (const c of plan) await run(c);
  const cases = [...results.values()];
  return {
    ok: cases.every((r) => r.notRun === undefined && r.runs > 0 && r.passed === r.runs),
    suite: { kind: suite.kind, title: suite.title, protocol: suite.protocol },
    repeat: options.repeat,
    instanceIds: Object.fromEntries(ids),
    cases,
    order: plan.map((c) => c.id),
    seed: random.seed,
    totalMs: Date.now() - started,
  };
}
