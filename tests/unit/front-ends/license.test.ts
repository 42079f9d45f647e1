import { parseLicenseV2Request, peekActivity } from '../../../lib/front-ends/license-v2';
import { decodeExtendParams } from '../../../lib/front-ends/v1-transport';
import type { HttpRequest } from '../../../lib/http';
import { licenseInstanceIdFor } from '../../../lib/ids';
import { formatKooTime } from '../../../lib/protocol/koo-time';
import { appHarness } from '../helpers/app-harness';

const DAY = 86_400_000;

const extendParams = (pairs: Record<string, unknown>[]): string =>
  Buffer.from(JSON.stringify(pairs)).toString('base64');

function getLicense(orderId: string, expireTime: number, extra: Record<string, string> = {}) {
  return {
    activity: 'getLicense',
    businessId: 'B-L',
    customerId: 'C-L',
    orderId,
    productId: 'P-LIC',
    skuCode: 'sku-1',
    chargingMode: '1',
    expireTime: formatKooTime(expireTime),
    saasExtendParams: extendParams([{ name: 'identificationCode', value: 'MACHINE-42' }]),
    ...extra,
  };
}

describe('License 1.0 front end (license-v1.ts)', () => {
  it('issues a license, then expires, renews (re-issuing) and releases it', async () => {
    const h = appHarness();
    const issued = await h.v1(getLicense('L1-A', h.clock.now() - DAY));
    const instanceId = issued.json.instanceId as string;

    expect(Object.keys(issued.json)).toEqual(['resultCode', 'resultMsg', 'license', 'instanceId']);
    expect(await h.deps.store.getInstance('real', instanceId)).toMatchObject({
      extra: { identificationCode: 'MACHINE-42' },
    });
    await h.v1({ activity: 'expireLicense', instanceId, orderId: 'L1-A' });
    expect((await h.deps.store.getInstance('real', instanceId))?.status).toBe('FROZEN');
    h.clock.advance(1000);
    const renewed = await h.v1({
      activity: 'refreshLicense',
      instanceId,
      orderId: 'L1-R',
      expireTime: formatKooTime(h.clock.now() + 30 * DAY),
    });
    expect(renewed.json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    const stored = await h.deps.store.getInstance('real', instanceId);
    expect(stored?.status).toBe('ACTIVE');
    expect(h.deps.vault.openText(stored?.extra?.sealedLicense ?? '')).not.toBe(issued.json.license);
    const released = await h.v1({ activity: 'releaseLicense', instanceId });

    expect(released.json.resultCode).toBe('000000');
    const again = await h.v1(getLicense('L1-A', h.clock.now()));
    // Released: answered, but the license is never delivered again (#14).
    expect(again.json).toEqual({
      resultCode: '000000',
      resultMsg: 'success (license was released)',
      instanceId,
    });
  });

  it('answers a missing signing key with the generic 000005; the setting is named only in the log (#14)', async () => {
    const h = appHarness({ LICENSE_SIGNING_KEY: '' });

    const issued = await h.v1(getLicense('L1-NOKEY', h.clock.now() + DAY));

    expect(issued.json).toEqual({ resultCode: '000005', resultMsg: 'internal error' });
    expect(h.logs.find((l) => l.message === 'call')).toMatchObject({
      resultCode: '000005',
      reason: 'internal error',
      detail: 'license signing key is not configured (LICENSE_SIGNING_KEY)',
    });
  });

  it('keeps no machine code when the buyer entered an empty one', async () => {
    const h = appHarness();

    const issued = await h.v1(
      getLicense('L1-E', h.clock.now(), {
        saasExtendParams: extendParams([{ name: 'identificationCode', value: null }]),
      }),
    );

    expect(
      (await h.deps.store.getInstance('real', issued.json.instanceId as string))?.extra,
    ).not.toHaveProperty('identificationCode');
  });

  it('answers a renewal the scenario refused without re-issuing', async () => {
    const h = appHarness();

    const renewed = await h.v1({
      activity: 'refreshLicense',
      instanceId: 'never',
      orderId: 'L1-N',
      expireTime: formatKooTime(h.clock.now()),
    });

    expect(renewed.json.resultCode).toBe('000003');
  });

  it('answers 000002 for a License 1.0 activity it does not know', async () => {
    const h = appHarness();

    // getLicense-like names choose the License 1.0 front end only when known.
    const answer = await h.v1({ activity: 'getLicense', orderId: 'o' });

    expect(answer.json).toEqual({
      resultCode: '000002',
      resultMsg: 'missing required parameter: businessId',
    });
  });
});

describe('saasExtendParams (v1-transport.ts)', () => {
  it('reads base64 of a JSON array, a space standing for +', () => {
    const raw = extendParams([{ name: 'a', value: 1 }, { name: 'b' }]);

    expect(decodeExtendParams(raw.replace(/\+/g, ' '))).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: '' },
    ]);
    expect(decodeExtendParams(undefined)).toBeUndefined();
  });

  it.each([
    ['not base64 at all!'],
    ['A'],
    [Buffer.from('{"a":1').toString('base64')],
    [Buffer.from('{"a":1}').toString('base64')],
    [Buffer.from('[{"value":"x"}]').toString('base64')],
    [Buffer.from('[null]').toString('base64')],
  ])('answers 000002 for %j', (raw) => {
    expect(() => decodeExtendParams(raw)).toThrow(
      'parameter saasExtendParams is not base64 of a JSON array',
    );
  });
});

describe('License 2.0 front end (license-v2.ts)', () => {
  const CODE = 'CODE-0001';
  const ID = licenseInstanceIdFor(CODE);

  it('registers a code on first contact and applies renewal, status and release', async () => {
    const h = appHarness();

    const renewed = await h.license({
      activity: 'refreshLicenseCode',
      scene: 'RENEWAL',
      orderId: 'L2-R',
      orderLineId: 'L2-R-000001',
      license: CODE,
      productId: 'P-L2',
      expireTime: '20300101000000',
    });
    const frozen = await h.license({
      activity: 'updateLicenseCodeStatus',
      license: CODE,
      status: 'FREEZE',
    });
    const released = await h.license({
      activity: 'releaseLicenseCode',
      license: CODE,
      orderId: 'L2-X',
    });
    const late = await h.license({
      activity: 'updateLicenseCodeStatus',
      license: CODE,
      status: 'UNFREEZE',
    });

    for (const answer of [renewed, frozen, released]) {
      expect(answer.json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    }
    expect(late.json.resultMsg).toBe('success (license code was released)');
    expect(await h.deps.store.getInstance('real', ID)).toMatchObject({
      status: 'RELEASED',
      entitlement: { productId: 'P-L2' },
      expireTime: Date.UTC(2030, 0, 1),
    });
  });

  it.each([
    [
      {
        activity: 'refreshLicenseCode',
        license: CODE,
        scene: 'RENEWAL',
        orderId: 'o',
        orderLineId: 'l',
        expireTime: '2030',
      },
      'field expireTime must be yyyyMMddHHmmss (UTC)',
    ],
    [
      {
        activity: 'refreshLicenseCode',
        license: CODE,
        scene: 'RENEWAL_CHANGE',
        orderId: 'o',
        orderLineId: 'l',
        expireTime: '20300101000000',
      },
      'field scene must be one of RENEWAL, UNSUBSCRIBE_RENEWAL_PERIOD, TRIAL_TO_FORMAL',
    ],
    [{ activity: 'updateLicenseCodeStatus', status: 'FREEZE' }, 'missing required field: license'],
  ])('answers 000002 for %j', async (body, message) => {
    const h = appHarness();

    const answer = await h.license(body);

    expect(answer.json.resultCode).toBe('000002');
    expect(answer.json.resultMsg).toBe(message);
  });

  it('refuses a body that is not a JSON object', () => {
    expect(() => parseLicenseV2Request([1, 2])).toThrow('body must be a JSON object');
    expect(() => parseLicenseV2Request({ activity: 'getLicense', license: CODE })).toThrow(
      'unknown activity "getLicense": field activity',
    );
  });

  it('peeks at the activity only of small POST bodies that are JSON', () => {
    const post = (body: string, method = 'POST'): HttpRequest => ({
      method,
      path: '/',
      rawQuery: '',
      query: {},
      headers: {},
      body: Buffer.from(body),
    });

    expect(peekActivity(post('{"activity":"releaseLicenseCode"}'))).toBe('releaseLicenseCode');
    expect(peekActivity(post('{"activity":"releaseLicenseCode"}', 'GET'))).toBeUndefined();
    expect(peekActivity(post('{oops'))).toBeUndefined();
    expect(
      peekActivity(post(`{"activity":"releaseLicenseCode","x":"${'a'.repeat(70_000)}"}`)),
    ).toBeUndefined();
  });
});
