/**
 * Recording one hour of usage for one metered instance: every check the issue names, then one
 * conditional write. The one rule (#11): **an hour is recorded once.** The same instance, hour and
 * value again is a success that changes nothing (a retry or a replayed report); another value for
 * a recorded hour is refused, whether or not it was pushed yet. KooGallery bills the first value it
 * receives for a `metering_sn`, so a replacement could silently disagree with what was billed.
 */
import type { Clock } from '../clock';
import type { InstanceStore } from '../store/instance-store';
import { NAMESPACE, STATUS } from '../store/instance-store';
import { USAGE_STATE, type UsageHour, type UsageStore } from '../store/usage-store';
import { countHours } from './usage-totals';
import {
  displayHour,
  formatUnits,
  HOUR_MS,
  meteringSn,
  parseHour,
  parseUsageValue,
  WINDOW_MS,
} from './usage-values';

/** The charging modes that are billed by usage (Query Order's `chargingMode`). */
export const METERED_CHARGING_MODES: readonly string[] = ['ON_DEMAND', 'ON_DEMAND_PKG'];

/** Why a recording was refused; each has its own message. */
export const USAGE_REFUSAL = {
  BAD_VALUE: 'bad-value',
  BAD_HOUR: 'bad-hour',
  FUTURE_HOUR: 'future-hour',
  OPEN_HOUR: 'open-hour',
  TOO_OLD: 'too-old',
  UNKNOWN_INSTANCE: 'unknown-instance',
  RELEASED: 'released',
  NOT_METERED: 'not-metered',
  CONFLICT: 'conflict',
} as const;
/** One refusal reason. */
export type UsageRefusal = (typeof USAGE_REFUSAL)[keyof typeof USAGE_REFUSAL];

/** A recording was refused; nothing was written. The message says what to do. */
export class UsageRefusedError extends Error {
  constructor(
    readonly reason: UsageRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'UsageRefusedError';
  }
}

/** The ports recording needs. */
export interface RecordPorts {
  instances: Pick<InstanceStore, 'getInstance'>;
  usage: UsageStore;
  clock: Clock;
}

/** What the seller reports: one instance, one closed UTC hour, one value. */
export interface UsageReport {
  instanceId: unknown;
  /** `yyyy-MM-ddTHH` (UTC). */
  hour: unknown;
  /** A positive decimal with at most 4 decimal places, e.g. `"12.5"`. */
  value: unknown;
}

/** The result of a recording that was not refused. */
export interface RecordOutcome {
  /** `recorded`: written now; `already-recorded`: the same value was recorded before (no change). */
  outcome: 'recorded' | 'already-recorded';
  record: UsageHour;
}

function refuse(reason: UsageRefusal, message: string): never {
  throw new UsageRefusedError(reason, message);
}

/**
 * Checks and records one hour of usage. Throws {@link UsageRefusedError} for every refusal (bad
 * value or hour, a future or still-open hour, an hour older than KooGallery's 21 days, an unknown,
 * released or non-metered instance, another value already recorded), and `StoreUnavailableError`
 * when the store fails (retrying is safe).
 *
 * @example
 * await recordUsage({ instances, usage, clock }, { instanceId, hour: '2026-11-29T10', value: '12.5' });
 */
export async function recordUsage(ports: RecordPorts, report: UsageReport): Promise<RecordOutcome> {
  const now = ports.clock.now();
  const value = parseUsageValue(report.value);
  if (!value.ok) refuse(USAGE_REFUSAL.BAD_VALUE, value.reason);
  const parsed = parseHour(report.hour);
  if (!parsed.ok) refuse(USAGE_REFUSAL.BAD_HOUR, parsed.reason);
  const { hour, startMs } = parsed;
  if (startMs > now) {
    refuse(
      USAGE_REFUSAL.FUTURE_HOUR,
      `hour ${displayHour(hour)} is in the future (UTC): record an hour after it has ended`,
    );
  }
  if (startMs + HOUR_MS > now) {
    refuse(
      USAGE_REFUSAL.OPEN_HOUR,
      `hour ${displayHour(hour)} has not ended yet (UTC): record it after ${new Date(startMs + HOUR_MS).toISOString()}`,
    );
  }
  if (startMs < now - WINDOW_MS) {
    refuse(
      USAGE_REFUSAL.TOO_OLD,
      `hour ${displayHour(hour)} is older than KooGallery's 21-day window: it can no longer be billed`,
    );
  }
  const instanceId = typeof report.instanceId === 'string' ? report.instanceId.trim() : '';
  if (instanceId === '' || instanceId.length > 64) {
    refuse(
      USAGE_REFUSAL.UNKNOWN_INSTANCE,
      'instanceId must be the 1-64 character id newInstance answered',
    );
  }
  const instance = await ports.instances.getInstance(NAMESPACE.REAL, instanceId);
  if (!instance) {
    refuse(
      USAGE_REFUSAL.UNKNOWN_INSTANCE,
      `instance ${instanceId} does not exist: use the instanceId newInstance answered`,
    );
  }
  if (instance.status === STATUS.RELEASED) {
    refuse(
      USAGE_REFUSAL.RELEASED,
      `instance ${instanceId} is released: usage after a release is not billed`,
    );
  }
  const chargingMode = instance.entitlement.chargingMode ?? '(none)';
  if (!METERED_CHARGING_MODES.includes(chargingMode)) {
    refuse(
      USAGE_REFUSAL.NOT_METERED,
      `instance ${instanceId} is not billed by usage (chargingMode ${chargingMode}); only ON_DEMAND and ON_DEMAND_PKG instances take usage`,
    );
  }
  const record: UsageHour = {
    instanceId,
    hour,
    units: value.units,
    state: USAGE_STATE.RECORDED,
    meteringSn: meteringSn(instanceId, hour),
    chargingMode,
    // 用完即停 packages: the usage consumes this package instance.
    ...(chargingMode === 'ON_DEMAND_PKG' ? { relatePkgInstance: instanceId } : {}),
    recordedAt: now,
  };
  let outcome: RecordOutcome['outcome'] = 'recorded';
  let stored = record;
  if ((await ports.usage.createHour(record)) === 'conflict') {
    const existing = await ports.usage.getHour(instanceId, hour);
    if (!existing || existing.units !== record.units) {
      refuse(
        USAGE_REFUSAL.CONFLICT,
        `hour ${displayHour(hour)} of instance ${instanceId} is already recorded as ${existing ? formatUnits(existing.units) : 'another value'}` +
          `${existing?.state === USAGE_STATE.ACCEPTED ? ' and accepted by KooGallery' : ''}: an hour is recorded once and cannot be changed`,
      );
    }
    outcome = 'already-recorded';
    stored = existing;
  }
  // Also on a repeat: a crash between the two writes left the total behind, and a retry repairs it.
  await countHours(ports.usage, [stored], now);
  return { outcome, record: stored };
}
