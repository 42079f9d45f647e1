import type { Entitlement, InstanceRecord } from '../store/instance-store';

/** What the buyer needs to use the service: returned (encrypted) by `queryInstance`. */
export interface AppInfo {
  frontEndUrl: string;
  adminUrl?: string;
  userName?: string;
  password?: string;
  /** Free text; non-ASCII is escaped on the wire. */
  memo?: string;
}

/** The purchase being provisioned. */
export interface ProvisionRequest {
  instanceId: string;
  /** True for KooGallery's debug and probe calls: never create a real tenant for these. */
  test: boolean;
  orderId: string;
  orderLineId: string;
  entitlement: Entitlement;
  expireTime?: number;
}

/**
 * What a renewal is, in KooGallery's own names (sellers know them from the marketplace): a
 * renewal, a trial turned paid, a renewal cancelled (退续费, the expiry may move back) or a renewal
 * with a change of specification.
 */
export const RENEWAL_SCENES = {
  TRIAL_TO_FORMAL: 'TRIAL_TO_FORMAL',
  RENEWAL: 'RENEWAL',
  UNSUBSCRIBE_RENEWAL_PERIOD: 'UNSUBSCRIBE_RENEWAL_PERIOD',
  RENEWAL_CHANGE: 'RENEWAL_CHANGE',
} as const;
/** One of {@link RENEWAL_SCENES}. */
export type RenewalScene = (typeof RENEWAL_SCENES)[keyof typeof RENEWAL_SCENES];

/** A renewal, trial conversion or renewal cancellation. */
export interface RenewRequest {
  instance: InstanceRecord;
  orderId: string;
  scene: RenewalScene;
  /** The new expiry, epoch milliseconds. */
  expireTime: number;
  /** The new product, for a renewal with a change of specification (`RENEWAL_CHANGE`). */
  productId?: string;
}

/** A paid upgrade with its new entitlement. */
export interface UpgradeRequest {
  instance: InstanceRecord;
  orderId: string;
  entitlement: Entitlement;
}

/** The product a buyer wants to change to at the next renewal. */
export interface ChangeRequest {
  instance: InstanceRecord;
  productId: string;
  skuCode: string;
  productName: string;
  linearValue?: number;
}

/** Whether a change can go ahead; a refusal carries the code and message to answer. */
export type ChangeVerdict =
  | { allowed: true }
  | { allowed: false; resultCode: string; message: string };

/**
 * The seller's side of each scenario. Every method must be idempotent for its instance (and order):
 * KooGallery retries, and a crash after the method returned but before the state was saved makes
 * the next retry call it again. A method that cannot do its job throws; a business refusal
 * (sold out, e-mail in use…) throws `ProvisioningRefusedError` with the code to answer.
 *
 * @example
 * const provisioner: Provisioner = {
 *   async provision(req) { const t = await myTenants.ensure(req.instanceId); return { frontEndUrl: t.url }; },
 *   async renew() {}, async freeze(i) { await myTenants.suspend(i.instanceId); },
 *   async unfreeze(i) { await myTenants.resume(i.instanceId); }, async release(i) { await myTenants.delete(i.instanceId); },
 *   async upgrade() {}, async checkChange() { return { allowed: true }; },
 * };
 */
export interface Provisioner {
  /** Creates (or finds) the tenant for a purchase and returns how the buyer reaches it. */
  provision(request: ProvisionRequest): Promise<AppInfo>;
  /** Applies a new expiry. */
  renew(request: RenewRequest): Promise<void>;
  /** Suspends access, keeping the data (expiry or violation). */
  freeze(instance: InstanceRecord): Promise<void>;
  /** Restores access after a renewal or clearance. */
  unfreeze(instance: InstanceRecord): Promise<void>;
  /** Deletes the tenant and its data. */
  release(instance: InstanceRecord): Promise<void>;
  /** Applies a new specification. */
  upgrade(request: UpgradeRequest): Promise<void>;
  /** Says whether a renewal with a change of specification is possible. */
  checkChange(request: ChangeRequest): Promise<ChangeVerdict>;
}
