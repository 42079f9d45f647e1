import { systemClock } from '../clock';
import { ConfigError } from '../errors';
import { cryptoIds } from '../ids';
import { hmacSha256 } from '../protocol/hmac';
import { formatSdkDate, parseSdkDate, signApigRequest } from './aksk-signer';
import { parseOpenApiEndpoint } from './endpoint';
import { exchange, OPEN_API_SUCCESS_CODES, parseJsonObject, quoteServerMessage } from './http-call';

/** One pay-per-use usage record, in KooGallery's wire names (docs/protocol.md#usage-push). */
export interface UsageRecord {
  /** The pay-per-use instance (the `instanceId` newInstance returned), at most 64 characters. */
  instance_id: string;
  /** `yyyyMMdd'T'HHmmss'Z'`, UTC. */
  record_time: string;
  begin_time: string;
  end_time: string;
  /** Greater than 0, at most 4 decimals; sent as a string. */
  usage_value: string | number;
  /** Unique per record (KooGallery's dedup key), at most 64 characters. */
  metering_sn: string;
  /** The consumed package instance, for 用完即停 packages. */
  relate_pkg_instance?: string;
}

/** Options of {@link createUsageClient}. */
export interface UsageClientOptions {
  /** Scheme and host of KooGallery's open API: `https://…`, or `http://` on a loopback host. */
  endpoint: string;
  /** Where the same push goes when `endpoint` cannot be reached (connection failure or timeout). */
  fallbackEndpoint?: string;
  /** Huawei Cloud IAM access key pair for the APIG signature. */
  ak: string;
  sk: string;
  /** The seller key bound to the basic interface, for the `signature` header. */
  accessKey: string;
  timeoutMs: number;
  fetchImpl?: typeof fetch;
  /** Milliseconds since the epoch, for `ts` and `X-Sdk-Date`; the system clock by default. */
  now?: () => number;
  /** The `nonce` header; 32 random hex characters by default. */
  nonce?: () => string;
}

/** Pushes pay-per-use usage to KooGallery. */
export interface UsageClient {
  /**
   * Sends up to {@link MAX_USAGE_RECORDS} records in one signed call; throws `UsagePushError` when
   * they are malformed or KooGallery does not accept them. One attempt: pushing the same records
   * again is safe, KooGallery deduplicates by `metering_sn`.
   */
  push(records: readonly UsageRecord[]): Promise<void>;
}

/**
 * How a push failed: `invalid` (not sent: the records are malformed), `unreachable` (no usable
 * answer: network error, timeout, a server error or rate limiting; KooGallery may or may not have
 * them, and the same push may succeed later) or `refused` (KooGallery answered a refusal of the
 * request: signature, parameters, records).
 */
export type UsagePushFailure = 'invalid' | 'unreachable' | 'refused';

/** Usage records were malformed, or KooGallery did not accept them. */
export class UsagePushError extends Error {
  constructor(
    message: string,
    readonly kind: UsagePushFailure = 'refused',
    /** KooGallery's result code, when it answered one. */
    readonly code?: string,
    /**
     * A `refused` push whose request as a whole was refused (the APIG gateway, HTTP 401/403, or a
     * signature, credential or permission code): no record was looked at, so splitting the batch
     * or sending the rest cannot help until the settings are fixed.
     */
    readonly requestRefused = false,
  ) {
    super(message);
    this.name = 'UsagePushError';
  }
}

/**
 * Result codes (after the `MKT.`/`CBC.` prefix) that refuse the request rather than its records:
 * the `signature` header, credentials, permission (docs/protocol.md#query-order).
 */
const REQUEST_REFUSAL_SUFFIXES = new Set(['0102', '0150', '0151', '0154']);

/** Whether a refusal (not a rate limit or server error) concerns the request, not its records. */
function refusesRequest(status: number, code: string | undefined): boolean {
  return (
    status === 401 ||
    status === 403 ||
    code?.startsWith('APIGW.') === true ||
    REQUEST_REFUSAL_SUFFIXES.has(code?.split('.').pop() ?? '')
  );
}

/** Path of the (new) usage push API. */
export const USAGE_PATH = '/api/mkp-openapi-public/global/v1/isv/usage-data';
/**
 * Most records per call: the page says 1000, but error code `CBC.9003` reads "usage records > 100"
 * (docs/protocol.md#usage-push), so the smaller limit is the one that is always accepted (#11).
 */
export const MAX_USAGE_RECORDS = 100;

const MAX_ID = 64;
const USAGE_VALUE = /^(?:0|[1-9]\d*)(?:\.\d{1,4})?$/;
const TIME_FIELDS = ['record_time', 'begin_time', 'end_time'] as const;

function isUtcTime(value: unknown): value is string {
  return typeof value === 'string' && parseSdkDate(value) !== undefined;
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID;
}

/** `usage_value` as sent: a plain decimal string, or undefined when it is not > 0 with ≤ 4 decimals. */
function usageValueText(value: unknown): string | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !USAGE_VALUE.test(text) || Number(text) <= 0) return undefined;
  return text;
}

/**
 * Lists what is wrong with a batch of usage records (empty when it can be sent): 1 to
 * {@link MAX_USAGE_RECORDS} records, ids of 1-64 characters, `yyyyMMdd'T'HHmmss'Z'` times with
 * begin ≤ end, a value > 0 with at most 4 decimals, and no `metering_sn` twice.
 */
export function validateUsageRecords(records: unknown): string[] {
  if (!Array.isArray(records)) return ['usage_records is not an array'];
  if (records.length === 0) return ['usage_records is empty'];
  if (records.length > MAX_USAGE_RECORDS) {
    return [`usage_records holds ${records.length} records, at most ${MAX_USAGE_RECORDS} per call`];
  }
  const problems: string[] = [];
  const serials = new Set<string>();
  records.forEach((record: unknown, i) => {
    const at = `usage_records[${i}]`;
    if (typeof record !== 'object' || record === null) {
      problems.push(`${at} is not an object`);
      return;
    }
    const r = record as Record<string, unknown>;
    if (!isId(r.instance_id)) problems.push(`${at}.instance_id must be 1 to ${MAX_ID} characters`);
    if (!isId(r.metering_sn)) problems.push(`${at}.metering_sn must be 1 to ${MAX_ID} characters`);
    else if (serials.has(r.metering_sn))
      problems.push(`${at}.metering_sn repeats an earlier record`);
    else serials.add(r.metering_sn);
    if (r.relate_pkg_instance !== undefined && !isId(r.relate_pkg_instance)) {
      problems.push(`${at}.relate_pkg_instance must be 1 to ${MAX_ID} characters`);
    }
    for (const field of TIME_FIELDS) {
      if (!isUtcTime(r[field])) problems.push(`${at}.${field} must be yyyyMMdd'T'HHmmss'Z' (UTC)`);
    }
    // Same fixed-width format, so the strings compare like the times they spell.
    if (isUtcTime(r.begin_time) && isUtcTime(r.end_time) && r.begin_time > r.end_time) {
      problems.push(`${at}.begin_time is after end_time`);
    }
    if (usageValueText(r.usage_value) === undefined) {
      problems.push(`${at}.usage_value must be greater than 0 with at most 4 decimals`);
    }
  });
  return problems;
}

/** Copies a JSON value with every object's keys sorted, recursively ("naturally sorted" body). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort()) {
    if (source[key] !== undefined) out[key] = sortKeys(source[key]);
  }
  return out;
}

/**
 * The body to send and sign: `{"usage_records":[…]}` with every key sorted and `usage_value` as a
 * string. `JSON.stringify` of the returned object is the exact text signed and sent.
 */
export function usageBody(records: readonly UsageRecord[]): { usage_records: unknown[] } {
  return sortKeys({
    usage_records: records.map((r) => ({ ...r, usage_value: usageValueText(r.usage_value) })),
  }) as { usage_records: unknown[] };
}

/**
 * The `signature` header of a usage push: base64 HMAC-SHA256 under the seller's access key of
 * `ts={ts}&nonce={nonce}&body={body}`, over the exact body text sent.
 *
 * @example signUsageBody('test-access-key-123', '1660036200000', '0f1e…', '{"usage_records":[…]}')
 */
export function signUsageBody(accessKey: string, ts: string, nonce: string, body: string): string {
  return hmacSha256(accessKey, `ts=${ts}&nonce=${nonce}&body=${body}`).toString('base64');
}

/**
 * Builds the pay-per-use usage push client (docs/protocol.md#usage-push): validates the records,
 * sorts the body's keys, signs it with the `signature`/`ts`/`nonce` headers and with APIG AK/SK,
 * and POSTs it within `timeoutMs`. Errors never contain a key or a signature.
 *
 * @example
 * const usage = createUsageClient({ endpoint, ak, sk, accessKey, timeoutMs: 3000 });
 * await usage.push([{ instance_id, record_time, begin_time, end_time, usage_value: '1.5', metering_sn }]);
 */
export function createUsageClient(options: UsageClientOptions): UsageClient {
  const base = parseOpenApiEndpoint(options.endpoint);
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new ConfigError(['the usage push timeout must be a positive number of milliseconds']);
  }
  const fetchImpl = options.fetchImpl ?? fetch;
  const now = options.now ?? systemClock.now;
  const nonce = options.nonce ?? cryptoIds.token;
  const urls = [
    base,
    ...(options.fallbackEndpoint ? [parseOpenApiEndpoint(options.fallbackEndpoint)] : []),
  ].map((host) => `${host}${USAGE_PATH}`);
  const secrets = [options.sk, options.accessKey];

  /** Signs and sends the push to one endpoint (each send is signed for its own host). */
  function send(url: string, body: object, text: string) {
    const at = now();
    const ts = String(at);
    const n = nonce();
    const { host: _signedHost, ...headers } = signApigRequest(
      {
        method: 'POST',
        url,
        headers: {
          'content-type': 'application/json',
          signature: signUsageBody(options.accessKey, ts, n, text),
          ts,
          nonce: n,
        },
        body,
      },
      { ak: options.ak, sk: options.sk },
      formatSdkDate(at),
    );
    return exchange(fetchImpl, url, { method: 'POST', headers, body: text }, options.timeoutMs);
  }

  return {
    async push(records: readonly UsageRecord[]): Promise<void> {
      const problems = validateUsageRecords(records);
      if (problems.length > 0) {
        throw new UsagePushError(
          `usage records not sent: ${problems.slice(0, 10).join('; ')}`,
          'invalid',
        );
      }
      const body = usageBody(records);
      const text = JSON.stringify(body);
      // A push KooGallery never received can go to the fallback: it deduplicates by metering_sn.
      let answer = await send(urls[0] as string, body, text);
      for (const url of urls.slice(1)) {
        if (answer.kind === 'answer') break;
        answer = await send(url, body, text);
      }
      if (answer.kind !== 'answer') {
        throw new UsagePushError(
          `usage push of ${records.length} records failed: ${answer.problem}. Check the endpoint ` +
            `${new URL(base).origin} (KOOGALLERY_API_ENDPOINT, and KOOGALLERY_API_FALLBACK_ENDPOINT when set) is reachable; pushing again is safe.`,
          'unreachable',
        );
      }
      const reply = parseJsonObject(answer.text);
      const code = reply?.error_code ?? reply?.resultCode;
      if (
        answer.status < 300 &&
        typeof code === 'string' &&
        OPEN_API_SUCCESS_CODES.includes(code)
      ) {
        return;
      }
      const message = quoteServerMessage(reply?.error_msg ?? reply?.resultMsg, secrets);
      const named = typeof code === 'string' ? code : undefined;
      // A server error, rate limiting or an answer that is not KooGallery's says nothing about the
      // records: the same push may succeed later.
      const unavailable =
        answer.status >= 500 ||
        answer.status === 406 ||
        answer.status === 429 ||
        named === undefined ||
        /\.(0999|0250)$/.test(named);
      throw new UsagePushError(
        `usage push of ${records.length} records ${unavailable ? 'failed' : 'refused'}: HTTP ${answer.status}, ` +
          `${named ?? 'no result code'}${message}. ` +
          (unavailable
            ? 'KooGallery could not take it now; pushing again later is safe.'
            : 'Check HUAWEICLOUD_AK/HUAWEICLOUD_SK, the access key bound to the basic interface, and the records.'),
        unavailable ? 'unreachable' : 'refused',
        named,
        !unavailable && refusesRequest(answer.status, named),
      );
    },
  };
}
