/**
 * Reads every audit entry of the recent days (a paginated scan of the `AUDIT#` buckets, progress on
 * stderr), each once: an entry filed under both its instance and its order is deduplicated by id.
 */
import { type AuditEntry, type AuditStore, byTime } from '../store/audit-store';
import type { AdminIo } from './command';

/** Buckets a scan page examines. */
const AUDIT_PAGE_SIZE = 200;

/** Every entry of the buckets of `sinceDay` (`yyyyMMdd`) and later, oldest first. */
export async function scanAuditSince(
  audit: AuditStore,
  io: AdminIo,
  sinceDay: string,
  quiet = false,
): Promise<AuditEntry[]> {
  const byId = new Map<string, AuditEntry>();
  let cursor: string | undefined;
  let buckets = 0;
  let pages = 0;
  do {
    const page = await audit.scanEntries({ sinceDay, limit: AUDIT_PAGE_SIZE, cursor });
    for (const e of page.entries) byId.set(e.id, e);
    buckets += page.buckets;
    pages += 1;
    cursor = page.cursor;
    if (!quiet && (cursor !== undefined || pages > 1)) {
      io.stderr.write(
        `audit: ${buckets} items scanned, ${byId.size} entries${cursor ? '…' : ', done'}\n`,
      );
    }
  } while (cursor !== undefined);
  return [...byId.values()].sort(byTime);
}
