/**
 * The audit port (#13): what happened to each instance and order, kept in the state table (one
 * string hash key `pk`, no sort key, no index, no transaction; see `table-schema.ts`) under its own
 * key prefix, `AUDIT#`.
 *
 * Items are day buckets, one per subject and UTC day:
 * - `AUDIT#I#<instanceId>#<yyyyMMdd>`: the entries concerning one instance that day;
 * - `AUDIT#O#<orderId>#<yyyyMMdd>`: the entries concerning one order that day;
 * - `AUDIT#T#<yyyyMMdd>`: test calls (KooGallery's debugger and twice-daily probe, `testFlag` "1")
 *   that name an activity but no instance or order they could be filed under: every such call
 *   refused before its signature was verified, and verified ones naming neither. Their own bucket,
 *   so scanner traffic filling the `U` bucket never hides a failed probe from `health`;
 * - `AUDIT#U#<yyyyMMdd>`: entries that name neither (a body that did not parse), and every other
 *   call refused before its signature was verified (its fields are unverified, so it is never
 *   filed under an instance or order someone merely named).
 *
 * Each entry is one attribute of its bucket, `e_<entryId>`, holding the entry as JSON, written by
 * one `UpdateItem SET e_<entryId> = :entry, day = :day, expiresAt = :ttl` without a condition: an
 * append is one round trip, never conflicts with a concurrent append to the same bucket (each
 * writes its own attribute), and a retried write of the same entry rewrites the same attribute
 * (idempotent). GeminiDB's DynamoDB API documents `SET path = :v`, the only form used; no
 * `list_append`, no `size()`.
 *
 * Why day buckets: with no sort key, a timeline must be reachable by keys one can compute.
 * `show <instanceId>` reads the buckets from the instance's creation day to today with BatchGetItem
 * (100 keys a request, at most `AUDIT_RETENTION_DAYS + 1` keys), `show <orderId>` reads the order's
 * buckets over the retention window; no scan. A bucket expires (TTL `expiresAt`) as a whole,
 * `AUDIT_RETENTION_DAYS` after its day ends. `health` scans the `AUDIT#` items of the last days.
 * A bucket holds at most DynamoDB's 400 KB item (about 1,000 entries a day for one subject); past
 * it, a write answers `full` and the caller logs it.
 */

/** What an entry records. */
export const AUDIT_KIND = {
  /** A call from KooGallery (any protocol), answered or refused. */
  CALL: 'call',
  /** A webhook delivery to the seller concerning an instance. */
  WEBHOOK: 'webhook',
  /** A usage push to KooGallery concerning an instance. */
  USAGE: 'usage',
  /** An operator's action through `koogallery-admin` (retry, reconcile --apply). */
  OPERATOR: 'operator',
} as const;
/** One kind of audit entry. */
export type AuditKind = (typeof AUDIT_KIND)[keyof typeof AUDIT_KIND];

/** One audit entry: never a secret, a signature, a password or a body. */
export interface AuditEntry {
  /** Unique, sortable: `<time base36>-<sequence>-<random>`; also the bucket attribute's suffix. */
  id: string;
  kind: AuditKind;
  /** Epoch ms when the call (or delivery, push, action) started. */
  time: number;
  requestId?: string;
  /** The protocol family (`v2`, `v1`, `license-v1`, `license-v2`) of a call. */
  family?: string;
  /** The activity (`newInstance`…), the webhook event or the operator command. */
  activity?: string;
  /** True for KooGallery's debugger and probe calls (`testFlag` "1"). */
  test?: boolean;
  orderId?: string;
  orderLineId?: string;
  instanceId?: string;
  /** The result code sent (a call) or the outcome (`delivered`, `accepted`, `failed`…). */
  resultCode?: string;
  latencyMs?: number;
  /** Why it was not `000000`: the short reason sent, or the failure named in the log. */
  reason?: string;
  /** False when the call was refused before its signature was verified (fields as received). */
  verified?: boolean;
  /** A few more names and numbers (an event id, a record count); never a secret. */
  detail?: Record<string, string | number | boolean>;
}

/** Whose timeline a bucket belongs to. */
export type AuditSubject =
  | { kind: 'instance'; id: string }
  | { kind: 'order'; id: string }
  | { kind: 'unattributed' }
  /** Test calls naming an activity but no instance or order (`AUDIT#T#<day>`). */
  | { kind: 'test' };

/** What an append did: `full` when the day bucket reached the item size limit. */
export type AppendOutcome = 'written' | 'full';

/** A page of a scan; `cursor` is undefined on the last page. */
export interface AuditPage {
  entries: AuditEntry[];
  /** Buckets examined in this page (for progress). */
  buckets: number;
  cursor?: string;
}

/**
 * The audit port. Implementations: `dynamoose-audit-store.ts` (DynamoDB, GeminiDB, dynalite) and
 * `memory-audit-store.ts`; both pass `tests/contract/audit-store.contract.ts`. Errors surface as
 * `StoreUnavailableError`.
 */
export interface AuditStore {
  /**
   * Adds `entry` to `subject`'s bucket of the entry's UTC day, creating the bucket if needed, and
   * sets the bucket's TTL to `expiresAtMs` (rounded up to the second). No condition: appending the
   * same entry again changes nothing. Answers `full` when the bucket cannot grow.
   */
  appendEntry(
    subject: AuditSubject,
    entry: AuditEntry,
    expiresAtMs: number,
  ): Promise<AppendOutcome>;
  /** The entries of `subject` on the given UTC days (`yyyyMMdd`), oldest first. */
  readEntries(subject: AuditSubject, days: readonly string[]): Promise<AuditEntry[]>;
  /**
   * One page (at most `limit` buckets examined) of the entries of every bucket whose day is
   * `sinceDay` or later: a paginated Scan filtered on the `AUDIT#` prefix. An entry filed under
   * both its instance and its order appears twice: callers deduplicate by `id`.
   */
  scanEntries(options: { sinceDay: string; limit: number; cursor?: string }): Promise<AuditPage>;
}

/** The prefix every audit item's key starts with (and no other item's). */
export const AUDIT_PREFIX = 'AUDIT#';
/** The prefix of an entry's attribute in its bucket. */
export const ENTRY_ATTRIBUTE_PREFIX = 'e_';
/** DynamoDB's item size limit, which a bucket cannot outgrow. */
export const MAX_BUCKET_BYTES = 400 * 1024;

const DAY = /^\d{8}$/;
const ENTRY_ID = /^[0-9a-z]+-[0-9a-z]+-[0-9a-z]+$/;

/** The UTC day of an epoch-ms time, `yyyyMMdd`. */
export function auditDay(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 10).replace(/-/g, '');
}

/** The epoch ms at which a `yyyyMMdd` UTC day starts. */
export function dayStart(day: string): number {
  if (!DAY.test(day)) throw new RangeError(`audit day must be yyyyMMdd, got "${day}"`);
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)));
}

/** Every UTC day from `fromMs`'s to `toMs`'s, oldest first (empty when `fromMs > toMs`). */
export function daysBetween(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let t = dayStart(auditDay(fromMs)); t <= toMs; t += 86_400_000) days.push(auditDay(t));
  return days;
}

/**
 * The key of a bucket. The day is fixed-width and last, so an id holding `#` is unambiguous.
 * Refuses an empty id and a malformed day.
 */
export function auditBucketKey(subject: AuditSubject, day: string): string {
  if (!DAY.test(day)) throw new RangeError(`audit day must be yyyyMMdd, got "${day}"`);
  if (subject.kind === 'unattributed') return `${AUDIT_PREFIX}U#${day}`;
  if (subject.kind === 'test') return `${AUDIT_PREFIX}T#${day}`;
  if (subject.id === '') throw new RangeError(`audit ${subject.kind} id must be non-empty`);
  return `${AUDIT_PREFIX}${subject.kind === 'instance' ? 'I' : 'O'}#${subject.id}#${day}`;
}

/** The bucket attribute holding an entry. */
export function entryAttribute(entry: Pick<AuditEntry, 'id'>): string {
  if (!ENTRY_ID.test(entry.id)) {
    throw new RangeError(
      `audit entry id must be <time>-<sequence>-<random> in base 36, got "${entry.id}"`,
    );
  }
  return `${ENTRY_ATTRIBUTE_PREFIX}${entry.id}`;
}

/** Orders entries oldest first: by time, then by id (whose sequence breaks ties in one process). */
export function byTime(a: AuditEntry, b: AuditEntry): number {
  return a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Parses a stored entry, or undefined when the attribute does not hold one. */
export function parseEntry(json: unknown): AuditEntry | undefined {
  if (typeof json !== 'string') return undefined;
  try {
    const entry = JSON.parse(json) as AuditEntry;
    return typeof entry?.id === 'string' && typeof entry.time === 'number' ? entry : undefined;
  } catch {
    return undefined;
  }
}
