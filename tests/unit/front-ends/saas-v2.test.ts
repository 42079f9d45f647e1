import { decryptCredential } from '../../../lib/protocol/credential-cipher';
import { appHarness } from '../helpers/app-harness';
import { signedPost } from '../helpers/requests';
import { UNIT_ACCESS_KEY } from '../helpers/unit-deps';

const newInstance = (orderId: string, testFlag?: string) => ({
  activity: 'newInstance',
  orderId,
  orderLineId: `${orderId}-000001`,
  businessId: 'B-1',
  ...(testFlag ? { testFlag } : {}),
});

describe('SaaS V2.0 front end (saas-v2.ts)', () => {
  it('maps every activity to its scenario and the results back to the wire', async () => {
    const h = appHarness();
    const bought = await h.v2(newInstance('V2-A'));
    const instanceId = bought.json.instanceId as string;

    const query = await h.v2({ activity: 'queryInstance', instanceId });
    const renewed = await h.v2({
      activity: 'refreshInstance',
      instanceId,
      orderId: 'V2-R',
      orderLineId: 'V2-R-000001',
      scene: 'TRIAL_TO_FORMAL',
      expireTime: '20300101000000',
    });
    const frozen = await h.v2({ activity: 'updateInstanceStatus', instanceId, status: 'FREEZE' });
    h.clock.advance(1000);
    const unfrozen = await h.v2({
      activity: 'updateInstanceStatus',
      instanceId,
      status: 'UNFREEZE',
    });
    const upgraded = await h.v2({
      activity: 'upgradeInstance',
      instanceId,
      orderId: 'V2-U',
      orderLineId: 'V2-U-000001',
    });
    const checked = await h.v2({
      activity: 'changeInstanceCheck',
      instanceId,
      productInfo: { productId: 'P', skuCode: 'S', productName: 'N', linearValue: '3' },
    });
    const released = await h.v2({ activity: 'releaseInstance', instanceId, orderId: 'V2-X' });

    expect(bought.json).toEqual({ resultCode: '000000', resultMsg: 'success', instanceId });
    expect(Object.keys(query.json)).toEqual(['resultCode', 'resultMsg', 'encryptType', 'info']);
    const info = (query.json.info as { instanceId: string; appInfo: Record<string, string> }[])[0];
    expect(info?.instanceId).toBe(instanceId);
    expect(decryptCredential(info?.appInfo.password as string, UNIT_ACCESS_KEY)).toMatch(/^.{20}$/);
    for (const answer of [renewed, frozen, unfrozen, upgraded, checked, released]) {
      expect(answer.json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    }
    const stored = await h.deps.store.getInstance('real', instanceId);
    expect(stored).toMatchObject({ status: 'RELEASED', expireTime: Date.UTC(2030, 0, 1) });
  });

  it('answers credentials in plain text when CREDENTIALS_PLAINTEXT is on', async () => {
    const h = appHarness({ CREDENTIALS_PLAINTEXT: 'true' });
    const bought = await h.v2(newInstance('V2-P'));

    const query = await h.v2({ activity: 'queryInstance', instanceId: bought.json.instanceId });

    expect(query.json.encryptType).toBeUndefined();
    const info = (query.json.info as { appInfo: Record<string, string> }[])[0];
    expect(info?.appInfo.password).toMatch(/^.{20}$/);
    expect(info?.appInfo.adminUrl).toMatch(/^https:/);
  });

  it('answers a query that failed without fields', async () => {
    const h = appHarness();

    const query = await h.v2({ activity: 'queryInstance', instanceId: 'never' });

    expect(query.json).toEqual({ resultCode: '000003', resultMsg: 'instance does not exist' });
  });

  it('keeps test calls apart: their instance lives in the test namespace', async () => {
    const h = appHarness();

    const bought = await h.v2(newInstance('V2-T', '1'));

    expect(bought.json.resultCode).toBe('000000');
    expect(await h.deps.store.getInstance('test', bought.json.instanceId as string)).toBeDefined();
  });

  it('answers 000002 for a body that is not JSON, and 000001 for a bad signature', async () => {
    const h = appHarness();
    const request = signedPost(UNIT_ACCESS_KEY, h.clock.now(), '{not json');
    const badKey = signedPost(
      'some-other-key-000000000000000000',
      h.clock.now(),
      newInstance('V2-K'),
    );

    expect((await h.send(request)).json).toEqual({
      resultCode: '000002',
      resultMsg: 'body is not valid JSON',
    });
    expect((await h.send(badKey)).json.resultCode).toBe('000001');
  });
});
