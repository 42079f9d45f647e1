/**
 * The benchmark's targets (issue 6 item 4) and whether one run meets each: printed by
 * `npm run bench` under the table, and in its `--json` report. Pure: it only reads the figures.
 */

/** One measured row, as bench/main.ts reports it. */
export interface TargetRow {
  name: string;
  connections: number;
  /** p50 divided by the floor's p50 at the same number of connections. */
  ratio: number;
  /** Store round trips per request, counted at dynalite. */
  roundTrips: number;
}

/** The cold-start and bundle figures. */
export interface TargetCold {
  functionMs: number;
  floorMs: number;
  functionBundleBytes: number;
}

/** One target's verdict. */
export interface TargetVerdict {
  target: string;
  met: boolean;
  /** The figures the verdict rests on. */
  measured: string;
}

/** `newInstance`'s p50 may be this many times the floor's; every other activity {@link OTHER_RATIO}. */
export const NEW_INSTANCE_RATIO = 3;
/** Every activity but `newInstance`: p50 at most this many times the floor's. */
export const OTHER_RATIO = 2;
/** Cold start at most this many times the floor's. */
export const COLD_START_RATIO = 2;
/** The bundle stays under this many bytes. */
export const BUNDLE_LIMIT_BYTES = 1024 * 1024;
/** Store round trips per request beyond the replay token's write. */
export const EXTRA_ROUND_TRIPS = 1;

const x = (n: number) => `${n.toFixed(2)}x`;

/**
 * Judges every target against one run: one verdict per activity for the latency ratio (at every
 * number of connections measured) and for the store round trips, then cold start and bundle size.
 *
 * @example for (const v of evaluateTargets(rows, cold)) console.log(formatVerdict(v));
 */
export function evaluateTargets(rows: readonly TargetRow[], cold: TargetCold): TargetVerdict[] {
  const activities = [...new Set(rows.map((r) => r.name))].filter((n) => n !== 'floor');
  const verdicts: TargetVerdict[] = [];
  for (const name of activities) {
    const mine = rows.filter((r) => r.name === name);
    const limit = name === 'newInstance' ? NEW_INSTANCE_RATIO : OTHER_RATIO;
    verdicts.push({
      target: `${name} p50 within ${limit}x the floor`,
      met: mine.every((r) => r.ratio <= limit),
      measured: mine.map((r) => `${x(r.ratio)} at ${r.connections}`).join(', '),
    });
  }
  for (const name of activities) {
    const trips = Math.max(...rows.filter((r) => r.name === name).map((r) => r.roundTrips));
    verdicts.push({
      target: `${name}: at most ${EXTRA_ROUND_TRIPS} store round trip beyond replay protection`,
      met: trips - 1 <= EXTRA_ROUND_TRIPS + 1e-9,
      measured: `${trips.toFixed(2)} round trips per request`,
    });
  }
  const coldRatio = cold.functionMs / cold.floorMs;
  verdicts.push({
    target: `cold start within ${COLD_START_RATIO}x the floor's`,
    met: coldRatio <= COLD_START_RATIO,
    measured: `${cold.functionMs.toFixed(0)} ms vs ${cold.floorMs.toFixed(0)} ms, ${x(coldRatio)}`,
  });
  verdicts.push({
    target: 'bundle under 1 MB',
    met: cold.functionBundleBytes < BUNDLE_LIMIT_BYTES,
    measured: `${(cold.functionBundleBytes / 1024).toFixed(1)} KiB`,
  });
  return verdicts;
}

/** One line: `met     newInstance p50 within 3x the floor (2.10x at 1, 2.90x at 64)`. */
export function formatVerdict(v: TargetVerdict): string {
  return `${(v.met ? 'met' : 'NOT MET').padEnd(8)}${v.target} (${v.measured})`;
}
