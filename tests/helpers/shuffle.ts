import { randomInt } from 'node:crypto';

/** A shuffled copy (Fisher–Yates), for replaying cases in random order as KooGallery may. */
export function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
