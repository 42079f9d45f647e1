/**
 * `koogallery-admin instances` (#13): which tenants exist, filtered by status, expiry and product.
 */
import { type InstanceRecord, NAMESPACE, STATUS, type Status } from '../../store/instance-store';
import { ADMIN_EXIT, type AdminCommand, commandArgs } from '../command';
import {
  daysOption,
  instanceView,
  print,
  renderTable,
  SCAN_PAGE_SIZE,
  tablePortsOf,
  walkInstances,
} from '../operator';
import { AdminUsageError } from '../settings';

const HELP = `koogallery-admin instances: list the instances in the table

usage
  koogallery-admin instances [--status ACTIVE|FROZEN|PROVISIONING|RELEASED]
                             [--expiring-within <days>] [--product <productId>]
                             [--test] [--limit <n>] [--after <key>] [--json]

  --status            only instances in this status
  --expiring-within   only instances whose expireTime is within <days> from now (already past
                      included: they need attention too); instances without expiry are left out
  --product           only instances of this productId
  --test              KooGallery's debugger and probe instances (testFlag "1") instead of real ones
  --limit, --after    stop after the scan page on which <n> instances matched (so about <n>);
                      the last line on stderr names the --after cursor to go on from
  --json              an array of {instanceId, orderId, status, productId, skuCode, expireTime, …}

The table is read with a paginated scan (progress on stderr for large tables).`;

const OPTIONS = {
  status: { type: 'string' },
  'expiring-within': { type: 'string' },
  product: { type: 'string' },
  test: { type: 'boolean' },
  limit: { type: 'string' },
  after: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const STATUSES = Object.values(STATUS) as string[];

/** The `instances` command. */
export const instancesCommand: AdminCommand = {
  name: 'instances',
  summary: 'list instances by status, expiry and product (--json)',
  help: HELP,
  async run(args, io) {
    const parsed = commandArgs(HELP, args, io, OPTIONS);
    if (!parsed) return ADMIN_EXIT.OK;
    const { values } = parsed;
    const status = values.status?.toUpperCase();
    if (status !== undefined && !STATUSES.includes(status)) {
      throw new AdminUsageError(
        `--status is one of ${STATUSES.join(', ')}, got "${values.status}"`,
      );
    }
    const within = daysOption(values['expiring-within'], '--expiring-within');
    const limit = daysOption(values.limit, '--limit', 1_000_000);
    if (limit === 0) throw new AdminUsageError('--limit takes a number of 1 or more');
    const namespace = values.test ? NAMESPACE.TEST : NAMESPACE.REAL;
    const now = io.now();
    const matches = (r: InstanceRecord): boolean =>
      r.namespace === namespace &&
      (status === undefined || r.status === (status as Status)) &&
      (values.product === undefined || r.entitlement.productId === values.product) &&
      (within === undefined ||
        (r.expireTime !== undefined && r.expireTime <= now + within * 86_400_000));

    const { store } = await tablePortsOf(io);
    const found: InstanceRecord[] = [];
    const walk = await walkInstances(
      store,
      io,
      {
        label: 'instances',
        after: values.after,
        ...(limit === undefined
          ? {}
          : { pageSize: Math.min(limit, SCAN_PAGE_SIZE), stop: () => found.length >= limit }),
      },
      (r) => {
        if (matches(r)) found.push(r);
      },
    );
    found.sort((a, b) => a.createdAt - b.createdAt || a.instanceId.localeCompare(b.instanceId));
    const views = found.map(instanceView);
    if (values.json) print(io, JSON.stringify(views, null, 2));
    else if (views.length === 0) print(io, `no ${values.test ? 'test ' : ''}instance matches`);
    else {
      print(
        io,
        renderTable(
          ['instanceId', 'status', 'orderId', 'productId', 'skuCode', 'expireTime'],
          views.map((v) => [
            v.instanceId,
            v.status,
            v.orderId,
            v.productId ?? '-',
            v.skuCode ?? '-',
            v.expireTime ?? '-',
          ]),
        ),
      );
      print(io, `${views.length} instance${views.length === 1 ? '' : 's'}`);
    }
    if (walk.resumeAfter) {
      io.stderr.write(
        `more instances may match: run again with --after '${walk.resumeAfter}' to go on\n`,
      );
    }
    return ADMIN_EXIT.OK;
  },
};
