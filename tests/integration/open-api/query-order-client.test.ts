import { ConfigError, InvalidRequestError, OrderUnavailableError } from '../../../lib/errors';
import {
  mockOrderIds,
  type OpenApiStandIn,
  STAND_IN_PRODUCT_ID,
  STAND_IN_SKUS,
  startOpenApiStandIn,
} from '../../../lib/local/open-api-stand-in';
import {
  createQueryOrderClient,
  FAILOVER_MS,
  type QueryOrderClientOptions,
  RETRY_BACKOFF_MS,
} from '../../../lib/open-api/query-order-client';
import { refusingEndpoint, silentEndpoint } from '../../helpers/refusing-endpoint';
import { AK, failure, NOW, SK } from './fixtures';

let standIn: OpenApiStandIn;

beforeEach(async () => {
  standIn = await startOpenApiStandIn({ ak: AK, sk: SK, now: () => NOW });
});

afterEach(async () => {
  await standIn.close();
});

function client(overrides: Partial<QueryOrderClientOptions> = {}) {
  return createQueryOrderClient({
    endpoint: standIn.endpoint,
    ak: AK,
    sk: SK,
    timeoutMs: 1000,
    attempts: 2,
    now: () => NOW,
    ...overrides,
  });
}

const EXPECTED_MOCKS: Record<string, [string, string, string | undefined, number | undefined]> = {
  MOCKPERIODYEARNEW: ['NEW', 'PERIOD', 'year', 1],
  MOCKONETIMENEW: ['NEW', 'ONE_TIME', undefined, undefined],
  MOCKONDEMAND: ['NEW', 'ON_DEMAND', undefined, undefined],
  MOCKONDEMANDPKG: ['NEW', 'ON_DEMAND_PKG', 'year', 1],
  MOCKPERIODDAYTRIAL: ['TRIAL', 'PERIOD', 'day', 7],
  MOCKMONTYTRIALTOFORMAL: ['TRIAL_TO_FORMAL', 'PERIOD', 'month', 1],
  MOCKMONTYUNSUBSCRIBE: ['UNSUBSCRIBE', 'PERIOD', 'month', 1],
  MOCKMONTYRENEW: ['RENEW', 'PERIOD', 'month', 1],
  MOCKMONTYCHANGE: ['CHANGE', 'PERIOD', 'month', 1],
};

describe('createQueryOrderClient', () => {
  it('covers every documented mock order', () => {
    expect([...mockOrderIds].sort()).toEqual(Object.keys(EXPECTED_MOCKS).sort());
  });

  it.each(mockOrderIds)('reads the mock order %s from the stand-in', async (orderId) => {
    const [orderType, chargingMode, periodType, periodNumber] = EXPECTED_MOCKS[orderId] ?? [];

    const order = await client().queryOrder(orderId, `${orderId}-000001`);

    expect(order.orderId).toBe(orderId);
    expect(order.orderType).toBe(orderType);
    expect(order.createTime).toBe('20240131100000');
    expect(order.orderLine).toHaveLength(1);
    const line = order.orderLine[0];
    expect(line?.orderLineId).toBe(`${orderId}-000001`);
    expect(line?.chargingMode).toBe(chargingMode);
    expect(line?.periodType).toBe(periodType);
    expect(line?.periodNumber).toBe(periodNumber);
    expect(line?.expireTime === undefined).toBe(periodType === undefined);
    expect(line?.productInfo[0]?.productId).toBe(STAND_IN_PRODUCT_ID);
    expect(line?.productInfo[0]?.skuCode).toEqual(expect.any(String));
  });

  it('reads dates and SKUs that are stable per mock', async () => {
    const orders = client();

    const year = await orders.queryOrder('MOCKPERIODYEARNEW');
    const change = await orders.queryOrder('MOCKMONTYCHANGE');
    const again = await orders.queryOrder('MOCKPERIODYEARNEW');

    expect(year.orderLine[0]?.expireTime).toBe(Date.UTC(2025, 0, 31, 10, 0, 0));
    expect(year.orderLine[0]?.productInfo[0]?.skuCode).toBe(STAND_IN_SKUS.YEAR);
    expect(change.orderLine[0]?.productInfo[0]?.skuCode).toBe(STAND_IN_SKUS.MONTH_UPGRADED);
    expect(again).toEqual(year);
  });

  it('reads a synthesized new monthly order for any other order id', async () => {
    const order = await client().queryOrder('CS2401311000ABCDE', 'CS2401311000ABCDE-000001');

    expect(order).toEqual({
      orderId: 'CS2401311000ABCDE',
      orderType: 'NEW',
      // The stand-in reads the creation time a CS id spells (2024-01-31 10:00).
      createTime: '20240131100000',
      createdAt: NOW,
      orderLine: [
        {
          orderLineId: 'CS2401311000ABCDE-000001',
          chargingMode: 'PERIOD',
          periodType: 'month',
          periodNumber: 1,
          expireTime: Date.UTC(2024, 1, 29, 10, 0, 0),
          productInfo: [
            {
              productId: STAND_IN_PRODUCT_ID,
              skuCode: STAND_IN_SKUS.MONTH,
              productName: 'KooGallery stand-in product',
            },
          ],
        },
      ],
      buyerInfo: { customerId: 'mock-customer-0001', customerName: 'mock-buyer' },
      extendParams: [],
    });
  });

  it('signs an order id that needs percent-encoding exactly as it sends it', async () => {
    const order = await client().queryOrder("CS 1+2*(x)'!~é");

    expect(order.orderId).toBe("CS 1+2*(x)'!~é");
  });

  it.each(['http500', 'timeout', 'garbage', 'error-code'] as const)(
    'recovers when the first attempt fails with %s',
    async (mode) => {
      standIn.faults.failNext(1, mode);

      const order = await client({ timeoutMs: 300 }).queryOrder('MOCKMONTYRENEW');

      expect(order.orderType).toBe('RENEW');
      expect(standIn.queryCount).toBe(2);
    },
  );

  it.each(['http500', 'timeout', 'garbage', 'error-code'] as const)(
    'throws OrderUnavailableError within the time bound when every attempt fails with %s',
    async (mode) => {
      const attempts = 3;
      const timeoutMs = 200;
      standIn.faults.failNext(attempts, mode);
      const started = Date.now();

      const error = await failure(client({ attempts, timeoutMs }).queryOrder('MOCKONDEMAND'));

      const bound = attempts * timeoutMs + RETRY_BACKOFF_MS * ((attempts * (attempts - 1)) / 2);
      expect(Date.now() - started).toBeLessThan(3 * bound);
      expect(error).toBeInstanceOf(OrderUnavailableError);
      expect(error.message).toContain('failed after 3 attempts');
      expect(error.message).toContain('KOOGALLERY_API_ENDPOINT');
      expect(standIn.queryCount).toBe(attempts);
    },
  );

  it('uses the injected sleep between attempts', async () => {
    const pauses: number[] = [];
    standIn.faults.failNext(2, 'http500');

    await client({ attempts: 3, sleep: async (ms) => void pauses.push(ms) }).queryOrder('X1');

    expect(pauses).toEqual([RETRY_BACKOFF_MS, 2 * RETRY_BACKOFF_MS]);
  });

  it('names the signature and credentials, never the SK, when the SK is wrong', async () => {
    const error = await failure(client({ sk: 'WrongSecretKey' }).queryOrder('MOCKONDEMAND'));

    expect(error).toBeInstanceOf(OrderUnavailableError);
    expect(error.message).toMatch(/signature/i);
    expect(error.message).toContain('HUAWEICLOUD_AK and HUAWEICLOUD_SK');
    expect(error.message).toContain('failed after 1 attempt ');
    expect(error.message).not.toContain('WrongSecretKey');
    expect(error.message).not.toContain(SK);
    expect(error.message).not.toMatch(/Signature=[0-9a-f]/);
    expect(standIn.queryCount).toBe(1);
  });

  it('does not retry a parameter error', async () => {
    const fetchMissingOrderId: typeof fetch = (input, init) =>
      fetch(String(input).replace(/orderId=[^&]*/, 'other=1'), init);

    const error = await failure(client({ fetchImpl: fetchMissingOrderId }).queryOrder('MOCKX'));

    expect(error).toBeInstanceOf(OrderUnavailableError);
    expect(standIn.queryCount).toBe(1);
  });

  it('leaves out the creation time of an order whose id spells none, and reads a defined one (#14)', async () => {
    standIn.defineOrder('ANY-ORDER-2', { createTime: Date.UTC(2025, 4, 6, 7, 8, 9) });

    const plain = await client().queryOrder('ANY-ORDER-1');
    const defined = await client().queryOrder('ANY-ORDER-2');

    expect(plain.createTime).toBeUndefined();
    expect(plain.createdAt).toBeUndefined();
    expect(defined).toMatchObject({
      createTime: '20250506070809',
      createdAt: Date.UTC(2025, 4, 6, 7, 8, 9),
    });
  });

  it('sends the same request to the fallback endpoint when the primary refuses connections, then prefers it (#9)', async () => {
    const primary = await refusingEndpoint();
    const seen: string[] = [];
    const tracking: typeof fetch = (input, init) => {
      seen.push(new URL(String(input)).origin);
      return fetch(input, init);
    };
    const orders = client({
      endpoint: primary,
      fallbackEndpoint: standIn.endpoint,
      attempts: 1,
      fetchImpl: tracking,
    });

    const first = await orders.queryOrder('MOCKPERIODYEARNEW');
    const second = await orders.queryOrder('MOCKMONTYRENEW');

    expect([first.orderId, second.orderId]).toEqual(['MOCKPERIODYEARNEW', 'MOCKMONTYRENEW']);
    expect(seen).toEqual([primary, standIn.endpoint, standIn.endpoint]);
    expect(standIn.queryCount).toBe(2);
  });

  it('sends the request to the fallback endpoint when the primary accepts the connection but never answers (#9)', async () => {
    const primary = await silentEndpoint();
    try {
      const seen: string[] = [];
      const orders = client({
        endpoint: primary.endpoint,
        fallbackEndpoint: standIn.endpoint,
        attempts: 1,
        timeoutMs: 200,
        fetchImpl: (input, init) => {
          seen.push(new URL(String(input)).origin);
          return fetch(input, init);
        },
      });

      const order = await orders.queryOrder('MOCKPERIODYEARNEW');

      expect(order.orderId).toBe('MOCKPERIODYEARNEW');
      expect(seen).toEqual([primary.endpoint, standIn.endpoint]);
      expect(primary.requests).toBe(1);
      expect(standIn.queryCount).toBe(1);
    } finally {
      await primary.close();
    }
  });

  it('tries the primary again once the failover time has passed (#9)', async () => {
    const primary = await refusingEndpoint();
    let clock = NOW;
    const seen: string[] = [];
    const orders = client({
      endpoint: primary,
      fallbackEndpoint: standIn.endpoint,
      now: () => clock,
      fetchImpl: (input, init) => {
        seen.push(new URL(String(input)).origin);
        return fetch(input, init);
      },
    });

    await orders.queryOrder('MOCKONDEMAND');
    clock += FAILOVER_MS + 1;
    standIn.defineOrder('MOCKONDEMAND', { createTime: NOW });
    await orders.queryOrder('MOCKONDEMAND');

    expect(seen).toEqual([primary, standIn.endpoint, primary, standIn.endpoint]);
  });

  it('names both endpoints when neither can be reached (#9)', async () => {
    const primary = await refusingEndpoint();
    const fallback = await refusingEndpoint();

    const error = await failure(
      client({ endpoint: primary, fallbackEndpoint: fallback, attempts: 1 }).queryOrder(
        'MOCKONDEMAND',
      ),
    );

    expect(error).toBeInstanceOf(OrderUnavailableError);
    expect(error.message).toContain(`at ${primary}, then network error`);
    expect(error.message).toContain(`at ${fallback}`);
    expect(error.message).toContain('KOOGALLERY_API_FALLBACK_ENDPOINT');
  });

  it('reports a refused connection as unreachable after every attempt', async () => {
    const endpoint = standIn.endpoint;
    await standIn.close();
    standIn = await startOpenApiStandIn({ ak: AK, sk: SK });

    const error = await failure(client({ endpoint, attempts: 2 }).queryOrder('MOCKONDEMAND'));

    expect(error).toBeInstanceOf(OrderUnavailableError);
    expect(error.message).toContain('failed after 2 attempts');
    expect(error.message).toContain('network error');
    expect(error.message).toContain(endpoint);
  });

  it('refuses an answer for another order without retrying', async () => {
    const otherOrder: typeof fetch = async () =>
      new Response(
        JSON.stringify({
          resultCode: 'CBC.0000',
          resultMsg: 'Success.',
          orderInfo: {
            orderId: 'SOMEONE-ELSE',
            orderLine: [{ orderLineId: 'x', productInfo: [] }],
          },
        }),
        { status: 200 },
      );

    const error = await failure(client({ fetchImpl: otherOrder }).queryOrder('MOCKONDEMAND'));

    expect(error).toBeInstanceOf(OrderUnavailableError);
    expect(error.message).toContain('orderInfo.orderId is not the order asked for');
    expect(error.message).toContain('failed after 1 attempt ');
  });

  it('accepts CBC.0000 and parses numbers sent as strings', async () => {
    const stringly: typeof fetch = async () =>
      new Response(
        JSON.stringify({
          resultCode: 'CBC.0000',
          orderInfo: {
            orderId: 'CS1',
            orderLine: [
              {
                orderLineId: 'CS1-000001',
                periodNumber: '3',
                productInfo: [{ skuCode: 's', linearValue: '20.5' }],
              },
            ],
            extendParams: [{ name: 'emailDomainName', value: 'example.com' }],
          },
        }),
        { status: 200 },
      );

    const order = await client({ fetchImpl: stringly }).queryOrder('CS1', 'CS1-000001');

    expect(order.orderLine[0]?.periodNumber).toBe(3);
    expect(order.orderLine[0]?.productInfo[0]?.linearValue).toBe(20.5);
    expect(order.extendParams).toEqual([{ name: 'emailDomainName', value: 'example.com' }]);
  });

  it('retries a rate-limited answer (CBC.0250) and refuses a malformed order line', async () => {
    const answers = [
      { status: 406, body: { resultCode: 'CBC.0250', resultMsg: 'Too many requests.' } },
      {
        status: 200,
        body: { resultCode: 'MKT.0000', orderInfo: { orderId: 'CS1', orderLine: [{}] } },
      },
    ];
    let calls = 0;
    const scripted: typeof fetch = async () => {
      const next = answers[calls++];
      return new Response(JSON.stringify(next?.body), { status: next?.status ?? 500 });
    };

    const error = await failure(client({ fetchImpl: scripted, attempts: 3 }).queryOrder('CS1'));

    expect(calls).toBe(2);
    expect(error.message).toContain('CBC.0250');
    expect(error.message).toContain('orderInfo.orderLine[0].orderLineId is missing');
  });

  it('refuses order ids KooGallery would refuse, before calling', async () => {
    const error = await failure(client().queryOrder('x'.repeat(65)));

    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(standIn.queryCount).toBe(0);
  });

  it.each(['http://example.com', 'ftp://127.0.0.1', 'not a url', 'https://h/?q=1'])(
    'refuses the endpoint %s',
    (endpoint) => {
      expect(() => client({ endpoint })).toThrow(ConfigError);
    },
  );

  it('accepts https and loopback http endpoints', () => {
    for (const endpoint of [
      'https://mkt.myhuaweicloud.com',
      'http://localhost:8080/',
      'http://[::1]:1',
    ]) {
      expect(() => client({ endpoint })).not.toThrow();
    }
  });
});
