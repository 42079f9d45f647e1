/**
 * The state of every instance lives in one item, changed only by guarded single-item writes
 * (no transactions: GeminiDB's DynamoDB API and dynalite have none).
 *
 * ```
 *                 newInstance (claim)
 *   (none) ─────────────────────────────► PROVISIONING ──(order read, provisioner done)──► ACTIVE
 *                                           │    ▲                                        │   ▲
 *                                 lease expires / order or provisioner failed             │   │
 *                                           └────┘ (next retry or queryInstance reclaims) │   │
 *                                                                      FREEZE / UNFREEZE  ▼   │
 *                                                                                       FROZEN
 *   ACTIVE, FROZEN, PROVISIONING ──releaseInstance──► RELEASED (tombstone, kept forever)
 * ```
 *
 * What an instance stores stays bounded however many orders it sees: `appliedOrders` keeps only the
 * most recent order keys, and `watermarks` the latest-created order applied per kind of change
 * (expiry, specification). A replay of a recent order is recognised by its key; a replay of an older
 * one by its creation time (older than the watermark: a later order already decided), so it is
 * answered without a change either way.
 */
export const STATUS = {
  PROVISIONING: 'PROVISIONING',
  ACTIVE: 'ACTIVE',
  FROZEN: 'FROZEN',
  RELEASED: 'RELEASED',
} as const;
/** One instance status. */
export type Status = (typeof STATUS)[keyof typeof STATUS];

/** Real purchases and KooGallery's debug/probe calls (`testFlag` "1") never share an item. */
export const NAMESPACE = { REAL: 'real', TEST: 'test' } as const;
/** One namespace. */
export type Namespace = (typeof NAMESPACE)[keyof typeof NAMESPACE];

/**
 * What the buyer was sold and who bought it, as read from Query Order (or from a V1.0 request).
 * Every field is KooGallery's own name, so a provisioner (or a webhook forwarding them by name) can
 * rely on it.
 */
export interface Entitlement {
  productId?: string;
  /** The product's name as the order gives it. */
  productName?: string;
  skuCode?: string;
  /** `PERIOD`, `ON_DEMAND`, `ONE_TIME`, `ON_DEMAND_PKG`. */
  chargingMode?: string;
  /** `day`, `month`, `year`… */
  periodType?: string;
  periodNumber?: number;
  /** The quantity of a linear attribute (users, GB…): Query Order's `linearValue`, V1.0 `amount`. */
  linearValue?: number;
  customerId?: string;
  customerName?: string;
  /** Query Order's `orderType` of the purchase: `NEW`, `TRIAL`… (V1.0: `TRIAL` or `NEW`). */
  orderType?: string;
  /** True for a trial (Query Order `orderType` `TRIAL`, V1.0 `trialFlag` "1"). */
  trial?: boolean;
}

/** An applied order, placed in time by its creation (Query Order's `createTime`). */
export interface OrderMark {
  /** The order's creation time, epoch ms. */
  createdAt: number;
  /** `orderId/orderLineId`. */
  key: string;
}

/** The latest-created order applied per kind of change (see `lib/scenarios/order-sequence.ts`). */
export interface Watermarks {
  /** The order whose expiry the instance holds. */
  expiry?: OrderMark;
  /** The order whose specification the instance holds. */
  specification?: OrderMark;
}

/** A provisioning claim: whoever holds an unexpired lease is the one provisioning. */
export interface Lease {
  token: string;
  /** Epoch milliseconds after which another call may take the claim over. */
  until: number;
}

/** One instance as stored. */
export interface InstanceRecord {
  namespace: Namespace;
  instanceId: string;
  status: Status;
  /** Incremented by every write; each update is conditional on the version it read. */
  version: number;
  /** The purchase order that created the instance. */
  orderId: string;
  orderLineId: string;
  /** The protocol family that created it (`v2`, `v1`, `license`…), for logs and migrations. */
  protocol: string;
  entitlement: Entitlement;
  /** Expiry as epoch milliseconds, when the product has one. */
  expireTime?: number;
  /**
   * `orderId/orderLineId` of the most recent orders applied to this instance (purchase first), at
   * most `MAX_RECENT_ORDERS` (lib/scenarios/order-sequence.ts): older ones are recognised by
   * `watermarks`.
   */
  appliedOrders: string[];
  /** The latest-created order applied per kind of change, when its creation time is known. */
  watermarks?: Watermarks;
  /** Present while status is PROVISIONING. */
  lease?: Lease;
  /** The delivery info sealed at rest (see `lib/credentials-vault.ts`); absent until provisioned. */
  sealedAppInfo?: string;
  /** The signed request timestamp of the last status change, to ignore stale FREEZE/UNFREEZE. */
  statusChangedAt?: number;
  /**
   * The last failure while provisioning, or of a later step's provisioner call (renew, upgrade,
   * freeze, unfreeze, release), for operators (never a secret); the next successful write clears it.
   */
  lastError?: string;
  /**
   * True when the purchase request carried the order (SaaS V1.0, License 1.0): `entitlement` and
   * `expireTime` came from it, and provisioning never reads Query Order.
   */
  orderFromRequest?: boolean;
  /** Plug-in specific data (for example an issued license), opaque to the core. */
  extra?: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

/** The answer of a guarded write whose condition did not hold. */
export type WriteOutcome = 'written' | 'conflict';

/**
 * The port the scenarios use. Implementations: the dynamoose adapter (DynamoDB, GeminiDB, dynalite)
 * and an in-memory fake for unit tests; both pass `tests/contract/instance-store.contract.ts`.
 * Errors other than a failed condition surface as `StoreUnavailableError`.
 */
export interface InstanceStore {
  /** Reads one instance (strongly consistent), or undefined. */
  getInstance(namespace: Namespace, instanceId: string): Promise<InstanceRecord | undefined>;
  /** Reads many instances (strongly consistent, at most 100); missing ones are left out. */
  getInstances(namespace: Namespace, instanceIds: readonly string[]): Promise<InstanceRecord[]>;
  /**
   * Creates an instance. Condition: no item with this key exists (`attribute_not_exists(pk)`).
   * The record's version must be 1.
   */
  createInstance(record: InstanceRecord): Promise<WriteOutcome>;
  /**
   * Replaces an instance with `next`. Condition: the stored version equals `next.version - 1`
   * (`version = :expected`), so a concurrent change makes this answer `conflict`.
   */
  updateInstance(next: InstanceRecord): Promise<WriteOutcome>;
  /**
   * Records a request nonce for replay protection. Condition: this nonce was never recorded
   * (`attribute_not_exists(pk)`), or was recorded by this same call (an adapter whose client
   * retries a timed-out write must not report its own first attempt as a replay). The item carries
   * a TTL attribute `expiresAt` (epoch seconds).
   * Answers `written` for a fresh nonce and `conflict` for a replay.
   */
  recordNonce(family: string, nonce: string, expiresAtMs: number): Promise<WriteOutcome>;
  /**
   * One page of instance records in no particular order (a Scan, eventually consistent), for
   * operator tools such as `npm run credentials:reseal`; never on a call's path. Pass the answer's
   * `cursor` to read the next page; no `cursor` means the last page was read.
   */
  listInstances(page?: { cursor?: string; limit?: number }): Promise<InstancePage>;
}

/** One page of {@link InstanceStore.listInstances}. */
export interface InstancePage {
  records: InstanceRecord[];
  /** Where the next page starts; absent after the last one. */
  cursor?: string;
}
