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

/**
 * How to reach the buyer, when the order says: V1.0 sends these with every purchase (`mobilePhone`
 * and `email` decrypted with the V1.0 key), Query Order may carry them in `buyerInfo`. Personal
 * data: passed to the provisioner, never stored on the instance and never logged.
 */
export interface BuyerContact {
  userId?: string;
  userName?: string;
  mobilePhone?: string;
  email?: string;
}

/** One buyer-entered parameter of the order (Query Order `extendParams`, V1.0 `saasExtendParams`). */
export interface ExtendParam {
  name: string;
  value: string;
}

/** The purchase being provisioned, with every fact the order gives. */
export interface ProvisionRequest {
  instanceId: string;
  /** True for KooGallery's debug and probe calls: never create a real tenant for these. */
  test: boolean;
  orderId: string;
  orderLineId: string;
  /** Product, SKU, period, quantity, charging mode, order type and trial flag, buyer id and name. */
  entitlement: Entitlement;
  expireTime?: number;
  /** When KooGallery created the order, epoch ms, when known. */
  orderCreatedAt?: number;
  /** The buyer's contact details, when the order carries them (personal data: never logged). */
  contact?: BuyerContact;
  /** The buyer-entered parameters, decoded (personal data possible: never logged). */
  extendParams?: ExtendParam[];
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

/** A renewal, trial conversion, renewal cancellation or renewal with a change of specification. */
export interface RenewRequest {
  instance: InstanceRecord;
  orderId: string;
  orderLineId?: string;
  scene: RenewalScene;
  /**
   * The instance's expiry after this order, epoch milliseconds: the order's own, or the current one
   * when a later-created order already decided it.
   */
  expireTime: number;
  /**
   * The specification after this order: for `RENEWAL_CHANGE` the new one read from Query Order
   * (applied once, here: no separate upgrade call), otherwise the instance's own.
   */
  entitlement: Entitlement;
  /** When KooGallery created the order, epoch ms, when known. */
  orderCreatedAt?: number;
  /** The new product when the request names one (a change of period type, `RENEWAL_CHANGE`). */
  productId?: string;
}

/** A paid upgrade with its new entitlement. */
export interface UpgradeRequest {
  instance: InstanceRecord;
  orderId: string;
  orderLineId?: string;
  entitlement: Entitlement;
  /** When KooGallery created the order, epoch ms, when known. */
  orderCreatedAt?: number;
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
  | {
      allowed: false;
      resultCode: string;
      /** The seller's reason, for the call's log line only (#14). */
      message: string;
      /** A reason written for KooGallery, answered as given (the webhook's refusal, #12); without it the answer carries a fixed reason. */
      resultMsg?: string;
    };

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
  /** Applies a new expiry (and, for `RENEWAL_CHANGE`, the new specification). */
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
