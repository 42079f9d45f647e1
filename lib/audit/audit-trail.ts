/**
 * The audit trail (#13): one entry per call, webhook delivery, usage push or operator action, filed
 * under every instance and order it concerns (see `lib/store/audit-store.ts` for the items).
 *
 * {@link AuditTrail.recordAudit} never rejects: a failed write is logged (`audit write failed`, with
 * the request id and the fields of the entry) and answered `failed`. The app starts it when it
 * answers and does not wait for it (`lib/app.ts`), so it adds no round trip to the answer.
 */
import type { Clock } from '../clock';
import { describeError } from '../errors';
import type { Ids } from '../ids';
import { isSecretFieldName, type Logger } from '../log';
import {
  AUDIT_KIND,
  type AuditEntry,
  type AuditKind,
  type AuditStore,
  type AuditSubject,
  auditDay,
  dayStart,
} from '../store/audit-store';

/** The log message of an entry that could not be written. */
export const AUDIT_FAILED_LOG_MESSAGE = 'audit write failed';
/** The log message of an entry dropped because its day bucket is full. */
export const AUDIT_FULL_LOG_MESSAGE = 'audit bucket full: entry not kept';

const DAY_MS = 86_400_000;
/** Longest id, activity or family kept; a longer one is cut (a hostile body cannot grow entries). */
const MAX_NAME = 128;
/** Most instances one entry names (`queryInstance` annotates up to 5, comma-separated). */
const MAX_INSTANCE_IDS = 5;
/** Longest reason kept. */
const MAX_REASON = 300;
const MAX_DETAIL_KEYS = 12;
const DETAIL_KEY = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
/** Detail keys that could carry a secret, in any spelling: stricter than the log's exact names. */
const SECRET_WORD = /secret|passw|signature|token|key|credential|auth|body|appinfo/i;

/** What a caller records; the trail adds the id and the time (when not given) and files it. */
export interface AuditInput {
  kind: AuditKind;
  /** Epoch ms the recorded thing started (default: now). */
  time?: number;
  requestId?: string;
  family?: string;
  activity?: string;
  test?: boolean;
  orderId?: string;
  orderLineId?: string;
  instanceId?: string;
  resultCode?: string;
  latencyMs?: number;
  reason?: string;
  verified?: boolean;
  /** A few more names and numbers; keys naming a secret (`password`, `signature`…) are dropped. */
  detail?: Record<string, string | number | boolean | undefined>;
}

/** What became of an entry. */
export type AuditWriteOutcome = 'written' | 'full' | 'failed';

/**
 * The audit port the app, the webhook sender and the usage push call.
 *
 * @example
 * // After a webhook delivery concerning an instance:
 * await audit.recordAudit({ kind: 'webhook', instanceId, orderId, activity: 'instance.released',
 *   resultCode: 'delivered', latencyMs, detail: { eventId } });
 */
export interface AuditTrail {
  /** Files one entry under its instance and its order (in parallel); never rejects. */
  recordAudit(input: AuditInput): Promise<AuditWriteOutcome>;
}

/** An audit trail that keeps nothing (benchmarks, tools that record nothing). */
export const NO_AUDIT: AuditTrail = { recordAudit: async () => 'written' };

function text(value: unknown, max = MAX_NAME): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Control characters never reach an entry (they could forge lines in a terminal listing).
  const clean = value.replace(/\p{Cc}/gu, ' ').trim();
  if (clean === '') return undefined;
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * The instance ids an input names, each cleaned and cut on its own: a comma-separated list is split
 * before anything is shortened, so a long list never files an entry under a cut, made-up id.
 */
function instanceIdsOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ids = new Set<string>();
  for (const part of value.split(',')) {
    const id = text(part);
    if (id !== undefined) ids.add(id);
    if (ids.size === MAX_INSTANCE_IDS) break;
  }
  return ids.size > 0 ? [...ids].join(',') : undefined;
}

function detailOf(
  detail: AuditInput['detail'],
): Record<string, string | number | boolean> | undefined {
  if (!detail) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(detail).slice(0, MAX_DETAIL_KEYS)) {
    if (v === undefined || !DETAIL_KEY.test(k) || isSecretFieldName(k) || SECRET_WORD.test(k))
      continue;
    if (typeof v === 'string') {
      const t = text(v);
      if (t !== undefined) out[k] = t;
    } else if (typeof v === 'boolean' || Number.isFinite(v)) out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The subjects an entry is filed under: an unverified call only under the day's test bucket (a
 * test call naming an activity) or the unattributed day (anything else: scanner noise stays
 * there); a verified call naming no instance or order likewise (#13).
 */
export function subjectsOf(entry: AuditEntry): AuditSubject[] {
  const loose: AuditSubject =
    entry.test === true && entry.activity !== undefined
      ? { kind: 'test' }
      : { kind: 'unattributed' };
  if (entry.verified === false) return [loose];
  const subjects: AuditSubject[] = [];
  // A query names up to 5 instances, comma-separated (`queryInstance`'s log field).
  for (const id of new Set((entry.instanceId ?? '').split(','))) {
    if (id.trim() !== '') subjects.push({ kind: 'instance', id: id.trim() });
  }
  if (entry.orderId) subjects.push({ kind: 'order', id: entry.orderId });
  return subjects.length > 0 ? subjects : [loose];
}

/** When a bucket of `day` expires: `retentionDays` after the day ends. */
export function bucketExpiry(day: string, retentionDays: number): number {
  return dayStart(day) + (retentionDays + 1) * DAY_MS;
}

/** What {@link createAuditTrail} needs. */
export interface AuditTrailOptions {
  store: AuditStore;
  clock: Clock;
  ids: Ids;
  log: Logger;
  /** `AUDIT_RETENTION_DAYS`. */
  retentionDays: number;
}

/**
 * The audit trail over an {@link AuditStore}. Entry ids sort by time, then by a per-process
 * sequence, so one process's entries of one millisecond keep their order.
 *
 * @example
 * const audit = createAuditTrail({ store: createDynamooseAuditStore(table), clock, ids, log,
 *   retentionDays: config.auditRetentionDays });
 */
export function createAuditTrail(options: AuditTrailOptions): AuditTrail {
  const { store, clock, ids, log, retentionDays } = options;
  let sequence = 0;
  /** Day buckets (`U`/`T` and day) known to be full: further entries are dropped without a request. */
  const full = new Set<string>();

  return {
    async recordAudit(input) {
      let entry: AuditEntry | undefined;
      try {
        const time = input.time ?? clock.now();
        sequence = (sequence + 1) % 36 ** 6;
        const verified = input.verified === false ? false : undefined;
        const reason = text(input.reason, MAX_REASON);
        const detail = detailOf(input.detail);
        entry = {
          id: `${time.toString(36)}-${sequence.toString(36).padStart(6, '0')}-${ids.token().slice(0, 8)}`,
          kind: Object.values(AUDIT_KIND).includes(input.kind) ? input.kind : AUDIT_KIND.CALL,
          time,
          requestId: text(input.requestId),
          family: text(input.family),
          activity: text(input.activity),
          test: typeof input.test === 'boolean' ? input.test : undefined,
          orderId: text(input.orderId),
          orderLineId: text(input.orderLineId),
          instanceId: instanceIdsOf(input.instanceId),
          resultCode: text(input.resultCode, 32),
          latencyMs: Number.isFinite(input.latencyMs) ? input.latencyMs : undefined,
          ...(reason === undefined ? {} : { reason }),
          ...(verified === undefined ? {} : { verified }),
          ...(detail === undefined ? {} : { detail }),
        };
        const day = auditDay(time);
        const expiresAtMs = bucketExpiry(day, retentionDays);
        const subjects = subjectsOf(entry);
        const only = subjects.length === 1 ? subjects[0] : undefined;
        const looseKey =
          only?.kind === 'unattributed' || only?.kind === 'test'
            ? `${only.kind}#${day}`
            : undefined;
        if (looseKey !== undefined && full.has(looseKey)) return 'full';
        const outcomes = await Promise.all(
          subjects.map((s) => store.appendEntry(s, entry as AuditEntry, expiresAtMs)),
        );
        if (outcomes.includes('full')) {
          if (looseKey !== undefined) full.add(looseKey);
          log.warn(AUDIT_FULL_LOG_MESSAGE, fieldsOf(entry));
          return 'full';
        }
        return 'written';
      } catch (error) {
        log.warn(AUDIT_FAILED_LOG_MESSAGE, {
          ...(entry ? fieldsOf(entry) : { requestId: input.requestId }),
          ...describeError(error),
        });
        return 'failed';
      }
    },
  };
}

/** The log fields naming an entry that was not kept: enough to find the call's own line. */
function fieldsOf(entry: AuditEntry): Record<string, unknown> {
  return {
    requestId: entry.requestId,
    kind: entry.kind,
    activity: entry.activity,
    instanceId: entry.instanceId,
    orderId: entry.orderId,
    resultCode: entry.resultCode,
  };
}
