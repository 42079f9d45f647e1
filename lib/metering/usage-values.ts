/**
 * Exact usage values and UTC hours: parsing what a seller reports, and formatting what KooGallery
 * reads. Values are integer ten-thousandths (`units`), never floats: `"1.2345"` is 12345, and sums
 * are exact. Pure functions only.
 */
import { createHash } from 'node:crypto';

/** Units per 1 (four decimals). */
export const UNITS_PER_ONE = 10_000;
/** Largest value one hour may carry: KooGallery's `Double(12,4)` has 8 integer digits. */
export const MAX_HOUR_UNITS = 99_999_999_9999;
/** KooGallery's window: `begin_time` no older than 21 days. */
export const WINDOW_MS = 21 * 86_400_000;
/** One hour in ms. */
export const HOUR_MS = 3_600_000;

const VALUE = /^(\d{1,12})(?:\.(\d{1,}))?$/;

/** A parsed value: `units`, or why it is refused (a message that says what to send instead). */
export type ParsedValue = { ok: true; units: number } | { ok: false; reason: string };

/**
 * Parses a reported value: a positive decimal with at most 4 decimal places, as a string (or a
 * JSON number, read through its decimal text), e.g. `"12.5"` → 125000 units.
 *
 * @example parseUsageValue('1.2345') // { ok: true, units: 12345 }
 */
export function parseUsageValue(value: unknown): ParsedValue {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string' || text.trim() === '') {
    return { ok: false, reason: 'value must be a decimal number such as "12.5"' };
  }
  const t = text.trim();
  if (/^-/.test(t) || /^-?0+(\.0+)?$/.test(t)) {
    return { ok: false, reason: `value must be greater than 0, got "${t}"` };
  }
  const m = VALUE.exec(t);
  if (!m) {
    return {
      ok: false,
      reason: `value must be a plain decimal such as "12.5" (no sign, exponent or separators), got "${t.slice(0, 40)}"`,
    };
  }
  const decimals = m[2] ?? '';
  if (decimals.length > 4) {
    return {
      ok: false,
      reason: `value has ${decimals.length} decimal places; at most 4 are allowed, got "${t}"`,
    };
  }
  const units = Number(m[1]) * UNITS_PER_ONE + Number(decimals.padEnd(4, '0'));
  if (units > MAX_HOUR_UNITS) {
    return { ok: false, reason: `value is larger than 99999999.9999 for one hour, got "${t}"` };
  }
  return { ok: true, units };
}

/** Formats units (a safe integer or a bigint) as a plain decimal string: 125000 → `"12.5"`. */
export function formatUnits(units: number | bigint): string {
  const n = BigInt(units);
  const whole = n / 10_000n;
  const frac = (n % 10_000n).toString().padStart(4, '0').replace(/0+$/, '');
  return frac === '' ? whole.toString() : `${whole}.${frac}`;
}

/** Sums units exactly (bigint), whatever their count. */
export function sumUnits(values: Iterable<number>): bigint {
  let total = 0n;
  for (const v of values) total += BigInt(v);
  return total;
}

/** A parsed hour: its `yyyyMMddHH` key and start in epoch ms, or why it is refused. */
export type ParsedHour =
  | { ok: true; hour: string; startMs: number }
  | { ok: false; reason: string };

/**
 * Parses a UTC hour written `yyyy-MM-ddTHH` (what `koogallery-admin` and the report route take;
 * `yyyyMMddHH` is accepted too).
 *
 * @example parseHour('2026-11-29T10') // { ok: true, hour: '2026112910', startMs: … }
 */
export function parseHour(value: unknown): ParsedHour {
  const text = typeof value === 'string' ? value.trim() : '';
  const m =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/.exec(text) ?? /^(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) {
    return {
      ok: false,
      reason: `hour must be a UTC hour written yyyy-MM-ddTHH, e.g. 2026-11-29T10, got "${String(value).slice(0, 40)}"`,
    };
  }
  const [, y, mo, d, h] = m.map(Number) as [number, number, number, number, number];
  const startMs = Date.UTC(y, mo - 1, d, h);
  const back = new Date(startMs);
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    back.getUTCHours() !== h
  ) {
    return { ok: false, reason: `hour "${text}" is not a real UTC date and hour` };
  }
  return { ok: true, hour: hourKey(startMs), startMs };
}

/** The `yyyyMMddHH` key of the UTC hour containing `ms`. */
export function hourKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13).replace(/[-T]/g, '');
}

/** The start of the UTC hour `yyyyMMddHH`, epoch ms. */
export function hourStart(hour: string): number {
  const parsed = parseHour(hour);
  if (!parsed.ok) throw new RangeError(parsed.reason);
  return parsed.startMs;
}

/** `yyyy-MM-ddTHH`, as operators write an hour. */
export function displayHour(hour: string): string {
  return `${hour.slice(0, 4)}-${hour.slice(4, 6)}-${hour.slice(6, 8)}T${hour.slice(8, 10)}`;
}

/** KooGallery's usage time format, `yyyyMMdd'T'HHmmss'Z'` (UTC). */
export function kooUsageTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}T${iso.slice(11, 19).replace(/:/g, '')}Z`;
}

/** `queryInstance`'s `statisticalTime` format, `yyyyMMddHHmmssSSS` (UTC). */
export function statisticalTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T.Z]/g, '');
}

/**
 * The `metering_sn` of one instance's hour: derived (SHA-256, 32 hex digits after a `u` prefix),
 * so every retry of the same hour sends the same serial and KooGallery deduplicates it, and the
 * serial fits the 64-character limit whatever the instance id's length.
 */
export function meteringSn(instanceId: string, hour: string): string {
  const hex = createHash('sha256')
    .update(`koogallery-usage\u0000${instanceId}\u0000${hour}`)
    .digest('hex');
  return `u${hour}${hex.slice(0, 32)}`;
}
