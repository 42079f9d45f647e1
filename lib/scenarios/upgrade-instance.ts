import { OrderUnavailableError } from '../errors';
import { unavailableAnswer } from './availability';
import type { UpgradeCommand } from './commands';
import { changeInstance, nextVersion } from './instance-writes';
import { namespaceOf, orderKey } from './namespaces';
import {
  advanceMark,
  isRecentOrder,
  isSettled,
  placeOrder,
  rememberOrder,
  settledMessage,
} from './order-sequence';
import { orderUnreadable, readChangeFacts } from './orders';
import { type ScenarioContext, type ScenarioResult, success } from './scenario';

/**
 * Applies a paid upgrade once per order: reads the order from Query Order (its new specification,
 * unless the command carries it, and its creation time), calls the provisioner and records the
 * order. Specification changes are ordered by when KooGallery created each order
 * (order-sequence.ts): an upgrade created before the one that set the current specification changes
 * nothing. An unreadable order answers `000004` so KooGallery retries, unless the command carries
 * the specification and reads the creation time only `if-readable`.
 *
 * @example await upgrade({ test: false, instanceId, orderId, orderLineId, creationTime: 'required' }, ctx);
 */
export async function upgrade(
  u: UpgradeCommand,
  ctx: ScenarioContext<'store' | 'provisioner' | 'orders'>,
): Promise<ScenarioResult> {
  ctx.annotate({ instanceId: u.instanceId, orderId: u.orderId });
  const key = orderKey(u.orderId, u.orderLineId);
  // Read with no effect, started alongside the replay token and the instance read.
  const facts = readChangeFacts(ctx, u);
  const work = changeInstance(ctx, namespaceOf(u.test), u.instanceId, async (current, step) => {
    if (isRecentOrder(current, key)) {
      return { kind: 'answer', result: success(settledMessage('same')) };
    }
    const unavailable = unavailableAnswer(current, u.test);
    if (unavailable || !current) return unavailable ?? { kind: 'answer', result: success() };
    const { createdAt, specification } = await facts;
    const marks = current.watermarks ?? {};
    const placement = placeOrder(marks.specification, key, createdAt);
    if (isSettled(placement)) {
      return { kind: 'answer', result: success(settledMessage(placement)) };
    }
    const merged = { ...current.entitlement, ...(u.entitlement ?? specification) };
    await step('upgrade', () =>
      ctx.ports.provisioner.upgrade({
        instance: current,
        orderId: u.orderId,
        orderLineId: u.orderLineId,
        entitlement: merged,
        orderCreatedAt: createdAt,
      }),
    );
    return {
      kind: 'write',
      next: nextVersion(ctx, current, {
        entitlement: merged,
        appliedOrders: rememberOrder(current.appliedOrders, key),
        watermarks: {
          ...marks,
          specification: advanceMark(marks.specification, key, createdAt),
        },
      }),
      result: success(),
    };
  });
  try {
    return await work;
  } catch (error) {
    if (error instanceof OrderUnavailableError) {
      return orderUnreadable();
    }
    throw error;
  }
}
