/** One product line of an order, as Query Order returns it (docs/protocol.md#query-order). */
export interface OrderProduct {
  productId?: string;
  skuCode?: string;
  linearValue?: number;
  productName?: string;
}

/** One order line (docs/protocol.md#query-order, `orderLine`). */
export interface OrderLine {
  orderLineId: string;
  chargingMode?: string;
  periodType?: string;
  periodNumber?: number;
  /** Expiry, epoch ms (parsed from KooGallery's UTC `yyyyMMddHHmmss`), when present and a real date. */
  expireTime?: number;
  productInfo: OrderProduct[];
}

/** The order as read from KooGallery's Query Order API (docs/protocol.md#query-order, `orderInfo`). */
export interface OrderInfo {
  orderId: string;
  orderType?: string;
  /** When KooGallery created the order, as sent (UTC `yyyyMMddHHmmss`). */
  createTime?: string;
  /**
   * {@link createTime} as epoch ms, when present and a real date: expiry and specification changes
   * are ordered by it (the latest-created order's expiry is the truth).
   */
  createdAt?: number;
  orderLine: OrderLine[];
  buyerInfo?: Record<string, string>;
  extendParams?: { name: string; value: string }[];
}

/**
 * Reads orders from KooGallery. Throws `OrderUnavailableError` when the order cannot be read in
 * time (after bounded retries) or the answer is not a usable order.
 */
export interface OrderClient {
  queryOrder(orderId: string, orderLineId?: string): Promise<OrderInfo>;
}
