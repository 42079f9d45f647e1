import { OrderUnavailableError } from '../errors';
import type { OrderInfo } from '../open-api/order-client';
import type { BuyerContact, ExtendParam } from '../provisioner/provisioner';
import type { Entitlement } from '../store/instance-store';
import type { ScenarioContext, ScenarioResult } from './scenario';

/**
 * Reads an order from Query Order. For test calls an unreadable order falls back to a synthesized
 * monthly order (with no creation time), so a probe never fails because KooGallery's own API
 * hiccuped. Without `orderLineId` (a V1.0 order, which has no lines) the order's first line counts.
 */
export async function readOrder(
  ctx: ScenarioContext<'orders'>,
  orderId: string,
  orderLineId: string | undefined,
  test: boolean,
): Promise<OrderInfo> {
  try {
    return await ctx.ports.orders.queryOrder(orderId, orderLineId);
  } catch (err) {
    if (!test || !(err instanceof OrderUnavailableError)) throw err;
    ctx.log.warn('order unreadable for a test call; using a synthesized order', {
      orderId,
      reason: err.message,
    });
    return {
      orderId,
      orderType: 'NEW',
      orderLine: [
        {
          orderLineId: orderLineId ?? `${orderId}-000001`,
          chargingMode: 'PERIOD',
          periodType: 'month',
          periodNumber: 1,
          productInfo: [],
        },
      ],
    };
  }
}

/** The order line a change is about: the one named, else the first. */
function lineOf(order: OrderInfo, orderLineId: string | undefined) {
  return order.orderLine.find((l) => l.orderLineId === orderLineId) ?? order.orderLine[0];
}

/**
 * The specification an order sets on one of its lines: product, SKU, quantity (linear value),
 * charging mode and period. What an upgrade or a `RENEWAL_CHANGE` applies.
 */
export function specificationOf(order: OrderInfo, orderLineId: string | undefined): Entitlement {
  const line = lineOf(order, orderLineId);
  const product = line?.productInfo[0];
  const spec: Entitlement = {};
  if (product?.productId) spec.productId = product.productId;
  if (product?.productName) spec.productName = product.productName;
  if (product?.skuCode) spec.skuCode = product.skuCode;
  if (product?.linearValue !== undefined) spec.linearValue = product.linearValue;
  if (line?.chargingMode) spec.chargingMode = line.chargingMode;
  if (line?.periodType) spec.periodType = line.periodType;
  if (line?.periodNumber !== undefined) spec.periodNumber = line.periodNumber;
  return spec;
}

/** Every fact of a purchase order the provisioner receives. */
export interface PurchaseFacts {
  /** The specification, the buyer (id, name), order type and trial flag. */
  entitlement: Entitlement;
  /** The paid period's end, epoch ms. */
  expireTime?: number;
  /** When KooGallery created the order, epoch ms. */
  createdAt?: number;
  contact?: BuyerContact;
  extendParams?: ExtendParam[];
}

/** Query Order's `buyerInfo` names that say how to reach the buyer. */
const CONTACT_FIELDS = ['userId', 'userName', 'mobilePhone', 'email'] as const;

/** The facts a purchase order gives for one of its lines. */
export function purchaseFactsOf(order: OrderInfo, orderLineId: string | undefined): PurchaseFacts {
  const entitlement = specificationOf(order, orderLineId);
  const buyer = order.buyerInfo ?? {};
  if (buyer.customerId) entitlement.customerId = buyer.customerId;
  if (buyer.customerName) entitlement.customerName = buyer.customerName;
  if (order.orderType) {
    entitlement.orderType = order.orderType;
    entitlement.trial = order.orderType === 'TRIAL';
  }
  const contact: BuyerContact = {};
  for (const name of CONTACT_FIELDS) if (buyer[name]) contact[name] = buyer[name];
  const facts: PurchaseFacts = { entitlement };
  const expireTime = lineOf(order, orderLineId)?.expireTime;
  if (expireTime !== undefined) facts.expireTime = expireTime;
  if (order.createdAt !== undefined) facts.createdAt = order.createdAt;
  if (Object.keys(contact).length > 0) facts.contact = contact;
  if (order.extendParams && order.extendParams.length > 0) facts.extendParams = order.extendParams;
  return facts;
}

/** The reason answered with `000004` while Query Order cannot read a call's order (KooGallery retries). */
export const ORDER_UNREADABLE_MESSAGE = 'order details are not readable yet, retry later';

/** The answer of a change whose order Query Order cannot read yet. */
export function orderUnreadable(): ScenarioResult {
  return { resultCode: '000004', resultMsg: ORDER_UNREADABLE_MESSAGE };
}

/** How a change needs its order's creation time. */
export const CREATION_TIME = {
  /** Read Query Order; a real call whose order cannot be read answers `000004` (SaaS V2.0, License 2.0). */
  REQUIRED: 'required',
  /**
   * Read Query Order when it answers; otherwise the change is applied by the fallback rule and a
   * warning says why (the 1.0 protocols, whose requests carry the order themselves).
   */
  IF_READABLE: 'if-readable',
} as const;
/** One of {@link CREATION_TIME}. */
export type CreationTime = (typeof CREATION_TIME)[keyof typeof CREATION_TIME];

/** What a change learns from its order: creation time, and the specification it sets. */
export interface ChangeFacts {
  createdAt?: number;
  specification?: Entitlement;
}

/**
 * Starts reading the facts of a change's order (a read with no effect, started alongside the
 * replay token and the instance read). A rejection is left for the caller to await.
 */
export function readChangeFacts(
  ctx: ScenarioContext<'orders'>,
  c: { test: boolean; orderId: string; orderLineId?: string; creationTime: CreationTime },
): Promise<ChangeFacts> {
  const facts = (async (): Promise<ChangeFacts> => {
    try {
      const order = await readOrder(ctx, c.orderId, c.orderLineId, c.test);
      return {
        createdAt: order.createdAt,
        specification: specificationOf(order, c.orderLineId),
      };
    } catch (error) {
      if (c.creationTime === CREATION_TIME.REQUIRED || !(error instanceof OrderUnavailableError)) {
        throw error;
      }
      ctx.log.warn('order creation time unavailable; change ordered by the fallback rule', {
        orderId: c.orderId,
        reason: error.message,
      });
      return {};
    }
  })();
  facts.catch(() => undefined);
  return facts;
}
