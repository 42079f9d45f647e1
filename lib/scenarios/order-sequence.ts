import type { InstanceRecord, OrderMark } from '../store/instance-store';

/**
 * Orders the changes KooGallery sends by when it created each order, not by when they arrive.
 *
 * KooGallery computes an order's expiry (and specification) when it creates the order, so the
 * latest-created order is the truth: a renewal delivered late must not undo a cancellation created
 * after it, and a cancellation delivered late must not undo a renewal created after it. Each kind of
 * change keeps a watermark, the latest-created order applied (`InstanceRecord.watermarks`), and an
 * order is placed against it:
 *
 * | placement   | when                                                   | the change          |
 * | ----------- | ------------------------------------------------------ | ------------------- |
 * | `same`      | it is the watermark's order                            | already applied     |
 * | `newer`     | created after the watermark (or there is none)         | applied as it is    |
 * | `older`     | created before the watermark                           | a later order decided: nothing changes |
 * | `unordered` | its creation time is unknown, or equals the watermark's for another order | the fallback rule of the caller |
 *
 * The same placement recognises a replay of an order too old to be among the recent keys kept in
 * `appliedOrders`, which is what lets the record stay bounded ({@link MAX_RECENT_ORDERS}).
 */

/** How many recent order keys an instance keeps in `appliedOrders` (bounded whatever it lives through). */
export const MAX_RECENT_ORDERS = 16;

/** Where an order stands against a watermark: see the module's table. */
export type Placement = 'same' | 'newer' | 'older' | 'unordered';

/** Places the order `key`, created at `createdAt` (epoch ms, when known), against `mark`. */
export function placeOrder(
  mark: OrderMark | undefined,
  key: string,
  createdAt: number | undefined,
): Placement {
  if (mark?.key === key) return 'same';
  if (createdAt === undefined) return 'unordered';
  if (mark === undefined || createdAt > mark.createdAt) return 'newer';
  return createdAt < mark.createdAt ? 'older' : 'unordered';
}

/**
 * The `resultMsg` of a change its placement settled (see {@link isSettled}): the order itself was
 * applied already (`same`, also a replay of a recent order), or a later-created order decided.
 */
export function settledMessage(placement: 'same' | 'older'): string {
  return `success (${placement === 'same' ? 'order already applied' : 'a later order decided'})`;
}

/** True when the placement means the change has nothing left to do. */
export function isSettled(placement: Placement): placement is 'same' | 'older' {
  return placement === 'same' || placement === 'older';
}

/**
 * The watermark after applying an order placed `placement`: the order itself when its creation
 * time is known (a tie goes to the order applied last), else the watermark as it was.
 */
export function advanceMark(
  mark: OrderMark | undefined,
  key: string,
  createdAt: number | undefined,
): OrderMark | undefined {
  return createdAt === undefined ? mark : { createdAt, key };
}

/** `appliedOrders` with `key` remembered as the most recent, keeping {@link MAX_RECENT_ORDERS}. */
export function rememberOrder(applied: readonly string[], key: string): string[] {
  return [...applied.filter((k) => k !== key), key].slice(-MAX_RECENT_ORDERS);
}

/** True when `key` is among the recent orders the instance applied. */
export function isRecentOrder(record: InstanceRecord | undefined, key: string): boolean {
  return record?.appliedOrders.includes(key) ?? false;
}
