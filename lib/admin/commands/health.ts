/**
 * `koogallery-admin health` (#13): the portable check, runnable on a schedule on either cloud:
 * calls per activity and result code, KooGallery's test calls (debugger, twice-daily probe) and
 * their failures, purchases not complete, usage records not accepted. Exits 1 when something needs
 * the seller now, before KooGallery's automatic penalties act.
 */
import { NEAR_WINDOW_MS } from '../../metering/push-usage';
import { hourStart, WINDOW_MS } from '../../metering/usage-values';
import { AUDIT_KIND, auditDay } from '../../store/audit-store';
import { NAMESPACE, STATUS } from '../../store/instance-store';
import type { UsageHour } from '../../store/usage-store';
import { scanAuditSince } from '../audit-scan';
import { ADMIN_EXIT, type AdminCommand, commandArgs } from '../command';
import { iso, print, renderTable, tablePortsOf, walkInstances } from '../operator';
import { AdminUsageError } from '../settings';
import { type TimelineRow, timelineRow } from '../timeline';
import { type StuckInstance, stuckOf } from './stuck';

const HELP = `koogallery-admin health: is anything failing that KooGallery will penalise?

usage
  koogallery-admin health [--hours 24] [--json]

Over the last --hours (default 24, at most 720):
  calls          per activity and result code (from the audit trail)
  test calls     KooGallery's debugger and twice-daily probe (testFlag "1"): total and failed,
                 each failure listed (5 days of failed probes freeze the product's sales)
  internal errors  answers 000005
  pending purchases  real instances still PROVISIONING, with their age (refunded after 3 hours)
  usage          usage records KooGallery has not accepted yet, and those within 2 days of the
                 21-day limit after which KooGallery refuses them

Exit status 1 when something needs the seller now: a failed test call, a 000005, a purchase pending
for more than 1 hour, or a usage record near the 21-day limit. Run it on a schedule (cron or CI,
from a host that reaches the table) as the portable alarm. --json prints at least {"testCalls": {"total": N,
"failed": N}, "pendingPurchases": […]}.`;

const OPTIONS = {
  hours: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A purchase pending for longer than this needs the seller (the alarm's threshold too). */
const PENDING_ALARM_MS = 3_600_000;
const USAGE_PAGE = 500;

/** The `health` command. */
export const healthCommand: AdminCommand = {
  name: 'health',
  summary:
    'calls, failed test calls, pending purchases, unaccepted usage; exit 1 when urgent (--json)',
  help: HELP,
  async run(args, io) {
    const parsed = commandArgs(HELP, args, io, OPTIONS);
    if (!parsed) return ADMIN_EXIT.OK;
    const { values } = parsed;
    const hours = values.hours === undefined ? 24 : Number(values.hours);
    if (!/^\d+$/.test(values.hours ?? '24') || hours < 1 || hours > 720) {
      throw new AdminUsageError(
        `--hours takes a whole number from 1 to 720, got "${values.hours}"`,
      );
    }
    const quiet = values.json === true;
    const ports = await tablePortsOf(io);
    const now = io.now();
    const since = now - hours * 3_600_000;

    const entries = (await scanAuditSince(ports.auditStore, io, auditDay(since), quiet)).filter(
      (e) => e.kind === AUDIT_KIND.CALL && e.time >= since,
    );
    const counts = new Map<string, number>();
    for (const e of entries) {
      const key = `${e.activity ?? '(unknown)'}\n${e.resultCode ?? '(none)'}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const calls = [...counts]
      .map(([key, count]) => {
        const [activity, resultCode] = key.split('\n') as [string, string];
        return { activity, resultCode, count };
      })
      .sort(
        (a, b) => a.activity.localeCompare(b.activity) || a.resultCode.localeCompare(b.resultCode),
      );
    const tests = entries.filter((e) => e.test === true);
    const failures: TimelineRow[] = tests.filter((e) => e.resultCode !== '000000').map(timelineRow);
    const internalErrors = entries.filter((e) => e.resultCode === '000005').map(timelineRow);

    const pendingPurchases: Pick<
      StuckInstance,
      'instanceId' | 'orderId' | 'since' | 'ageMinutes' | 'minutesToRefund' | 'lastError'
    >[] = [];
    await walkInstances(ports.store, io, { label: 'health: instances', quiet }, (r) => {
      if (r.namespace !== NAMESPACE.REAL || r.status !== STATUS.PROVISIONING) return;
      // The same age and refund clock as `stuck`, lease or not (a purchase still provisioning).
      const { instanceId, orderId, since, ageMinutes, minutesToRefund, lastError } = stuckOf(
        r,
        now,
      );
      pendingPurchases.push({ instanceId, orderId, since, ageMinutes, minutesToRefund, lastError });
    });
    pendingPurchases.sort((a, b) => b.ageMinutes - a.ageMinutes);

    const recorded: UsageHour[] = [];
    let cursor: string | undefined;
    do {
      const page = await ports.usage.scanRecorded({ limit: USAGE_PAGE, cursor });
      recorded.push(...page.items);
      cursor = page.cursor;
    } while (cursor !== undefined);
    const nearLimit = recorded
      .filter((h) => hourStart(h.hour) < now - WINDOW_MS + NEAR_WINDOW_MS)
      .map((h) => ({
        instanceId: h.instanceId,
        hour: iso(hourStart(h.hour)),
        daysLeft: Math.max(0, Math.floor((hourStart(h.hour) + WINDOW_MS - now) / 86_400_000)),
      }));

    const needsAttention: string[] = [];
    if (failures.length > 0) {
      needsAttention.push(
        `${failures.length} failed test call${failures.length === 1 ? '' : 's'} (KooGallery's debugger or probe): fix before 5 days of failed probes freeze sales`,
      );
    }
    if (internalErrors.length > 0) {
      needsAttention.push(
        `${internalErrors.length} answer${internalErrors.length === 1 ? '' : 's'} 000005: read the call lines with these request ids`,
      );
    }
    const late = pendingPurchases.filter((p) => p.ageMinutes * 60_000 >= PENDING_ALARM_MS);
    if (late.length > 0) {
      needsAttention.push(
        `${late.length} purchase${late.length === 1 ? '' : 's'} pending for more than 1 hour (refunded at 3 hours): koogallery-admin stuck, then retry`,
      );
    }
    if (nearLimit.length > 0) {
      needsAttention.push(
        `${nearLimit.length} usage record${nearLimit.length === 1 ? '' : 's'} within 2 days of the 21-day limit: koogallery-admin usage push`,
      );
    }
    const report = {
      hours,
      since: iso(since),
      calls,
      testCalls: { total: tests.length, failed: failures.length, failures },
      internalErrors,
      pendingPurchases,
      usage: { notAccepted: recorded.length, nearLimit },
      needsAttention,
      ok: needsAttention.length === 0,
    };
    if (values.json) {
      print(io, JSON.stringify(report, null, 2));
      return report.ok ? ADMIN_EXIT.OK : ADMIN_EXIT.FAILED;
    }
    const lines: string[] = [`health over the last ${hours} h (since ${report.since})`, ''];
    lines.push(
      calls.length === 0
        ? 'calls: none recorded'
        : renderTable(
            ['activity', 'result', 'calls'],
            calls.map((c) => [c.activity, c.resultCode, String(c.count)]),
          ),
    );
    lines.push('', `test calls: ${tests.length}, failed ${failures.length}`);
    for (const f of failures) {
      lines.push(
        `  ${f.time} ${f.activity ?? '-'} ${f.resultCode ?? '-'} ${f.reason ?? ''}${f.verified === false ? ' (signature not verified)' : ''} request ${f.requestId ?? '-'}`,
      );
    }
    lines.push(`internal errors (000005): ${internalErrors.length}`);
    lines.push(`pending purchases: ${pendingPurchases.length}`);
    for (const p of pendingPurchases) {
      lines.push(
        `  ${p.instanceId} order ${p.orderId}: ${p.ageMinutes} min, ${p.minutesToRefund > 0 ? `refund in ${p.minutesToRefund} min` : 'PAST the 3 h limit'}${p.lastError ? `, last error: ${p.lastError}` : ''}`,
      );
    }
    lines.push(
      `usage records not accepted: ${recorded.length}, near the 21-day limit: ${nearLimit.length}`,
    );
    lines.push('');
    lines.push(report.ok ? 'OK: nothing needs you now' : 'NEEDS ATTENTION:');
    for (const n of needsAttention) lines.push(`  - ${n}`);
    print(io, lines.join('\n'));
    return report.ok ? ADMIN_EXIT.OK : ADMIN_EXIT.FAILED;
  },
};
