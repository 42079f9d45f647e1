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

  it('still accepts base64 "=" padding, a "&" no "=" follows, and a real call with testFlag "0"', async () => {
    const answer = await svc.sendV1({
      activity: 'newInstance',
      businessId: 'b1',
      customerId: 'c1',
      customerName: 'Johnson & Johnson',
      orderId: orderOf(),
      productId: 'P1',
      testFlag: '0',
      saasExtendParams: Buffer.from('[{"name":"a","value":"b"}]').toString('base64'),
    });

    expect(answer.json.resultCode).toBe('000000');
  });

  it('refuses any value whose "&" is followed by a "k=v" piece, whatever the names (000001)', async () => {
    const before = await snapshot();

    const answer = await svc.sendV1({
      activity: 'newInstance',
      businessId: 'b1',
      customerId: 'c1',
      customerName: 'A&B=C',
      orderId: orderOf(),
      productId: 'P1',
      testFlag: '1',
    });

    expectSigned(answer, svc.v1AccessKey);
    expect(answer.json.resultCode).toBe('000001');
    expect(changedKeys(before, await snapshot())).toEqual([]);
  });
});

describe('lone surrogates in a string field (#14)', () => {
  /** A V2.0-style JSON body whose orderLineId ends in an unpaired low surrogate, as sent. */
  const purchaseText = (orderId: string, lineSuffix: string) =>
    `{"activity":"newInstance","businessId":"b1","orderId":"${orderId}","orderLineId":"${orderId}-000001${lineSuffix}","testFlag":"0"}`;

  it('answers 000002 for SaaS V2.0, writes no instance, and a retry neither sticks nor blocks the fix', async () => {
    const orderId = orderOf();
    const before = await snapshot();

    const first = await svc.send(purchaseText(orderId, '\\udfff'));
    const retry = await svc.send(purchaseText(orderId, '\\udfff'));

    for (const answer of [first, retry]) {
      expectSigned(answer, svc.accessKey);
      expect(answer.json.resultCode).toBe('000002');
      expect(answer.json.resultMsg).toMatch(/orderLineId.*surrogate/);
    }
    const after = await snapshot();
    expect(after.instances).toEqual(before.instances);
    // The corrected purchase goes through and is not left PROVISIONING.
    const fixed = await svc.send(purchaseText(orderId, ''));
    expect(fixed.json.resultCode).toBe('000000');
    const stored = (await snapshot()).instances.filter((r) => r.orderId === orderId);
    expect(stored.map((r) => r.status)).toEqual(['ACTIVE']);
  });

  it('answers 000002 for a surrogate in a nested field or an object key', async () => {
    const nested = await svc.send(
      '{"activity":"changeInstanceCheck","instanceId":"i1","testFlag":"1","productInfo":{"productId":"P\\ud800","skuCode":"s","productName":"n"}}',
    );
    const key = await svc.send(
      '{"activity":"queryInstance","instanceId":"i1","testFlag":"1","x\\udc00":"1"}',
    );

    expect(nested.json.resultCode).toBe('000002');
    expect(nested.json.resultMsg).toMatch(/productInfo\.productId/);
    expect(key.json.resultCode).toBe('000002');
  });

  it('answers 000002 for License 2.0, writing no license', async () => {
    const before = await snapshot();

    const answer = await svc.sendLicense(
      `{"activity":"updateLicenseCodeStatus","license":"PL${orderOf()}\\udfff","status":"FREEZE","testFlag":"0"}`,
    );

    expectSigned(answer, svc.licenseAccessKey);
    expect(answer.json.resultCode).toBe('000002');
    expect((await snapshot()).instances).toEqual(before.instances);
  });

  it('answers 000002 for SaaS V1.0 and License 1.0 (saasExtendParams carries JSON text)', async () => {
    const before = await snapshot();
    const extend = Buffer.from('[{"name":"identificationCode","value":"M\\udfff"}]').toString(
      'base64',
    );
    const common = { businessId: 'b1', customerId: 'c1', productId: 'P1', testFlag: '0' };

    const saas = await svc.sendV1({
      activity: 'newInstance',
      orderId: orderOf(),
      saasExtendParams: extend,
      ...common,
    });
    const license = await svc.sendV1({
      activity: 'getLicense',
      orderId: orderOf(),
      saasExtendParams: extend,
      ...common,
    });

    for (const answer of [saas, license]) {
      expectSigned(answer, svc.v1AccessKey);
      expect(answer.json.resultCode).toBe('000002');
      expect(answer.json.resultMsg).toMatch(/surrogate/);
    }
    expect((await snapshot()).instances).toEqual(before.instances);
  });
});

describe('methods other than GET and POST (#14)', () => {
  it('answers PUT and DELETE with a signed 000002 and changes nothing, even when validly signed', async () => {
    const orderId = orderOf();
    const body = {
      activity: 'newInstance',
      businessId: 'b1',
      orderId,
      orderLineId: `${orderId}-000001`,
      testFlag: '0',
    };
    const nonce = randomBytes(32).toString('hex').toUpperCase();
    const timestamp = String(Date.now());
    const before = await snapshot();

    const put = await svc.send(body, { method: 'PUT', nonce, timestamp });
    const del = await svc.send(body, { method: 'DELETE', nonce, timestamp });

    for (const answer of [put, del]) {
      expectSigned(answer, svc.accessKey);
      expect(answer.json.resultCode).toBe('000002');
      expect(answer.json.resultMsg).toMatch(/method (PUT|DELETE) is not accepted/);
    }
    expect(changedKeys(before, await snapshot())).toEqual([]);
    // Not even the nonce was spent: the same signed request as a POST goes through.
    expect((await svc.send(body, { nonce, timestamp })).json.resultCode).toBe('000000');
  });
});
