import { freshSeed, isSeed, MAX_SEED, seededRandom } from '../../../lib/sim/random';

describe('seededRandom (#10)', () => {
  it('replays the same choices for the same seed', () => {
    // Arrange
    const a = seededRandom(7);
    const b = seededRandom(7);

    // Act
    const first = [a.shuffle([...'abcdefghij']), a.hex(8), a.uuid(), a.int(1000)];
    const second = [b.shuffle([...'abcdefghij']), b.hex(8), b.uuid(), b.int(1000)];

    // Assert
    expect(second).toEqual(first);
    expect(a.seed).toBe(7);
  });

  it('draws other choices for another seed', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);

    expect(seededRandom(8).shuffle(items)).not.toEqual(seededRandom(7).shuffle(items));
  });

  it('shuffles into a permutation and leaves its input alone', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);

    const out = seededRandom(123).shuffle(items);

    expect([...out].sort((x, y) => x - y)).toEqual(items);
    expect(items[0]).toBe(0);
    expect(out).not.toEqual(items);
  });

  it('draws every value of a bound, and none outside it', () => {
    const random = seededRandom(1);
    const seen = new Set<number>();

    for (let i = 0; i < 600; i++) seen.add(random.int(6));

    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('makes version-4-shaped UUIDs and lower-case hex', () => {
    const random = seededRandom(MAX_SEED);

    expect(random.uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(random.hex(4)).toMatch(/^[0-9a-f]{8}$/);
  });

  it('accepts seeds from 0 to 2^32 - 1 only', () => {
    expect(isSeed(0)).toBe(true);
    expect(isSeed(MAX_SEED)).toBe(true);
    expect(isSeed(MAX_SEED + 1)).toBe(false);
    expect(isSeed(-1)).toBe(false);
    expect(isSeed(1.5)).toBe(false);
    expect(isSeed(freshSeed())).toBe(true);
    expect(() => seededRandom(-1)).toThrow(/whole number from 0 to 4294967295/);
  });
});
