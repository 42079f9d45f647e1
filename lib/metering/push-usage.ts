/**
 * The usage push job (#11): one run sends every recorded hour KooGallery has not accepted yet, at
 * most {@link MAX_USAGE_RECORDS} per call, and marks a record accepted only when KooGallery answered
 * success. Whatever fails stays RECORDED and is sent again, with the same `metering_sn`, by the next
 * run; a record found outside KooGallery's 21-day window is marked EXPIRED instead (never sent). Two overlapping runs never both send: a run first takes the `usage-push` lease (a conditional
 * write with an expiry), renews it before every call and stops when it lost it.
 *
 * Scheduled hourly (serverless.yml, the FunctionGraph timer trigger, `npm start`'s interval) and
 * run on demand by `koogallery-admin usage push`.
 */
import type { AuditTrail } from '../audit/audit-trail';
import type { Clock } from '../clock';
import type { Ids } from '../ids';
import type { Logger } from '../log';
import {
  MAX_USAGE_RECORDS,
  type UsageClient,
  UsagePushError,
  type UsageRecord,
} from '../open-api/usage-client';
import type { WriteOutcome } from '../store/instance-store';
import type { UsageHour, UsageStore } from '../store/usage-store';
import { countHours } from './usage-totals';
import {
  displayHour,
  formatUnits,
  HOUR_MS,
  hourStart,
  kooUsageTime,
  WINDOW_MS,
} from './usage-values';

/** The lease's name: one push job per table. */
export const PUSH_LEASE = 'usage-push';
/** How long a run may hold the lease before another may take it over (renewed before each call). */
export const DEFAULT_LEASE_MS = 5 * 60_000;
/** Records within this much of the 21-day limit are logged and counted for alarms. */
export const NEAR_WINDOW_MS = 2 * 86_400_000;
/** How long an accepted hour stays in the table (TTL after acceptance). */
export const ACCEPTED_RETENTION_MS = 35 * 86_400_000;
/** How long an EXPIRED hour (outside the 21-day window, never sent) stays visible to `usage list`. */
export const EXPIRED_RETENTION_MS = 35 * 86_400_000;
/** Records examined per scan page. */
const SCAN_PAGE = 500;
/** Most records one run reads (bounded memory); the rest wait for the next run. */
const MAX_RECORDS_PER_RUN = 50_000;

/** The ports one run needs. */
export interface PushPorts {
  usage: UsageStore;
  client: UsageClient;
  clock: Clock;
  ids: Pick<Ids, 'token'>;
  log: Logger;
  /**
   * Where each call's outcome is recorded in the timeline of every instance it carried records of
   * (#13): `accepted`, `refused` or `unreachable`, with the hours sent. Optional; never rejects.
   */
  audit?: Pick<AuditTrail, 'recordAudit'>;
}

/** Options of one run. */
export interface PushOptions {
  /** Called after each call, for progress output. */
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** One call to KooGallery and its answer. */
export interface PushCall {
  records: number;
  outcome: 'accepted' | 'refused' | 'unreachable';
  /** KooGallery's result code or the failure, never a secret. */
  message?: string;
}

/** A record sent in a run, and what became of it. */
export interface PushedRecord {
  instanceId: string;
  hour: string;
  value: string;
  meteringSn: string;
  outcome: 'accepted' | 'refused' | 'unreachable';
}

/** What one run did. */
export interface PushReport {
  /** False when another run held the lease: this one sent nothing. */
  ran: boolean;
  /** Recorded (unaccepted) hours found. */
  pending: number;
  /** Records KooGallery accepted in this run. */
  accepted: number;
  /** Records sent but not accepted (refused or unanswered): sent again next run. */
  failed: number;
  /**
   * Records found older than 21 days in this run: not sent (KooGallery refuses them), marked
   * EXPIRED with a TTL, so each is counted (and logged) by one run only.
   */
  outsideWindow: number;
  /** Records within 2 days of the 21-day limit still not accepted after this run (alarm on it). */
  nearWindowUnsent: number;
  calls: PushCall[];
  records: PushedRecord[];
  /** True when the run stopped early (lease lost, KooGallery unreachable, records left). */
  incomplete: boolean;
}

function toWire(h: UsageHour): UsageRecord {
  const start = hourStart(h.hour);
  return {
    instance_id: h.instanceId,
    record_time: kooUsageTime(h.recordedAt),
    begin_time: kooUsageTime(start),
    end_time: kooUsageTime(start + HOUR_MS),
    usage_value: formatUnits(h.units),
    metering_sn: h.meteringSn,
    ...(h.relatePkgInstance === undefined ? {} : { relate_pkg_instance: h.relatePkgInstance }),
  };
}

async function readPending(usage: UsageStore): Promise<{ hours: UsageHour[]; more: boolean }> {
  const hours: UsageHour[] = [];
  let cursor: string | undefined;
  do {
    const page = await usage.scanRecorded({ limit: SCAN_PAGE, ...(cursor ? { cursor } : {}) });
    hours.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined && hours.length < MAX_RECORDS_PER_RUN);
  return { hours, more: cursor !== undefined };
}

/**
 * Runs the push job once. Never throws for KooGallery's failures (they are in the report and the
 * log); throws `StoreUnavailableError` when the store fails before anything was sent.
 *
 * @example
 * const report = await pushUsage({ usage, client, clock, ids, log });
 * console.log(`${report.accepted} accepted, ${report.failed} to retry`);
 */
export async function pushUsage(ports: PushPorts, options: PushOptions = {}): Promise<PushReport> {
  const { usage, client, clock, log } = ports;
  const holder = ports.ids.token();
  const report: PushReport = {
    ran: false,
    pending: 0,
    accepted: 0,
    failed: 0,
    outsideWindow: 0,
    nearWindowUnsent: 0,
    calls: [],
    records: [],
    incomplete: false,
  };
  const lease = () => {
    const now = clock.now();
    return usage.acquireLease(PUSH_LEASE, holder, now, now + DEFAULT_LEASE_MS);
  };
  if ((await firstLease(lease, () => usage.releaseLease(PUSH_LEASE, holder))) === 'conflict') {
    log.info('usage push skipped: another run holds the lease', { lease: PUSH_LEASE });
    return report;
  }
  report.ran = true;
  try {
    const { hours, more } = await readPending(usage);
    report.incomplete = more;
    report.pending = hours.length;
    const started = clock.now();
    const sendable: UsageHour[] = [];
    // A crash between an hour's write and its total's leaves the total behind: repair it here.
    const lagging = await countHours(usage, hours, started);
    if (lagging > 0)
      log.warn('usage totals could not be repaired this run', { instances: lagging });
    for (const h of hours) {
      if (hourStart(h.hour) < started - WINDOW_MS) {
        // Marked EXPIRED (with a TTL) once, so no later run scans, counts or logs it again; a
        // concurrent marker's conflict means it was counted there.
        const marked = await usage.markExpired(h, started, started + EXPIRED_RETENTION_MS);
        if (marked !== 'written') continue;
        report.outsideWindow++;
        log.error(
          'usage record outside the 21-day window: not sent, KooGallery would refuse it; marked expired',
          { instanceId: h.instanceId, hour: displayHour(h.hour), meteringSn: h.meteringSn },
        );
      } else {
        sendable.push(h);
      }
    }
    sendable.sort(
      (a, b) => a.hour.localeCompare(b.hour) || a.instanceId.localeCompare(b.instanceId),
    );
    const unaccepted = new Set(sendable);
    let done = 0;
    let stop = false;

    /** One entry per instance of a batch whose outcome is final (#13). */
    const audit = async (
      batch: UsageHour[],
      outcome: PushCall['outcome'],
      started: number,
      reason?: string,
    ): Promise<void> => {
      if (!ports.audit) return;
      const byInstance = new Map<string, UsageHour[]>();
      for (const h of batch)
        byInstance.set(h.instanceId, [...(byInstance.get(h.instanceId) ?? []), h]);
      await Promise.all(
        [...byInstance].map(([instanceId, hours]) =>
          ports.audit?.recordAudit({
            kind: 'usage',
            time: started,
            activity: 'usage push',
            instanceId,
            resultCode: outcome,
            latencyMs: clock.now() - started,
            reason,
            detail: {
              records: hours.length,
              firstHour: displayHour(hours[0]?.hour ?? ''),
              lastHour: displayHour(hours[hours.length - 1]?.hour ?? ''),
            },
          }),
        ),
      );
    };

    const send = async (batch: UsageHour[]): Promise<void> => {
      if (stop) return;
      if ((await lease()) === 'conflict') {
        log.warn('usage push lost its lease: stopping, the next run continues', {
          lease: PUSH_LEASE,
        });
        stop = true;
        return;
      }
      let failure: UsagePushError | undefined;
      const started = clock.now();
      try {
        await client.push(batch.map(toWire));
      } catch (error) {
        if (!(error instanceof UsagePushError)) throw error;
        failure = error;
      }
      if (failure === undefined) {
        const now = clock.now();
        report.calls.push({ records: batch.length, outcome: 'accepted' });
        for (const h of batch) {
          await usage.markAccepted(h, now, now + ACCEPTED_RETENTION_MS);
          unaccepted.delete(h);
          report.accepted++;
          report.records.push(entry(h, 'accepted'));
        }
        done += batch.length;
        options.onProgress?.({ done, total: sendable.length });
        await audit(batch, 'accepted', started);
        return;
      }
      if (failure.kind !== 'unreachable' && !failure.requestRefused && batch.length > 1) {
        // One bad record must not hold the others back: halve the batch until it is found. A
        // refusal of the request itself (signature, credentials) is not a record's: no halving.
        const half = Math.ceil(batch.length / 2);
        await send(batch.slice(0, half));
        await send(batch.slice(half));
        return;
      }
      const outcome = failure.kind === 'unreachable' ? 'unreachable' : 'refused';
      report.calls.push({ records: batch.length, outcome, message: failure.message });
      report.failed += batch.length;
      for (const h of batch) report.records.push(entry(h, outcome));
      await audit(batch, outcome, started, failure.message);
      done += batch.length;
      options.onProgress?.({ done, total: sendable.length });
      if (outcome === 'unreachable') {
        log.warn('usage push: KooGallery did not answer; the next run sends again', {
          records: batch.length,
          reason: failure.message,
        });
        stop = true;
      } else if (failure.requestRefused) {
        // Every other call would be refused the same way until the settings are fixed.
        log.error(
          'usage push refused as a whole (signature, credentials or permission): stopping this run. ' +
            'Check HUAWEICLOUD_AK/HUAWEICLOUD_SK (an IAM key pair of the seller account), ' +
            'KOOGALLERY_ACCESS_KEY (bound to the basic interface) and KOOGALLERY_API_ENDPOINT; ' +
            'the records stay recorded and the next run sends them again',
          { records: batch.length, code: failure.code, reason: failure.message },
        );
        stop = true;
      } else {
        log.error(
          'usage record refused by KooGallery; it stays recorded and is sent again next run',
          {
            instanceId: batch[0]?.instanceId,
            hour: batch[0] ? displayHour(batch[0].hour) : undefined,
            meteringSn: batch[0]?.meteringSn,
            code: failure.code,
            reason: failure.message,
          },
        );
      }
    };

    for (let i = 0; i < sendable.length && !stop; i += MAX_USAGE_RECORDS) {
      await send(sendable.slice(i, i + MAX_USAGE_RECORDS));
    }
    if (stop) report.incomplete = true;
    const nearLimit = clock.now() - WINDOW_MS + NEAR_WINDOW_MS;
    for (const h of unaccepted) {
      if (hourStart(h.hour) >= nearLimit) continue;
      report.nearWindowUnsent++;
      log.warn('usage record near the 21-day window and not accepted yet', {
        instanceId: h.instanceId,
        hour: displayHour(h.hour),
        meteringSn: h.meteringSn,
      });
    }
    // One line per run with the counts an alarm (metric filter) reads.
    log.info('usage push', {
      pending: report.pending,
      accepted: report.accepted,
      failed: report.failed,
      outsideWindow: report.outsideWindow,
      nearWindowUnsent: report.nearWindowUnsent,
      calls: report.calls.length,
      incomplete: report.incomplete,
    });
    return report;
  } finally {
    await usage.releaseLease(PUSH_LEASE, holder).catch(() => undefined);
  }
}

/**
 * Takes the lease for a new run. A write that timed out may still have landed, leaving a lease no
 * one knows it holds for its whole term: the write is tried once more under the same holder (which
 * succeeds over its own lease), and when that fails too the lease is given up before the error goes
 * on, so the next run need not wait out the term.
 */
async function firstLease(
  take: () => Promise<WriteOutcome>,
  giveUp: () => Promise<unknown>,
): Promise<WriteOutcome> {
  try {
    return await take();
  } catch {
    try {
      return await take();
    } catch (error) {
      await giveUp().catch(() => undefined);
      throw error;
    }
  }
}

function entry(h: UsageHour, outcome: PushedRecord['outcome']): PushedRecord {
  return {
    instanceId: h.instanceId,
    hour: displayHour(h.hour),
    value: formatUnits(h.units),
    meteringSn: h.meteringSn,
    outcome,
  };
}
