import { OrderUnavailableError } from '../errors';
import type { OrderInfo } from '../open-api/order-client';
import type { Entitlement } from '../store/instance-store';
import {
  changeInstance,
  entitlementOf,
  namespaceOf,
  nextVersion,
  orderKey,
  provisionerFor,
  readOrder,
  unavailableAnswer,
} from './instance-access';
import type { RequestOf, Scenario, ScenarioContext, ScenarioResult } from './scenario';
import { success } from './scenario';

/** An upgrade, whatever protocol carried it; `entitlement` given when the request carries it (V1.0). */
export interface Upgrade {
  test: boolean;
  instanceId: string;
  orderId: string;
  orderLineId?: string;
  entitlement?: Entitlement;
}

/**
 * Applies a paid upgrade once per order: reads the new specification from Query Order (unless the
 * request carries it), calls the provisioner and records the order. An unreadable order answers
 * `000004` so KooGallery retries.
 */
export async function upgrade(u: Upgrade, ctx: ScenarioContext): Promise<ScenarioResult> {
  ctx.annotate({ instanceId: u.instanceId, orderId: u.orderId });
  const key = orderKey(u.orderId, u.orderLineId);
  // Read with no effect, started alongside the replay token and the instance read.
  const order = u.entitlement
    ? undefined
    : readOrder(ctx, u.orderId, u.orderLineId ?? `${u.orderId}-000001`, u.test);
  order?.catch(() => undefined);
  const work = changeInstance(ctx, namespaceOf(u.test), u.instanceId, async (current) => {
    if (current?.appliedOrders.includes(key)) {
      return { kind: 'answer', result: success(undefined, 'success (order already applied)') };
    }
    const unavailable = unavailableAnswer(current, u.test);
    if (unavailable || !current) return unavailable ?? { kind: 'answer', result: success() };
    const entitlement =
      u.entitlement ??
      entitlementOf(await (order as Promise<OrderInfo>), u.orderLineId ?? '').entitlement;
    const merged = { ...current.entitlement, ...entitlement };
    await provisionerFor(ctx, u.test).upgrade({
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

/** `upgradeInstance` (docs/protocol.md#upgradeinstance). */
export const upgradeInstance: Scenario<RequestOf<'upgradeInstance'>> = (req, ctx) =>
  upgrade(
    {
      test: req.test,
      instanceId: req.instanceId,
      orderId: req.orderId,
      orderLineId: req.orderLineId,
    },
    ctx,
  );
