/**
 * Hostile usage reports (#11), property-based: random bytes, random JSON, wrong types, huge and
 * odd values, `__proto__` keys, random signature headers. Every answer is a JSON status the route
 * documents, nothing is written unless the report is validly signed and every field is right, and
 * the log never carries the body, the signature or the secret.
 */
import fc from 'fast-check';
import { loadConfig } from '../../lib/config';
import { buildDeps } from '../../lib/deps';
import type { HttpRequest } from '../../lib/http';
import { createJsonLogger } from '../../lib/log';
import { handleUsageReport } from '../../lib/metering/usage-route';
import { displayHour } from '../../lib/metering/usage-values';
import { signPayload } from '../../lib/signed-payload';
import { createMemoryStore } from '../../lib/store/memory-store';
import { createMemoryUsageStore } from '../../lib/store/memory-usage-store';
import { addInstance, manualClock } from '../unit/metering/fixtures';

const SECRET = 'usage-secret-never-logged';
const RUNS = 200;
const CANARY = 'CANARY-usage-9f8e7d';

function setup() {
  const lines: string[] = [];
  const clock = manualClock();
  const settings: Record<string, string> = {
    KOOGALLERY_ACCESS_KEY: 'key',
    HUAWEICLOUD_AK: 'ak',
    HUAWEICLOUD_SK: 'sk',
    TABLE_NAME: 'koogallery-test',
    FRONTEND_URL_TEMPLATE: 'https://{shortId}.example.com/',
    CREDENTIALS_KEY: '0f'.repeat(32),
    USAGE_REPORT_SECRET: SECRET,
  };
  const usage = createMemoryUsageStore();
  const deps = buildDeps(
    loadConfig((k) => settings[k]),
    {
      store: createMemoryStore(),
      usage,
      clock,
      log: createJsonLogger('debug', (line) => lines.push(line)),
    },
  );
  return { deps, usage, clock, lines };
}

function requestOf(body: Buffer, header: string | undefined): HttpRequest {
  return {
    method: 'POST',
    path: '/usage',
    rawQuery: '',
    query: {},
    headers: header === undefined ? {} : { 'x-koogallery-signature': header },
    body,
  };
}

const field = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.constant(CANARY),
  fc.constantFrom(
    '2026-11-29T11',
    '2026-11-29T13',
    '1.00001',
    '0',
    '-1',
    '1e3',
    '99999999.9999',
    '100000000',
  ),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'a'), fc.string()),
);
/** Closed hours inside KooGallery's 21 days at the fixtures' NOW (2026-11-29T12:30Z), both spellings. */
const VALID_HOURS = [
  '2026-11-29T11',
  '2026-11-29T10',
  '2026-11-28T23',
  '2026-11-20T05',
  '2026112909',
];
const VALID_VALUES = ['1', '2.5', '0.0001', '12.3456'];

/** Report bodies: hostile records, records of the metered instance with hostile fields, and valid ones. */
function bodies(known: string) {
  const valid = fc.record({
    instanceId: fc.constant(known),
    hour: fc.constantFrom(...VALID_HOURS),
    value: fc.constantFrom(...VALID_VALUES),
  });
  const record = fc.oneof(
    { arbitrary: valid, weight: 2 },
    {
      arbitrary: fc.record({ instanceId: field, hour: field, value: field }, { requiredKeys: [] }),
      weight: 1,
    },
    {
      arbitrary: fc.record(
        { instanceId: fc.constant(known), hour: field, value: field },
        { requiredKeys: [] },
      ),
      weight: 1,
    },
  );
  return fc.oneof(
    record,
    fc.record({ records: fc.oneof(fc.array(record, { maxLength: 4 }), field) }),
    field,
  );
}

/** The records a report body carries, as the route reads them (one record or `records`). */
function recordsIn(value: unknown): unknown[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const list = 'records' in value ? (value as { records: unknown }).records : [value];
  return Array.isArray(list) ? list : [];
}

describe('hostile usage reports (#11)', () => {
  it('answer a documented status, change nothing when unsigned, and never log the secret or body', async () => {
    const { deps, usage, clock, lines } = setup();
    const known = await addInstance(deps.store, 'ON_DEMAND');
    /** Hour and value of every record of `known` sent in a validly signed report. */
    const signedReports: { hour: string; value: unknown }[] = [];
    let answered200 = 0;
    await fc.assert(
      fc.asyncProperty(
        bodies(known),
        fc.boolean(),
        fc.option(fc.string()),
        async (value, signed, header) => {
          const text = Buffer.from(JSON.stringify(value) ?? '', 'utf8');
          const sig = signed ? signPayload([SECRET], text, clock.now()) : (header ?? undefined);
          const answer = await handleUsageReport(deps, requestOf(text, sig));

          expect([200, 400, 401, 422]).toContain(answer.statusCode);
          expect(() => JSON.parse(answer.body)).not.toThrow();
          if (!signed) expect(answer.statusCode).toBe(401);
          if (answer.statusCode === 200) answered200++;
          if (!signed) return;
          for (const r of recordsIn(value)) {
            if (typeof r !== 'object' || r === null) continue;
            const { instanceId, hour, value: v } = r as Record<string, unknown>;
            if (instanceId === known && typeof hour === 'string') {
              signedReports.push({ hour: hour.trim(), value: v });
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(answered200).toBeGreaterThan(0);
    // Only validly signed, valid records of the one metered instance may have been written.
    const page = await usage.scanRecorded({ limit: 10_000 });
    expect(page.items.length).toBeGreaterThan(0);
    for (const h of page.items) {
      expect(h.instanceId).toBe(known);
      const from = signedReports.filter(
        (r) =>
          (r.hour === displayHour(h.hour) || r.hour === h.hour) &&
          (typeof r.value === 'string' || typeof r.value === 'number') &&
          Number(r.value) === h.units / 10_000,
      );
      expect(from.length).toBeGreaterThan(0);
    }
    const log = lines.join('\n');
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain(CANARY);
    expect(log).not.toMatch(/v1=[0-9a-f]{64}/);
  }, 30_000);

  it('refuse random bytes, signed or not, as 400 or 401', async () => {
    const { deps, usage, clock } = setup();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 256 }), fc.boolean(), async (bytes, signed) => {
        const b = Buffer.from(bytes);
        let json = true;
        try {
          JSON.parse(b.toString('utf8'));
        } catch {
          json = false;
        }
        const answer = await handleUsageReport(
          deps,
          requestOf(b, signed ? signPayload([SECRET], b, clock.now()) : 't=1,v1=00'),
        );

        if (!signed) expect(answer.statusCode).toBe(401);
        else if (!json) expect(answer.statusCode).toBe(400);
        else expect([200, 400, 422]).toContain(answer.statusCode);
      }),
      { numRuns: RUNS },
    );
    expect((await usage.scanRecorded({ limit: 100 })).items).toEqual([]);
  });
});
