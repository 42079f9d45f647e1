/**
 * An instance's or an order's timeline from the audit buckets (#13), read by computed keys: the
 * instance's days since its creation, the days of each order it applied, and the unattributed
 * entries (calls refused before their signature was verified) that name it. No scan.
 */
import {
  type AuditEntry,
  type AuditStore,
  auditDay,
  byTime,
  daysBetween,
} from '../store/audit-store';
import type { InstanceRecord } from '../store/instance-store';
import { AdminUsageError } from './settings';

const DAY_MS = 86_400_000;
/** Unattributed entries are read for the subject's own days and for this many recent days. */
export const RECENT_UNVERIFIED_DAYS = 7;

/** One timeline row as `show --json` prints it. */
export interface TimelineRow {
  time: string;
  activity: string | null;
  resultCode: string | null;
  kind: string;
  requestId?: string;
  family?: string;
  test?: boolean;
  orderId?: string;
  orderLineId?: string;
  instanceId?: string;
  latencyMs?: number;
  reason?: string;
  verified?: boolean;
  detail?: Record<string, string | number | boolean>;
}

/** The printable row of an entry (its time in ISO 8601, UTC). */
export function timelineRow(e: AuditEntry): TimelineRow {
  return {
    time: new Date(e.time).toISOString(),
    activity: e.activity ?? null,
    resultCode: e.resultCode ?? null,
    kind: e.kind,
    ...(e.requestId ? { requestId: e.requestId } : {}),
    ...(e.family ? { family: e.family } : {}),
    ...(e.test === undefined ? {} : { test: e.test }),
    ...(e.orderId ? { orderId: e.orderId } : {}),
    ...(e.orderLineId ? { orderLineId: e.orderLineId } : {}),
    ...(e.instanceId ? { instanceId: e.instanceId } : {}),
    ...(e.latencyMs === undefined ? {} : { latencyMs: e.latencyMs }),
    ...(e.reason ? { reason: e.reason } : {}),
    ...(e.verified === false ? { verified: false } : {}),
    ...(e.detail ? { detail: e.detail } : {}),
  };
}

function merge(...lists: AuditEntry[][]): AuditEntry[] {
  const byId = new Map<string, AuditEntry>();
  for (const list of lists) for (const e of list) byId.set(e.id, e);
  return [...byId.values()].sort(byTime);
}

/** The order ids of a record: its purchase and every order applied since. */
export function ordersOf(record: InstanceRecord): string[] {
  const ids = new Set([record.orderId]);
  for (const applied of record.appliedOrders) {
    const orderId = applied.slice(0, applied.lastIndexOf('/'));
    if (orderId) ids.add(orderId);
  }
  return [...ids];
}

async function unverifiedNaming(
  audit: AuditStore,
  days: Set<string>,
  names: Set<string>,
): Promise<AuditEntry[]> {
  const [loose, tests] = await Promise.all([
    audit.readEntries({ kind: 'unattributed' }, [...days]),
    audit.readEntries({ kind: 'test' }, [...days]),
  ]);
  return [...loose, ...tests].filter(
    (e) =>
      (e.instanceId !== undefined && names.has(e.instanceId)) ||
      (e.orderId !== undefined && names.has(e.orderId)),
  );
}

/** The window the trail keeps: from `retentionDays` ago (or `since`, if later) to `now`. */
function window(now: number, retentionDays: number, since?: number): string[] {
  const oldest = now - (retentionDays + 1) * DAY_MS;
  return daysBetween(Math.max(oldest, since ?? oldest), now);
}

/**
 * The timeline of an instance, oldest first: its own entries, those of its orders (a purchase
 * refused before the instance id was known is filed under the order only) and the unverified
 * calls naming it.
 */
export async function instanceTimeline(
  audit: AuditStore,
  record: InstanceRecord,
  now: number,
  retentionDays: number,
): Promise<AuditEntry[]> {
  // The day before creation too: a refused first attempt may precede the record.
  const days = window(now, retentionDays, record.createdAt - DAY_MS);
  const orders = ordersOf(record);
  const lists = await Promise.all([
    audit.readEntries({ kind: 'instance', id: record.instanceId }, days),
    ...orders.map((id) => audit.readEntries({ kind: 'order', id }, days)),
  ]);
  const known = merge(...lists);
  const unverifiedDays = new Set([
    ...known.map((e) => auditDay(e.time)),
    ...window(now, RECENT_UNVERIFIED_DAYS - 1),
  ]);
  const unverified = await unverifiedNaming(
    audit,
    unverifiedDays,
    new Set([record.instanceId, ...orders]),
  );
  return merge(known, unverified);
}

/** The timeline of an order over the retention window, and the instances its entries name. */
export async function orderTimeline(
  audit: AuditStore,
  orderId: string,
  now: number,
  retentionDays: number,
): Promise<{ entries: AuditEntry[]; instanceIds: string[] }> {
  const days = window(now, retentionDays);
  const own = await audit.readEntries({ kind: 'order', id: orderId }, days);
  const unverifiedDays = new Set([
    ...own.map((e) => auditDay(e.time)),
    ...window(now, RECENT_UNVERIFIED_DAYS - 1),
  ]);
  const entries = merge(own, await unverifiedNaming(audit, unverifiedDays, new Set([orderId])));
  const instanceIds = [
    ...new Set(
      own.map((e) => e.instanceId).filter((id): id is string => id !== undefined && id !== ''),
    ),
  ];
  return { entries, instanceIds };
}

/**
 * `AUDIT_RETENTION_DAYS` from the settings (default 400), read as the function reads it
 * (lib/config.ts): a value that is not an integer from 1 to 3650 is refused, naming the setting,
 * rather than silently replaced by the default.
 */
export function retentionDaysOf(lookup: (key: string) => string | undefined): number {
  const raw = lookup('AUDIT_RETENTION_DAYS')?.trim();
  if (raw === undefined || raw === '') return 400;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 3650) {
    throw new AdminUsageError(
      `AUDIT_RETENTION_DAYS must be an integer from 1 to 3650, got "${raw}"`,
    );
  }
  return n;
}
