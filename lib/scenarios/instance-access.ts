import { InProgressError, InstanceNotFoundError, OrderUnavailableError } from '../errors';
import type { OrderInfo } from '../open-api/order-client';
import { encryptCredential } from '../protocol/credential-cipher';
import { parseKooTime } from '../protocol/v2-requests';
import type { AppInfo, Provisioner } from '../provisioner/provisioner';
import {
  type Entitlement,
  type InstanceRecord,
  NAMESPACE,
  type Namespace,
  STATUS,
} from '../store/instance-store';
import { type ScenarioContext, type ScenarioResult, success } from './scenario';

/** Optimistic writes retry this often before answering `000004` (KooGallery will retry). */
const MAX_WRITE_ATTEMPTS = 6;

/** The namespace a call lives in. */
export function namespaceOf(test: boolean): Namespace {
  return test ? NAMESPACE.TEST : NAMESPACE.REAL;
}

/** The provisioner a call may reach: test calls never reach the seller's real one. */
export function provisionerFor(ctx: ScenarioContext, test: boolean): Provisioner {
  return test ? ctx.deps.testProvisioner : ctx.deps.provisioner;
}

/** The key under which an order is remembered in `appliedOrders`. */
export function orderKey(orderId: string, orderLineId?: string): string {
  return `${orderId}/${orderLineId ?? ''}`;
}

/** What a decision over the current record asks for. */
export type Decision =
  | { kind: 'answer'; result: ScenarioResult }
  | { kind: 'write'; next: InstanceRecord; result: ScenarioResult };

/**
 * Reads an instance, lets `decide` choose an answer or a new state, and writes the new state
 * conditioned on the version it read; on a concurrent change it reads again and decides again.
 * `decide` may call the provisioner: its methods are idempotent, so deciding twice is safe.
 */
export async function changeInstance(
  ctx: ScenarioContext,
  namespace: Namespace,
  instanceId: string,
  decide: (current: InstanceRecord | undefined) => Promise<Decision>,
): Promise<ScenarioResult> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const current = await ctx.deps.store.getInstance(namespace, instanceId);
    const decision = await decide(current);
    if (decision.kind === 'answer') return decision.result;
    if ((await ctx.deps.store.updateInstance(decision.next)) === 'written') return decision.result;
  }
  throw new InProgressError('the instance is changing concurrently, retry later');
}

/** The next version of a record with some fields changed. */
export function nextVersion(
  ctx: ScenarioContext,
  current: InstanceRecord,
  changes: Partial<InstanceRecord>,
): InstanceRecord {
  return { ...current, ...changes, version: current.version + 1, updatedAt: ctx.deps.clock.now() };
}

/**
 * What a call about an instance that is missing, released or still provisioning answers, or
 * undefined when the instance is live. Test calls always succeed (docs/protocol.md, decision 8); a real call for an
 * instance that never existed is `000003` (docs/protocol.md, decision 9).
 */
export function unavailableAnswer(
  current: InstanceRecord | undefined,
  test: boolean,
  releasedAnswer: ScenarioResult | 'not-found' = 'not-found',
): Decision | undefined {
  if (current === undefined) {
    if (test) return { kind: 'answer', result: success() };
    throw new InstanceNotFoundError();
  }
  if (current.status === STATUS.RELEASED) {
    if (test) return { kind: 'answer', result: success() };
    if (releasedAnswer === 'not-found') {
      throw new InstanceNotFoundError('instance was released');
    }
    return { kind: 'answer', result: releasedAnswer };
  }
  if (current.status === STATUS.PROVISIONING) {
    if (test) return { kind: 'answer', result: success() };
    throw new InProgressError('instance is still being provisioned, retry later');
  }
  return undefined;
}

/**
 * Reads an order from Query Order. For test calls an unreadable order falls back to a synthesized
 * monthly order, so a probe never fails because KooGallery's own API hiccuped.
 */
export async function readOrder(
  ctx: ScenarioContext,
  orderId: string,
  orderLineId: string,
  test: boolean,
): Promise<OrderInfo> {
  try {
    return await ctx.deps.orders.queryOrder(orderId, orderLineId);
  } catch (err) {
    if (!test || !(err instanceof OrderUnavailableError)) throw err;
    ctx.deps.log.warn('order unreadable for a test call; using a synthesized order', {
      orderId,
      reason: err.message,
    });
    return {
      orderId,
      orderType: 'NEW',
      orderLine: [
        {
          orderLineId,
          chargingMode: 'PERIOD',
          periodType: 'month',
          periodNumber: 1,
          productInfo: [],
        },
      ],
    };
  }
}

/** The entitlement and expiry an order grants on one of its lines. */
export function entitlementOf(
  order: OrderInfo,
  orderLineId: string,
): { entitlement: Entitlement; expireTime?: number } {
  const line = order.orderLine.find((l) => l.orderLineId === orderLineId) ?? order.orderLine[0];
  const product = line?.productInfo[0];
  const entitlement: Entitlement = {};
  if (product?.productId) entitlement.productId = product.productId;
  if (product?.skuCode) entitlement.skuCode = product.skuCode;
  if (product?.linearValue !== undefined) entitlement.linearValue = product.linearValue;
  if (line?.chargingMode) entitlement.chargingMode = line.chargingMode;
  if (line?.periodType) entitlement.periodType = line.periodType;
  if (line?.periodNumber !== undefined) entitlement.periodNumber = line.periodNumber;
  const customerId = order.buyerInfo?.customerId;
  if (customerId) entitlement.customerId = customerId;
  const expireTime = line?.expireTime ? parseKooTime(line.expireTime) : undefined;
  return { entitlement, expireTime };
}

/**
 * The `appInfo` sent to KooGallery: user name and password encrypted with the access key that
 * verified the request (docs/protocol.md#credential-encryption), unless the plain-text setting is on.
 */
export function wireAppInfo(ctx: ScenarioContext, info: AppInfo): Record<string, string> {
  const out: Record<string, string> = { frontEndUrl: info.frontEndUrl };
  if (info.adminUrl) out.adminUrl = info.adminUrl;
  const { credentialsPlaintext, encryptType } = ctx.deps.config;
  const protect = (v: string): string =>
    credentialsPlaintext ? v : encryptCredential(v, ctx.accessKey, encryptType);
  if (info.userName) out.userName = protect(info.userName);
  if (info.password) out.password = protect(info.password);
  if (info.memo) out.memo = info.memo;
  return out;
}

/** The top-level fields that go with {@link wireAppInfo}. */
export function encryptionFields(ctx: ScenarioContext): Record<string, string> {
  return ctx.deps.config.credentialsPlaintext ? {} : { encryptType: ctx.deps.config.encryptType };
}
