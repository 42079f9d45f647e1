import { instanceIdFor } from '../../../lib/ids';
import { purchase } from '../../../lib/scenarios/new-instance';
import { query } from '../../../lib/scenarios/query-instance';
import { record } from '../helpers/scenario-context';
import { scenarioSetup } from '../helpers/scenario-setup';

const idOf = (order: string, ns: 'real' | 'test' = 'real') =>
  instanceIdFor(ns, order, `${order}-000001`);

async function bought(w: ReturnType<typeof scenarioSetup>, order: string, test = false) {
  const cmd = { test, orderId: order, orderLineId: `${order}-000001`, origin: 'v2' as const };
  const result = await purchase({ ...cmd, withDelivery: false }, w.context({ test }).ctx);
  return result.instanceId;
}

describe('query (query-instance.ts)', () => {
  it('answers the opened delivery info of every live instance asked for', async () => {
    const w = scenarioSetup();
    const a = await bought(w, 'Q-A');
    const b = await bought(w, 'Q-B');
    const { ctx, annotations } = w.context();

    const result = await query({ test: false, instanceIds: [a, b, 'missing'] }, ctx);

    expect(result.resultCode).toBe('000000');
    expect(result.instances?.map((i) => i.instanceId)).toEqual([a, b]);
    expect(result.instances?.[0]?.appInfo).toMatchObject({
      frontEndUrl: expect.any(String),
      password: expect.any(String),
    });
    expect(annotations.instanceId).toBe(`${a},${b},missing`);
  });

  it('answers 000003 when no instance asked for is live', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'gone', status: 'RELEASED' }));

    const result = await query({ test: false, instanceIds: ['gone', 'never'] }, w.context().ctx);

    expect(result).toEqual({ resultCode: '000003', resultMsg: 'instance does not exist' });
  });

  it('answers a fixed 000004 while an instance is being provisioned; the last failure goes to the log (#14)', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(
      record({
        instanceId: 'busy',
        status: 'PROVISIONING',
        lease: { token: 't', until: w.clock.now() + 60_000 },
        lastError:
          'Query Order failed: KOOGALLERY_API_ENDPOINT https://mkt.example.com/api/mkp-openapi-public/global/v1/order/query answered MKT.0999; check HUAWEICLOUD_AK',
      }),
    );
    const { ctx, annotations } = w.context();

    const result = await query({ test: false, instanceIds: ['busy'] }, ctx);

    expect(result).toEqual({ resultCode: '000004', resultMsg: 'instance is being provisioned' });
    expect(annotations.detail).toMatch(
      /^last attempt: Query Order failed: KOOGALLERY_API_ENDPOINT/,
    );
    expect(w.provisioner.calls).toEqual([]);
  });

  it('answers a plain 000004 while provisioning has not failed yet', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(
      record({
        instanceId: 'busy',
        status: 'PROVISIONING',
        lease: { token: 't', until: w.clock.now() + 60_000 },
      }),
    );

    const result = await query({ test: false, instanceIds: ['busy'] }, w.context().ctx);

    expect(result.resultMsg).toBe('instance is being provisioned');
  });

  it('finishes an abandoned provisioning once its lease has expired (clock-driven)', async () => {
    const w = scenarioSetup();
    const id = idOf('Q-ABANDONED');
    await w.store.createInstance(
      record({
        instanceId: id,
        orderId: 'Q-ABANDONED',
        orderLineId: 'Q-ABANDONED-000001',
        status: 'PROVISIONING',
        lease: { token: 'crashed', until: w.clock.now() + 60_000 },
      }),
    );
    expect((await query({ test: false, instanceIds: [id] }, w.context().ctx)).resultCode).toBe(
      '000004',
    );

    w.clock.advance(60_000);
    const result = await query({ test: false, instanceIds: [id] }, w.context().ctx);

    expect(result.resultCode).toBe('000000');
    expect(w.provisioner.calls).toEqual([{ method: 'provision', instanceId: id }]);
  });

  it('keeps answering 000004 when the poll loses the claim or the provisioning fails again', async () => {
    const w = scenarioSetup({
      provisioner: {
        provision: async () => {
          throw new Error('still down');
        },
      },
    });
    await w.store.createInstance(record({ instanceId: 'a', status: 'PROVISIONING' }));
    await w.store.createInstance(record({ instanceId: 'b', status: 'PROVISIONING' }));
    w.faulty.on('updateInstance', [1], { kind: 'conflict' });

    const result = await query({ test: false, instanceIds: ['a', 'b'] }, w.context().ctx);

    expect(result.resultCode).toBe('000004');
    expect(w.provisioner.calls).toEqual([{ method: 'provision', instanceId: 'b' }]);
  });

  describe('test calls', () => {
    it('answers every id, with stored or made-up delivery info', async () => {
      const w = scenarioSetup();
      const stored = await bought(w, 'Q-T', true);
      w.testProvisioner.calls.length = 0;

      const result = await query(
        { test: true, instanceIds: [stored, 'unknown'] },
        w.context({ test: true }).ctx,
      );

      expect(result.resultCode).toBe('000000');
      expect(result.instances?.map((i) => i.instanceId)).toEqual([stored, 'unknown']);
      expect(w.testProvisioner.calls).toEqual([{ method: 'provision', instanceId: 'unknown' }]);
      expect(w.provisioner.calls).toEqual([]);
    });

    it('finishes a free test claim before answering', async () => {
      const w = scenarioSetup();
      await w.store.createInstance(
        record({ namespace: 'test', instanceId: 'pending', status: 'PROVISIONING' }),
      );

      const result = await query(
        { test: true, instanceIds: ['pending'] },
        w.context({ test: true }).ctx,
      );

      expect(result.resultCode).toBe('000000');
      expect(await w.store.getInstance('test', 'pending')).toMatchObject({ status: 'ACTIVE' });
    });
  });
});
