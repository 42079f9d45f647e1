/**
 * An in-memory {@link AuditStore} for unit tests, with the adapter's semantics (it passes the same
 * contract suite), including the bucket size limit.
 */
import {
  type AppendOutcome,
  type AuditEntry,
  type AuditStore,
  auditBucketKey,
  auditDay,
  byTime,
  entryAttribute,
  MAX_BUCKET_BYTES,
  parseEntry,
} from './audit-store';

interface Bucket {
  day: string;
  expiresAtMs: number;
  /** Attribute name to the entry's JSON. */
  entries: Map<string, string>;
}

function sizeOf(key: string, bucket: Bucket): number {
  let bytes = Buffer.byteLength(key) + 40;
  for (const [name, json] of bucket.entries)
    bytes += Buffer.byteLength(name) + Buffer.byteLength(json);
  return bytes;
}

/** A fresh, empty in-memory audit store. */
export function createMemoryAuditStore(): AuditStore {
  const buckets = new Map<string, Bucket>();

  return {
    async appendEntry(subject, entry, expiresAtMs): Promise<AppendOutcome> {
      const day = auditDay(entry.time);
      const key = auditBucketKey(subject, day);
      const name = entryAttribute(entry);
      const json = JSON.stringify(entry);
      const bucket = buckets.get(key) ?? { day, expiresAtMs, entries: new Map<string, string>() };
      const next: Bucket = { ...bucket, expiresAtMs, entries: new Map(bucket.entries) };
      next.entries.set(name, json);
      if (sizeOf(key, next) > MAX_BUCKET_BYTES) return 'full';
      buckets.set(key, next);
      return 'written';
    },

    async readEntries(subject, days) {
      const entries: AuditEntry[] = [];
      for (const day of new Set(days)) {
        const bucket = buckets.get(auditBucketKey(subject, day));
        for (const json of bucket?.entries.values() ?? []) {
          const entry = parseEntry(json);
          if (entry) entries.push(entry);
        }
      }
      return entries.sort(byTime);
    },

    async scanEntries({ sinceDay, limit, cursor }) {
      const keys = [...buckets.keys()].sort();
      const start = cursor === undefined ? 0 : keys.findIndex((k) => k > cursor);
      const page = start < 0 ? [] : keys.slice(start, start + limit);
      const entries: AuditEntry[] = [];
      for (const key of page) {
        const bucket = buckets.get(key) as Bucket;
        if (bucket.day < sinceDay) continue;
        for (const json of bucket.entries.values()) {
          const entry = parseEntry(json);
          if (entry) entries.push(entry);
        }
      }
      const last = page[page.length - 1];
      const more = start >= 0 && start + limit < keys.length;
      return {
        entries: entries.sort(byTime),
        buckets: page.length,
        ...(more && last ? { cursor: last } : {}),
      };
    },
  };
}
