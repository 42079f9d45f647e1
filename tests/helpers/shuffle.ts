/**
 * Replays cases in random order, as KooGallery may, with the simulator's own seeded shuffle: each
 * test's shuffles come from the run's seed (`SEED=N`, else a fresh one) and the test's name, so a
 * failing order replays with `SEED=N npx jest <file> -t '<test name>'`. The seed is printed when a
 * test that shuffled fails (`tests/helpers/seed-reporter.js`).
 */
import { createHash } from 'node:crypto';
import { freshSeed, isSeed, seededRandom } from '../../lib/sim/random';

/** The environment variable that fixes the run's seed. */
export const SEED_ENV = 'SEED';

/** The run's seed: `SEED` when set (a whole number from 0 to 2^32 - 1), else a fresh one. */
export function runSeed(): number {
  const given = process.env[SEED_ENV];
  if (given === undefined || given === '') {
    const seed = freshSeed();
    // Kept for the rest of this worker, so every test file it runs shares the run's seed.
    process.env[SEED_ENV] = String(seed);
    return seed;
  }
  const seed = Number(given);
  if (!isSeed(seed))
    throw new Error(`SEED must be a whole number from 0 to 4294967295, got "${given}"`);
  return seed;
}

const calls = new Map<string, number>();

/**
 * A shuffled copy of `items`, seeded by the run's seed, the current test's name and how many
 * times that test has shuffled, so that one test's order does not depend on the tests run before
 * it. When a test fails, the seed reporter prints the run's seed and the replay command.
 */
export function shuffle<T>(items: readonly T[]): T[] {
  const seed = runSeed();
  const test = expect.getState().currentTestName ?? '';
  const n = calls.get(test) ?? 0;
  calls.set(test, n + 1);
  const digest = createHash('sha256').update(`${seed}\0${test}\0${n}`).digest();
  return seededRandom(digest.readUInt32BE(0)).shuffle(items);
}
