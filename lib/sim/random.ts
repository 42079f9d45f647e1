/**
 * The simulator's seeded randomness: the order a probe replays its cases in, the story's
 * generated ids and the tests' shuffles all come from one seed, printed with each run, so a
 * failing order replays exactly with `--seed N` (tests: `SEED=N`). Never used for anything secret:
 * nonces stay fresh (`crypto.randomBytes`), or a replayed run would be refused as a replay.
 */
import { randomInt } from 'node:crypto';

/** The largest seed: seeds are whole numbers from 0 to 2^32 - 1. */
export const MAX_SEED = 0xffff_ffff;

/** A deterministic source of choices, replayable from its seed. */
export interface SeededRandom {
  /** The seed it started from. */
  readonly seed: number;
  /** A whole number from 0 to `bound - 1`. */
  int(bound: number): number;
  /** `bytes` random bytes as lower-case hex. */
  hex(bytes: number): string;
  /** A version-4-shaped UUID. */
  uuid(): string;
  /** A shuffled copy of `items` (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

/** A fresh seed from the system's cryptographic source, for a run not given one. */
export function freshSeed(): number {
  return randomInt(0, MAX_SEED + 1);
}

/** True when `value` is a valid seed. */
export function isSeed(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_SEED;
}

/**
 * The random source for `seed` (mulberry32: small, fast, and the same sequence on every
 * platform and Node version).
 *
 * @example
 * const random = seededRandom(7);
 * random.shuffle(['a', 'b', 'c']); // the same order for seed 7, every time
 */
export function seededRandom(seed: number): SeededRandom {
  if (!isSeed(seed)) throw new RangeError(`a seed is a whole number from 0 to ${MAX_SEED}`);
  let state = seed >>> 0;
  const next32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const int = (bound: number): number => {
    if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32) {
      throw new RangeError('bound must be a whole number from 1 to 2^32');
    }
    // Rejection sampling: no value is more likely than another.
    const limit = 2 ** 32 - (2 ** 32 % bound);
    let x = next32();
    while (x >= limit) x = next32();
    return x % bound;
  };
  const hex = (bytes: number): string =>
    Array.from({ length: bytes }, () => int(256).toString(16).padStart(2, '0')).join('');
  return {
    seed,
    int,
    hex,
    uuid: () => {
      const h = hex(16).split('');
      h[12] = '4';
      h[16] = '89ab'[int(4)] as string;
      const s = h.join('');
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    },
    shuffle: <T>(items: readonly T[]): T[] => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [out[i], out[j]] = [out[j] as T, out[i] as T];
      }
      return out;
    },
  };
}
