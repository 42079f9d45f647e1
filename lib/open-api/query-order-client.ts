import { systemClock } from '../clock';
import { ConfigError, InvalidRequestError, OrderUnavailableError } from '../errors';
import { parseKooTime } from '../protocol/koo-time';
import {
  canonicalQueryString,
  formatSdkDate,
  type QueryParams,
  signApigRequest,
} from './aksk-signer';
import { parseOpenApiEndpoint } from './endpoint';
import {
  exchange,
  isJsonObject,
  OPEN_API_SUCCESS_CODES,
  parseJsonObject,
  quoteServerMessage,
} from './http-call';
import type { OrderClient, OrderInfo, OrderLine, OrderProduct } from './order-client';

/** Options of {@link createQueryOrderClient}. */
export interface QueryOrderClientOptions {
  /** Scheme and host of KooGallery's open API: `https://…`, or `http://` on a loopback host. */
  endpoint: string;
  /**
   * Where to send the same request when `endpoint` cannot be reached (connection failure or
   * timeout): KooGallery's documents name `https://mkt.myhuaweicloud.cn` for the default host.
   */
  fallbackEndpoint?: string;
  /** Huawei Cloud IAM access key id. */
  ak: string;
  /** Huawei Cloud IAM secret access key; only ever used to sign, never written anywhere. */
  sk: string;
  /** Time one attempt may take, answer body included. */
  timeoutMs: number;
  /** Attempts per call, the first included. */
  attempts: number;
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Clock for `X-Sdk-Date`; the system clock by default. */
  now?: () => number;
}

/** Path of the Query Order API (docs/protocol.md#query-order). */
export const QUERY_ORDER_PATH = '/api/mkp-openapi-public/global/v1/order/query';
/** Pause before retry n (1-based) is `n * RETRY_BACKOFF_MS`: short, KooGallery waits 5 s at most. */
export const RETRY_BACKOFF_MS = 100;
/**
 * After the primary endpoint failed to connect or answer in time, calls go to the fallback first
 * for this long, so that an outage costs one failed connection, not one per call.
 */
export const FAILOVER_MS = 60_000;
const MAX_ID = 64;

/** What to check, by kind of failure; each names the settings involved, never their values. */
type Hint = 'reach' | 'credentials' | 'permission' | 'order' | 'server' | 'answer';

type Attempt =
  | { kind: 'ok'; order: OrderInfo }
  | { kind: 'retry'; problem: string; hint: Hint }
  | { kind: 'fail'; problem: string; hint: Hint };

/** Codes after the `MKT.`/`CBC.` prefix (docs/protocol.md#query-order). */
const RETRYABLE_SUFFIXES = new Set(['0250', '0999']);
const CODE_HINTS: Record<string, Hint> = {
  '0100': 'order',
  '0101': 'order',
  '0199': 'order',
  '0102': 'credentials',
  '0150': 'permission',
  '0151': 'permission',
  '0154': 'credentials',
  '9001': 'order',
};

function hintText(hint: Hint, endpoint: string): string {
  switch (hint) {
    case 'reach':
      return `Check that the endpoint ${endpoint} (KOOGALLERY_API_ENDPOINT, and KOOGALLERY_API_FALLBACK_ENDPOINT when set) is right and reachable from the function, and that ORDER_QUERY_TIMEOUT_MS leaves it enough time.`;
    case 'credentials':
      return 'The request signature or credentials were refused: check HUAWEICLOUD_AK and HUAWEICLOUD_SK (an IAM access key pair of the seller account) and the function clock.';
    case 'permission':
      return 'Check that the IAM user of HUAWEICLOUD_AK belongs to the seller account and has permission to call KooGallery open APIs.';
    case 'order':
      return 'Check the orderId/orderLineId and that the order belongs to the seller account of HUAWEICLOUD_AK.';
    case 'server':
      return `KooGallery open API at ${endpoint} (KOOGALLERY_API_ENDPOINT) is failing or rate-limiting: try again later, and check the endpoint if this persists.`;
    case 'answer':
      return `Check that the endpoint ${endpoint} (KOOGALLERY_API_ENDPOINT) is KooGallery open API.`;
  }
}

class ShapeError extends Error {}

function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new ShapeError(`${path} is not a string`);
}

function optionalNumber(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  throw new ShapeError(`${path} is not a number`);
}

/**
 * A KooGallery time (`yyyyMMddHHmmss[SSS]`, UTC) as epoch ms. One that is not a real date reads as
 * absent, as the scenarios always treated it: the order stays usable, with no expiry.
 */
function optionalTime(value: unknown, path: string): number | undefined {
  const text = optionalString(value, path);
  return text === undefined ? undefined : parseKooTime(text);
}

/** Drops undefined members so that a mapped order holds only what KooGallery sent. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function toProduct(raw: unknown, path: string): OrderProduct {
  if (!isJsonObject(raw)) throw new ShapeError(`${path} is not an object`);
  return defined({
    productId: optionalString(raw.productId, `${path}.productId`),
    skuCode: optionalString(raw.skuCode, `${path}.skuCode`),
    linearValue: optionalNumber(raw.linearValue, `${path}.linearValue`),
    productName: optionalString(raw.productName, `${path}.productName`),
  });
}

function toLine(raw: unknown, path: string): OrderLine {
  if (!isJsonObject(raw)) throw new ShapeError(`${path} is not an object`);
  const orderLineId = optionalString(raw.orderLineId, `${path}.orderLineId`);
  if (!orderLineId) throw new ShapeError(`${path}.orderLineId is missing`);
  const products = raw.productInfo ?? [];
  if (!Array.isArray(products)) throw new ShapeError(`${path}.productInfo is not an array`);
  return defined({
    orderLineId,
    chargingMode: optionalString(raw.chargingMode, `${path}.chargingMode`),
    periodType: optionalString(raw.periodType, `${path}.periodType`),
    periodNumber: optionalNumber(raw.periodNumber, `${path}.periodNumber`),
    expireTime: optionalTime(raw.expireTime, `${path}.expireTime`),
    productInfo: products.map((p, i) => toProduct(p, `${path}.productInfo[${i}]`)),
  });
}

function toBuyerInfo(raw: unknown): Record<string, string> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isJsonObject(raw)) throw new ShapeError('orderInfo.buyerInfo is not an object');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    const text = optionalString(value, `orderInfo.buyerInfo.${name}`);
    if (text !== undefined) out[name] = text;
  }
  return out;
}

function toExtendParams(raw: unknown): { name: string; value: string }[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new ShapeError('orderInfo.extendParams is not an array');
  return raw.map((item, i) => {
    const path = `orderInfo.extendParams[${i}]`;
    if (!isJsonObject(item)) throw new ShapeError(`${path} is not an object`);
    const name = optionalString(item.name, `${path}.name`);
    if (!name) throw new ShapeError(`${path}.name is missing`);
    return { name, value: optionalString(item.value, `${path}.value`) ?? '' };
  });
}

/** Maps a success answer to an {@link OrderInfo}, or says what makes it unusable. */
function toOrderInfo(
  body: Record<string, unknown>,
  orderId: string,
  orderLineId: string | undefined,
): OrderInfo | { problem: string } {
  try {
    const raw = body.orderInfo;
    if (!isJsonObject(raw)) throw new ShapeError('orderInfo is missing');
    if (raw.orderId !== orderId)
      throw new ShapeError('orderInfo.orderId is not the order asked for');
    if (!Array.isArray(raw.orderLine) || raw.orderLine.length === 0) {
      throw new ShapeError('orderInfo.orderLine is not a non-empty array');
    }
    const orderLine = raw.orderLine.map((line, i) => toLine(line, `orderInfo.orderLine[${i}]`));
    if (orderLineId !== undefined && !orderLine.some((l) => l.orderLineId === orderLineId)) {
      throw new ShapeError('orderInfo.orderLine does not contain the order line asked for');
    }
    const createTime = optionalString(raw.createTime, 'orderInfo.createTime');
    return defined({
      orderId,
      orderType: optionalString(raw.orderType, 'orderInfo.orderType'),
      createTime,
      createdAt: createTime === undefined ? undefined : parseKooTime(createTime),
      orderLine,
      buyerInfo: toBuyerInfo(raw.buyerInfo),
      extendParams: toExtendParams(raw.extendParams),
    });
  } catch (error) {
    if (error instanceof ShapeError) return { problem: error.message };
    throw error;
  }
}

function classify(status: number, code: string | undefined): 'retry' | Hint {
  if (code?.startsWith('APIGW.')) {
    if (status === 429 || status >= 500) return 'retry';
    if (status === 401) return 'credentials';
    if (status === 403) return 'permission';
    return 'answer';
  }
  const suffix = code?.split('.').pop() ?? '';
  if (RETRYABLE_SUFFIXES.has(suffix)) return 'retry';
  const hint = CODE_HINTS[suffix] ?? (suffix.startsWith('9') ? 'order' : undefined);
  if (hint) return hint;
  if (status === 429 || status >= 500) return 'retry';
  if (status === 401) return 'credentials';
  if (status === 403) return 'permission';
  return 'answer';
}

/** Reads one answer: an order, a failure worth retrying, or a failure that will not change. */
function interpret(
  status: number,
  text: string,
  orderId: string,
  orderLineId: string | undefined,
  sk: string,
): Attempt {
  const body = parseJsonObject(text);
  if (!body) {
    const problem = `HTTP ${status} with a body that is not a JSON object`;
    if (status === 429 || status >= 500 || (status >= 200 && status < 300)) {
      return { kind: 'retry', problem, hint: status < 300 ? 'answer' : 'server' };
    }
    const verdict = classify(status, undefined);
    return { kind: 'fail', problem, hint: verdict === 'retry' ? 'server' : verdict };
  }
  const rawCode = body.resultCode ?? body.error_code;
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  const message = quoteServerMessage(body.resultMsg ?? body.error_msg, [sk]);
  if (code !== undefined && OPEN_API_SUCCESS_CODES.includes(code) && status < 300) {
    const order = toOrderInfo(body, orderId, orderLineId);
    if ('problem' in order) {
      return {
        kind: 'fail',
        problem: `${code} with an unusable order: ${order.problem}`,
        hint: 'answer',
      };
    }
    return { kind: 'ok', order };
  }
  const problem = `HTTP ${status}, ${code ?? 'no result code'}${message}`;
  const verdict = classify(status, code);
  return verdict === 'retry'
    ? { kind: 'retry', problem, hint: 'server' }
    : { kind: 'fail', problem, hint: verdict };
}

/**
 * Builds the Query Order client (docs/protocol.md#query-order): an APIG AK/SK-signed GET, each attempt bounded by
 * `timeoutMs`, retried after a short pause on network errors, timeouts, HTTP 5xx/429, rate limiting
 * (`*.0250`) and internal errors (`*.0999`), never on parameter or permission errors. With a
 * `fallbackEndpoint`, an attempt whose endpoint cannot be reached (connection failure, timeout) is
 * made again at once on the other endpoint. A call takes at most `attempts * timeoutMs` (twice that
 * with a fallback) plus the pauses. Every failure is an `OrderUnavailableError`
 * saying what happened and what to check; it never contains the SK or the `Authorization` header.
 * Throws `ConfigError` for an endpoint that is neither `https://` nor loopback `http://`.
 *
 * @example
 * const orders = createQueryOrderClient({ endpoint: 'https://mkt.myhuaweicloud.com', ak, sk,
 *   timeoutMs: 1000, attempts: 2 });
 * const order = await orders.queryOrder('CS2207261447AUY4H', 'CS2207261447AUY4H-000001');
 */
export function createQueryOrderClient(options: QueryOrderClientOptions): OrderClient {
  const base = parseOpenApiEndpoint(options.endpoint);
  const problems: string[] = [];
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
    problems.push('the Query Order timeout must be a positive number of milliseconds');
  }
  if (!Number.isInteger(options.attempts) || options.attempts < 1) {
    problems.push('the Query Order attempts must be a whole number of at least 1');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const fetchImpl = options.fetchImpl ?? fetch;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? systemClock.now;
  const credentials = { ak: options.ak, sk: options.sk };
  const endpointForHumans = new URL(base).origin;
  const bases =
    options.fallbackEndpoint === undefined
      ? [base]
      : [base, parseOpenApiEndpoint(options.fallbackEndpoint)];
  let preferFallbackUntil = 0;

  async function once(url: string, orderId: string, orderLineId?: string): Promise<Attempt> {
    const { host: _signedHost, ...headers } = signApigRequest(
      { method: 'GET', url, headers: { 'content-type': 'application/json' } },
      credentials,
      formatSdkDate(now()),
    );
    const answer = await exchange(fetchImpl, url, { method: 'GET', headers }, options.timeoutMs);
    if (answer.kind !== 'answer') return { kind: 'retry', problem: answer.problem, hint: 'reach' };
    return interpret(answer.status, answer.text, orderId, orderLineId, options.sk);
  }

  /**
   * One attempt: the preferred endpoint, then, when it could not be reached (connection failure or
   * timeout), the other one at once. The primary is preferred again once it answered or
   * {@link FAILOVER_MS} passed.
   */
  async function attempt(pathAndQuery: string, orderId: string, orderLineId?: string) {
    const [primary, fallback] = bases as [string, string | undefined];
    const order =
      fallback !== undefined && now() < preferFallbackUntil ? [fallback, primary] : bases;
    const problems: string[] = [];
    let result: Attempt = { kind: 'retry', problem: 'not sent', hint: 'reach' };
    for (const [i, host] of order.entries()) {
      result = await once(`${host}${pathAndQuery}`, orderId, orderLineId);
      const unreachable = result.kind === 'retry' && result.hint === 'reach';
      if (host === primary && fallback !== undefined) {
        preferFallbackUntil = unreachable ? now() + FAILOVER_MS : 0;
      }
      if (result.kind !== 'ok' && fallback !== undefined) {
        problems.push(`${result.problem} at ${new URL(host).origin}`);
      }
      if (!unreachable || i === order.length - 1) break;
    }
    return result.kind === 'ok' || problems.length === 0
      ? result
      : { ...result, problem: problems.join(', then ') };
  }

  return {
    async queryOrder(orderId: string, orderLineId?: string): Promise<OrderInfo> {
      if (typeof orderId !== 'string' || orderId.length === 0 || orderId.length > MAX_ID) {
        throw new InvalidRequestError(`orderId must be 1 to ${MAX_ID} characters`);
      }
      if (orderLineId !== undefined && (orderLineId.length === 0 || orderLineId.length > MAX_ID)) {
        throw new InvalidRequestError(`orderLineId must be 1 to ${MAX_ID} characters`);
      }
      const params: QueryParams = { orderId };
      if (orderLineId !== undefined) params.orderLineId = orderLineId;
      const pathAndQuery = `${QUERY_ORDER_PATH}?${canonicalQueryString(params)}`;

      const seen: string[] = [];
      let last: Attempt | undefined;
      for (let n = 1; n <= options.attempts; n++) {
        if (n > 1) await sleep(RETRY_BACKOFF_MS * (n - 1));
        last = await attempt(pathAndQuery, orderId, orderLineId);
        if (last.kind === 'ok') return last.order;
        seen.push(`attempt ${n}: ${last.problem}`);
        if (last.kind === 'fail') break;
      }
      const hint = last && last.kind !== 'ok' ? last.hint : 'reach';
      throw new OrderUnavailableError(
        `Query Order for order ${orderId} failed after ${seen.length} attempt${seen.length === 1 ? '' : 's'} ` +
          `(${seen.join('; ')}). ${hintText(hint, endpointForHumans)}`,
      );
    },
  };
}
