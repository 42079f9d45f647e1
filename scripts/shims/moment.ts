/**
 * The slice of moment the bundled code uses (`AKSKSigner` formats `X-Sdk-Date` with
 * `moment(value?).utcOffset(0).format('YYYYMMDDTHHmmss')`), so the function's bundle does not carry
 * moment (~70 KiB). esbuild aliases `moment` to this file for the deployed bundles only;
 * `tests/unit/shims.test.ts` compares it with moment itself. Any other use throws, loudly.
 */
const BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function parse(value: string | undefined): number {
  if (value === undefined) return Date.now();
  const m = BASIC.exec(value);
  if (m) {
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return Date.UTC(y, mo - 1, d, h, mi, s);
  }
  return Date.parse(value);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A UTC moment that can only be formatted as `YYYYMMDDTHHmmss`. */
export default function moment(value?: string) {
  const ms = parse(value);
  const api = {
    utcOffset(offset: number) {
      if (offset !== 0) throw new Error('moment shim: only utcOffset(0) is supported');
      return api;
    },
    format(pattern: string): string {
      if (pattern !== 'YYYYMMDDTHHmmss')
        throw new Error(`moment shim: unsupported format ${pattern}`);
      if (Number.isNaN(ms)) return 'Invalid date';
      const t = new Date(ms);
      return `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}T${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
    },
  };
  return api;
}
