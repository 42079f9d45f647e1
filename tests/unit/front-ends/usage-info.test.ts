/**
 * `usageInfo` in `queryInstance` (#11), in process: the scenario reads the usage totals of metered
 * instances only, and both SaaS front ends put them on the wire beside `appInfo`.
 */
import { recordUsage } from '../../../lib/metering/record-usage';
import { appHarness } from '../helpers/app-harness';

const HOUR = 3_600_000;

function onDemandOrders(chargingMode: string) {
  return {
    orders: {
      async queryOrder(orderId: string, orderLineId?: string) {
        return {
          orderId,
          orderType: 'NEW',
          orderLine: [
            {
              orderLineId: orderLineId ?? `${orderId}-000001`,
              chargingMode,
              productInfo: [{ productId: 'P-1', skuCode: 'SKU-OD' }],
            },
          ],
        };
      },
    },
  };
}

async function buy(h: ReturnType<typeof appHarness>, orderId: string): Promise<string> {
  const bought = await h.v2({
    activity: 'newInstance',
    orderId,
    orderLineId: `${orderId}-000001`,
    businessId: 'B-1',
  });
  return bought.json.instanceId as string;
}

describe('queryInstance usageInfo (#11)', () => {
  it('answers the summed usage and the end of the last hour for an ON_DEMAND instance (V2.0 and V1.0)', async () => {
    const h = appHarness({}, onDemandOrders('ON_DEMAND'));
    const instanceId = await buy(h, 'OD-1');
    const ports = { instances: h.deps.store, usage: h.deps.usage, clock: h.clock };
    const now = h.clock.now();
    const hour = (n: number) => new Date(now - n * HOUR).toISOString().slice(0, 13);
    await recordUsage(ports, { instanceId, hour: hour(3), value: '0.1234' });
    await recordUsage(ports, { instanceId, hour: hour(2), value: '7' });

    const v2 = await h.v2({ activity: 'queryInstance', instanceId });
    const v1 = await h.v1({ activity: 'queryInstance', instanceId });

    const end = new Date(Date.parse(`${hour(2)}:00:00Z`) + HOUR);
    const expected = [
      { usageValue: 7.1234, statisticalTime: end.toISOString().replace(/[-:T.Z]/g, '') },
    ];
    expect((v2.json.info as { usageInfo?: unknown }[])[0]?.usageInfo).toEqual(expected);
    expect((v1.json.info as { usageInfo?: unknown }[])[0]?.usageInfo).toEqual(expected);
  });

  it('answers no usageInfo for a metered instance without usage, nor for a PERIOD instance', async () => {
    const metered = appHarness({}, onDemandOrders('ON_DEMAND_PKG'));
    const period = appHarness();
    const a = await buy(metered, 'OD-2');
    const b = await buy(period, 'PD-1');

    const none = await metered.v2({ activity: 'queryInstance', instanceId: a });
    const periodic = await period.v2({ activity: 'queryInstance', instanceId: b });

    expect(none.json.resultCode).toBe('000000');
    expect((none.json.info as Record<string, unknown>[])[0]).not.toHaveProperty('usageInfo');
    expect((periodic.json.info as Record<string, unknown>[])[0]).not.toHaveProperty('usageInfo');
  });
});
