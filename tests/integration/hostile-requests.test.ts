/**
 * Requests an attacker can build from material KooGallery signed (#14): a V1.0 debug URL re-split
 * into other parameters, strings no store can hold, and methods KooGallery never uses. Each is
 * refused with a signed answer before anything is written, through the real HTTP server and a
 * real dynalite.
 */
import { randomBytes } from 'node:crypto';
import { verifyBodySign } from '../../lib/protocol/body-sign';
import { formatV1Timestamp, v1AuthToken } from '../../lib/protocol/v1-auth-token';
import { type Answer, startTestService, type TestService } from '../helpers/service';
import { changedKeys, scanTable } from '../helpers/table-scan';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.close();
});

const orderOf = () => `CS${randomBytes(6).toString('hex').toUpperCase()}`;
const snapshot = () => scanTable(svc.dynalite.endpoint, svc.dynalite.tableName);

/** Sends `pairs` (already encoded `k=v`) as a V1.0 GET with the given token, as an attacker would. */
async function sendRawV1(pairs: string[], token: string): Promise<Answer> {
  const res = await fetch(
    `${svc.url}?${[...pairs, `authToken=${encodeURIComponent(token)}`].join('&')}`,
  );
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) };
}

function expectSigned(answer: Answer, key: string): void {
  expect(answer.status).toBe(200);
  expect(verifyBodySign(answer.headers.get('body-sign') ?? undefined, key, answer.text)).toEqual({
    ok: true,
  });
}

describe('a V1.0 authToken whose parameter boundaries can be moved (#14)', () => {
  it('refuses productId=P1%26testFlag%3D1 replayed from a signed debug URL, and writes nothing', async () => {
    // Arrange: a debug URL KooGallery signed (testFlag 1), not yet used.
    const timeStamp = formatV1Timestamp(Date.now());
    const debug = {
      activity: 'newInstance',
      businessId: 'b1',
      customerId: 'c1',
      orderId: orderOf(),
      productId: 'P1',
      testFlag: '1',
      timeStamp,
    };
    const token = v1AuthToken(svc.v1AccessKey, debug);
    const { testFlag: _folded, productId: _p, ...rest } = debug;
    const replay = [
      ...Object.entries(rest).map(([k, v]) => `${k}=${encodeURIComponent(v)}`),
      'productId=P1%26testFlag%3D1',
    ];
    const before = await snapshot();

    // Act: the same token over one parameter productId="P1&testFlag=1" and no testFlag.
    const refused = await sendRawV1(replay, token);

    // Assert: refused, signed, nothing written (not even the replay token: the debug URL itself
    // still works afterwards), no real instance.
    expectSigned(refused, svc.v1AccessKey);
    expect(refused.json.resultCode).toBe('000001');
    expect(refused.json.resultMsg).toMatch(/ambiguous parameter boundaries/);
    expect(changedKeys(before, await snapshot())).toEqual([]);
    const genuine = await sendRawV1(
      Object.entries(debug).map(([k, v]) => `${k}=${encodeURIComponent(v)}`),
      token,
    );
    expect(genuine.json.resultCode).toBe('000000');
    const after = await snapshot();
    expect(after.instances.filter((r) => r.orderId === debug.orderId)).toEqual([
      expect.objectContaining({ namespace: 'test' }),
    ]);
  });

  it('refuses a signed V1.0 call without testFlag with 000002, writing nothing', async () => {
    const before = await snapshot();
    const params = {
      activity: 'newInstance',
      businessId: 'b1',
      customerId: 'c1',
      orderId: orderOf(),
      productId: 'P1',
    };

    const answer = await svc.sendV1(params, { omitTestFlag: true });

    expectSigned(answer, svc.v1AccessKey);
    expect(answer.json.resultCode).toBe('000002');
    expect(answer.json.resultMsg).toMatch(/testFlag/);
    expect(changedKeys(before, await snapshot())).toEqual([]);
  });

  it('still accepts a base64 value with "=" padding and a real call with testFlag "0"', async () => {
    const answer = await svc.sendV1({
      activity: 'newInstance',
      businessId: 'b1',
      customerId: 'c1',
      orderId: orderOf(),
      productId: 'P1',
      testFlag: '0',
      saasExtendParams: Buffer.from('[{"name":"a","value":"b"}]').toString('base64'),
    });

    expect(answer.json.resultCode).toBe('000000');
  });
});
