import { quoteReceived, RECEIVED_VALUE_MAX } from '../../../lib/protocol/received-value';

describe('quoteReceived (#9)', () => {
  it('quotes a value as JSON', () => {
    expect(quoteReceived('expireInstance')).toBe('"expireInstance"');
    expect(quoteReceived('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('removes control characters, line separators included', () => {
    expect(quoteReceived('new\u0000Inst\u0007an\nce\u0085\u2028')).toBe('"newInstance"');
  });

  it(`cuts a value after ${RECEIVED_VALUE_MAX} characters, never inside a character`, () => {
    expect(quoteReceived('x'.repeat(40))).toBe(`"${'x'.repeat(32)}..."`);
    expect(quoteReceived('x'.repeat(32))).toBe(`"${'x'.repeat(32)}"`);
    expect(quoteReceived('😀'.repeat(40), 2)).toBe('"😀😀..."');
  });
});
