/**
 * `koogallery-admin show <instanceId | orderId>` (#13): the instance and every call, webhook
 * delivery, usage push and operator action concerning it, oldest first.
 */
import type { AuditEntry } from '../../store/audit-store';
import type { InstanceRecord } from '../../store/instance-store';
import { ADMIN_EXIT, type AdminCommand, commandArgs } from '../command';
import {
  findInstance,
  type InstanceView,
  idArgument,
  instanceView,
  print,
  renderTable,
  tablePortsOf,
} from '../operator';
import {
  instanceTimeline,
  orderTimeline,
  retentionDaysOf,
  type TimelineRow,
  timelineRow,
} from '../timeline';

const HELP = `koogallery-admin show: what happened to an instance or an order

usage
  koogallery-admin show <instanceId | orderId> [--json]

Prints the instance (status, order, product, expiry, last error of a failed step) and its timeline,
oldest first: every KooGallery call with its result code and reason (duplicates, replays and
refused calls included), webhook deliveries, usage pushes and operator actions. An order id shows
the instance it bought or changed. Entries are kept AUDIT_RETENTION_DAYS days (default 400).

--json prints {"instance": {…, "instanceId", "status", "expireTime"}, "timeline": [{"time",
"activity", "resultCode", …}, …]}; "instance" is null for an order no instance is known for.`;

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function renderText(view: InstanceView | null, id: string, rows: TimelineRow[]): string {
  const lines: string[] = [];
  if (view) {
    lines.push(
      `instance ${view.instanceId} (${view.namespace === 'test' ? 'test' : 'real'}): ${view.status}`,
      `  order ${view.orderId} line ${view.orderLineId}, protocol ${view.protocol}`,
      `  product ${view.productId ?? '-'} sku ${view.skuCode ?? '-'} charging ${view.chargingMode ?? '-'}`,
      `  expires ${view.expireTime ?? '-'}, created ${view.createdAt ?? '-'}, updated ${view.updatedAt ?? '-'}`,
      `  orders applied: ${view.appliedOrders.join(', ') || '-'}`,
    );
    if (view.lastError) lines.push(`  last error: ${view.lastError}`);
  } else {
    lines.push(`no instance is known for ${id}; the entries naming it as an order:`);
  }
  lines.push('');
  if (rows.length === 0) {
    lines.push('no audit entry (none recorded, or older than AUDIT_RETENTION_DAYS)');
    return lines.join('\n');
  }
  lines.push(
    renderTable(
      ['time (UTC)', 'kind', 'activity', 'test', 'result', 'ms', 'order', 'reason'],
      rows.map((r) => [
        r.time.replace('T', ' ').replace('Z', ''),
        r.verified === false ? `${r.kind} (unverified)` : r.kind,
        r.activity ?? '-',
        r.test === undefined ? '-' : r.test ? 'yes' : 'no',
        r.resultCode ?? '-',
        r.latencyMs === undefined ? '-' : String(r.latencyMs),
        r.orderId ?? '-',
        r.reason ?? '',
      ]),
    ),
  );
  lines.push(`${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}`);
  return lines.join('\n');
}

/** The `show` command. */
export const showCommand: AdminCommand = {
  name: 'show',
  summary: 'an instance (or order) and its timeline of calls, oldest first (--json)',
  help: HELP,
  async run(args, io) {
    const parsed = commandArgs(HELP, args, io, OPTIONS, 1);
    if (!parsed) return ADMIN_EXIT.OK;
    const { values, positionals } = parsed;
    const id = idArgument(positionals[0], '<instanceId | orderId>', 'show');
    const ports = await tablePortsOf(io);
    const retention = retentionDaysOf(ports.settings.lookup);
    const now = io.now();
    let record: InstanceRecord | undefined = await findInstance(ports, id);
    let entries: AuditEntry[];
    if (record) {
      entries = await instanceTimeline(ports.auditStore, record, now, retention);
    } else {
      const order = await orderTimeline(ports.auditStore, id, now, retention);
      for (const instanceId of order.instanceIds) {
        record = await findInstance(ports, instanceId);
        if (record) break;
      }
      entries = record
        ? await instanceTimeline(ports.auditStore, record, now, retention)
        : order.entries;
    }
    const view = record ? instanceView(record) : null;
    const rows = entries.map(timelineRow);
    if (values.json) print(io, JSON.stringify({ instance: view, timeline: rows }, null, 2));
    else print(io, renderText(view, id, rows));
    if (!record && rows.length === 0) {
      io.stderr.write(
        `koogallery-admin: nothing is known about "${id}": check the id (an instanceId newInstance answered, or an orderId) and the settings (${ports.settings.source})\n`,
      );
      return ADMIN_EXIT.FAILED;
    }
    return ADMIN_EXIT.OK;
  },
};
