import { OrderUnavailableError } from '../errors';
import type { OrderInfo } from '../open-api/order-client';
import { unavailableAnswer } from './availability';
import type { UpgradeCommand } from './commands';
import { changeInstance, nextVersion } from './instance-writes';
import { namespaceOf, orderKey } from './namespaces';
import { entitlementOf, readOrder } from './orders';
import { type ScenarioContext, type ScenarioResult, success } from './scenario';

/**
 * Applies a paid upgrade once per order: reads the new specification from Query Order (unless the
 * command carries it), calls the provisioner and records the order. An unreadable order answers
 * `000004` so KooGallery retries.
 *
 * @example await upgrade({ test: false, instanceId, orderId, orderLineId }, ctx);
 */
export async function upgrade(
  u: UpgradeCommand,
  ctx: ScenarioContext<'store' | 'provisioner' | 'orders'>,
): Promise<ScenarioResult> {
  ctx.annotate({ instanceId: u.instanceId, orderId: u.orderId });
  const key = orderKey(u.orderId, u.orderLineId);
  // Read with no effect, started alongside the replay token and the instance read.
  const order = u.entitlement
    ? undefined
    : readOrder(ctx, u.orderId, u.orderLineId ?? `${u.orderId}-000001`, u.test);
  order?.catch(() => undefined);
  const work = changeInstance(ctx, namespaceOf(u.test), u.instanceId, async (current) => {
    if (current?.appliedOrders.includes(key)) {
      return { kind: 'answer', result: success('success (order already applied)') };
    }
    const unavailable = unavailableAnswer(current, u.test);
    if (unavailable || !current) return unavailable ?? { kind: 'answer', result: success() };
    const entitlement =
      u.entitlement ??
      entitlementOf(await (order as Promise<OrderInfo>), u.orderLineId ?? '').entitlement;
    const merged = { ...current.entitlement, ...entitlement };
    await ctx.ports.provisioner.upgrade({
      instance: current,
      orderId: u.orderId,
      entitlement: merged,
    });
    return {
      kind: 'write',
      next: nextVersion(ctx, current, {
        entitlement: merged,
        appliedOrders: [...current.appliedOrders, key],
      }),
      result: success(),
    };
  });
  try {
    return await work;
  } catch (error) {
    if (error instanceof OrderUnavailableError) {
      return { resultCode: '000004', resultMsg: 'order details are not readable yet, retry later' };
    }
    throw error;
  }
}
