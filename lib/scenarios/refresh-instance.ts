import { REFRESH_SCENES } from '../protocol/v2-requests';
import {
  changeInstance,
  namespaceOf,
  nextVersion,
  orderKey,
  provisionerFor,
  unavailableAnswer,
} from './instance-access';
import type { RequestOf, Scenario, ScenarioContext, ScenarioResult } from './scenario';
import { success } from './scenario';

/** A renewal, trial conversion or renewal cancellation, whatever protocol carried it. */
export interface Renewal {
  test: boolean;
  instanceId: string;
  orderId: string;
  orderLineId?: string;
  scene: string;
  /** The new expiry, epoch ms. */
  expireTime: number;
  productId?: string;
}

/**
 * Applies a renewal exactly once per order. Renewals and trial conversions only move the expiry
 * forward, so a late delivery of an older renewal cannot shorten a newer one; a renewal
 * cancellation (`UNSUBSCRIBE_RENEWAL_PERIOD`) sets the expiry it carries, which may be earlier.
 */
export function renew(r: Renewal, ctx: ScenarioContext): Promise<ScenarioResult> {
  ctx.annotate({ instanceId: r.instanceId, orderId: r.orderId });
  const key = orderKey(r.orderId, r.orderLineId);
  return changeInstance(ctx, namespaceOf(r.test), r.instanceId, async (current) => {
    const applied = current?.appliedOrders.includes(key);
    if (current && applied) {
      return { kind: 'answer', result: success(undefined, 'success (order already applied)') };
    }
    const unavailable = unavailableAnswer(current, r.test);
    if (unavailable || !current) return unavailable ?? { kind: 'answer', result: success() };
    const cancels = r.scene === REFRESH_SCENES.UNSUBSCRIBE_RENEWAL_PERIOD;
    const expireTime = cancels ? r.expireTime : Math.max(current.expireTime ?? 0, r.expireTime);
    await provisionerFor(ctx, r.test).renew({
      instance: current,
      orderId: r.orderId,
      scene: r.scene,
      expireTime,
    });
    const entitlement = r.productId
      ? { ...current.entitlement, productId: r.productId }
      : current.entitlement;
    return {
      kind: 'write',
      next: nextVersion(ctx, current, {
        expireTime,
        entitlement,
        appliedOrders: [...current.appliedOrders, key],
      }),
      result: success(),
    };
  });
}

/** `refreshInstance` (docs/protocol.md#refreshinstance), all four scenes. */
export const refreshInstance: Scenario<RequestOf<'refreshInstance'>> = (req, ctx) =>
  renew(
    {
      test: req.test,
      instanceId: req.instanceId,
      orderId: req.orderId,
      orderLineId: req.orderLineId,
      scene: req.scene,
      expireTime: req.expireTime,
      productId: req.productId,
    },
    ctx,
  );
