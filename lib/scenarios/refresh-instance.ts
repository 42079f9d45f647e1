import { STATUS } from '../store/instance-store';
import { unavailableAnswer } from './availability';
import { RENEWAL_SCENES, type RenewCommand } from './commands';
import { changeInstance, nextVersion } from './instance-writes';
import { namespaceOf, orderKey } from './namespaces';
import { type ScenarioContext, type ScenarioResult, success } from './scenario';
import { changeStatus } from './update-instance-status';

/**
 * Applies a renewal exactly once per order. Renewals and trial conversions only move the expiry
 * forward, so a late delivery of an older renewal cannot shorten a newer one; a renewal
 * cancellation (`UNSUBSCRIBE_RENEWAL_PERIOD`) sets the expiry it carries, which may be earlier.
 * With `restoreAccess` (the 1.0 protocols), an instance frozen by an expiry is unfrozen once the
 * renewal puts its expiry ahead of now.
 *
 * @example await renew({ test: false, instanceId, orderId, scene: 'RENEWAL', expireTime, restoreAccess: false }, ctx);
 */
export async function renew(
  r: RenewCommand,
  ctx: ScenarioContext<'store' | 'provisioner'>,
): Promise<ScenarioResult> {
  const renewed = await applyRenewal(r, ctx);
  if (!r.restoreAccess || renewed.resultCode !== '000000') return renewed;
  const current = await ctx.ports.store.getInstance(namespaceOf(r.test), r.instanceId);
  if (current?.status !== STATUS.FROZEN || (current.expireTime ?? 0) <= ctx.clock.now()) {
    return renewed;
  }
  return changeStatus({ test: r.test, instanceId: r.instanceId, freeze: false }, ctx);
}

function applyRenewal(
  r: RenewCommand,
  ctx: ScenarioContext<'store' | 'provisioner'>,
): Promise<ScenarioResult> {
  ctx.annotate({ instanceId: r.instanceId, orderId: r.orderId });
  const key = orderKey(r.orderId, r.orderLineId);
  return changeInstance(ctx, namespaceOf(r.test), r.instanceId, async (current) => {
    if (current?.appliedOrders.includes(key)) {
      return { kind: 'answer', result: success('success (order already applied)') };
    }
    const unavailable = unavailableAnswer(current, r.test);
    if (unavailable || !current) return unavailable ?? { kind: 'answer', result: success() };
    const cancels = r.scene === RENEWAL_SCENES.UNSUBSCRIBE_RENEWAL_PERIOD;
    const expireTime = cancels ? r.expireTime : Math.max(current.expireTime ?? 0, r.expireTime);
    await ctx.ports.provisioner.renew({
      instance: current,
      orderId: r.orderId,
      scene: r.scene,
      expireTime,
      ...(r.productId ? { productId: r.productId } : {}),
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
