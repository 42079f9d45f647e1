/**
 * What the front ends ask of the scenarios, whatever protocol carried the request: times are epoch
 * milliseconds, choices are booleans or the domain's own names, and nothing here is a wire string
 * or a wire time format. Every command names `test` (`testFlag` "1": KooGallery's debug and probe
 * calls, kept in their own namespace and served by the test provisioner and issuer).
 */
import type { BuyerContact, ExtendParam, RenewalScene } from '../provisioner/provisioner';
import type { Entitlement } from '../store/instance-store';
import type { CreationTime } from './orders';

export type {
  AppInfo,
  BuyerContact,
  ExtendParam,
  RenewalScene,
} from '../provisioner/provisioner';
export { RENEWAL_SCENES } from '../provisioner/provisioner';
export type { Entitlement } from '../store/instance-store';
export { CREATION_TIME, type CreationTime } from './orders';

/** Which protocol created an instance: kept on the record for logs and migrations. */
export const ORIGINS = {
  SAAS_V2: 'v2',
  SAAS_V1: 'v1',
  LICENSE_V1: 'license-v1',
  LICENSE_V2: 'license-v2',
} as const;
/** One of {@link ORIGINS}. */
export type Origin = (typeof ORIGINS)[keyof typeof ORIGINS];

/** The order a purchase request carries itself (SaaS V1.0, License 1.0): Query Order is never read. */
export interface CarriedOrder {
  entitlement: Entitlement;
  /** The paid period's end, epoch ms, when the order has one. */
  expireTime?: number;
  /** The buyer's contact details, decrypted (personal data: handed to the provisioner only). */
  contact?: BuyerContact;
  /** The buyer-entered parameters, decoded. */
  extendParams?: ExtendParam[];
}

/** A purchase: one instance per order line, forever (new-instance.ts). */
export interface PurchaseCommand {
  test: boolean;
  orderId: string;
  orderLineId: string;
  origin: Origin;
  /** The order, when the request carries it; otherwise Query Order is read. */
  order?: CarriedOrder;
  /**
   * Answer the delivery info along with the instance id (SaaS V1.0, which has no poll); otherwise
   * the buyer's delivery info is read later with a query.
   */
  withDelivery: boolean;
}

/** A License 1.0 purchase: one record and one license per order (issue-license.ts). */
export interface LicenseIssueCommand {
  test: boolean;
  orderId: string;
  orderLineId: string;
  order: CarriedOrder;
  /** The buyer's machine code, when the buyer entered one. */
  machineCode?: string;
}

/** A renewal, trial conversion or renewal cancellation (refresh-instance.ts). */
export interface RenewCommand {
  test: boolean;
  instanceId: string;
  orderId: string;
  orderLineId?: string;
  scene: RenewalScene;
  /** The new expiry, epoch ms. */
  expireTime: number;
  /** The product after the renewal, when it changes. */
  productId?: string;
  /**
   * Unfreeze an instance frozen by an expiry once the renewal puts its expiry ahead of now: the
   * 1.0 protocols send no separate unfreeze after a late renewal.
   */
  restoreAccess: boolean;
  /**
   * How the order's creation time, which orders expiry changes, is read from Query Order:
   * `required` (SaaS V2.0, License 2.0) or `if-readable` (the 1.0 protocols).
   */
  creationTime: CreationTime;
}

/** An expiry: freeze, unless renewed beyond now since (expire-instance.ts). */
export interface ExpireCommand {
  test: boolean;
  instanceId: string;
}

/** A freeze or an unfreeze (update-instance-status.ts). */
export interface StatusCommand {
  test: boolean;
  instanceId: string;
  /** True to freeze, false to unfreeze. */
  freeze: boolean;
}

/** A release (release-instance.ts). */
export interface ReleaseCommand {
  test: boolean;
  instanceId: string;
  orderId?: string;
  orderLineId?: string;
}

/** A paid upgrade (upgrade-instance.ts). */
export interface UpgradeCommand {
  test: boolean;
  instanceId: string;
  orderId: string;
  orderLineId?: string;
  /** The new specification, when the request carries it (SaaS V1.0); otherwise Query Order is read. */
  entitlement?: Entitlement;
  /** How the order's creation time, which orders specification changes, is read (see RenewCommand). */
  creationTime: CreationTime;
}

/** Whether a renewal may change the specification (change-instance-check.ts). */
export interface ChangeCheckCommand {
  test: boolean;
  instanceId: string;
  productId: string;
  skuCode: string;
  productName: string;
  linearValue?: number;
}

/** The delivery info of up to 100 instances (query-instance.ts). */
export interface QueryCommand {
  test: boolean;
  instanceIds: readonly string[];
}

/** The change a License 2.0 notification asks for a license code. */
export type LicenseCodeChange =
  | {
      kind: 'renew';
      orderId: string;
      orderLineId: string;
      scene: RenewalScene;
      expireTime: number;
    }
  | { kind: 'status'; freeze: boolean }
  | { kind: 'release'; orderId?: string; orderLineId?: string };

/**
 * A License 2.0 notification about one license code (license-code.ts): the first one about a code
 * is also how the seller learns of it.
 */
export interface LicenseCodeCommand {
  test: boolean;
  /** The code KooGallery created; the record's id is derived from it, so logs never show it. */
  licenseCode: string;
  productId?: string;
  change: LicenseCodeChange;
}
