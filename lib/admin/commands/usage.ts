/**
 * `koogallery-admin usage record|list|push` (#11): record an hour of usage by hand, list an
 * instance's hours, and run the push job now.
 */
import type { parseArgs } from 'node:util';
import { createAuditTrail } from '../../audit/audit-trail';
import { buildTablePorts, buildUsageClientFor } from '../../deps';
import { cryptoIds } from '../../ids';
import { createJsonLogger, type Logger } from '../../log';
import { pushUsage } from '../../metering/push-usage';
import { recordUsage, UsageRefusedError } from '../../metering/record-usage';
import { usageInfoOf } from '../../metering/usage-totals';
import { displayHour, formatUnits, parseHour, parseUsageValue } from '../../metering/usage-values';
import { ADMIN_EXIT, type AdminCommand, type AdminIo, commandArgs } from '../command';
import { AdminUsageError, pushSettings, tableOptions } from '../settings';
import { retentionDaysOf } from '../timeline';

const HELP = `koogallery-admin usage: pay-per-use usage of metered (ON_DEMAND, ON_DEMAND_PKG) instances

usage
  koogallery-admin usage record --instance <id> --hour <yyyy-MM-ddTHH> --value <decimal> [--json]
      record one closed UTC hour (an hour is recorded once: the same value again changes nothing,
      another value is refused)
  koogallery-admin usage list --instance <id> [--json]
      the instance's hours: hour, value, state (recorded / accepted / expired: left the 21-day
      window unsent), metering_sn, and the total
  koogallery-admin usage push [--json]
      one run of the push job now: sends every recorded hour KooGallery has not accepted
      (at most 100 per call) and prints what it sent and what KooGallery answered

settings: TABLE_NAME, DYNAMODB_ENDPOINT, … as the function's; or, with neither set, the npm start
running from this folder (DATA_DIR, default .data)`;

const OPTIONS = {
  instance: { type: 'string' },
  hour: { type: 'string' },
  value: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function print(io: AdminIo, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function instanceArg(value: string | undefined, sub: string): string {
  const id = value?.trim();
  if (!id)
    throw new AdminUsageError(
      `usage ${sub} needs --instance <id> (the instanceId newInstance answered)`,
    );
  if (id.length > 64)
    throw new AdminUsageError(`--instance is at most 64 characters, got ${id.length}`);
  return id;
}

/** A silent logger for commands: their outcome is printed, not logged. */
function quietLog(io: AdminIo): Logger {
  return createJsonLogger('error', (line) => io.stderr.write(`${line}\n`));
}

async function record(values: Values, io: AdminIo): Promise<number> {
  const instanceId = instanceArg(values.instance, 'record');
  if (values.hour === undefined)
    throw new AdminUsageError(
      'usage record needs --hour <yyyy-MM-ddTHH> (UTC), e.g. --hour 2026-11-29T10',
    );
  const hour = parseHour(values.hour);
  if (!hour.ok) throw new AdminUsageError(`--hour: ${hour.reason}`);
  if (values.value === undefined)
    throw new AdminUsageError('usage record needs --value <decimal>, e.g. --value 12.5');
  const value = parseUsageValue(values.value);
  if (!value.ok) throw new AdminUsageError(`--value: ${value.reason}`);
  const ports = buildTablePorts(tableOptions(await io.settings()));
  try {
    const { outcome, record } = await recordUsage(
      { instances: ports.store, usage: ports.usage, clock: { now: io.now } },
      { instanceId, hour: values.hour, value: values.value },
    );
    const out = {
      outcome,
      instanceId,
      hour: displayHour(record.hour),
      value: formatUnits(record.units),
      state: record.state.toLowerCase(),
      meteringSn: record.meteringSn,
    };
    print(
      io,
      values.json
        ? JSON.stringify(out, null, 2)
        : `${outcome === 'recorded' ? 'recorded' : 'already recorded with the same value (nothing changed)'}: ` +
            `instance ${instanceId}, hour ${out.hour} UTC, value ${out.value}, metering_sn ${out.meteringSn}`,
    );
    return ADMIN_EXIT.OK;
  } catch (error) {
    if (!(error instanceof UsageRefusedError)) throw error;
    if (values.json)
      print(
        io,
        JSON.stringify(
          { outcome: 'refused', reason: error.reason, message: error.message },
          null,
          2,
        ),
      );
    else io.stderr.write(`koogallery-admin: refused (${error.reason}): ${error.message}\n`);
    return ADMIN_EXIT.FAILED;
  }
}

async function list(values: Values, io: AdminIo): Promise<number> {
  const instanceId = instanceArg(values.instance, 'list');
  const { usage } = buildTablePorts(tableOptions(await io.settings()));
  const [total] = await usage.getTotals([instanceId]);
  const hours = Object.keys(total?.hours ?? {}).sort();
  const stored = new Map((await usage.listHours(instanceId, hours)).map((h) => [h.hour, h]));
  const rows = hours.map((h) => {
    const item = stored.get(h);
    return {
      hour: displayHour(h),
      value: formatUnits(total?.hours[h] ?? 0),
      // An accepted or expired hour leaves the table with its TTL; its total stays.
      state: item ? item.state.toLowerCase() : 'gone from the table (accepted or expired, TTL)',
      // The column's name in #11 (and KooGallery's field), in the JSON too.
      metering_sn: item?.meteringSn ?? '',
    };
  });
  const info = total ? usageInfoOf(total) : undefined;
  const summary = {
    instanceId,
    hours: rows,
    foldedHours: total?.foldedThrough
      ? { through: displayHour(total.foldedThrough), value: formatUnits(total.foldedUnits) }
      : undefined,
    total: info ? String(info.usageValue) : '0',
    statisticalTime: info?.statisticalTime,
  };
  if (values.json) {
    print(io, JSON.stringify(summary, null, 2));
    return ADMIN_EXIT.OK;
  }
  if (rows.length === 0 && !summary.foldedHours) {
    print(io, `no usage recorded for instance ${instanceId}`);
    return ADMIN_EXIT.OK;
  }
  const w = (k: 'hour' | 'value' | 'state', head: string) =>
    Math.max(head.length, ...rows.map((r) => r[k].length));
  const [wh, wv, ws] = [w('hour', 'hour (UTC)'), w('value', 'value'), w('state', 'state')];
  const lines = [
    `${'hour (UTC)'.padEnd(wh)}  ${'value'.padStart(wv)}  ${'state'.padEnd(ws)}  metering_sn`,
    `${'-'.repeat(wh)}  ${'-'.repeat(wv)}  ${'-'.repeat(ws)}  ${'-'.repeat(11)}`,
    ...rows.map(
      (r) =>
        `${r.hour.padEnd(wh)}  ${r.value.padStart(wv)}  ${r.state.padEnd(ws)}  ${r.metering_sn}`,
    ),
  ];
  if (summary.foldedHours) {
    lines.push(
      `earlier hours through ${summary.foldedHours.through}: ${summary.foldedHours.value} (folded)`,
    );
  }
  lines.push(
    `total ${summary.total} (queryInstance usageValue), statisticalTime ${summary.statisticalTime ?? '-'}`,
  );
  print(io, lines.join('\n'));
  return ADMIN_EXIT.OK;
}

async function push(values: Values, io: AdminIo): Promise<number> {
  const settings = await io.settings();
  const { usage, auditStore } = buildTablePorts(tableOptions(settings));
  const p = pushSettings(settings);
  const client = buildUsageClientFor(p, { now: io.now });
  if (!values.json)
    io.stderr.write(`usage push: reading recorded hours (settings from ${settings.source})…\n`);
  const report = await pushUsage(
    {
      usage,
      client,
      clock: { now: io.now },
      ids: cryptoIds,
      log: quietLog(io),
      // Each call's outcome in the timeline of its instances (#13).
      audit: createAuditTrail({
        store: auditStore,
        clock: { now: io.now },
        ids: cryptoIds,
        log: quietLog(io),
        retentionDays: retentionDaysOf(settings.lookup),
      }),
    },
    {
      onProgress: ({ done, total }) => {
        if (!values.json) io.stderr.write(`usage push: ${done} of ${total} records sent\n`);
      },
    },
  );
  const ok = report.ran && report.failed === 0 && report.outsideWindow === 0;
  if (values.json) {
    print(io, JSON.stringify({ ok, ...report }, null, 2));
    return ok ? ADMIN_EXIT.OK : ADMIN_EXIT.FAILED;
  }
  if (!report.ran) {
    print(
      io,
      'another push run holds the lease right now: nothing sent. Try again in a few minutes.',
    );
    return ADMIN_EXIT.FAILED;
  }
  const lines = [
    `${report.pending} recorded hours not yet accepted; ${report.calls.length} calls to KooGallery`,
    ...report.calls.map(
      (c, i) =>
        `  call ${i + 1}: ${c.records} records -> ${c.outcome === 'accepted' ? 'accepted (success)' : `${c.outcome}: ${c.message ?? ''}`}`,
    ),
    ...report.records.map(
      (r) => `  ${r.outcome.padEnd(11)} ${r.instanceId} ${r.hour} ${r.value} ${r.meteringSn}`,
    ),
    `accepted ${report.accepted}, to retry ${report.failed}, outside the 21-day window ${report.outsideWindow}, near it ${report.nearWindowUnsent}`,
  ];
  if (report.failed > 0)
    lines.push('records not accepted stay recorded and are sent again by the next run (hourly)');
  if (report.outsideWindow > 0) {
    lines.push(
      'records older than 21 days are not sent: KooGallery refuses them (see the README: usage KooGallery refused)',
    );
  }
  print(io, lines.join('\n'));
  return ok ? ADMIN_EXIT.OK : ADMIN_EXIT.FAILED;
}

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

/** The `usage` command. */
export const usageCommand: AdminCommand = {
  name: 'usage',
  summary: 'record, list and push pay-per-use usage (record | list | push)',
  help: HELP,
  async run(args, io) {
    const parsed = commandArgs(HELP, args, io, OPTIONS, 1);
    if (!parsed) return ADMIN_EXIT.OK;
    const { values, positionals } = parsed;
    const sub = positionals[0];
    if (sub === undefined) {
      print(io, HELP);
      return ADMIN_EXIT.USAGE;
    }
    switch (sub) {
      case 'record':
        return record(values, io);
      case 'list':
        return list(values, io);
      case 'push':
        for (const flag of ['instance', 'hour', 'value'] as const) {
          if (values[flag] !== undefined)
            throw new AdminUsageError(
              `usage push takes no --${flag}: it sends every recorded hour`,
            );
        }
        return push(values, io);
      default:
        throw new AdminUsageError(`unknown usage subcommand "${sub}": use record, list or push`);
    }
  },
};
