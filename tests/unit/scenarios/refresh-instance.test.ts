import { InstanceNotFoundError, OrderUnavailableError } from '../../../lib/errors';

import { WebhookDeliveryError } from '../../../lib/provisioner/webhook-provisioner';
import type { RenewCommand } from '../../../lib/scenarios/commands';
import { renew } from '../../../lib/scenarios/refresh-instance';
import { record } from '../helpers/scenario-context';
import { scenarioSetup } from '../helpers/scenario-setup';

const DAY = 86_400_000;

function cmd(over: Partial<RenewCommand> = {}): RenewCommand {
  return {
    test: false,
    instanceId: 'i',
    orderId: 'R-1',
    orderLineId: 'R-1-000001',
    scene: 'RENEWAL',
    expireTime: Date.UTC(2027, 0, 1),
    restoreAccess: false,
    creationTime: 'required',
    ...over,
  };
}

describe('renew (refresh-instance.ts)', () => {
  it('moves the expiry forward once per order and records the order', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i', expireTime: Date.UTC(2026, 5, 1) }));
    const { ctx, annotations } = w.context();

    const first = await renew(cmd({ productId: 'P-2' }), ctx);
    const again = await renew(cmd(), w.context().ctx);

    expect(first.resultMsg).toBe('success');
    expect(again.resultMsg).toBe('success (order already applied)');
    expect(annotations).toMatchObject({ instanceId: 'i', orderId: 'R-1' });
    expect(await w.store.getInstance('real', 'i')).toMatchObject({
      expireTime: Date.UTC(2027, 0, 1),
      entitlement: { productId: 'P-2' },
      appliedOrders: ['O-1/O-1-000001', 'R-1/R-1-000001'],
    });
    expect(w.provisioner.calls).toEqual([{ method: 'renew', instanceId: 'i' }]);
  });

  it('never moves the expiry back for a late renewal, but does for a cancellation', async () => {
    const w = scenarioSetup();
    const later = Date.UTC(2028, 0, 1);
    await w.store.createInstance(record({ instanceId: 'i', expireTime: later }));

    await renew(cmd({ orderId: 'R-OLD' }), w.context().ctx);
    expect((await w.store.getInstance('real', 'i'))?.expireTime).toBe(later);

    await renew(
      cmd({ orderId: 'R-CANCEL', scene: 'UNSUBSCRIBE_RENEWAL_PERIOD', expireTime: later - DAY }),
      w.context().ctx,
    );
    expect((await w.store.getInstance('real', 'i'))?.expireTime).toBe(later - DAY);
  });

  it('answers 000003 for a real instance that never existed and 000000 for a test one', async () => {
    const w = scenarioSetup();

    await expect(renew(cmd(), w.context().ctx)).rejects.toBeInstanceOf(InstanceNotFoundError);
    expect((await renew(cmd({ test: true }), w.context({ test: true }).ctx)).resultCode).toBe(
      '000000',
    );
  });

  describe('restoreAccess (the 1.0 protocols)', () => {
    it('unfreezes an expired-and-frozen instance once the renewal puts its expiry ahead', async () => {
      const w = scenarioSetup();
      await w.store.createInstance(
        record({ instanceId: 'i', status: 'FROZEN', expireTime: w.clock.now() - DAY }),
      );

      const result = await renew(
        cmd({ restoreAccess: true, expireTime: w.clock.now() + 30 * DAY }),
        w.context().ctx,
      );

      expect(result.resultCode).toBe('000000');
      expect(await w.store.getInstance('real', 'i')).toMatchObject({ status: 'ACTIVE' });
      expect(w.provisioner.calls.map((c) => c.method)).toEqual(['renew', 'unfreeze']);
    });

    it('keeps an instance frozen when the renewal still ends in the past', async () => {
      const w = scenarioSetup();
      await w.store.createInstance(
        record({ instanceId: 'i', status: 'FROZEN', expireTime: w.clock.now() - 2 * DAY }),
      );

      await renew(cmd({ restoreAccess: true, expireTime: w.clock.now() - DAY }), w.context().ctx);

      expect(await w.store.getInstance('real', 'i')).toMatchObject({ status: 'FROZEN' });
    });

    it('leaves an active instance as it is', async () => {
      const w = scenarioSetup();
      await w.store.createInstance(record({ instanceId: 'i' }));

      await renew(cmd({ restoreAccess: true }), w.context().ctx);

      expect(w.provisioner.calls.map((c) => c.method)).toEqual(['renew']);
    });

    it('restores nothing when the renewal itself was refused', async () => {
      const w = scenarioSetup();
      await w.store.createInstance(record({ instanceId: 'i', status: 'FROZEN' }));
      w.deps.provisioner.renew = async () => {
        throw new Error('seller system down');
      };

      await expect(renew(cmd({ restoreAccess: true }), w.context().ctx)).rejects.toThrow(
        'seller system down',
      );
      expect(await w.store.getInstance('real', 'i')).toMatchObject({ status: 'FROZEN' });
    });
  });
});

describe('renew: what the order says (#9, #14)', () => {
  it('applies a RENEWAL_CHANGE specification read from Query Order once, in the one renew call', async () => {
    const w = scenarioSetup({
      orders: async (orderId, orderLineId) => ({
        orderId,
        orderType: 'CHANGE',
        createdAt: Date.UTC(2026, 0, 2),
        orderLine: [
          {
            orderLineId: orderLineId ?? '',
            periodType: 'year',
            periodNumber: 1,
            productInfo: [{ productId: 'P-1', skuCode: 'SKU-BIG', linearValue: 50 }],
          },
        ],
      }),
    });
    await w.store.createInstance(record({ instanceId: 'i', entitlement: { productId: 'P-1' } }));
    const requests: unknown[] = [];
    w.deps.provisioner.renew = async (req) => {
      requests.push(req);
    };
    const change = cmd({ orderId: 'RC', orderLineId: 'RC-000001', scene: 'RENEWAL_CHANGE' });

    const first = await renew(change, w.context().ctx);
    const again = await renew(change, w.context().ctx);

    expect([first.resultMsg, again.resultMsg]).toEqual([
      'success',
      'success (order already applied)',
    ]);
    expect(requests).toEqual([
      expect.objectContaining({
        scene: 'RENEWAL_CHANGE',
        orderCreatedAt: Date.UTC(2026, 0, 2),
        entitlement: expect.objectContaining({ skuCode: 'SKU-BIG', linearValue: 50 }),
      }),
    ]);
    expect(w.orders.calls).toEqual(['RC', 'RC']);
    expect(await w.store.getInstance('real', 'i')).toMatchObject({
      entitlement: { productId: 'P-1', skuCode: 'SKU-BIG', linearValue: 50, periodType: 'year' },
      watermarks: {
        expiry: { createdAt: Date.UTC(2026, 0, 2), key: 'RC/RC-000001' },
        specification: { createdAt: Date.UTC(2026, 0, 2), key: 'RC/RC-000001' },
      },
    });
  });

  it('answers 000004 for a real renewal whose order cannot be read, changing nothing', async () => {
    const w = scenarioSetup({
      orders: async () => {
        throw new OrderUnavailableError('timed out');
      },
    });
    await w.store.createInstance(record({ instanceId: 'i', expireTime: 5 }));

    const result = await renew(cmd(), w.context().ctx);

    expect(result).toEqual({
      resultCode: '000004',
      resultMsg: 'order details are not readable yet, retry later',
    });
    expect((await w.store.getInstance('real', 'i'))?.expireTime).toBe(5);
    expect(w.provisioner.calls).toEqual([]);
  });

  it('renews a test instance without Query Order, as test purchases do', async () => {
    const w = scenarioSetup({
      orders: async () => {
        throw new OrderUnavailableError('no such mock');
      },
    });
    await w.store.createInstance(record({ instanceId: 't', namespace: 'test', expireTime: 5 }));

    const result = await renew(cmd({ test: true, instanceId: 't' }), w.context({ test: true }).ctx);

    expect(result.resultCode).toBe('000000');
    expect((await w.store.getInstance('test', 't'))?.expireTime).toBe(Date.UTC(2027, 0, 1));
  });

  it('applies a 1.0 renewal by the fallback rule, with a warning, when Query Order cannot be read', async () => {
    const w = scenarioSetup({
      orders: async () => {
        throw new OrderUnavailableError('credentials refused');
      },
    });
    await w.store.createInstance(record({ instanceId: 'i', expireTime: Date.UTC(2028, 0, 1) }));

    const late = await renew(cmd({ creationTime: 'if-readable' }), w.context().ctx);
    const cancel = await renew(
      cmd({
        orderId: 'C',
        creationTime: 'if-readable',
        scene: 'UNSUBSCRIBE_RENEWAL_PERIOD',
        expireTime: Date.UTC(2026, 6, 1),
      }),
      w.context().ctx,
    );

    expect([late.resultCode, cancel.resultCode]).toEqual(['000000', '000000']);
    expect((await w.store.getInstance('real', 'i'))?.expireTime).toBe(Date.UTC(2026, 6, 1));
    expect(w.logs.map((l) => l.message)).toContain(
      'order creation time unavailable; change ordered by the fallback rule',
    );
  });

  it('passes on an error that is not about the order', async () => {
    const w = scenarioSetup({
      orders: async () => {
        throw new Error('bug');
      },
    });
    await w.store.createInstance(record({ instanceId: 'i' }));

    await expect(renew(cmd({ creationTime: 'if-readable' }), w.context().ctx)).rejects.toThrow(
      'bug',
    );
  });

  it('records a failing provisioner step as lastError, state unchanged, and clears it when the retry succeeds (#12)', async () => {
    let failures = 1;
    const w = scenarioSetup({
      provisioner: {
        renew: async () => {
          if (failures-- > 0) throw new WebhookDeliveryError('instance.renew', 'HTTP 503');
        },
      },
    });
    const before = Date.UTC(2026, 5, 1);
    await w.store.createInstance(record({ instanceId: 'i', expireTime: before }));

    await expect(renew(cmd(), w.context().ctx)).rejects.toBeInstanceOf(WebhookDeliveryError);
    const failed = await w.store.getInstance('real', 'i');
    const retried = await renew(cmd(), w.context().ctx);
    const done = await w.store.getInstance('real', 'i');

    expect(failed).toMatchObject({ status: 'ACTIVE', expireTime: before, version: 2 });
    expect(failed?.appliedOrders).toEqual(['O-1/O-1-000001']);
    expect(failed?.lastError).toBe(
      'renew: webhook instance.renew failed: HTTP 503; retried with the same event id',
    );
    expect(retried.resultCode).toBe('000000');
    expect(done).toMatchObject({ expireTime: Date.UTC(2027, 0, 1), version: 3 });
    expect(done?.lastError).toBeUndefined();
    expect(w.provisioner.calls.map((c) => c.method)).toEqual(['renew', 'renew']);
  });
});
