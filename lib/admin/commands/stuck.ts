/**
 * `koogallery-admin stuck` (#13): purchases provisioning past their lease and webhook deliveries
 * that keep failing, each with its age against KooGallery's 3-hour refund limit.
 */
import { AUDIT_KIND, type AuditEntry, auditDay } from '../../store/audit-store';
import { type InstanceRecord, STATUS } from '../../store/instance-store';
import { scanAuditSince } from '../audit-scan';
import { ADMIN_EXIT, type AdminCommand, type AdminIo, commandArgs } from '../command';
import {
  iso,
  minutes,
  print,
  REFUND_LIMIT_MS,
  renderTable,
  tablePortsOf,
  walkInstances,
} from '../operator';

const HELP = `koogallery-admin stuck: work that is not finishing

usage
  koogallery-admin stuck [--json]

Lists
  - instances still PROVISIONING whose claim lapsed (no attempt is running: the provisioner or
    Query Order failed, or the process stopped), with the last error and the time left before
    KooGallery refunds the purchase (3 hours after it was placed);
  - webhook deliveries whose latest attempt in the last 3 days failed.
Drive a stuck purchase once more with \`koogallery-admin retry <instanceId>\`.

Exit status 1 when anything is stuck. --json prints {"stuck": […], "failingWebhooks": […]}.`;

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A purchase that no attempt is finishing. */
export interface StuckInstance {
  instanceId: string;
  orderId: string;
  namespace: string;
  step: 'provisioning';
  since: string | null;
  ageMinutes: number;
  /** When KooGallery refunds the purchase if it is still not complete. */
  refundAt: string | null;
  /** Negative once the limit has passed. */
  minutesToRefund: number;
  lastError: string | null;
  leaseUntil: string | null;
}

/** A webhook event whose latest delivery failed. */
export interface FailingWebhook {
  instanceId: string | null;
  orderId: string | null;
  event: string | null;
  failures: number;
  firstFailure: string;
  lastAttempt: string;
  lastReason: string | null;
  ageMinutes: number;
}

/** True when an instance is provisioning and no attempt holds a live claim. */
export function isStuck(r: InstanceRecord, now: number): boolean {
  return r.status === STATUS.PROVISIONING && (!r.lease || r.lease.until <= now);
}

/** The stuck entry of an instance. */
export function stuckOf(r: InstanceRecord, now: number): StuckInstance {
  return {
    instanceId: r.instanceId,
    orderId: r.orderId,
    namespace: r.namespace,
    step: 'provisioning',
    since: iso(r.createdAt),
    ageMinutes: minutes(now - r.createdAt),
    refundAt: iso(r.createdAt + REFUND_LIMIT_MS),
    minutesToRefund: Math.ceil((r.createdAt + REFUND_LIMIT_MS - now) / 60_000),
    lastError: r.lastError ?? null,
    leaseUntil: iso(r.lease?.until),
  };
}

/**
 * Outcomes that end a step's deliveries: received, or refused by the seller's SaaS on purpose. A
 * webhook entry's outcome is one of these or `failed` (lib/provisioner/webhook-provisioner.ts).
 */
const DELIVERED = new Set(['delivered', 'refused']);

/** Webhook events whose latest delivery (by instance, order and event) did not succeed. */
export function failingWebhooks(entries: readonly AuditEntry[], now: number): FailingWebhook[] {
  const groups = new Map<string, AuditEntry[]>();
  for (const e of entries) {
    if (e.kind !== AUDIT_KIND.WEBHOOK) continue;
    const key = `${e.instanceId ?? ''}\n${e.orderId ?? ''}\n${e.activity ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const out: FailingWebhook[] = [];
  for (const list of groups.values()) {
    const last = list[list.length - 1] as AuditEntry;
    if (DELIVERED.has(last.resultCode ?? '')) continue;
    let lastOk = -1;
    list.forEach((e, i) => {
      if (DELIVERED.has(e.resultCode ?? '')) lastOk = i;
    });
    const failures = list.slice(lastOk + 1);
    const first = failures[0] as AuditEntry;
    out.push({
      instanceId: last.instanceId ?? null,
      orderId: last.orderId ?? null,
      event: last.activity ?? null,
      failures: failures.length,
      firstFailure: new Date(first.time).toISOString(),
      lastAttempt: new Date(last.time).toISOString(),
      lastReason: last.reason ?? null,
      ageMinutes: minutes(now - first.time),
    });
  }
  return out;
}

async function collect(io: AdminIo, quiet: boolean) {
  const { store, auditStore } = await tablePortsOf(io);
  const now = io.now();
  const stuck: StuckInstance[] = [];
  await walkInstances(store, io, { label: 'stuck', quiet }, (r) => {
    if (isStuck(r, now)) stuck.push(stuckOf(r, now));
  });
  stuck.sort((a, b) => a.minutesToRefund - b.minutesToRefund);
  const recent = await scanAuditSince(auditStore, io, auditDay(now - 2 * 86_400_000), quiet);
  return { stuck, failingWebhooks: failingWebhooks(recent, now) };
}

/** The `stuck` command. */
export const stuckCommand: AdminCommand = {
  name: 'stuck',
  summary:
    'purchases provisioning past their lease, failing webhooks, against the 3 h refund (--json)',
  help: HELP,
  async run(args, io) {
    const parsed = commandArgs(HELP, args, io, OPTIONS);
    if (!parsed) return ADMIN_EXIT.OK;
    const { values } = parsed;
    const report = await collect(io, values.json === true);
    const any = report.stuck.length + report.failingWebhooks.length > 0;
    if (values.json) {
      print(io, JSON.stringify(report, null, 2));
      return any ? ADMIN_EXIT.FAILED : ADMIN_EXIT.OK;
    }
    if (!any) {
      print(io, 'nothing is stuck');
      return ADMIN_EXIT.OK;
    }
    if (report.stuck.length > 0) {
      print(
        io,
        renderTable(
          ['instanceId', 'order', 'age', 'refund in', 'last error'],
          report.stuck.map((s) => [
            s.namespace === 'test' ? `${s.instanceId} (test)` : s.instanceId,
            s.orderId,
            `${s.ageMinutes} min`,
            s.minutesToRefund > 0 ? `${s.minutesToRefund} min` : 'PAST the 3 h limit',
            s.lastError ?? '-',
          ]),
        ),
      );
      print(io, 'drive one once more: koogallery-admin retry <instanceId>');
    }
    if (report.failingWebhooks.length > 0) {
      print(
        io,
        renderTable(
          ['instanceId', 'event', 'failures', 'failing for', 'last reason'],
          report.failingWebhooks.map((w) => [
            w.instanceId ?? '-',
            w.event ?? '-',
            String(w.failures),
            `${w.ageMinutes} min`,
            w.lastReason ?? '-',
          ]),
        ),
      );
    }
    return ADMIN_EXIT.FAILED;
  },
};
