import { OrderUnavailableError } from '../errors';
import type { OrderInfo } from '../open-api/order-client';
import type { Entitlement } from '../store/instance-store';
import type { ScenarioContext } from './scenario';

/**
 * Reads an order from Query Order. For test calls an unreadable order falls back to a synthesized
 * monthly order, so a probe never fails because KooGallery's own API hiccuped.
 */
export async function readOrder(
  ctx: ScenarioContext<'orders'>,
  orderId: string,
  orderLineId: string,
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

/** The entitlement and expiry (epoch ms) an order grants on one of its lines. */
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
  return { entitlement, expireTime: line?.expireTime };
}
