import { describeError, KooGalleryError } from '../errors';
import type { OrderInfo } from '../open-api/order-client';
import { type InstanceRecord, STATUS } from '../store/instance-store';
import type { CarriedOrder } from './commands';
import { provisionDelivery } from './delivery';
import { failureReason, nextVersion } from './instance-writes';
import { orderKey } from './namespaces';
import { type PurchaseFacts, purchaseFactsOf, readOrder } from './orders';
import type { ScenarioContext } from './scenario';

/** The ports provisioning reaches. */
export type ProvisioningPorts = 'store' | 'provisioner' | 'orders' | 'vault';

/**
 * How a provisioning attempt ended. One that outlasts the response budget is not an outcome here:
 * the app answers `000004` at the deadline (`lib/app.ts`) while this attempt goes on.
 */
export type ProvisioningOutcome =
  | { state: 'ready'; record: InstanceRecord }
  /** Failed for now; the claim was released so the next retry or poll starts again. */
  | { state: 'failed'; error: unknown };

/** True when a PROVISIONING record's claim is free to take (no lease, or one the clock passed). */
export function leaseIsFree(ctx: ScenarioContext<never>, record: InstanceRecord): boolean {
  return !record.lease || record.lease.until <= ctx.clock.now();
}

/**
 * Takes over a PROVISIONING record whose claim is free (a crashed or failed earlier attempt).
 * Condition: the version read. Answers the claimed record, or undefined when another call won.
 */
export async function claim(
  ctx: ScenarioContext<'store'>,
  record: InstanceRecord,
): Promise<InstanceRecord | undefined> {
  const claimed = nextVersion(ctx, record, {
    lease: { token: ctx.ids.token(), until: ctx.clock.now() + ctx.settings.provisioningLeaseMs },
  });
  return (await ctx.ports.store.updateInstance(claimed)) === 'written' ? claimed : undefined;
}

/**
 * Finishes a claimed instance: reads the order (or awaits `order`, the read a purchase started at
 * once; or takes `carried`, the order the purchase request carried), hands the provisioner every
 * fact of the order, and stores the sealed delivery info with status ACTIVE, in one
 * write conditioned on the claim's version. A failure releases the claim (with the reason) so that
 * a retry or poll starts again, and comes back as an outcome rather than an exception. An attempt
 * slower than the budget is answered `000004` by the app while it goes on.
 */
export async function provision(
  ctx: ScenarioContext<ProvisioningPorts>,
  claimed: InstanceRecord,
  order?: Promise<OrderInfo>,
  carried?: CarriedOrder,
): Promise<ProvisioningOutcome> {
  const test = claimed.namespace === 'test';
  try {
    const facts: PurchaseFacts = claimed.orderFromRequest
      ? {
          entitlement: claimed.entitlement,
          expireTime: claimed.expireTime,
          contact: carried?.contact,
          extendParams: carried?.extendParams,
        }
      : purchaseFactsOf(
          await (order ?? readOrder(ctx, claimed.orderId, claimed.orderLineId, test)),
          claimed.orderLineId,
        );
    const { entitlement, expireTime, createdAt } = facts;
    // Refused here, right after the provisioner answers, when a field cannot fit (#9).
    const appInfo = await provisionDelivery(ctx, {
      instanceId: claimed.instanceId,
      test,
      orderId: claimed.orderId,
      orderLineId: claimed.orderLineId,
      entitlement,
      expireTime,
      orderCreatedAt: createdAt,
      contact: facts.contact,
      extendParams: facts.extendParams,
    });
    // The purchase is the first order of each kind of change: later ones are placed against it.
    const mark =
      createdAt === undefined
        ? undefined
        : { createdAt, key: orderKey(claimed.orderId, claimed.orderLineId) };
    const ready = nextVersion(ctx, claimed, {
      status: STATUS.ACTIVE,
      entitlement,
      expireTime,
      ...(mark ? { watermarks: { expiry: mark, specification: mark } } : {}),
      sealedAppInfo: ctx.ports.vault.seal(appInfo),
      lease: undefined,
      lastError: undefined,
    });
    const record =
      (await ctx.ports.store.updateInstance(ready)) === 'written'
        ? ready
        : await afterLostRace(ctx, claimed);
    return { state: 'ready', record };
  } catch (error) {
    await releaseClaim(ctx, claimed, error);
    return { state: 'failed', error };
  }
}

/** Our final write lost: the record changed under us (released, or the claim was taken over). */
async function afterLostRace(
  ctx: ScenarioContext<'store' | 'provisioner'>,
  claimed: InstanceRecord,
): Promise<InstanceRecord> {
  const now = await ctx.ports.store.getInstance(claimed.namespace, claimed.instanceId);
  if (now?.status === STATUS.ACTIVE || now?.status === STATUS.FROZEN) return now;
  if (now?.status === STATUS.RELEASED) {
    // Released while we provisioned: undo the tenant we may just have created.
    await ctx.ports.provisioner.release(now);
  }
  throw new KooGalleryError('000004', 'instance is being provisioned by another call, retry later');
}

async function releaseClaim(
  ctx: ScenarioContext<'store'>,
  claimed: InstanceRecord,
  error: unknown,
): Promise<void> {
  // Kept for the operator tools (never answered: query-instance.ts answers a fixed reason).
  const reason = failureReason(error, 'provisioning failed');
  ctx.log.warn('provisioning attempt failed; claim released for the next retry', {
    instanceId: claimed.instanceId,
    orderId: claimed.orderId,
    ...describeError(error),
  });
  try {
    await ctx.ports.store.updateInstance(
      nextVersion(ctx, claimed, { lease: undefined, lastError: reason }),
    );
  } catch {
    // The store is down too: the claim expires on its own after the lease time.
  }
}
