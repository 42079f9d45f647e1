import {
  createTimeOfOrderId,
  type OpenApiStandIn,
  startOpenApiStandIn,
} from '../../../lib/local/open-api-stand-in';
import { formatSdkDate, signApigRequest } from '../../../lib/open-api/aksk-signer';
import { QUERY_ORDER_PATH } from '../../../lib/open-api/query-order-client';
import { AK, NOW, SK } from './fixtures';

let standIn: OpenApiStandIn;

beforeEach(async () => {
  standIn = await startOpenApiStandIn({ ak: AK, sk: SK, now: () => NOW });
});

afterEach(async () => {
  await standIn.close();
});

/** The fields of the stand-in's answers that these tests read. */
interface Answer {
  error_code?: string;
  error_msg?: string;
  resultCode?: string;
  orderInfo?: { orderLine: { orderLineId: string }[] };
}

/** Sends a signed GET; `date` defaults to the stand-in's now. */
async function signedGet(path: string, date = formatSdkDate(NOW)) {
  const url = `${standIn.endpoint}${path}`;
  const { host: _host, ...headers } = signApigRequest(
    { method: 'GET', url },
    { ak: AK, sk: SK },
    date,
  );
  const response = await fetch(url, { headers });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as Answer,
  };
}

describe('startOpenApiStandIn', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(standIn.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers an unsigned request 401 with an APIGW-style JSON error', async () => {
    const response = await fetch(`${standIn.endpoint}${QUERY_ORDER_PATH}?orderId=MOCKONDEMAND`);

    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(await response.json()).toEqual({
      error_code: 'APIGW.0301',
      error_msg: 'Incorrect IAM authentication information: missing Authorization header',
      request_id: expect.any(String),
    });
  });

  it('refuses a stale X-Sdk-Date', async () => {
    const answer = await signedGet(
      `${QUERY_ORDER_PATH}?orderId=MOCKONDEMAND`,
      formatSdkDate(NOW - 16 * 60_000),
    );

    expect(answer.status).toBe(401);
    expect(answer.body.error_msg).toContain('stale X-Sdk-Date');
  });

  it('answers a missing orderId with an MKT.0100 parameter error', async () => {
    const answer = await signedGet(`${QUERY_ORDER_PATH}?orderLineId=X-000001`);

    expect(answer.status).toBe(400);
    expect(answer.body.resultCode).toBe('MKT.0100');
  });

  it('answers an unknown path 404 APIGW.0101', async () => {
    const answer = await signedGet('/api/unknown');

    expect(answer.status).toBe(404);
    expect(answer.body.error_code).toBe('APIGW.0101');
  });

  it('answers a mock order MKT.0000 with its order line', async () => {
    const answer = await signedGet(`${QUERY_ORDER_PATH}?orderId=MOCKPERIODYEARNEW`);

    expect(answer.status).toBe(200);
    expect(answer.body.resultCode).toBe('MKT.0000');
    expect(answer.body.orderInfo?.orderLine[0]?.orderLineId).toBe('MOCKPERIODYEARNEW-000001');
    expect(standIn.queryCount).toBe(1);
  });

  it('applies faults in order, then answers normally', async () => {
    standIn.faults.failNext(1, 'error-code');
    standIn.faults.failNext(1, 'http500');
    const path = `${QUERY_ORDER_PATH}?orderId=MOCKONDEMAND`;
    const url = `${standIn.endpoint}${path}`;

    const first = await signedGet(path);
    const second = await fetch(url);
    const third = await signedGet(path);

    expect(first.body.resultCode).toBe('MKT.0999');
    expect(second.status).toBe(500);
    expect(third.body.resultCode).toBe('MKT.0000');
    expect(standIn.queryCount).toBe(3);
  });

  it('releases a held response when it closes', async () => {
    standIn.faults.failNext(1, 'timeout');
    const pending = fetch(`${standIn.endpoint}${QUERY_ORDER_PATH}?orderId=X`).then(
      (response) => response.status,
      () => 'connection closed',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));

    await standIn.close();

    expect([503, 'connection closed']).toContain(await pending);
  });
});

describe('createTimeOfOrderId', () => {
  it('reads the minute a KooGallery order id spells, and nothing from any other id (#14)', () => {
    expect(createTimeOfOrderId('CS2207261447AUY4H')).toBe('20220726144700');
    expect(createTimeOfOrderId('CS2213261447AUY4H')).toBeUndefined();
    expect(createTimeOfOrderId('CS2207261447AUY4')).toBeUndefined();
    expect(createTimeOfOrderId('CS3F9A2B4C5D6E')).toBeUndefined();
    expect(createTimeOfOrderId('LD1N0')).toBeUndefined();
  });
});
