import { InvalidRequestError } from '../../../lib/errors';
import { buildRawQuery } from '../../../lib/http';
import { assertWellFormed, illFormedPath } from '../../../lib/protocol/well-formed';

describe('illFormedPath (#14)', () => {
  it('names the first string holding an unpaired surrogate, keys and nested values included', () => {
    expect(illFormedPath({ a: 'ok', b: ['x', 'y\udfff'] })).toBe('b.1');
    expect(illFormedPath({ p: { 'k\ud800': 'v' } })).toBe('p.k\ud800');
    expect(illFormedPath('\ud800')).toBe('');
  });

  it('accepts paired surrogates, other text and non-strings', () => {
    expect(illFormedPath({ emoji: '😀', cjk: '许可证', n: 1, t: true, z: null })).toBeUndefined();
  });

  it('refuses a structure deeper than any request instead of walking it', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(illFormedPath(deep)).toBeDefined();
  });
});

describe('assertWellFormed (#14)', () => {
  it('throws a 000002 naming the field', () => {
    expect(() => assertWellFormed({ orderLineId: 'X\udfff' })).toThrow(InvalidRequestError);
    expect(() => assertWellFormed({ orderLineId: 'X\udfff' })).toThrow(/field orderLineId/);
  });
});

describe('buildRawQuery with an unpaired surrogate (#14)', () => {
  it('encodes it as U+FFFD instead of throwing URIError', () => {
    expect(buildRawQuery({ a: 'x\udfff' })).toBe('a=x%EF%BF%BD');
  });
});
