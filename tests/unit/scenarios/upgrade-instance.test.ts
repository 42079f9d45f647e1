import { OrderUnavailableError } from '../../../lib/errors';
import { upgrade } from '../../../lib/scenarios/upgrade-instance';
import { record } from '../helpers/scenario-context';
import { scenarioSetup } from '../helpers/scenario-setup';

describe('upgrade (upgrade-instance.ts)', () => {
  it('reads the new specification from Query Order and applies it once per order', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i', entitlement: { productId: 'P-0' } }));
    const upgradeCmd = {
      test: false,
      instanceId: 'i',
      orderId: 'U-1',
      creationTime: 'required' as const,
      orderLineId: 'U-1-000001',
    };

    const first = await upgrade(upgradeCmd, w.context().ctx);
    const again = await upgrade(upgradeCmd, w.context().ctx);

    expect(first.resultMsg).toBe('success');
    expect(again.resultMsg).toBe('success (order already applied)');
    expect(await w.store.getInstance('real', 'i')).toMatchObject({
      entitlement: { productId: 'P-1', skuCode: 'SKU-1', linearValue: 5 },
      appliedOrders: ['O-1/O-1-000001', 'U-1/U-1-000001'],
    });
    expect(w.provisioner.calls).toEqual([{ method: 'upgrade', instanceId: 'i' }]);
  });

  it('takes the specification from the command when it carries one (SaaS V1.0), reading the order only for its creation time', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i', entitlement: { productId: 'P-0' } }));

    await upgrade(
      {
        test: false,
        instanceId: 'i',
        orderId: 'U-2',
        creationTime: 'if-readable' as const,
        entitlement: { skuCode: 'BIG' },
      },
      w.context().ctx,
    );

    expect(w.orders.calls).toEqual(['U-2']);
    expect(await w.store.getInstance('real', 'i')).toMatchObject({
      entitlement: { productId: 'P-0', skuCode: 'BIG' },
      appliedOrders: ['O-1/O-1-000001', 'U-2/'],
    });
  });

  it('answers 000004 when the order cannot be read, so KooGallery retries', async () => {
    const w = scenarioSetup({
      orders: async () => {
        throw new OrderUnavailableError('timed out');
      },
    });
    await w.store.createInstance(record({ instanceId: 'i' }));

    const result = await upgrade(
      {
        test: false,
        instanceId: 'i',
        orderId: 'U-3',
        creationTime: 'required' as const,
        orderLineId: 'U-3-000001',
      },
      w.context().ctx,
    );

    expect(result).toEqual({
      resultCode: '000004',
      resultMsg: 'order details are not readable yet, retry later',
    });
    expect(w.provisioner.calls).toEqual([]);
  });

  it('reads the order of line 000001 when the command names no line', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i' }));

    await upgrade(
      { test: false, instanceId: 'i', orderId: 'U-4', creationTime: 'required' as const },
      w.context().ctx,
    );

    expect(w.orders.calls).toEqual(['U-4']);
    expect((await w.store.getInstance('real', 'i'))?.entitlement.skuCode).toBe('SKU-1');
  });

  it('passes on any other failure', async () => {
    const w = scenarioSetup({
      provisioner: { upgrade: async () => Promise.reject(new Error('x')) },
    });
    await w.store.createInstance(record({ instanceId: 'i' }));

    await expect(
      upgrade(
        {
          test: false,
          instanceId: 'i',
          orderId: 'U-5',
          creationTime: 'required' as const,
          entitlement: {},
        },
        w.context().ctx,
      ),
    ).rejects.toThrow('x');
    expect(await w.store.getInstance('real', 'i')).toMatchObject({
      entitlement: { productId: 'P-1' },
      lastError: 'upgrade: the provisioner failed',
    });
  });

  it('answers a test upgrade of an unknown instance with success', async () => {
    const w = scenarioSetup();

    const result = await upgrade(
      {
        test: true,
        instanceId: 'none',
        orderId: 'U-6',
        creationTime: 'required' as const,
        entitlement: {},
      },
      w.context({ test: true }).ctx,
    );

    expect(result.resultCode).toBe('000000');
  });
});
