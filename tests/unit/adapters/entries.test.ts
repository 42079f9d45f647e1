import { randomBytes } from 'node:crypto';
import { createFunctionGraphHandler } from '../../../lib/adapters/functiongraph';
import { createLambdaHandler } from '../../../lib/adapters/lambda';
import { createApp } from '../../../lib/app';
import { createAuditTrail } from '../../../lib/audit/audit-trail';
import { systemClock } from '../../../lib/clock';
import { loadConfig } from '../../../lib/config';
import { buildDeps } from '../../../lib/deps';
import { cryptoIds } from '../../../lib/ids';
import { silentLogger } from '../../../lib/log';
import type { OrderClient } from '../../../lib/open-api/order-client';
import { verifyBodySign } from '../../../lib/protocol/body-sign';
import { signRequest } from '../../../lib/protocol/request-signature';
import { createMemoryAuditStore } from '../../../lib/store/memory-audit-store';
import { createMemoryStore } from '../../../lib/store/memory-store';
import { createMemoryUsageStore } from '../../../lib/store/memory-usage-store';

const KEY = 'adapter-test-key';
const settings: Record<string, string> = {
  KOOGALLERY_ACCESS_KEY: KEY,
  HUAWEICLOUD_AK: 'ak',
  HUAWEICLOUD_SK: 'sk',
  CREDENTIALS_KEY: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  TABLE_NAME: 'unused-table',
  FRONTEND_URL_TEMPLATE: 'https://{shortId}.example.com/',
};
const orders: OrderClient = {
  queryOrder: async (orderId, orderLineId) => ({
    orderId,
    orderLine: [
      { orderLineId: orderLineId ?? `${orderId}-000001`, chargingMode: 'PERIOD', productInfo: [] },
    ],
  }),
};
const app = createApp(
  buildDeps(
    loadConfig((k) => settings[k]),
    {
      store: createMemoryStore(),
      usage: createMemoryUsageStore(),
      // Every table port in memory: an audit entry written after the answer must not try to reach
      // a real DynamoDB endpoint once the test is over.
      audit: createAuditTrail({
        store: createMemoryAuditStore(),
        clock: systemClock,
        ids: cryptoIds,
        log: silentLogger,
        retentionDays: 400,
      }),
      orders,
      log: silentLogger,
    },
  ),
);
const getApp = async () => app;

function signed(body: string) {
  const timestamp = String(Date.now());
  const nonce = randomBytes(16).toString('hex');
  return {
    query: { signature: signRequest(KEY, nonce, timestamp, Buffer.from(body)), timestamp, nonce },
    body,
  };
}

const purchase = () => {
  const orderId = `CS${randomBytes(4).toString('hex')}`;
  return JSON.stringify({
    activity: 'newInstance',
    orderId,
    orderLineId: `${orderId}-1`,
    businessId: 'b',
  });
};

describe('entries', () => {
  const lambda = createLambdaHandler(getApp);
  const context = { getRemainingTimeInMillis: () => 10_000, awsRequestId: 'req-1' } as never;

  it('answers an HTTP API v2 / Function URL event with the raw query string', async () => {
    const s = signed(purchase());
    const res = (await lambda(
      {
        version: '2.0',
        rawPath: '/',
        rawQueryString: new URLSearchParams(s.query).toString(),
        headers: { 'Content-Type': 'application/json' },
        requestContext: { http: { method: 'POST' } },
        body: Buffer.from(s.body).toString('base64'),
        isBase64Encoded: true,
      } as never,
      context,
    )) as { statusCode: number; headers: Record<string, string>; body: string };
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ resultCode: '000000' });
    expect(verifyBodySign(res.headers['Body-Sign'], KEY, res.body)).toEqual({ ok: true });
  });

  it('answers a REST (v1) event', async () => {
    const s = signed(purchase());
    const res = (await lambda(
      {
        httpMethod: 'POST',
        path: '/kg',
        queryStringParameters: s.query,
        headers: {},
        body: s.body,
        isBase64Encoded: false,
      } as never,
      context,
    )) as { body: string };
    expect(JSON.parse(res.body)).toMatchObject({ resultCode: '000000' });
  });

  it('answers a FunctionGraph APIG trigger event (base64 body, lowercase headers, getUserData)', async () => {
    const seen: string[] = [];
    const fg = createFunctionGraphHandler(async (lookup) => {
      seen.push(lookup('TABLE_NAME') ?? '');
      return app;
    });
    const s = signed(purchase());
    const res = await fg(
      {
        body: Buffer.from(s.body).toString('base64'),
        isBase64Encoded: true,
        httpMethod: 'POST',
        path: '/apig-event-template',
        headers: { 'content-type': 'application/json', host: 'host' },
        queryStringParameters: s.query,
        requestContext: { apiId: 'a', requestId: 'r', stage: 'RELEASE' },
      },
      {
        getUserData: (k) => (k === 'TABLE_NAME' ? 'from-user-data' : undefined),
        getRemainingTimeInMilliSeconds: () => 10_000,
      },
    );
    expect(res).toMatchObject({ statusCode: 200, isBase64Encoded: false });
    expect(JSON.parse(res.body)).toMatchObject({ resultCode: '000000' });
    expect(seen).toEqual(['from-user-data']);
  });

  it('reports a configuration error on the call, then retries building on the next one', async () => {
    let attempts = 0;
    const broken = createLambdaHandler(async () => {
      attempts += 1;
      throw new Error('config broken');
    });
    await expect(broken({} as never, context)).rejects.toThrow('config broken');
    await expect(broken({} as never, context)).rejects.toThrow('config broken');
    expect(attempts).toBe(2);
  });
});
