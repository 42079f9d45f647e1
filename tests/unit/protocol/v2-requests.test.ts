import { InvalidRequestError } from '../../../lib/errors';
import { formatKooTime, parseKooTime } from '../../../lib/protocol/koo-time';
import { parseV2Request } from '../../../lib/protocol/v2-requests';

function rejects(body: unknown): string {
  try {
    parseV2Request(body);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return (error as Error).message;
  }
  throw new Error('expected a 000002 refusal');
}

describe('parseV2Request', () => {
  it('reads a newInstance with testFlag "1" as a test call', () => {
    expect(
      parseV2Request({
        activity: 'newInstance',
        orderId: 'CS1',
        orderLineId: 'CS1-000001',
        businessId: 'b',
        testFlag: '1',
      }),
    ).toEqual({
      activity: 'newInstance',
      test: true,
      orderId: 'CS1',
      orderLineId: 'CS1-000001',
      businessId: 'b',
    });
  });

  it('treats an absent or "0" testFlag as a real call and refuses other values', () => {
    const base = { activity: 'updateInstanceStatus', instanceId: 'i', status: 'FREEZE' };
    expect(parseV2Request(base).test).toBe(false);
    expect(parseV2Request({ ...base, testFlag: '0' }).test).toBe(false);
    expect(rejects({ ...base, testFlag: '2' })).toMatch(/testFlag/);
    expect(rejects({ ...base, testFlag: 2 })).toBe('field testFlag must be "0" or "1"');
    expect(rejects({ ...base, testFlag: true })).toMatch(/testFlag must be a string/);
  });

  it('reads testFlag sent as the number 1 or 0 (#9)', () => {
    const base = { activity: 'updateInstanceStatus', instanceId: 'i', status: 'FREEZE' };
    expect(parseV2Request({ ...base, testFlag: 1 }).test).toBe(true);
    expect(parseV2Request({ ...base, testFlag: 0 }).test).toBe(false);
  });

  it('reads changeInstanceCheck productInfo sent as a JSON string (#9)', () => {
    const productInfo = { productId: 'P', skuCode: 'S', productName: 'N', linearValue: 3 };
    const parsed = parseV2Request({
      activity: 'changeInstanceCheck',
      instanceId: 'i',
      productInfo: JSON.stringify(productInfo),
    });
    expect(parsed).toMatchObject({ productInfo });
    const base = { activity: 'changeInstanceCheck', instanceId: 'i' };
    const refusal = 'field productInfo must be an object, or a JSON string of one';
    expect(rejects({ ...base, productInfo: '{not json' })).toBe(refusal);
    expect(rejects({ ...base, productInfo: '[1]' })).toBe(refusal);
    expect(rejects({ ...base, productInfo: `"${'x'.repeat(3000)}"` })).toBe(refusal);
    expect(rejects({ ...base, productInfo: 'null' })).toBe('missing required field: productInfo');
  });

  it('refuses a lone surrogate escaped inside productInfo sent as a JSON string (#14)', () => {
    const base = { activity: 'changeInstanceCheck', instanceId: 'i' };
    // The outer body is well-formed text; the surrogate appears only once productInfo is parsed.
    const productInfo = '{"productId":"P","skuCode":"S","productName":"N\\udfff"}';
    expect(productInfo).not.toMatch(/[\uD800-\uDFFF]/);
    expect(rejects({ ...base, productInfo })).toMatch(
      /^field productInfo productName holds an unpaired UTF-16 surrogate/,
    );
    const key = '{"productId":"P","skuCode":"S","productName":"N","\\ud800":1}';
    expect(rejects({ ...base, productInfo: key })).toMatch(/unpaired UTF-16 surrogate/);
  });

  it('names the missing field, the wrong type and the over-long value', () => {
    expect(rejects({ activity: 'newInstance', orderId: 'o', orderLineId: 'l' })).toMatch(
      /businessId/,
    );
    expect(
      rejects({ activity: 'newInstance', orderId: 5, orderLineId: 'l', businessId: 'b' }),
    ).toMatch(/orderId must be a string/);
    expect(
      rejects({
        activity: 'newInstance',
        orderId: 'o'.repeat(65),
        orderLineId: 'l',
        businessId: 'b',
      }),
    ).toMatch(/orderId is longer than 64/);
    expect(rejects({ activity: 'releaseInstance', instanceId: 'a\u0000b' })).toMatch(/control/);
  });

  it('refuses an unknown activity, a non-object body and a bad enum', () => {
    expect(rejects({ activity: 'expireInstance', instanceId: 'i' })).toMatch(/activity/);
    expect(rejects([1, 2])).toMatch(/JSON object/);
    expect(rejects({ activity: 'updateInstanceStatus', instanceId: 'i', status: 'PAUSE' })).toMatch(
      /status/,
    );
  });

  it('splits queryInstance ids and refuses more than 100', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `id-${i}`);
    const parsed = parseV2Request({ activity: 'queryInstance', instanceId: ids.join(',') });
    expect(parsed).toMatchObject({ instanceIds: ids });
    expect(rejects({ activity: 'queryInstance', instanceId: [...ids, 'x'].join(',') })).toMatch(
      /more than 100/,
    );
    expect(rejects({ activity: 'queryInstance', instanceId: 'a,,b' })).toMatch(/empty id/);
  });

  it('reads both expireTime forms and refuses an impossible date', () => {
    const base = {
      activity: 'refreshInstance',
      scene: 'RENEWAL',
      orderId: 'o',
      orderLineId: 'l',
      instanceId: 'i',
    };
    expect(parseV2Request({ ...base, expireTime: '20221124023618' })).toMatchObject({
      expireTime: Date.UTC(2022, 10, 24, 2, 36, 18),
    });
    expect(parseV2Request({ ...base, expireTime: '20221124023618256' })).toMatchObject({
      expireTime: Date.UTC(2022, 10, 24, 2, 36, 18, 256),
    });
    expect(rejects({ ...base, expireTime: '20220231000000' })).toMatch(/expireTime/);
  });

  it('validates changeInstanceCheck productInfo', () => {
    const ok = parseV2Request({
      activity: 'changeInstanceCheck',
      instanceId: 'i',
      productInfo: { productId: 'p', skuCode: 's', productName: 'n', linearValue: 3 },
    });
    expect(ok).toMatchObject({
      productInfo: { productId: 'p', skuCode: 's', productName: 'n', linearValue: 3 },
    });
    expect(rejects({ activity: 'changeInstanceCheck', instanceId: 'i', productInfo: 'x' })).toMatch(
      /productInfo/,
    );
  });

  it('ignores __proto__ keys instead of copying them', () => {
    const body = JSON.parse(
      '{"activity":"releaseInstance","instanceId":"i","__proto__":{"polluted":true}}',
    ) as unknown;
    const parsed = parseV2Request(body);
    expect(parsed).toEqual({
      activity: 'releaseInstance',
      test: false,
      instanceId: 'i',
      orderId: undefined,
      orderLineId: undefined,
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseKooTime', () => {
  it('round-trips with formatKooTime', () => {
    expect(formatKooTime(parseKooTime('20300101000000') as number)).toBe('20300101000000');
    expect(parseKooTime('2030')).toBeUndefined();
  });
});
