/** KooGallery's time format (docs/protocol.md, decision 7): UTC `yyyyMMddHHmmss`, optionally with milliseconds. */

/**
 * Reads KooGallery's `expireTime`: UTC `yyyyMMddHHmmss` or `yyyyMMddHHmmssSSS` (docs/protocol.md, decision 7).
 * Returns epoch milliseconds, or undefined when the value is not a real date.
 */
export function parseKooTime(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})?$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = m[7] === undefined ? 0 : Number(m[7]);
  const t = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  const back = new Date(t);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) {
    return undefined;
  }
  return t;
}

/** Formats epoch milliseconds as KooGallery's UTC `yyyyMMddHHmmss`. */
export function formatKooTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
