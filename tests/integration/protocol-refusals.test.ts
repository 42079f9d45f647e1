import { randomBytes } from 'node:crypto';
import { verifyBodySign } from '../../lib/protocol/body-sign';
import { formatV1Timestamp } from '../../lib/protocol/v1-auth-token';
import { type Answer, startTestService, type TestService } from '../helpers/service';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.close();
});

const orderOf = () => `CS${randomBytes(6).toString('hex').toUpperCase()}`;
const purchaseV1 = (extra: Record<string, string> = {}): Record<string, string> => ({
  activity: 'newInstance',
  businessId: 'b1',
  customerId: 'c1',
  orderId: orderOf(),
  productId: 'P1',
  testFlag: '1',
  ...extra,
});
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

function expectAnswer(answer: Answer, resultCode: string, message: RegExp, key?: string): void {
  expect(answer.status).toBe(200);
  expect(answer.json.resultCode).toBe(resultCode);
  expect(answer.json.resultMsg).toMatch(message);
  if (key) {
    expect(verifyBodySign(answer.headers.get('body-sign') ?? undefined, key, answer.text)).toEqual({
      ok: true,
    });
  }
}

describe('SaaS V1.0 and License 1.0 refusals', () => {
  it('answers 000002 naming a missing parameter, signed with the V1 key', async () => {
    const { orderId: _omitted, ...params } = purchaseV1();
    expectAnswer(await svc.sendV1(params), '000002', /orderId/, svc.v1AccessKey);
    expectAnswer(
      await svc.sendV1({ activity: 'releaseInstance' }),
      '000002',
      /instanceId/,
      svc.v1AccessKey,
    );
    expectAnswer(
      await svc.sendV1({ activity: 'getLicense', orderId: 'CS1', businessId: 'b', productId: 'P' }),
      '000002',
      /customerId/,
      svc.v1AccessKey,
    );
  });

  it('answers 000002 for a parameter that is too long or holds a control character', async () => {
    expectAnswer(
      await svc.sendV1(purchaseV1({ orderId: 'C'.repeat(65) })),
      '000002',
      /orderId is longer than 64/,
      svc.v1AccessKey,
    );
    expectAnswer(
      await svc.sendV1(purchaseV1({ customerId: 'c\u0001' })),
      '000002',
      /customerId contains control characters/,
    );
    expect((await svc.sendV1(purchaseV1({ orderId: 'C'.repeat(64) }))).json.resultCode).toBe(
      '000000',
    );
  });

  it('answers 000002 for saasExtendParams that is not base64 of a JSON array', async () => {
    for (const value of ['%%%not-base64%%%', b64('{not json'), b64('{"name":"a"}'), b64('[1]')]) {
      expectAnswer(
        await svc.sendV1(purchaseV1({ saasExtendParams: value })),
        '000002',
        /saasExtendParams/,
        svc.v1AccessKey,
      );
    }
    const ok = await svc.sendV1(
      purchaseV1({ saasExtendParams: b64('[{"name":"idNum","value":"352255555555656"}]') }),
    );
    expect(ok.json.resultCode).toBe('000000');
  });

  it('answers 000002 for an unknown activity and bad values', async () => {
    expectAnswer(await svc.sendV1({ activity: 'launchRocket' }), '000002', /activity/);
    expectAnswer(
      await svc.sendV1({ activity: 'instanceStatus', instanceId: 'x', instanceStatus: 'ON' }),
      '000002',
      /instanceStatus/,
    );
    expectAnswer(
      await svc.sendV1({
        activity: 'refreshInstance',
        instanceId: 'x',
        orderId: 'o',
        expireTime: '2030-01-01',
      }),
      '000002',
      /expireTime/,
    );
    expectAnswer(await svc.sendV1(purchaseV1({ testFlag: 'yes' })), '000002', /testFlag/);
  });

  it('answers 000001 for a missing or malformed timeStamp, a stale one, no token and a replay', async () => {
    expectAnswer(
      await svc.sendV1(purchaseV1(), { timeStamp: '2024-01-01T00:00:00Z' }),
      '000001',
      /malformed timeStamp/,
      svc.v1AccessKey,
    );
    expectAnswer(
      await svc.sendV1(purchaseV1(), { timeStamp: formatV1Timestamp(Date.now() - 11 * 60_000) }),
      '000001',
      /stale timeStamp/,
    );
    expectAnswer(await svc.sendV1(purchaseV1(), { unsigned: true }), '000001', /missing authToken/);
    const res = await fetch(`${svc.url}?activity=newInstance&authToken=abc`);
    expect(((await res.json()) as { resultMsg: string }).resultMsg).toMatch(/missing timeStamp/);

    const params = purchaseV1();
    const timeStamp = formatV1Timestamp(Date.now());
    expect((await svc.sendV1(params, { timeStamp })).json.resultCode).toBe('000000');
    expectAnswer(await svc.sendV1(params, { timeStamp }), '000001', /replayed authToken/);
  });

  it('accepts the token written raw (+ / =) in the query', async () => {
    // Twenty tokens: practically certain that several hold a '+' or a '/' written raw.
    for (let i = 0; i < 20; i++) {
      const params = purchaseV1();
      const answer = await svc.sendV1(params, { rawToken: true });
      expect(answer.json.resultCode).toBe('000000');
    }
  });
});

describe('keys per interface type (000001 across families)', () => {
  it('refuses a V1.0 call signed with the V2.0 or License key', async () => {
    for (const key of [svc.accessKey, svc.licenseAccessKey]) {
      expectAnswer(await svc.sendV1(purchaseV1(), { key }), '000001', /authToken mismatch/);
      expectAnswer(
        await svc.sendV1({ ...purchaseV1(), activity: 'getLicense' }, { key }),
        '000001',
        /authToken mismatch/,
        svc.v1AccessKey,
      );
    }
  });

  it('refuses a License 2.0 activity signed with the V2.0 or V1.0 key, and a V2.0 one signed with the License or V1.0 key', async () => {
    const license = {
      activity: 'releaseLicenseCode',
      license: 'PLABCDEF',
      orderId: 'CS1',
      orderLineId: 'CS1-000001',
      testFlag: '1',
    };
    for (const key of [svc.accessKey, svc.v1AccessKey]) {
      expectAnswer(
        await svc.send(license, { key }),
        '000001',
        /signature mismatch/,
        svc.licenseAccessKey,
      );
    }
    expect((await svc.sendLicense(license)).json.resultCode).toBe('000000');

    const v2 = { activity: 'releaseInstance', instanceId: 'x', testFlag: '1' };
    expectAnswer(
      await svc.send(v2, { key: svc.licenseAccessKey }),
      '000001',
      /signature mismatch/,
      svc.accessKey,
    );
    expectAnswer(await svc.send(v2, { key: svc.v1AccessKey }), '000001', /signature mismatch/);
    expect((await svc.send(v2)).json.resultCode).toBe('000000');
  });

  it('answers 000002 naming a missing License 2.0 field', async () => {
    expectAnswer(
      await svc.sendLicense({ activity: 'updateLicenseCodeStatus', status: 'FREEZE' }),
      '000002',
      /license/,
      svc.licenseAccessKey,
    );
    expectAnswer(
      await svc.sendLicense({
        activity: 'refreshLicenseCode',
        license: 'PL1',
        scene: 'RENEWAL_CHANGE',
        orderId: 'o',
        orderLineId: 'o-1',
        expireTime: '20300101000000',
      }),
      '000002',
      /scene/,
    );
  });

  it('answers License 2.0 calls 000001 while KOOGALLERY_LICENSE_ACCESS_KEY is unset', async () => {
    const unset = await startTestService({ settings: { KOOGALLERY_LICENSE_ACCESS_KEY: '' } });
    try {
      const body = { activity: 'releaseLicenseCode', license: 'PL1', testFlag: '1' };
      for (const key of [unset.accessKey, unset.v1AccessKey, 'anything']) {
        const answer = await unset.send(body, { key });
        expect(answer.json.resultCode).toBe('000001');
        expect(answer.headers.get('body-sign')).toBeNull();
      }
    } finally {
      await unset.close();
    }
  });

  it('verifies V1.0 with the V2.0 key when KOOGALLERY_V1_ACCESS_KEY is unset', async () => {
    const fallback = await startTestService({ settings: { KOOGALLERY_V1_ACCESS_KEY: '' } });
    try {
      expect(fallback.v1AccessKey).toBe(fallback.accessKey);
      const answer = await fallback.sendV1(purchaseV1(), { key: fallback.accessKey });
      expectAnswer(answer, '000000', /success/, fallback.accessKey);
    } finally {
      await fallback.close();
    }
  });
});
