import { NAMESPACE, type Namespace } from '../store/instance-store';

/** The namespace a call lives in: test calls never share a record with real ones. */
export function namespaceOf(test: boolean): Namespace {
  return test ? NAMESPACE.TEST : NAMESPACE.REAL;
}

/** The key under which an order is remembered in `appliedOrders`. */
export function orderKey(orderId: string, orderLineId?: string): string {
  return `${orderId}/${orderLineId ?? ''}`;
}
