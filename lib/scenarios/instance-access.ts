import {
  describeError,
  InProgressError,
  InstanceNotFoundError,
  OrderUnavailableError,
  SealedValueError,
} from '../errors';
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

/**
 * The next version of a record with some fields changed. Delivery info sealed under a previous
 * at-rest key rides along re-sealed under the current one, so every write migrates it (#14).
 */
export function nextVersion(
  ctx: ScenarioContext,
  current: InstanceRecord,
  changes: Partial<InstanceRecord>,
): InstanceRecord {
  const resealed = 'sealedAppInfo' in changes ? undefined : resealedAppInfo(ctx, current);
  return {
    ...current,
    ...changes,
    ...(resealed === undefined ? {} : { sealedAppInfo: resealed }),
    version: current.version + 1,
    updatedAt: ctx.deps.clock.now(),
  };
}

/** The record's delivery info sealed under the current key, when it is sealed under another. */
function resealedAppInfo(ctx: ScenarioContext, record: InstanceRecord): string | undefined {
  const sealed = record.sealedAppInfo;
  if (!sealed || !ctx.deps.vault.needsReseal(sealed)) return undefined;
  try {
    return ctx.deps.vault.seal(ctx.deps.vault.open(sealed));
  } catch {
    // Unopenable: kept as is; the read that needs it logs what to restore.
    return undefined;
  }
}

/** How {@link resealAppInfo} left an instance's delivery info. */
export type ResealOutcome =
  /** Already sealed under the current key, or nothing sealed. */
  | 'current'
  | 'resealed'
  /** Changed concurrently: that write re-sealed it (`nextVersion`), or the next read will. */
  | 'changed'
  /** The store refused the write; the next read or write retries. */
  | 'failed';

/** Writes `info` back sealed under the current key, conditioned on the version read. */
async function writeResealed(
  ctx: ScenarioContext,
  record: InstanceRecord,
  info: AppInfo,
): Promise<Exclude<ResealOutcome, 'current'>> {
  const next = nextVersion(ctx, record, { sealedAppInfo: ctx.deps.vault.seal(info) });
  try {
    const outcome = await ctx.deps.store.updateInstance(next);
    ctx.deps.log.info('credentials re-sealed under the current at-rest key', {
      instanceId: record.instanceId,
      outcome,
    });
    return outcome === 'written' ? 'resealed' : 'changed';
  } catch (error) {
    ctx.deps.log.warn('credentials not re-sealed (the next read or write retries)', {
      instanceId: record.instanceId,
      ...describeError(error),
    });
    return 'failed';
  }
}

/**
 * Re-seals an instance's delivery info under the current at-rest key when it is sealed under
 * another (a write conditioned on the version read), for `npm run credentials:reseal`. Throws
 * {@link SealedValueError} when no configured key opens it.
 */
export async function resealAppInfo(
  ctx: ScenarioContext,
  record: InstanceRecord,
): Promise<ResealOutcome> {
  const sealed = record.sealedAppInfo;
  if (!sealed || !ctx.deps.vault.needsReseal(sealed)) return 'current';
  return writeResealed(ctx, record, ctx.deps.vault.open(sealed));
}

/**
 * Opens an instance's sealed delivery info (undefined when it has none). A value sealed under a
 * previous at-rest key is written back under the current key at once, conditioned on the version
 * read: a read may be the only event an instance sees before the previous key is dropped (a
 * probe's test instances, a buyer who never renews). A lost race or a store failure leaves that to
 * the next read or write (both re-seal), and the call still answers. A value no configured key
 * opens throws {@link SealedValueError}, whose message names the setting to restore; for a test
 * instance it is logged and undefined is returned, so the caller synthesizes test delivery info and
 * a probe keeps answering `000000`.
 */
export async function openAppInfo(
  ctx: ScenarioContext,
  record: InstanceRecord,
): Promise<AppInfo | undefined> {
  const sealed = record.sealedAppInfo;
  if (!sealed) return undefined;
  let info: AppInfo;
  try {
    info = ctx.deps.vault.open(sealed);
  } catch (error) {
    if (!(error instanceof SealedValueError) || record.namespace !== NAMESPACE.TEST) throw error;
    ctx.deps.log.error('test instance credentials cannot be opened; answering synthesized ones', {
      instanceId: record.instanceId,
      ...describeError(error),
    });
    return undefined;
  }
  if (ctx.deps.vault.needsReseal(sealed)) await writeResealed(ctx, record, info);
  return info;
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
