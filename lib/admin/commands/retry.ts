/**
 * `koogallery-admin retry <instanceId>` (#13): drives a stuck purchase's provisioning step once
 * more, in this process, exactly as KooGallery's next poll would: it takes the lapsed claim (one
 * conditional write), reads the order, calls the provisioner with the same instance, order and
 * order line (the provisioner's idempotency key), and stores the result. Running it twice, or while
 * KooGallery polls, provisions once: only one attempt holds the claim.
 */
import { createAuditTrail } from '../../audit/audit-trail';
import { loadConfig } from '../../config';
import { buildDeps, scenarioContextOf } from '../../deps';
import { cryptoIds } from '../../ids';
import { createJsonLogger } from '../../log';
import { claim, provision } from '../../scenarios/provisioning';
import { AUDIT_KIND } from '../../store/audit-store';
import { STATUS } from '../../store/instance-store';
import { ADMIN_EXIT, type AdminCommand, commandArgs } from '../command';
import { findInstance, idArgument, instanceView, iso, print, tablePortsOf } from '../operator';

const HELP = `koogallery-admin retry: drive a stuck purchase once more

usage
  koogallery-admin retry <instanceId> [--json]

Takes over the lapsed provisioning claim of an instance still PROVISIONING (see
\`koogallery-admin stuck\`), reads its order through Query Order, calls the provisioner with the
same instance, order and order line as the first attempt, and stores the delivery info: the
instance becomes ACTIVE and KooGallery's next queryInstance poll answers 000000. Safe to run
again: an instance already ACTIVE is left alone, and a claim another attempt holds is not taken.

Runs in this process with the settings of the function (or of the npm start in this folder), so
it needs what provisioning needs: KOOGALLERY_ACCESS_KEY, HUAWEICLOUD_AK/SK, FRONTEND_URL_TEMPLATE…
Exit status 0 when the instance is ACTIVE afterwards, 1 otherwise.`;

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The `retry` command. */
export const retryCommand: AdminCommand = {
  name: 'retry',
  summary: "drive a stuck purchase's provisioning once more, idempotently (--json)",
  help: HELP,
  async run(args, io) {
    const parsed = commandArgs(HELP, args, io, OPTIONS, 1);
    if (!parsed) return ADMIN_EXIT.OK;
    const { values, positionals } = parsed;
    const instanceId = idArgument(positionals[0], '<instanceId>', 'retry');
    const ports = await tablePortsOf(io);
    const out = (outcome: string, message: string, extra: Record<string, unknown> = {}) => {
      if (values.json)
        print(io, JSON.stringify({ outcome, instanceId, message, ...extra }, null, 2));
      else print(io, message);
    };

    const record = await findInstance(ports, instanceId);
    if (!record) {
      out('not-found', `no instance ${instanceId} in the table (${ports.settings.source})`);
      return ADMIN_EXIT.FAILED;
    }
    if (record.status !== STATUS.PROVISIONING) {
      out('nothing-to-do', `nothing to retry: instance ${instanceId} is ${record.status}`, {
        instance: instanceView(record),
      });
      return record.status === STATUS.RELEASED ? ADMIN_EXIT.FAILED : ADMIN_EXIT.OK;
    }
    const now = io.now();
    if (record.lease && record.lease.until > now) {
      out(
        'busy',
        `an attempt holds the claim until ${iso(record.lease.until)}: wait until then and run retry again`,
        { leaseUntil: iso(record.lease.until) },
      );
      return ADMIN_EXIT.FAILED;
    }

    // The function's own adapters (provisioner, Query Order, vault) from the same settings, over
    // the table ports already open (one client), with one audit trail for the webhook provisioner's
    // deliveries and this command's own notes.
    const log = createJsonLogger('warn', (line) => io.stderr.write(`${line}\n`));
    const config = loadConfig(ports.settings.lookup);
    const clock = { now: io.now };
    const deps = buildDeps(config, {
      store: ports.store,
      usage: ports.usage,
      audit: createAuditTrail({
        store: ports.auditStore,
        clock,
        ids: cryptoIds,
        log,
        retentionDays: config.auditRetentionDays,
      }),
      log,
      clock,
    });
    const test = record.namespace === 'test';
    const ctx = scenarioContextOf(
      deps,
      {
        store: ports.store,
        provisioner: test ? deps.testProvisioner : deps.provisioner,
        orders: deps.orders,
        vault: deps.vault,
      },
      { requestTimestampMs: now, deadline: now + deps.config.provisioningLeaseMs },
    );
    const started = io.now();
    const note = async (resultCode: string, reason?: string) =>
      deps.audit.recordAudit({
        kind: AUDIT_KIND.OPERATOR,
        time: started,
        activity: 'retry',
        test,
        instanceId,
        orderId: record.orderId,
        orderLineId: record.orderLineId,
        resultCode,
        latencyMs: io.now() - started,
        reason,
      });

    if (!values.json) io.stderr.write(`retry: taking the claim of ${instanceId}…\n`);
    const claimed = await claim(ctx, record);
    if (!claimed) {
      out('busy', 'another attempt took the claim first: run `koogallery-admin show` to follow it');
      return ADMIN_EXIT.FAILED;
    }
    if (!values.json) io.stderr.write('retry: reading the order and provisioning…\n');
    const outcome = await provision(ctx, claimed);
    // The webhook provisioner's audit entries are written in the background: keep them.
    await deps.background.drain();
    if (outcome.state === 'ready') {
      await note('ready');
      out('ready', `instance ${instanceId} is ${outcome.record.status}: provisioned`, {
        instance: instanceView(outcome.record),
      });
      return outcome.record.status === STATUS.ACTIVE ? ADMIN_EXIT.OK : ADMIN_EXIT.FAILED;
    }
    const after = await findInstance(ports, instanceId);
    const reason = after?.lastError ?? 'provisioning failed';
    await note('failed', reason);
    out(
      'failed',
      `provisioning failed again: ${reason}. Fix the cause (provisioner, Query Order settings) and run retry again.`,
      { lastError: reason },
    );
    return ADMIN_EXIT.FAILED;
  },
};
