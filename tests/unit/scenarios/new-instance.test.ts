import { OrderUnavailableError, ProvisioningRefusedError } from '../../../lib/errors';
import { instanceIdFor } from '../../../lib/ids';
import type { PurchaseCommand } from '../../../lib/scenarios/commands';
import { purchase } from '../../../lib/scenarios/new-instance';
import { release } from '../../../lib/scenarios/release-instance';
import { record } from '../helpers/scenario-context';
import { scenarioSetup } from '../helpers/scenario-setup';

const ORDER = 'CS-NEW-1';
const LINE = `${ORDER}-000001`;
const ID = instanceIdFor('real', ORDER, LINE);
const TEST_ID = instanceIdFor('test', ORDER, LINE);

function cmd(over: Partial<PurchaseCommand> = {}): PurchaseCommand {
  return {
    test: false,
    orderId: ORDER,
    orderLineId: LINE,
    origin: 'v2',
    withDelivery: false,
    ...over,
  };
}

describe('purchase (new-instance.ts)', () => {
  it('claims, reads the order, provisions and stores the instance ACTIVE', async () => {
    const w = scenarioSetup();
    const { ctx, annotations } = w.context();

    const result = await purchase(cmd(), ctx);

    expect(result).toEqual({ resultCode: '000000', resultMsg: 'success', instanceId: ID });
    expect(annotations).toMatchObject({ orderId: ORDER, instanceId: ID });
    const stored = await w.store.getInstance('real', ID);
    expect(stored).toMatchObject({
      status: 'ACTIVE',
      version: 2,
      protocol: 'v2',
      entitlement: { productId: 'P-1', skuCode: 'SKU-1', linearValue: 5, customerId: 'C-1' },
      expireTime: Date.UTC(2026, 1, 15, 12, 0, 0),
      appliedOrders: [`${ORDER}/${LINE}`],
    });
    expect(stored?.lease).toBeUndefined();
    expect(w.orders.calls).toEqual([ORDER]);
    expect(w.provisioner.calls).toEqual([{ method: 'provision', instanceId: ID }]);
  });

  it('answers a repeated purchase from the stored instance without provisioning again', async () => {
    const w = scenarioSetup();
    await purchase(cmd(), w.context().ctx);

    const again = await purchase(cmd(), w.context().ctx);

    expect(again).toEqual({ resultCode: '000000', resultMsg: 'success', instanceId: ID });
    expect(w.provisioner.calls).toHaveLength(1);
  });

  it('answers a purchase of a released instance with its id and says so', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: ID, status: 'RELEASED' }));

    const result = await purchase(cmd({ withDelivery: true }), w.context().ctx);

    expect(result).toEqual({
      resultCode: '000000',
      resultMsg: 'success (instance was released)',
      instanceId: ID,
    });
  });

  it('takes the order from the command and answers the delivery info (SaaS V1.0)', async () => {
    const w = scenarioSetup();
    const order = { entitlement: { productId: 'P-V1', customerId: 'C-9' }, expireTime: 1234 };

    const result = await purchase(
      cmd({ origin: 'v1', order, withDelivery: true }),
      w.context().ctx,
    );

    expect(result.resultCode).toBe('000000');
    expect(result.appInfo).toMatchObject({ frontEndUrl: expect.stringMatching(/^https:/) });
    expect(result.appInfo?.password).toEqual(expect.any(String));
    expect(w.orders.calls).toEqual([]);
    expect(await w.store.getInstance('real', ID)).toMatchObject({
      protocol: 'v1',
      orderFromRequest: true,
      entitlement: order.entitlement,
      expireTime: 1234,
    });
  });

  it('answers a test call with delivery info made up by the test provisioner when none is stored', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(
      record({ namespace: 'test', instanceId: TEST_ID, status: 'RELEASED' }),
    );

    const result = await purchase(
      cmd({ test: true, withDelivery: true }),
      w.context({ test: true }).ctx,
    );

    expect(result.instanceId).toBe(TEST_ID);
    expect(result.appInfo?.frontEndUrl).toEqual(expect.any(String));
    expect(w.testProvisioner.calls).toEqual([{ method: 'provision', instanceId: TEST_ID }]);
    expect(w.provisioner.calls).toEqual([]);
  });

  it('answers the stored delivery info of a test instance', async () => {
    const w = scenarioSetup();
    await purchase(cmd({ test: true }), w.context({ test: true }).ctx);

    const again = await purchase(
      cmd({ test: true, withDelivery: true }),
      w.context({ test: true }).ctx,
    );

    expect(again.appInfo?.frontEndUrl).toEqual(expect.any(String));
    expect(w.testProvisioner.calls).toHaveLength(1);
  });

  it('falls back to a synthesized monthly order when Query Order fails for a test call', async () => {
    const w = scenarioSetup({
      orders: async () => {
        throw new OrderUnavailableError('Query Order timed out');
      },
    });

    const result = await purchase(cmd({ test: true }), w.context({ test: true }).ctx);

    expect(result.resultCode).toBe('000000');
    expect(await w.store.getInstance('test', TEST_ID)).toMatchObject({
      status: 'ACTIVE',
      entitlement: { chargingMode: 'PERIOD', periodType: 'month', periodNumber: 1 },
    });
    expect(w.logs).toContainEqual(
      expect.objectContaining({
        message: 'order unreadable for a test call; using a synthesized order',
      }),
    );
  });

  it('answers 000004 and releases the claim when Query Order fails for a real call', async () => {
    const w = scenarioSetup({
      orders: async () => {
        throw new OrderUnavailableError('Query Order timed out');
      },
    });

    const result = await purchase(cmd(), w.context().ctx);

    expect(result).toEqual({
      resultCode: '000004',
      resultMsg: 'order details are not readable yet, retry later',
      instanceId: ID,
    });
    const stored = await w.store.getInstance('real', ID);
    expect(stored).toMatchObject({ status: 'PROVISIONING', lastError: 'Query Order timed out' });
    expect(stored?.lease).toBeUndefined();
    expect(w.provisioner.calls).toEqual([]);
  });

  it("answers a provisioner's refusal with its code, its fixed reason and the instance id (#14)", async () => {
    const w = scenarioSetup({
      provisioner: {
        provision: async () => {
          throw new ProvisioningRefusedError('000106', 'pool eu-1 at 10.0.0.7 is full');
        },
      },
    });
    const { ctx, annotations } = w.context();

    const result = await purchase(cmd(), ctx);

    expect(result).toEqual({
      resultCode: '000106',
      resultMsg: 'product resources sold out',
      instanceId: ID,
    });
    // The seller's words go to the log line and the operator tools, not to KooGallery.
    expect(annotations.detail).toBe('pool eu-1 at 10.0.0.7 is full');
    expect(await w.store.getInstance('real', ID)).toMatchObject({
      lastError: 'pool eu-1 at 10.0.0.7 is full',
    });
  });

  it('answers a refusal the seller wrote for KooGallery (resultMsg) as given (#12)', async () => {
    const w = scenarioSetup({
      provisioner: {
        provision: async () => {
          throw new ProvisioningRefusedError('000106', 'Sold out in your region', {
            resultMsg: 'Sold out in your region',
          });
        },
      },
    });

    const result = await purchase(cmd(), w.context().ctx);

    expect(result).toEqual({
      resultCode: '000106',
      resultMsg: 'Sold out in your region',
      instanceId: ID,
    });
  });

  it('refuses delivery info that cannot fit right after the provisioner returns: nothing stored (#9)', async () => {
    const w = scenarioSetup({
      provisioner: {
        provision: async () => ({
          frontEndUrl: 'https://x',
          adminUrl: `https://${'a'.repeat(600)}`,
          password: 'p'.repeat(80),
        }),
      },
    });
    const { ctx, annotations } = w.context();

    const result = await purchase(cmd(), ctx);

    expect(result).toEqual({ resultCode: '000005', resultMsg: 'internal error', instanceId: ID });
    const stored = await w.store.getInstance('real', ID);
    expect(stored).toMatchObject({ status: 'PROVISIONING', version: 2 });
    expect(stored?.sealedAppInfo).toBeUndefined();
    expect(stored?.lastError).toMatch(
      /^appInfo\.adminUrl is 608 characters; KooGallery accepts at most 512/,
    );
    expect(stored?.lastError).toContain('; appInfo.password is 80 UTF-8 bytes');
    expect(annotations.detail).toBe(stored?.lastError);
    const warning = w.logs.find(
      (l) => l.message === 'provisioning attempt failed; claim released for the next retry',
    );
    expect(warning).toMatchObject({ errorName: 'AnswerLimitError', detail: stored?.lastError });
    expect(JSON.stringify(w.logs)).not.toContain('p'.repeat(80));
  });

  it('rethrows an unexpected provisioner failure after releasing the claim', async () => {
    const w = scenarioSetup({
      provisioner: {
        provision: async () => {
          throw new Error('tenant API down: token=abc');
        },
      },
    });

    await expect(purchase(cmd(), w.context().ctx)).rejects.toThrow('tenant API down');

    expect(await w.store.getInstance('real', ID)).toMatchObject({
      status: 'PROVISIONING',
      lastError: 'provisioning failed',
    });
  });

  it('keeps the failure as the answer when the claim cannot be released (store down too)', async () => {
    const w = scenarioSetup({
      provisioner: {
        provision: async () => {
          throw new ProvisioningRefusedError('000100', 'no resource');
        },
      },
    });
    w.faulty.on('updateInstance', 'every', { kind: 'fail', error: new Error('store down') });

    const result = await purchase(cmd(), w.context().ctx);

    expect(result.resultCode).toBe('000100');
    expect((await w.store.getInstance('real', ID))?.lease).toBeDefined();
  });

  describe('races', () => {
    it('provisions its own claim when the create was written but its answer lost', async () => {
      const w = scenarioSetup();
      w.faulty.on('createInstance', [1], { kind: 'written-then-conflict' });

      const result = await purchase(cmd(), w.context().ctx);

      expect(result.resultCode).toBe('000000');
      expect(w.provisioner.calls).toHaveLength(1);
      expect(await w.store.getInstance('real', ID)).toMatchObject({ status: 'ACTIVE' });
    });

    it('creates the claim again when the instance it lost to is gone', async () => {
      const w = scenarioSetup();
      w.faulty.on('createInstance', [1], { kind: 'conflict' });

      const result = await purchase(cmd(), w.context().ctx);

      expect(result.resultCode).toBe('000000');
      expect(w.faulty.count.createInstance).toBe(2);
    });

    it('answers 000004 with the instance id when it runs out of attempts', async () => {
      const w = scenarioSetup();
      w.faulty.on('createInstance', 'every', { kind: 'conflict' });

      const result = await purchase(cmd(), w.context().ctx);

      expect(result).toEqual({
        resultCode: '000004',
        resultMsg: 'instance is being provisioned',
        instanceId: ID,
      });
      expect(w.faulty.count.createInstance).toBe(5);
      expect(w.provisioner.calls).toEqual([]);
    });

    it('waits for another call holding the claim, then answers 000004 at the budget (clock-driven)', async () => {
      const w = scenarioSetup();
      const until = w.clock.now() + 60_000;
      await w.store.createInstance(
        record({ instanceId: ID, status: 'PROVISIONING', lease: { token: 'other', until } }),
      );
      const startedAt = w.clock.now();

      const result = await purchase(cmd(), w.context({ budgetMs: 1000 }).ctx);

      expect(result.resultCode).toBe('000004');
      expect(w.clock.now() - startedAt).toBeGreaterThanOrEqual(900);
      expect(w.clock.now() - startedAt).toBeLessThanOrEqual(1000);
      expect(w.provisioner.calls).toEqual([]);
    });

    it('answers the instance another call finished while this one waited', async () => {
      const w = scenarioSetup();
      const held = record({
        instanceId: ID,
        status: 'PROVISIONING',
        lease: { token: 'other', until: w.clock.now() + 60_000 },
      });
      await w.store.createInstance(held);
      w.faulty.on('getInstance', [3], {
        kind: 'before',
        run: async () => {
          await w.store.updateInstance({ ...held, version: 2, status: 'ACTIVE', lease: undefined });
        },
      });

      const result = await purchase(cmd(), w.context().ctx);

      expect(result).toEqual({ resultCode: '000000', resultMsg: 'success', instanceId: ID });
      expect(w.provisioner.calls).toEqual([]);
    });

    it('takes the claim over once its lease expires while waiting (clock-driven)', async () => {
      const w = scenarioSetup();
      await w.store.createInstance(
        record({
          instanceId: ID,
          status: 'PROVISIONING',
          lease: { token: 'crashed', until: w.clock.now() + 500 },
        }),
      );

      const result = await purchase(cmd(), w.context().ctx);

      expect(result.resultCode).toBe('000000');
      expect(w.provisioner.calls).toHaveLength(1);
      expect(await w.store.getInstance('real', ID)).toMatchObject({ status: 'ACTIVE', version: 3 });
    });

    it('reads again when the instance it waited on disappears from a read', async () => {
      const w = scenarioSetup();
      await w.store.createInstance(
        record({
          instanceId: ID,
          status: 'PROVISIONING',
          lease: { token: 'other', until: w.clock.now() + 60_000 },
        }),
      );
      w.faulty.on('getInstance', [2], { kind: 'missing' });

      const result = await purchase(cmd(), w.context({ budgetMs: 150 }).ctx);

      expect(result.resultCode).toBe('000004');
      expect(w.faulty.count.getInstance).toBeGreaterThanOrEqual(3);
    });

    it('takes over an expired claim at once', async () => {
      const w = scenarioSetup();
      await w.store.createInstance(
        record({
          instanceId: ID,
          status: 'PROVISIONING',
          lease: { token: 'crashed', until: w.clock.now() - 1 },
        }),
      );

      const result = await purchase(cmd(), w.context().ctx);

      expect(result.resultCode).toBe('000000');
      expect(w.provisioner.calls).toHaveLength(1);
    });

    it('tries again when another call takes the expired claim first', async () => {
      const w = scenarioSetup();
      await w.store.createInstance(
        record({ instanceId: ID, status: 'PROVISIONING', lease: undefined }),
      );
      w.faulty.on('updateInstance', [1], { kind: 'conflict' });

      const result = await purchase(cmd(), w.context().ctx);

      expect(result.resultCode).toBe('000000');
      expect(w.faulty.count.updateInstance).toBe(3);
    });

    it('undoes its tenant when the instance is released while it provisions (#10)', async () => {
      const w = scenarioSetup();
      const releaser = w.context();
      w.provisioner.calls.length = 0;
      const inner = w.deps.provisioner.provision;
      w.deps.provisioner.provision = async (req) => {
        const info = await inner(req);
        // KooGallery's release arrives while the tenant is being made.
        await release({ test: false, instanceId: ID }, releaser.ctx);
        return info;
      };

      const result = await purchase(cmd(), w.context().ctx);

      expect(result).toEqual({
        resultCode: '000004',
        resultMsg: 'instance is being provisioned by another call, retry later',
        instanceId: ID,
      });
      expect(await w.store.getInstance('real', ID)).toMatchObject({ status: 'RELEASED' });
      // The release call tells the provisioner, and so does the attempt that lost to it: the
      // tenant it made after that release is undone too (release is idempotent).
      expect(w.provisioner.calls).toEqual([
        { method: 'provision', instanceId: ID },
        { method: 'release', instanceId: ID },
        { method: 'release', instanceId: ID },
      ]);
    });

    it('answers the instance another call finished while this one provisioned', async () => {
      const w = scenarioSetup();
      const inner = w.deps.provisioner.provision;
      w.deps.provisioner.provision = async (req) => {
        const info = await inner(req);
        const claimed = await w.store.getInstance('real', ID);
        if (claimed) {
          await w.store.updateInstance({
            ...claimed,
            version: claimed.version + 1,
            status: 'ACTIVE',
            lease: undefined,
          });
        }
        return info;
      };

      const result = await purchase(cmd(), w.context().ctx);

      expect(result).toEqual({ resultCode: '000000', resultMsg: 'success', instanceId: ID });
      expect(await w.store.getInstance('real', ID)).toMatchObject({ status: 'ACTIVE', version: 2 });
    });
  });
});

describe('purchase: the order facts the provisioner receives (#9)', () => {
  it('passes every fact Query Order gives and places the purchase as the first order of each change', async () => {
    const created = Date.UTC(2026, 0, 15, 11, 59, 0);
    const w = scenarioSetup({
      orders: async (orderId, orderLineId) => ({
        orderId,
        orderType: 'TRIAL',
        createTime: '20260115115900',
        createdAt: created,
        orderLine: [
          {
            orderLineId: orderLineId ?? '',
            chargingMode: 'PERIOD',
            periodType: 'day',
            periodNumber: 7,
            expireTime: Date.UTC(2026, 0, 22),
            productInfo: [
              { productId: 'P-1', productName: 'Prod', skuCode: 'SKU-T', linearValue: 10 },
            ],
          },
        ],
        buyerInfo: {
          customerId: 'C-1',
          customerName: 'Buyer',
          email: 'b@example.com',
          mobilePhone: '+86 138',
          other: 'ignored',
        },
        extendParams: [{ name: 'region', value: 'north' }],
      }),
    });
    const requests: unknown[] = [];
    const inner = w.deps.provisioner.provision;
    w.deps.provisioner.provision = async (req) => {
      requests.push(req);
      return inner(req);
    };

    await purchase(cmd(), w.context().ctx);

    expect(requests).toEqual([
      {
        instanceId: ID,
        test: false,
        orderId: ORDER,
        orderLineId: LINE,
        entitlement: {
          productId: 'P-1',
          productName: 'Prod',
          skuCode: 'SKU-T',
          linearValue: 10,
          chargingMode: 'PERIOD',
          periodType: 'day',
          periodNumber: 7,
          customerId: 'C-1',
          customerName: 'Buyer',
          orderType: 'TRIAL',
          trial: true,
        },
        expireTime: Date.UTC(2026, 0, 22),
        orderCreatedAt: created,
        contact: { email: 'b@example.com', mobilePhone: '+86 138' },
        extendParams: [{ name: 'region', value: 'north' }],
      },
    ]);
    const mark = { createdAt: created, key: `${ORDER}/${LINE}` };
    expect((await w.store.getInstance('real', ID))?.watermarks).toEqual({
      expiry: mark,
      specification: mark,
    });
  });
});
