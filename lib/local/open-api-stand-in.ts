import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../clock';
import { parseQueryString, type QueryParams, verifyApigRequest } from '../open-api/aksk-signer';
import { QUERY_ORDER_PATH } from '../open-api/query-order-client';
import {
  signUsageBody,
  USAGE_PATH,
  type UsageRecord,
  usageBody,
  validateUsageRecords,
} from '../open-api/usage-client';
import { safeEqual } from '../protocol/hmac';

/** How the stand-in fails a request on purpose. */
export const FAULT_MODES = {
  /** HTTP 500 with a plain-text body. */
  HTTP_500: 'http500',
  /** No answer until the client gives up or the stand-in closes. */
  TIMEOUT: 'timeout',
  /** HTTP 200 with a body that is not JSON. */
  GARBAGE: 'garbage',
  /** HTTP 200 with `{"resultCode":"MKT.0999"}`. */
  ERROR_CODE: 'error-code',
} as const;
/** A fault mode. */
export type FaultMode = (typeof FAULT_MODES)[keyof typeof FAULT_MODES];

/** Options of {@link startOpenApiStandIn}. */
export interface OpenApiStandInOptions {
  /** The IAM key pair whose APIG signature is accepted. */
  ak: string;
  sk: string;
  /** When given, the usage push's `signature` header must verify with it. */
  accessKey?: string;
  /** 0 (a free port) by default. */
  port?: number;
  /** Milliseconds since the epoch, for `X-Sdk-Date` checks and order dates. */
  now?: () => number;
}

/** A running stand-in for KooGallery's open APIs. */
export interface OpenApiStandIn {
  /** `http://127.0.0.1:PORT`, to use as the open API endpoint. */
  readonly endpoint: string;
  /** Usage records received and accepted, first one per `metering_sn`. */
  readonly usageRecords: UsageRecord[];
  /**
   * How many times each `metering_sn` arrived in a push that passed the checks (a resend of an
   * accepted record counts again): a push job that sends a record once leaves 1.
   */
  readonly usageReceived: ReadonlyMap<string, number>;
  /** Query Order requests received, failed ones (faults, bad signatures) included. */
  readonly queryCount: number;
  /**
   * The orders Query Order answers. An order is fixed at its first query (as KooGallery's are), so
   * later reads agree with what a purchase read; a test introduces drift with `patch` or `remove`.
   */
  readonly orders: {
    /** The order as Query Order answers it now (pinned at first query), or undefined. */
    get(orderId: string): StandInOrder | undefined;
    /** Changes what Query Order answers for `orderId` from now on (its first line). */
    patch(orderId: string, change: StandInOrderChange): void;
    /** Makes Query Order answer `MKT.9001` (no such order) for `orderId` from now on. */
    remove(orderId: string): void;
  };
  /**
   * Makes Query Order answer `orderId` with these facts from now on (creation time, expiry,
   * specification, buyer…), for tests that need orders created in a given sequence.
   */
  defineOrder(orderId: string, order: DefinedOrder): void;
  readonly faults: {
    /** Fails the next `count` requests (Query Order or usage) with `mode`. */
    failNext(count: number, mode: FaultMode): void;
    /** Fails the next `count` usage pushes only (Query Order unaffected) with `mode`. */
    failNextPushes(count: number, mode: FaultMode): void;
    /** Forgets pending faults. */
    clear(): void;
  };
  /** Releases held responses, closes every connection and stops listening. */
  close(): Promise<void>;
}

/** The documented mock order ids (docs/protocol.md#query-order), spelled as KooGallery spells them. */
export const mockOrderIds = [
  'MOCKPERIODYEARNEW',
  'MOCKONETIMENEW',
  'MOCKONDEMAND',
  'MOCKONDEMANDPKG',
  'MOCKPERIODDAYTRIAL',
  'MOCKMONTYTRIALTOFORMAL',
  'MOCKMONTYUNSUBSCRIBE',
  'MOCKMONTYRENEW',
  'MOCKMONTYCHANGE',
] as const;

/** The product every stand-in order is for. */
export const STAND_IN_PRODUCT_ID = 'OFFI000000000000MOCK';
/** SKU codes of the stand-in orders, stable so that a seller can map them to plans. */
export const STAND_IN_SKUS = {
  YEAR: 'mock-sku-period-year',
  MONTH: 'mock-sku-period-month',
  MONTH_UPGRADED: 'mock-sku-period-month-upgraded',
  ONE_TIME: 'mock-sku-one-time',
  ON_DEMAND: 'mock-sku-on-demand',
  ON_DEMAND_PKG: 'mock-sku-on-demand-package',
} as const;

type PeriodType = 'day' | 'month' | 'year';

interface OrderShape {
  orderType: string;
  chargingMode: string;
  skuCode: string;
  period?: { type: PeriodType; number: number };
  linearValue?: number;
}

const MONTHLY: Omit<OrderShape, 'orderType'> = {
  chargingMode: 'PERIOD',
  skuCode: STAND_IN_SKUS.MONTH,
  period: { type: 'month', number: 1 },
};

const MOCK_ORDERS: Record<(typeof mockOrderIds)[number], OrderShape> = {
  MOCKPERIODYEARNEW: {
    orderType: 'NEW',
    chargingMode: 'PERIOD',
    skuCode: STAND_IN_SKUS.YEAR,
    period: { type: 'year', number: 1 },
  },
  MOCKONETIMENEW: { orderType: 'NEW', chargingMode: 'ONE_TIME', skuCode: STAND_IN_SKUS.ONE_TIME },
  MOCKONDEMAND: { orderType: 'NEW', chargingMode: 'ON_DEMAND', skuCode: STAND_IN_SKUS.ON_DEMAND },
  MOCKONDEMANDPKG: {
    orderType: 'NEW',
    chargingMode: 'ON_DEMAND_PKG',
    skuCode: STAND_IN_SKUS.ON_DEMAND_PKG,
    period: { type: 'year', number: 1 },
    linearValue: 100,
  },
  MOCKPERIODDAYTRIAL: {
    orderType: 'TRIAL',
    chargingMode: 'PERIOD',
    skuCode: STAND_IN_SKUS.MONTH,
    period: { type: 'day', number: 7 },
  },
  MOCKMONTYTRIALTOFORMAL: { orderType: 'TRIAL_TO_FORMAL', ...MONTHLY },
  MOCKMONTYUNSUBSCRIBE: { orderType: 'UNSUBSCRIBE', ...MONTHLY },
  MOCKMONTYRENEW: { orderType: 'RENEW', ...MONTHLY },
  MOCKMONTYCHANGE: { orderType: 'CHANGE', ...MONTHLY, skuCode: STAND_IN_SKUS.MONTH_UPGRADED },
};

/** The `orderInfo` the stand-in answers. */
export type StandInOrder = ReturnType<typeof standInOrder> | ReturnType<typeof definedOrder>;

/** A drift a test introduces into a stand-in order (see `OpenApiStandIn.orders.patch`). */
export interface StandInOrderChange {
  orderType?: string;
  /** `yyyyMMddHHmmss` (UTC), as KooGallery writes it. */
  expireTime?: string;
  productId?: string;
  skuCode?: string;
}

/** Any other order id: a new monthly subscription. */
const SYNTHESIZED: OrderShape = { orderType: 'NEW', ...MONTHLY };

/** An order a test defines (see `defineOrder`); times are epoch ms, written as KooGallery writes them. */
export interface DefinedOrder {
  /** When the order was created; absent: the order carries no `createTime`. */
  createTime?: number;
  orderType?: string;
  chargingMode?: string;
  /** The line's expiry. */
  expireTime?: number;
  periodType?: string;
  periodNumber?: number;
  productId?: string;
  productName?: string;
  skuCode?: string;
  linearValue?: number;
  buyerInfo?: Record<string, string>;
  extendParams?: { name: string; value: string }[];
}

/**
 * The creation time a KooGallery order id spells: `CS`, `yyMMddHHmm` and five letters or digits
 * (CS2207261447AUY4H was created 2022-07-26 14:47 UTC), or undefined for any other id.
 */
export function createTimeOfOrderId(orderId: string): string | undefined {
  const m = /^CS(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})[A-Z0-9]{5}$/.exec(orderId);
  if (!m) return undefined;
  const [yy, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const t = Date.UTC(2000 + yy, mo - 1, d, h, mi);
  const back = new Date(t);
  const real = back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && h < 24 && mi < 60;
  return real ? orderTime(t) : undefined;
}

/** The `orderInfo` of a defined order. */
function definedOrder(orderId: string, orderLineId: string | undefined, o: DefinedOrder) {
  const line: Record<string, unknown> = {
    orderLineId: orderLineId ?? `${orderId}-000001`,
    chargingMode: o.chargingMode ?? 'PERIOD',
  };
  if (o.periodType !== undefined) line.periodType = o.periodType;
  if (o.periodNumber !== undefined) line.periodNumber = o.periodNumber;
  if (o.expireTime !== undefined) line.expireTime = orderTime(o.expireTime);
  line.productInfo = [
    {
      productId: o.productId ?? STAND_IN_PRODUCT_ID,
      skuCode: o.skuCode ?? STAND_IN_SKUS.MONTH,
      productName: o.productName ?? 'KooGallery stand-in product',
      ...(o.linearValue === undefined ? {} : { linearValue: o.linearValue }),
    },
  ];
  return {
    orderId,
    orderType: o.orderType ?? 'NEW',
    ...(o.createTime === undefined ? {} : { createTime: orderTime(o.createTime) }),
    orderLine: [line],
    buyerInfo: o.buyerInfo ?? { customerId: 'mock-customer-0001', customerName: 'mock-buyer' },
    extendParams: o.extendParams ?? [],
  };
}

const MAX_ID = 64;
const MAX_BODY_BYTES = 1024 * 1024;
/** KooGallery refuses a usage record whose `begin_time` is older than 21 days (`CBC.9004`). */
const USAGE_WINDOW_MS = 21 * 86_400_000;
/** Control routes for tests and the simulator (loopback callers only). */
export const STAND_IN_CONTROL = {
  /** POST `{"count":N,"mode":"http500"}`: fail the next N usage pushes. */
  FAIL_PUSHES: '/__stand-in/usage/fail-next',
  /** GET: `{"records":[…accepted…],"received":{"<metering_sn>":N}}`. */
  USAGE_RECORDS: '/__stand-in/usage/records',
} as const;

/** Epoch ms of a `yyyyMMdd'T'HHmmss'Z'` time (already validated). */
function usageTimeMs(text: string): number {
  return Date.UTC(
    Number(text.slice(0, 4)),
    Number(text.slice(4, 6)) - 1,
    Number(text.slice(6, 8)),
    Number(text.slice(9, 11)),
    Number(text.slice(11, 13)),
    Number(text.slice(13, 15)),
  );
}

function isLoopbackAddress(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** `yyyyMMddHHmmss`, UTC, as KooGallery writes order times. */
function orderTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace(/[-:T]/g, '');
}

/** Adds calendar periods in UTC; the day of month is clamped (Jan 31 + 1 month = Feb 28/29). */
function addPeriod(ms: number, type: PeriodType, count: number): number {
  const date = new Date(ms);
  if (type === 'day') return ms + count * 86_400_000;
  const months = type === 'year' ? 12 * count : count;
  const target = new Date(ms);
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(
    Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0),
  ).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target.getTime();
}

/**
 * The documented mock order an order id stands for: the id itself, or the part before the first
 * `-` (`MOCKONDEMAND-<anything>` is a fresh on-demand order), so a simulator or test can buy a
 * never-seen order of every charging mode (#11).
 */
function mockIdOf(orderId: string): string {
  if (orderId in MOCK_ORDERS) return orderId;
  const dash = orderId.indexOf('-');
  return dash > 0 ? orderId.slice(0, dash) : orderId;
}

/**
 * The Query Order `orderInfo` the stand-in answers: a documented mock order (created now; its shape
 * also for `<mock id>-<suffix>`, e.g. `MOCKONDEMAND-7f3a`), or a synthesized new monthly
 * subscription for any other id; an order other than a mock id itself is created when a `CS…` id says ({@link createTimeOfOrderId}) and otherwise without a
 * `createTime` (its changes are then ordered by the fallback rule: define the order to give it
 * one). Dates derive from `nowMs`; the order line is the one asked for, `<orderId>-000001` by
 * default.
 */
export function standInOrder(orderId: string, orderLineId: string | undefined, nowMs: number) {
  const shape = MOCK_ORDERS[mockIdOf(orderId) as keyof typeof MOCK_ORDERS] ?? SYNTHESIZED;
  // Only a documented mock id itself is created now; `<mock id>-<suffix>` orders, like any other
  // id, carry the time a `CS…` id spells or none (their changes then follow the fallback rule).
  const createTime = orderId in MOCK_ORDERS ? orderTime(nowMs) : createTimeOfOrderId(orderId);
  const line: Record<string, unknown> = {
    orderLineId: orderLineId ?? `${orderId}-000001`,
    chargingMode: shape.chargingMode,
  };
  if (shape.period) {
    line.periodType = shape.period.type;
    line.periodNumber = shape.period.number;
    line.expireTime = orderTime(addPeriod(nowMs, shape.period.type, shape.period.number));
  }
  line.productInfo = [
    {
      productId: STAND_IN_PRODUCT_ID,
      skuCode: shape.skuCode,
      productName: 'KooGallery stand-in product',
      ...(shape.linearValue === undefined ? {} : { linearValue: shape.linearValue }),
    },
  ];
  return {
    orderId,
    orderType: shape.orderType,
    ...(createTime === undefined ? {} : { createTime }),
    orderLine: [line],
    buyerInfo: { customerId: 'mock-customer-0001', customerName: 'mock-buyer' },
    extendParams: [],
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Starts a stand-in for KooGallery's open APIs on 127.0.0.1 only: Query Order (the documented mock
 * orders, any other id synthesized as a new monthly order) and the usage push. Every request must
 * carry a valid APIG AK/SK signature for `ak`/`sk` (else 401 with an APIGW-style error); the usage
 * push's `signature` header is checked when `accessKey` is given, then each push as KooGallery
 * would (#11): field formats, at most 100 records (`CBC.9003`), `begin_time` within 21 days
 * (`CBC.9004`), a `metering_sn` never reused for another record (`CBC.9002`; the same record again
 * is a harmless resend). It keeps what it accepted (`usageRecords`) and how often each serial
 * arrived (`usageReceived`). `faults.failNext` / `failNextPushes` make the next requests fail on
 * purpose; loopback callers can do the same and read the records through {@link STAND_IN_CONTROL}.
 *
 * @example
 * const standIn = await startOpenApiStandIn({ ak: 'AK', sk: 'SK' });
 * const orders = createQueryOrderClient({ endpoint: standIn.endpoint, ak: 'AK', sk: 'SK',
 *   timeoutMs: 1000, attempts: 2 });
 * await orders.queryOrder('MOCKPERIODYEARNEW');
 * await standIn.close();
 */
export async function startOpenApiStandIn(options: OpenApiStandInOptions): Promise<OpenApiStandIn> {
  const now = options.now ?? systemClock.now;
  const usageRecords: UsageRecord[] = [];
  const accepted = new Map<string, string>();
  const usageReceived = new Map<string, number>();
  const pendingFaults: FaultMode[] = [];
  const pendingPushFaults: FaultMode[] = [];
  const held = new Set<ServerResponse>();
  const defined = new Map<string, DefinedOrder>();
  let queryCount = 0;
  let requestCount = 0;
  /** Orders as first answered (and changed by tests); removed ones are `null`. */
  const pinned = new Map<string, StandInOrder | null>();

  function pinnedOrder(orderId: string, orderLineId: string | undefined): StandInOrder | null {
    const known = pinned.get(orderId);
    if (known === null) return null;
    if (
      known &&
      (orderLineId === undefined || known.orderLine.some((l) => l.orderLineId === orderLineId))
    ) {
      return known;
    }
    const rule = defined.get(orderId);
    const fresh = rule
      ? definedOrder(orderId, orderLineId, rule)
      : standInOrder(orderId, orderLineId, now());
    const order = known ? { ...known, orderLine: [...known.orderLine, ...fresh.orderLine] } : fresh;
    pinned.set(orderId, order);
    return order;
  }

  const gatewayError = (res: ServerResponse, status: number, code: string, message: string) =>
    send(res, status, {
      error_code: code,
      error_msg: message,
      request_id: `stand-in-${requestCount}`,
    });

  function applyFault(mode: FaultMode, res: ServerResponse): void {
    switch (mode) {
      case 'http500':
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('Internal Server Error');
        return;
      case 'garbage':
        res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8' });
        res.end('<html>this is not JSON');
        return;
      case 'error-code':
        send(res, 200, { resultCode: 'MKT.0999', resultMsg: 'System error (injected fault).' });
        return;
      case 'timeout':
        // Held until the client gives up (the socket closes) or the stand-in closes.
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
    }
  }

  function queryOrder(query: QueryParams, res: ServerResponse): void {
    // A repeated parameter is malformed: only a single string value is usable.
    const orderId = typeof query.orderId === 'string' ? query.orderId : undefined;
    const lineParam = query.orderLineId;
    const orderLineId = typeof lineParam === 'string' ? lineParam : undefined;
    if (!orderId || orderId.length > MAX_ID) {
      send(res, 400, { resultCode: 'MKT.0100', resultMsg: 'Invalid parameter: orderId.' });
      return;
    }
    if (
      Array.isArray(lineParam) ||
      (orderLineId !== undefined && (orderLineId === '' || orderLineId.length > MAX_ID))
    ) {
      send(res, 400, { resultCode: 'MKT.0100', resultMsg: 'Invalid parameter: orderLineId.' });
      return;
    }
    const order = pinnedOrder(orderId, orderLineId);
    if (order === null) {
      send(res, 200, { resultCode: 'MKT.9001', resultMsg: 'The order does not exist.' });
      return;
    }
    send(res, 200, { resultCode: 'MKT.0000', resultMsg: 'Success.', orderInfo: order });
  }

  function usageData(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const text = body.toString('utf8');
    if (options.accessKey !== undefined) {
      const signature = header(req, 'signature');
      const ts = header(req, 'ts');
      const nonce = header(req, 'nonce');
      const expected = ts && nonce ? signUsageBody(options.accessKey, ts, nonce, text) : undefined;
      if (!signature || !expected || !safeEqual(signature, expected)) {
        send(res, 401, { error_code: 'MKT.0102', error_msg: 'Invalid signature header.' });
        return;
      }
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const records = (parsed as { usage_records?: unknown } | undefined)?.usage_records;
    const problems = validateUsageRecords(records);
    if (problems.length > 0) {
      const code = /at most/.test(problems[0] ?? '') ? 'CBC.9003' : 'CBC.9002';
      send(res, 400, { error_code: code, error_msg: `Invalid parameter: ${problems[0]}` });
      return;
    }
    const list = records as UsageRecord[];
    const oldest = now() - USAGE_WINDOW_MS;
    for (const [i, record] of list.entries()) {
      if (usageTimeMs(record.begin_time) < oldest) {
        send(res, 400, {
          error_code: 'CBC.9004',
          error_msg: `usage_records[${i}].begin_time is older than 21 days`,
        });
        return;
      }
      // A metering_sn is one record forever: the same one again is a harmless resend, another
      // record under an accepted serial is refused.
      const seen = accepted.get(record.metering_sn);
      if (seen !== undefined && seen !== JSON.stringify(usageBody([record]))) {
        send(res, 400, {
          error_code: 'CBC.9002',
          error_msg: `usage_records[${i}].metering_sn was already used for another record`,
        });
        return;
      }
    }
    for (const record of list) {
      usageReceived.set(record.metering_sn, (usageReceived.get(record.metering_sn) ?? 0) + 1);
      if (accepted.has(record.metering_sn)) continue;
      accepted.set(record.metering_sn, JSON.stringify(usageBody([record])));
      usageRecords.push(record);
    }
    send(res, 200, { error_code: 'MKT.0000', error_msg: 'success' });
  }

  async function control(req: IncomingMessage, path: string, body: Buffer, res: ServerResponse) {
    if (!isLoopbackAddress(req.socket.remoteAddress)) {
      send(res, 403, { error: 'control routes answer loopback callers only' });
      return;
    }
    if (req.method === 'GET' && path === STAND_IN_CONTROL.USAGE_RECORDS) {
      send(res, 200, { records: usageRecords, received: Object.fromEntries(usageReceived) });
      return;
    }
    if (req.method === 'POST' && path === STAND_IN_CONTROL.FAIL_PUSHES) {
      let parsed: { count?: unknown; mode?: unknown } = {};
      try {
        parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
      } catch {
        parsed = {};
      }
      const count = parsed.count;
      const mode = parsed.mode ?? FAULT_MODES.HTTP_500;
      const modes: readonly unknown[] = Object.values(FAULT_MODES);
      if (
        !Number.isInteger(count) ||
        (count as number) < 0 ||
        (count as number) > 1000 ||
        !modes.includes(mode)
      ) {
        send(res, 400, {
          error: `send {"count": 0-1000, "mode": one of ${Object.values(FAULT_MODES).join(', ')}}`,
        });
        return;
      }
      for (let i = 0; i < (count as number); i++) pendingPushFaults.push(mode as FaultMode);
      send(res, 200, { failNext: count, mode });
      return;
    }
    send(res, 404, { error: `unknown control route ${path}` });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requestCount++;
    const body = await readBody(req);
    if (body === undefined) {
      gatewayError(res, 413, 'APIGW.0201', 'Request entity too large');
      return;
    }
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const path = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    if (path.startsWith('/__stand-in/')) {
      await control(req, path, body, res);
      return;
    }
    const route =
      req.method === 'GET' && path === QUERY_ORDER_PATH
        ? 'query'
        : req.method === 'POST' && path === USAGE_PATH
          ? 'usage'
          : undefined;
    if (route === undefined) {
      gatewayError(res, 404, 'APIGW.0101', 'The API does not exist or has not been published');
      return;
    }
    if (route === 'query') queryCount++;

    const fault =
      (route === 'usage' ? pendingPushFaults.shift() : undefined) ?? pendingFaults.shift();
    if (fault !== undefined) {
      applyFault(fault, res);
      return;
    }

    const verdict = verifyApigRequest(
      { method: req.method ?? 'GET', url: rawUrl, headers: req.headers, body },
      { secretFor: (ak) => (ak === options.ak ? options.sk : undefined), now: now() },
    );
    if (!verdict.ok) {
      gatewayError(
        res,
        401,
        'APIGW.0301',
        `Incorrect IAM authentication information: ${verdict.reason}`,
      );
      return;
    }
    // The signature check above already refused a malformed query string.
    if (route === 'query')
      queryOrder(parseQueryString(queryAt < 0 ? '' : rawUrl.slice(queryAt + 1)) ?? {}, res);
    else usageData(req, body, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) gatewayError(res, 500, 'APIGW.0103', 'The backend is unavailable');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    usageRecords,
    usageReceived,
    get queryCount() {
      return queryCount;
    },
    orders: {
      get(orderId) {
        return pinned.get(orderId) ?? undefined;
      },
      patch(orderId, change) {
        const order = pinnedOrder(orderId, undefined);
        if (order === null) throw new Error(`order ${orderId} was removed`);
        const [line, ...rest] = order.orderLine;
        const product = { ...(line?.productInfo as Record<string, unknown>[] | undefined)?.[0] };
        if (change.productId !== undefined) product.productId = change.productId;
        if (change.skuCode !== undefined) product.skuCode = change.skuCode;
        pinned.set(orderId, {
          ...order,
          ...(change.orderType === undefined ? {} : { orderType: change.orderType }),
          orderLine: [
            {
              ...line,
              ...(change.expireTime === undefined ? {} : { expireTime: change.expireTime }),
              productInfo: [product],
            },
            ...rest,
          ],
        });
      },
      remove(orderId) {
        pinned.set(orderId, null);
      },
    },
    defineOrder(orderId, order) {
      defined.set(orderId, order);
      // Answered as defined from now on, even if it was asked for before.
      pinned.delete(orderId);
    },
    faults: {
      failNext(count: number, mode: FaultMode): void {
        for (let i = 0; i < count; i++) pendingFaults.push(mode);
      },
      failNextPushes(count: number, mode: FaultMode): void {
        for (let i = 0; i < count; i++) pendingPushFaults.push(mode);
      },
      clear(): void {
        pendingFaults.length = 0;
        pendingPushFaults.length = 0;
      },
    },
    async close(): Promise<void> {
      for (const res of held) {
        if (!res.headersSent) gatewayError(res, 503, 'APIGW.0103', 'The stand-in is closing');
      }
      held.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
