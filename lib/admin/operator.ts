/**
 * What the operator commands of #13 (`instances`, `show`, `stuck`, `retry`, `reconcile`,
 * `health`) share: the table's ports from the settings, the instance as an operator sees it (never
 * a credential or a lease token), a paginated walk over every instance with progress on stderr,
 * and plain-text tables.
 */
import { buildTablePorts, type TablePorts } from '../deps';
import {
  type InstanceRecord,
  type InstanceStore,
  NAMESPACE,
  type Namespace,
} from '../store/instance-store';
import type { AdminIo } from './command';
import { type AdminSettings, AdminUsageError, tableOptions } from './settings';

/** Items a scan examines per request: small enough to show progress, large enough to be quick. */
export const SCAN_PAGE_SIZE = 500;
/** KooGallery refunds a purchase still failing after this long (docs/protocol.md). */
export const REFUND_LIMIT_MS = 3 * 3_600_000;

/** The table's ports and where the settings came from. */
export async function tablePortsOf(io: AdminIo): Promise<TablePorts & { settings: AdminSettings }> {
  const settings = await io.settings();
  return { ...buildTablePorts(tableOptions(settings)), settings };
}

/** ISO 8601 (UTC), or null. */
export function iso(ms: number | undefined): string | null {
  return ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

/** An instance as the operator commands print it: no sealed credentials, no lease token. */
export interface InstanceView {
  instanceId: string;
  namespace: Namespace;
  orderId: string;
  orderLineId: string;
  status: string;
  productId: string | null;
  skuCode: string | null;
  chargingMode: string | null;
  expireTime: string | null;
  protocol: string;
  createdAt: string | null;
  updatedAt: string | null;
  /** Every order applied, `orderId/orderLineId`, purchase first. */
  appliedOrders: string[];
  /** While provisioning: when the current claim lapses (another attempt may take over). */
  leaseUntil?: string | null;
  /** The last provisioning failure (never a secret). */
  lastError?: string;
}

/** The operator's view of a record. */
export function instanceView(r: InstanceRecord): InstanceView {
  return {
    instanceId: r.instanceId,
    namespace: r.namespace,
    orderId: r.orderId,
    orderLineId: r.orderLineId,
    status: r.status,
    productId: r.entitlement.productId ?? null,
    skuCode: r.entitlement.skuCode ?? null,
    chargingMode: r.entitlement.chargingMode ?? null,
    expireTime: iso(r.expireTime),
    protocol: r.protocol,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    appliedOrders: [...r.appliedOrders],
    ...(r.lease ? { leaseUntil: iso(r.lease.until) } : {}),
    ...(r.lastError ? { lastError: r.lastError } : {}),
  };
}

/** What {@link walkInstances} reports at the end. */
export interface WalkResult {
  /** Instances read. */
  read: number;
  /** Where to resume when the walk stopped early (`--after`), else undefined. */
  resumeAfter?: string;
}

/**
 * Visits every instance of the table, one scan page at a time (`InstanceStore.listInstances`),
 * writing progress to stderr after each page. With `stop`, the walk ends after the first page at
 * which `stop()` holds, and names the cursor to resume from (`--after`).
 */
export async function walkInstances(
  store: Pick<InstanceStore, 'listInstances'>,
  io: AdminIo,
  options: {
    label: string;
    after?: string;
    quiet?: boolean;
    pageSize?: number;
    stop?: () => boolean;
  },
  visit: (record: InstanceRecord) => void | Promise<void>,
): Promise<WalkResult> {
  let cursor = options.after;
  let read = 0;
  let pages = 0;
  do {
    const page = await store.listInstances({ limit: options.pageSize ?? SCAN_PAGE_SIZE, cursor });
    pages += 1;
    for (const record of page.records) {
      read += 1;
      await visit(record);
    }
    cursor = page.cursor;
    if (!options.quiet && (cursor !== undefined || pages > 1)) {
      io.stderr.write(`${options.label}: ${read} instances read${cursor ? '…' : ', done'}\n`);
    }
    if (cursor !== undefined && options.stop?.()) return { read, resumeAfter: cursor };
  } while (cursor !== undefined);
  return { read };
}

/** Finds an instance by id in either namespace (real first). */
export async function findInstance(
  ports: Pick<TablePorts, 'store'>,
  instanceId: string,
): Promise<InstanceRecord | undefined> {
  return (
    (await ports.store.getInstance(NAMESPACE.REAL, instanceId)) ??
    (await ports.store.getInstance(NAMESPACE.TEST, instanceId))
  );
}

/** A whole number of days from an option, refused with what to write otherwise. */
export function daysOption(
  value: string | undefined,
  flag: string,
  max = 3650,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 0 || n > max) {
    throw new AdminUsageError(
      `${flag} takes a whole number of days from 0 to ${max}, got "${value}"`,
    );
  }
  return n;
}

/** An identifier argument (instance or order id), refused when empty or too long. */
export function idArgument(value: string | undefined, what: string, command: string): string {
  const id = value?.trim();
  if (!id) throw new AdminUsageError(`${command} needs ${what}`);
  if (id.length > 128)
    throw new AdminUsageError(`${what} is at most 128 characters, got ${id.length}`);
  return id;
}

/** A plain-text table: a header row, a rule, the rows; columns padded to their widest cell. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Minutes, rounded down, for ages. */
export function minutes(ms: number): number {
  return Math.floor(ms / 60_000);
}

/** Writes `text` and a newline. */
export function print(io: AdminIo, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
