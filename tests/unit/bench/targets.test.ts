import { evaluateTargets, formatVerdict } from '../../../bench/targets';

describe('evaluateTargets', () => {
  const rows = [
    { name: 'floor', connections: 1, ratio: 1, roundTrips: 1 },
    { name: 'newInstance', connections: 1, ratio: 2.5, roundTrips: 3 },
    { name: 'newInstance', connections: 64, ratio: 3.5, roundTrips: 3 },
    { name: 'queryInstance', connections: 1, ratio: 1.5, roundTrips: 2 },
    { name: 'queryInstance', connections: 64, ratio: 2, roundTrips: 2 },
  ];
  const cold = { functionMs: 300, floorMs: 200, functionBundleBytes: 900 * 1024 };

  it('says for each target whether the run meets it, with the figures (#9)', () => {
    const verdicts = evaluateTargets(rows, cold);

    expect(verdicts.map((v) => [v.target, v.met])).toEqual([
      ['newInstance p50 within 3x the floor', false],
      ['queryInstance p50 within 2x the floor', true],
      ['newInstance: at most 1 store round trip beyond replay protection', false],
      ['queryInstance: at most 1 store round trip beyond replay protection', true],
      ["cold start within 2x the floor's", true],
      ['bundle under 1 MB', true],
    ]);
    expect(formatVerdict(verdicts[0] as (typeof verdicts)[number])).toBe(
      'NOT MET newInstance p50 within 3x the floor (2.50x at 1, 3.50x at 64)',
    );
    expect(formatVerdict(verdicts[5] as (typeof verdicts)[number])).toBe(
      'met     bundle under 1 MB (900.0 KiB)',
    );
  });

  it('judges a slow cold start and a large bundle as not met', () => {
    const verdicts = evaluateTargets([], {
      functionMs: 500,
      floorMs: 200,
      functionBundleBytes: 2 * 1024 * 1024,
    });

    expect(verdicts.map((v) => v.met)).toEqual([false, false]);
  });
});
