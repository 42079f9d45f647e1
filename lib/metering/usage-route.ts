/**
 * The seller's usage reporting interface (#11): `POST <production path>/usage` on the same
 * deployment, signed by the seller's SaaS with `X-KooGallery-Signature` (`lib/signed-payload.ts`:
 * HMAC-SHA256 over `<t>.<body>`, 5 minutes' tolerance, rotation) under `USAGE_REPORT_SECRET`.
 *
 * It is routed before KooGallery's front ends: a request whose path ends in `/usage` never reaches
 * them, and no other request reaches this route. Replays and retries are safe by construction:
 * an hour is recorded once, so the same report again answers `already-recorded` and changes nothing.
 *
 * Body: one record `{"instanceId","hour":"yyyy-MM-ddTHH","value":"12.5"}` or
 * `{"records":[…up to 100…]}`. Answers JSON `{"results":[{…,"outcome":…}]}`: 200 when every
 * record is recorded (now or before), 422 when any was refused (each says why; the others are
 * recorded), 400 malformed, 401 signature, 405 not POST, 413 too large, 503 not configured or the
 * store is unavailable (retry).
 */
import type { App } from '../app';
import type { Deps } from '../deps';
import { describeError, StoreUnavailableError } from '../errors';
import { type HttpRequest, type HttpResponse, SECURITY_HEADERS } from '../http';
import { SIGNATURE_HEADER, verifyPayload } from '../signed-payload';
import { recordUsage, UsageRefusedError } from './record-usage';
import { formatUnits } from './usage-values';

/** The path suffix of the route: `<production path>/usage` (and `/usage` on the root). */
export const USAGE_ROUTE_SUFFIX = '/usage';
/** Most records in one report. */
export const MAX_REPORT_RECORDS = 100;

/** True when a request is for the usage route rather than for KooGallery's front ends. */
export function isUsageRoute(path: string): boolean {
  return path === USAGE_ROUTE_SUFFIX || path.endsWith(USAGE_ROUTE_SUFFIX);
}

/** The answer for one reported record. */
export interface ReportResult {
  instanceId: unknown;
  hour: unknown;
  value: unknown;
  outcome: 'recorded' | 'already-recorded' | 'refused';
  /** The refusal's reason code (`future-hour`, `conflict`, …). */
  reason?: string;
  message?: string;
  meteringSn?: string;
}

/** Every answer of the route, like the front ends': JSON, `nosniff` and `no-store` (#9). */
function answer(statusCode: number, body: unknown): HttpResponse {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json;charset=UTF-8', ...SECURITY_HEADERS },
    body: JSON.stringify(body),
  };
}

function recordsOf(body: unknown): Record<string, unknown>[] | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return 'the body must be a JSON object: {"instanceId","hour","value"} or {"records":[…]}';
  }
  const b = body as Record<string, unknown>;
  const list = 'records' in b ? b.records : [b];
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_REPORT_RECORDS) {
    return `records must be an array of 1 to ${MAX_REPORT_RECORDS} objects`;
  }
  if (list.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) {
    return 'every record must be an object {"instanceId","hour","value"}';
  }
  return list as Record<string, unknown>[];
}

/**
 * Handles one usage report (see the module comment). Logs one `usage report` line; never logs the
 * body or the signature.
 */
export async function handleUsageReport(deps: Deps, http: HttpRequest): Promise<HttpResponse> {
  const started = deps.clock.now();
  const log = (statusCode: number, fields: Record<string, unknown> = {}) =>
    deps.log.info('usage report', {
      requestId: http.requestId,
      statusCode,
      latencyMs: deps.clock.now() - started,
      ...fields,
    });
  if (http.method !== 'POST') {
    log(405);
    return answer(405, { error: 'usage reports are POST requests' });
  }
  const secrets = deps.config.usageReportSecrets;
  if (secrets.length === 0) {
    log(503, { reason: 'USAGE_REPORT_SECRET is not set' });
    return answer(503, {
      error: 'usage reports are not configured: the operator must set USAGE_REPORT_SECRET',
    });
  }
  if (http.body.length > deps.config.maxBodyBytes) {
    log(413);
    return answer(413, { error: `the body is larger than ${deps.config.maxBodyBytes} bytes` });
  }
  const verdict = verifyPayload(
    http.headers[SIGNATURE_HEADER.toLowerCase()],
    http.body,
    secrets,
    started,
  );
  if (!verdict.ok) {
    log(401, { reason: verdict.reason });
    return answer(401, { error: `signature refused: ${verdict.reason}` });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(http.body.toString('utf8'));
  } catch {
    log(400, { reason: 'not JSON' });
    return answer(400, { error: 'the body is not JSON' });
  }
  const records = recordsOf(parsed);
  if (typeof records === 'string') {
    log(400, { reason: records });
    return answer(400, { error: records });
  }
  const results: ReportResult[] = [];
  try {
    for (const r of records) {
      const base = { instanceId: r.instanceId, hour: r.hour, value: r.value };
      try {
        const { outcome, record } = await recordUsage(
          { instances: deps.store, usage: deps.usage, clock: deps.clock },
          { instanceId: r.instanceId, hour: r.hour, value: r.value },
        );
        results.push({
          ...base,
          value: formatUnits(record.units),
          outcome,
          meteringSn: record.meteringSn,
        });
      } catch (error) {
        if (!(error instanceof UsageRefusedError)) throw error;
        results.push({ ...base, outcome: 'refused', reason: error.reason, message: error.message });
      }
    }
  } catch (error) {
    const store = error instanceof StoreUnavailableError;
    deps.log.error('usage report failed', { requestId: http.requestId, ...describeError(error) });
    return answer(store ? 503 : 500, {
      error: store
        ? 'the store is unavailable: send the same report again later (it is safe)'
        : 'internal error: send the same report again later (it is safe)',
      results,
    });
  }
  const count = (o: ReportResult['outcome']) => results.filter((x) => x.outcome === o).length;
  const refused = count('refused');
  const statusCode = refused > 0 ? 422 : 200;
  log(statusCode, {
    records: results.length,
    recorded: count('recorded'),
    alreadyRecorded: count('already-recorded'),
    refused,
    reasons: refused > 0 ? [...new Set(results.map((x) => x.reason).filter(Boolean))] : undefined,
  });
  return answer(statusCode, { results });
}

/**
 * The app with the usage route in front of it: requests whose path ends in `/usage` go to
 * {@link handleUsageReport}, every other request to KooGallery's front ends (`app`).
 *
 * @example const app = withUsageReports(deps, createApp(deps));
 */
export function withUsageReports(deps: Deps, app: App): App {
  return (http) => (isUsageRoute(http.path) ? handleUsageReport(deps, http) : app(http));
}
