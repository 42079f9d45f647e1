import { OrderUnavailableError } from '../errors';
import { STATUS } from '../store/instance-store';
import { unavailableAnswer } from './availability';
import { RENEWAL_SCENES, type RenewCommand } from './commands';
import { changeInstance, nextVersion } from './instance-writes';
import { namespaceOf, orderKey } from './namespaces';
import {
  advanceMark,
  isRecentOrder,
  isSettled,
  type Placement,
  placeOrder,
  rememberOrder,
  settledMessage,
} from './order-sequence';
import { orderUnreadable, readChangeFacts } from './orders';
import { type ScenarioContext, type ScenarioResult, success } from './scenario';
import { changeStatus } from './update-instance-status';

/** The ports a renewal reaches: Query Order gives its order's creation time. */
export type RenewalPorts = 'store' | 'provisioner' | 'orders';

/**
 * Applies a renewal, trial conversion, renewal cancellation or renewal with a change, exactly once
 * per order, ordered by when KooGallery created each order (order-sequence.ts): whatever order they
 * arrive in, the instance ends at the expiry of the latest-created order. An order created before
 * the one that set the current expiry changes nothing. When the order's creation time is unknown
 * (a test order Query Order cannot give, a 1.0 order while Query Order is unreadable), the fallback
 * rule applies: renewals and trial conversions only move the expiry forward, a cancellation
 * (`UNSUBSCRIBE_RENEWAL_PERIOD`) sets the expiry it carries. `RENEWAL_CHANGE` also applies the new
 * specification read from Query Order, in the same provisioner call. With `restoreAccess` (the 1.0
 * protocols), an instance frozen by an expiry is unfrozen once the renewal puts its expiry ahead of
 * now. A real order Query Order cannot read answers `000004` (KooGallery retries) unless the command
 * says the creation time is only read `if-readable`.
 *
 * @example await renew({ test: false, instanceId, orderId, orderLineId, scene: 'RENEWAL', expireTime, restoreAccess: false, creationTime: 'required' }, ctx);
 */
export async function renew(
  r: RenewCommand,
  ctx: ScenarioContext<RenewalPorts>,
): Promise<ScenarioResult> {
  let renewed: ScenarioResult;
  try {
    renewed = await applyRenewal(r, ctx);
  } catch (error) {
    if (error instanceof OrderUnavailableError) {
      return orderUnreadable();
    }
    throw error;
  }
  if (!r.restoreAccess || renewed.resultCode !== '000000') return renewed;
  const current = await ctx.ports.store.getInstance(namespaceOf(r.test), r.instanceId);
  if (current?.status !== STATUS.FROZEN || (current.expireTime ?? 0) <= ctx.clock.now()) {
    return renewed;
  }
  return changeStatus({ test: r.test, instanceId: r.instanceId, freeze: false }, ctx);
}

/** The expiry after an order placed `placement` (see order-sequence.ts). */
function expiryAfter(r: RenewCommand, placement: Placement, current: number | undefined): number {
  if (placement === 'newer') return r.expireTime;
  if (placement !== 'unordered') return current ?? r.expireTime;
  // The fallback rule: a renewal never shortens, a cancellation sets its own expiry.
  const cancels = r.scene === RENEWAL_SCENES.UNSUBSCRIBE_RENEWAL_PERIOD;
  return cancels ? r.expireTime : Math.max(current ?? 0, r.expireTime);
}

function applyRenewal(
  r: RenewCommand,
  ctx: ScenarioContext<RenewalPorts>,
): Promise<ScenarioResult> {
  ctx.annotate({ instanceId: r.instanceId, orderId: r.orderId });
  const key = orderKey(r.orderId, r.orderLineId);
  const facts = readChangeFacts(ctx, r);
  return changeInstance(ctx, namespaceOf(r.test), r.instanceId, async (current, step) => {
    if (isRecentOrder(current, key)) {
      return { kind: 'answer', result: success(settledMessage('same')) };
    }
    const unavailable = unavailableAnswer(current, r.test);
    if (unavailable || !current) return unavailable ?? { kind: 'answer', result: success() };
    const { createdAt, specification } = await facts;
    const marks = current.watermarks ?? {};
    const expiryPlace = placeOrder(marks.expiry, key, createdAt);
    const changesSpec = r.scene === RENEWAL_SCENES.RENEWAL_CHANGE && specification !== undefined;
    // A product change is a specification change: ordered by the specification watermark.
    const specPlace =
      changesSpec || r.productId ? placeOrder(marks.specification, key, createdAt) : 'same';
    if (isSettled(expiryPlace) && isSettled(specPlace)) {
      return { kind: 'answer', result: success(settledMessage(expiryPlace)) };
    }
    const expireTime = expiryAfter(r, expiryPlace, current.expireTime);
    const productId = !isSettled(specPlace) ? r.productId : undefined;
    let entitlement = current.entitlement;
    if (productId) entitlement = { ...entitlement, productId };
    if (changesSpec && !isSettled(specPlace)) entitlement = { ...entitlement, ...specification };
    await step('renew', () =>
      ctx.ports.provisioner.renew({
        instance: current,
        orderId: r.orderId,
        orderLineId: r.orderLineId,
        scene: r.scene,
        expireTime,
        entitlement,
        orderCreatedAt: createdAt,
        ...(productId ? { productId } : {}),
      }),
    );
    const watermarks = { ...marks };
    if (!isSettled(expiryPlace)) watermarks.expiry = advanceMark(marks.expiry, key, createdAt);
    if (!isSettled(specPlace)) {
      watermarks.specification = advanceMark(marks.specification, key, createdAt);
    }
    return {
      kind: 'write',
      next: nextVersion(ctx, current, {
        expireTime,
        entitlement,
        appliedOrders: rememberOrder(current.appliedOrders, key),
        watermarks,
      }),
      result: success(),
    };
  });
}
