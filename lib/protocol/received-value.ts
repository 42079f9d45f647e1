/** The longest part of a received value a refusal message repeats. */
export const RECEIVED_VALUE_MAX = 32;

/**
 * A value received on the wire, safe to repeat in a refusal's `resultMsg` and log line: control
 * characters removed, cut to `max` characters (marked with `...`), and JSON-quoted, so the caller
 * sees what arrived without the answer echoing anything long or unprintable.
 *
 * @example quoteReceived('expireInstance') // '"expireInstance"'
 */
export function quoteReceived(value: string, max: number = RECEIVED_VALUE_MAX): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const printable = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '');
  const chars = [...printable];
  return JSON.stringify(chars.length > max ? `${chars.slice(0, max).join('')}...` : printable);
}
