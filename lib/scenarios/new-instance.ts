import { KooGalleryError, OrderUnavailableError } from '../errors';
import { instanceIdFor } from '../ids';
import { type Entitlement, type InstanceRecord, STATUS } from '../store/instance-store';
import { namespaceOf, orderKey, readOrder } from './instance-access';
import { claim, leaseIsFree, type ProvisioningOutcome, provision } from './provisioning';
import type { RequestOf, Scenario, ScenarioContext, ScenarioResult } from './scenario';

/** How often a duplicate purchase re-reads the instance while another call provisions it. */
const WAIT_STEP_MS = 100;

/** A purchase's answer and, when it succeeded, the instance as it now stands. */
export interface Purchased {
  result: ScenarioResult;
  record?: InstanceRecord;
}

/** The facts of a purchase, whatever protocol carried it. */
export interface Purchase {
  test: boolean;
  orderId: string;
  orderLineId: string;
  /** The protocol family creating the instance (`v2`, `v1`…). */
  protocol: string;
  /**
   * The order as the request carried it (SaaS V1.0). Kept in the claim, so whichever call finishes
   * the provisioning uses it and Query Order is never read for this instance.
   */
  order?: { entitlement: Entitlement; expireTime?: number };
}

function inProgress(instanceId: string, message = 'instance is being provisioned'): ScenarioResult {
  return { resultCode: '000004', resultMsg: message, fields: { instanceId } };
}

function failedAnswer(instanceId: string, error: unknown): ScenarioResult {
  if (error instanceof OrderUnavailableError) {
    return inProgress(instanceId, 'order details are not readable yet, retry later');
  }
  if (error instanceof KooGalleryError) {
    return { resultCode: error.resultCode, resultMsg: error.message, fields: { instanceId } };
  }
  throw error;
}

async function waitForReady(
  ctx: ScenarioContext,
  record: InstanceRecord,
): Promise<InstanceRecord | undefined> {
  let current: InstanceRecord | undefined = record;
  while (ctx.deps.clock.now() + WAIT_STEP_MS < ctx.deadline) {
    await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
    current = await ctx.deps.store.getInstance(record.namespace, record.instanceId);
    if (current && current.status !== STATUS.PROVISIONING) return current;
    if (current && leaseIsFree(ctx, current)) return current;
  }
  return current;
}

/**
 * Creates the instance for a purchase exactly once. The instance id is derived from the order, and
 * the first call to write the PROVISIONING claim (`attribute_not_exists`) is the one that reads the
 * order and provisions; concurrent duplicates wait for it within the budget, then answer `000004`.
 * A claim left by a crash or a failure is taken over by the next retry or poll once it expires.
 * Shared by every protocol that creates instances.
 */
export async function purchaseInstance(p: Purchase, ctx: ScenarioContext): Promise<Purchased> {
  const namespace = namespaceOf(p.test);
  const instanceId = instanceIdFor(namespace, p.orderId, p.orderLineId);
  ctx.annotate({ instanceId });
  const done = (record: InstanceRecord): Purchased => ({
    result: {
      resultCode: '000000',
      resultMsg:
        record.status === STATUS.ACTIVE || record.status === STATUS.FROZEN
          ? 'success'
          : 'success (instance was released)',
      fields: { instanceId },
    },
    record,
  });
  const answer = (outcome: ProvisioningOutcome): Purchased =>
    outcome.state === 'ready'
      ? done(outcome.record)
      : { result: failedAnswer(instanceId, outcome.error) };
  const pending = (): Purchased => ({ result: inProgress(instanceId) });

  const now = ctx.deps.clock.now();
  const fresh: InstanceRecord = {
    namespace,
    instanceId,
    status: STATUS.PROVISIONING,
    version: 1,
    orderId: p.orderId,
    orderLineId: p.orderLineId,
    protocol: p.protocol,
    entitlement: p.order?.entitlement ?? {},
    ...(p.order?.expireTime !== undefined ? { expireTime: p.order.expireTime } : {}),
    ...(p.order ? { orderFromRequest: true } : {}),
    appliedOrders: [orderKey(p.orderId, p.orderLineId)],
    lease: { token: ctx.deps.ids.token(), until: now + ctx.deps.config.provisioningLeaseMs },
    createdAt: now,
    updatedAt: now,
  };
  // The order is read from Query Order while the replay token and the claim are written: a read
  // with no effect, so a duplicate that loses the claim only wastes one lookup.
  const order = p.order ? undefined : readOrder(ctx, p.orderId, p.orderLineId, p.test);
  order?.catch(() => undefined);
  // A new purchase is the common case: claim first (one round trip) and read the instance only
  // when it turns out to exist already.
  if ((await ctx.deps.store.createInstance(fresh)) === 'written') {
    return answer(await provision(ctx, fresh, order));
  }
  for (let attempt = 0; attempt < 4; attempt++) {
    let current = await ctx.deps.store.getInstance(namespace, instanceId);
    if (!current) {
      if ((await ctx.deps.store.createInstance(fresh)) === 'written') {
        return answer(await provision(ctx, fresh, order));
      }
      continue;
    }
    if (current.status !== STATUS.PROVISIONING) return done(current);
    if (current.version === 1 && current.lease?.token === fresh.lease?.token) {
      // Our own claim: the create reached the table but its answer was lost and the SDK's retry
      // saw the item it had just written. It is ours to provision.
      return answer(await provision(ctx, current, order));
    }
    if (!leaseIsFree(ctx, current)) {
      current = await waitForReady(ctx, current);
      if (!current) continue;
      if (current.status !== STATUS.PROVISIONING) return done(current);
      if (!leaseIsFree(ctx, current)) return pending();
    }
    const claimed = await claim(ctx, current);
    if (claimed) return answer(await provision(ctx, claimed, order));
  }
  return pending();
}

/** {@link purchaseInstance}'s answer alone. */
export async function purchase(p: Purchase, ctx: ScenarioContext): Promise<ScenarioResult> {
  return (await purchaseInstance(p, ctx)).result;
}

/** `newInstance` (docs/protocol.md#newinstance): same `orderId` + `orderLineId`, same `instanceId`, forever. */
export const newInstance: Scenario<RequestOf<'newInstance'>> = (req, ctx) => {
  ctx.annotate({ orderId: req.orderId });
  return purchase(
    { test: req.test, orderId: req.orderId, orderLineId: req.orderLineId, protocol: 'v2' },
    ctx,
  );
};
