import { KooGalleryError, OrderUnavailableError } from '../errors';
import { instanceIdFor } from '../ids';
import { type InstanceRecord, STATUS } from '../store/instance-store';
import type { PurchaseCommand } from './commands';
import { storedDelivery, testDelivery } from './delivery';
import { namespaceOf, orderKey } from './namespaces';
import { ORDER_UNREADABLE_MESSAGE, readOrder } from './orders';
import {
  claim,
  leaseIsFree,
  type ProvisioningOutcome,
  type ProvisioningPorts,
  provision,
} from './provisioning';
import type { PurchaseResult, ScenarioContext } from './scenario';

/** How often a duplicate purchase re-reads the instance while another call provisions it. */
const WAIT_STEP_MS = 100;

/** Attempts to claim or find the instance after the first create lost. */
const CLAIM_ATTEMPTS = 4;

/** A purchase's answer and, when it succeeded, the instance as it now stands. */
interface Purchased {
  result: PurchaseResult;
  record?: InstanceRecord;
}

function inProgress(instanceId: string, message = 'instance is being provisioned'): PurchaseResult {
  return { resultCode: '000004', resultMsg: message, instanceId };
}

function failedAnswer(instanceId: string, error: unknown): PurchaseResult {
  if (error instanceof OrderUnavailableError) {
    return inProgress(instanceId, ORDER_UNREADABLE_MESSAGE);
  }
  if (error instanceof KooGalleryError) {
    return { resultCode: error.resultCode, resultMsg: error.message, instanceId };
  }
  throw error;
}

async function waitForReady(
  ctx: ScenarioContext<'store'>,
  record: InstanceRecord,
): Promise<InstanceRecord | undefined> {
  let current: InstanceRecord | undefined = record;
  while (ctx.clock.now() + WAIT_STEP_MS < ctx.deadline) {
    await ctx.sleep(WAIT_STEP_MS);
    current = await ctx.ports.store.getInstance(record.namespace, record.instanceId);
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
 */
async function purchaseInstance(
  p: PurchaseCommand,
  ctx: ScenarioContext<ProvisioningPorts>,
): Promise<Purchased> {
  const namespace = namespaceOf(p.test);
  const instanceId = instanceIdFor(namespace, p.orderId, p.orderLineId);
  ctx.annotate({ orderId: p.orderId, instanceId });
  const done = (record: InstanceRecord): Purchased => ({
    result: {
      resultCode: '000000',
      resultMsg:
        record.status === STATUS.ACTIVE || record.status === STATUS.FROZEN
          ? 'success'
          : 'success (instance was released)',
      instanceId,
    },
    record,
  });
  const answer = (outcome: ProvisioningOutcome): Purchased => {
    if (outcome.state === 'ready') return done(outcome.record);
    const { error } = outcome;
    // The failure in full goes to the call's log line; the answer carries a fixed reason (#14).
    const detail =
      error instanceof KooGalleryError
        ? error.detail
        : error instanceof OrderUnavailableError
          ? error.message
          : undefined;
    if (detail) ctx.annotate({ detail });
    return { result: failedAnswer(instanceId, error) };
  };
  const pending = (): Purchased => ({ result: inProgress(instanceId) });

  const now = ctx.clock.now();
  const fresh: InstanceRecord = {
    namespace,
    instanceId,
    status: STATUS.PROVISIONING,
    version: 1,
    orderId: p.orderId,
    orderLineId: p.orderLineId,
    protocol: p.origin,
    entitlement: p.order?.entitlement ?? {},
    ...(p.order?.expireTime !== undefined ? { expireTime: p.order.expireTime } : {}),
    ...(p.order ? { orderFromRequest: true } : {}),
    appliedOrders: [orderKey(p.orderId, p.orderLineId)],
    lease: { token: ctx.ids.token(), until: now + ctx.settings.provisioningLeaseMs },
    createdAt: now,
    updatedAt: now,
  };
  // The order is read from Query Order while the replay token and the claim are written: a read
  // with no effect, so a duplicate that loses the claim only wastes one lookup.
  const order = p.order ? undefined : readOrder(ctx, p.orderId, p.orderLineId, p.test);
  order?.catch(() => undefined);
  // A new purchase is the common case: claim first (one round trip) and read the instance only
  // when it turns out to exist already.
  if ((await ctx.ports.store.createInstance(fresh)) === 'written') {
    return answer(await provision(ctx, fresh, order, p.order));
  }
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    let current = await ctx.ports.store.getInstance(namespace, instanceId);
    if (!current) {
      if ((await ctx.ports.store.createInstance(fresh)) === 'written') {
        return answer(await provision(ctx, fresh, order, p.order));
      }
      continue;
    }
    if (current.status !== STATUS.PROVISIONING) return done(current);
    // How long this purchase has not been complete: the AWS alarm's metric (#13).
    ctx.annotate({ pendingForMs: ctx.clock.now() - current.createdAt });
    if (current.version === 1 && current.lease?.token === fresh.lease?.token) {
      // Our own claim: the create reached the table but its answer was lost and the SDK's retry
      // saw the item it had just written. It is ours to provision.
      return answer(await provision(ctx, current, order, p.order));
    }
    if (!leaseIsFree(ctx, current)) {
      current = await waitForReady(ctx, current);
      if (!current) continue;
      if (current.status !== STATUS.PROVISIONING) return done(current);
      if (!leaseIsFree(ctx, current)) return pending();
    }
    const claimed = await claim(ctx, current);
    if (claimed) return answer(await provision(ctx, claimed, order, p.order));
  }
  return pending();
}

/**
 * A purchase (SaaS V2.0 and V1.0 `newInstance`): same order line, same `instanceId`, forever.
 * With `withDelivery` a success also carries the instance's delivery info (a test call's made up
 * by the test provisioner when none is stored; a released real instance has none left).
 *
 * @example const result = await purchase({ test: false, orderId, orderLineId, origin: 'v2', withDelivery: false }, ctx);
 */
export async function purchase(
  cmd: PurchaseCommand,
  ctx: ScenarioContext<ProvisioningPorts>,
): Promise<PurchaseResult> {
  const { result, record } = await purchaseInstance(cmd, ctx);
  if (!cmd.withDelivery || result.resultCode !== '000000') return result;
  const appInfo = cmd.test
    ? await testDelivery(ctx, record, {
        instanceId: result.instanceId,
        orderId: cmd.orderId,
        orderLineId: cmd.orderLineId,
        entitlement: cmd.order?.entitlement ?? {},
      })
    : await storedDelivery(ctx, record);
  return appInfo ? { ...result, appInfo } : result;
}
