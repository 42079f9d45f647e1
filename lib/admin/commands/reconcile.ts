/**
 * `koogallery-admin reconcile` (#13): each live real instance against its order as KooGallery
 * knows it (Query Order), reporting every disagreement; `--apply` fixes only the expiry.
 */
import { createAuditTrail } from '../../audit/audit-trail';
import { DEFAULT_API_ENDPOINT, fallbackEndpointFor } from '../../config';
import { OrderUnavailableError } from '../../errors';
import { cryptoIds } from '../../ids';
import { createJsonLogger } from '../../log';
import type { OrderInfo, OrderLine } from '../../open-api/order-client';
import { createQueryOrderClient } from '../../open-api/query-order-client';
import { AUDIT_KIND } from '../../store/audit-store';
import { type InstanceRecord, NAMESPACE, STATUS } from '../../store/instance-store';
import { ADMIN_EXIT, type AdminCommand, commandArgs } from '../command';
import { iso, print, renderTable, tablePortsOf, walkInstances } from '../operator';
import { type AdminSettings, AdminUsageError } from '../settings';
import { retentionDaysOf } from '../timeline';

const HELP = `koogallery-admin reconcile: our instances against KooGallery's orders

usage
  koogallery-admin reconcile [--apply] [--json]

Reads, for every live real instance (not RELEASED, not a test instance, not one whose order came
inside a V1.0 or License request), the order whose expiry it holds and the order whose product and
SKU it holds (the latest-created order applied for each; the last order applied when the instance
does not say) through Query Order and reports each disagreement:
  status      the order's expiry has passed (EXPIRED) but the instance is still ACTIVE (a
              cancelled renewal, order type UNSUBSCRIBE, keeps the instance ACTIVE: no drift)
  expireTime  the order line's expiry differs from ours (to the second)
  productId, skuCode   the order line's product differs from ours
  order       KooGallery no longer has the order (Query Order answers *.9001)

Nothing changes unless --apply is given. --apply changes only what is safe: the expireTime of an
ACTIVE or FROZEN instance is set to KooGallery's (a bookkeeping field: no provisioner call, no
status change), with one conditional write per instance, recorded in its timeline. Status,
product, SKU and missing orders are never changed: they involve the tenant (release, upgrade) and
are for the seller to decide (see README: the operator CLI).

--json prints {"checked": N, "drift": [{"instanceId", "orderId", "field", "ours", "koogallery"}, …]}
(and "applied": […] with --apply). Exit status 1 when drift remains or an order could not be read.
Needs HUAWEICLOUD_AK / HUAWEICLOUD_SK and KOOGALLERY_API_ENDPOINT, like the function.`;

const OPTIONS = {
  apply: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Orders read at once. */
const CONCURRENCY = 4;

/** One disagreement between our record and KooGallery's order. */
export interface Drift {
  instanceId: string;
  orderId: string;
  field: 'status' | 'expireTime' | 'productId' | 'skuCode' | 'order';
  ours: string | null;
  koogallery: string | null;
}

/** One order line, as `appliedOrders` and the watermarks name it (`orderId/orderLineId`). */
export interface OrderRef {
  orderId: string;
  orderLineId: string;
}

function refOf(key: string | undefined): OrderRef | undefined {
  const at = key?.lastIndexOf('/') ?? -1;
  if (key === undefined || at <= 0) return undefined;
  return { orderId: key.slice(0, at), orderLineId: key.slice(at + 1) };
}

/** The latest order applied to an instance: `orderId` and `orderLineId`. */
export function latestOrderOf(r: InstanceRecord): OrderRef {
  return (
    refOf(r.appliedOrders[r.appliedOrders.length - 1]) ?? {
      orderId: r.orderId,
      orderLineId: r.orderLineId,
    }
  );
}

/**
 * The orders an instance is compared with: the one whose expiry it holds and the one whose
 * specification it holds (its watermarks, #14: changes are ordered by when KooGallery created each
 * order, so the last order applied may be an older one that changed only part of it), each the
 * latest applied order when the instance has no such watermark.
 */
export function ordersOf(r: InstanceRecord): { expiry: OrderRef; specification: OrderRef } {
  const latest = latestOrderOf(r);
  return {
    expiry: refOf(r.watermarks?.expiry?.key) ?? latest,
    specification: refOf(r.watermarks?.specification?.key) ?? latest,
  };
}

/** True when Query Order said the order does not exist (not that it could not be read). */
export function isOrderGone(error: unknown): boolean {
  return error instanceof OrderUnavailableError && /\.9001$/.test(error.code ?? '');
}

function lineOf(order: OrderInfo, orderLineId: string): OrderLine | undefined {
  return order.orderLine.find((l) => l.orderLineId === orderLineId) ?? order.orderLine[0];
}

/**
 * The disagreements between a record and its orders, read at `now`: status and expiry against the
 * order whose expiry the instance holds, product and SKU against the order whose specification it
 * holds (the same order when one set both).
 */
export function driftOf(
  r: InstanceRecord,
  expiry: { ref: OrderRef; order: OrderInfo },
  specification: { ref: OrderRef; order: OrderInfo },
  now: number,
): Drift[] {
  const drift: Drift[] = [];
  const add = (
    orderId: string,
    field: Drift['field'],
    ours: string | null,
    koogallery: string | null,
  ) => {
    if (ours !== koogallery)
      drift.push({ instanceId: r.instanceId, orderId, field, ours, koogallery });
  };
  const line = lineOf(expiry.order, expiry.ref.orderLineId);
  const expiryOrderId = expiry.ref.orderId;
  // An UNSUBSCRIBE order is a cancelled renewal (scene UNSUBSCRIBE_RENEWAL_PERIOD): the instance
  // stays ACTIVE until its (earlier) expiry, so the order type itself is no drift. A release is its
  // own call, and released instances are not checked.
  if (r.status === STATUS.ACTIVE && line?.expireTime !== undefined && line.expireTime < now) {
    add(expiryOrderId, 'status', r.status, 'EXPIRED');
  }
  if (line?.expireTime !== undefined) {
    const ours = r.expireTime === undefined ? undefined : Math.floor(r.expireTime / 1000) * 1000;
    add(expiryOrderId, 'expireTime', iso(ours), iso(Math.floor(line.expireTime / 1000) * 1000));
  }
  const product = lineOf(specification.order, specification.ref.orderLineId)?.productInfo[0];
  const specOrderId = specification.ref.orderId;
  if (product?.productId !== undefined) {
    add(specOrderId, 'productId', r.entitlement.productId ?? null, product.productId);
  }
  if (product?.skuCode !== undefined)
    add(specOrderId, 'skuCode', r.entitlement.skuCode ?? null, product.skuCode);
  return drift;
}

function orderClientOf(settings: AdminSettings) {
  const need = (key: string) => {
    const v = settings.lookup(key);
    if (!v)
      throw new AdminUsageError(
        `${key} is not set (Query Order needs it); settings come from ${settings.source}`,
      );
    return v;
  };
  const endpoint = (settings.lookup('KOOGALLERY_API_ENDPOINT') ?? DEFAULT_API_ENDPOINT).replace(
    /\/+$/,
    '',
  );
  // The function's rule, as the usage push applies it: KOOGALLERY_API_FALLBACK_ENDPOINT (`none`
  // for none), else KooGallery's second host when the endpoint is the default one.
  const fallbackEndpoint = fallbackEndpointFor(
    endpoint,
    settings.lookup('KOOGALLERY_API_FALLBACK_ENDPOINT'),
  );
  return createQueryOrderClient({
    endpoint,
    ...(fallbackEndpoint ? { fallbackEndpoint } : {}),
    ak: need('HUAWEICLOUD_AK'),
    sk: need('HUAWEICLOUD_SK'),
    timeoutMs: 5000,
    attempts: 3,
  });
}

/** The `reconcile` command. */
export const reconcileCommand: AdminCommand = {
  name: 'reconcile',
  summary: "compare live instances with KooGallery's orders; --apply fixes only expiry (--json)",
  help: HELP,
  async run(args, io) {
    const parsed = commandArgs(HELP, args, io, OPTIONS);
    if (!parsed) return ADMIN_EXIT.OK;
    const { values } = parsed;
    const ports = await tablePortsOf(io);
    const orders = orderClientOf(ports.settings);
    const live: InstanceRecord[] = [];
    await walkInstances(ports.store, io, { label: 'reconcile: instances' }, (r) => {
      if (r.namespace === NAMESPACE.REAL && r.status !== STATUS.RELEASED && !r.orderFromRequest) {
        live.push(r);
      }
    });

    const drift: Drift[] = [];
    const unreadable: string[] = [];
    const byInstance = new Map<string, { record: InstanceRecord; drift: Drift[] }>();
    let checked = 0;
    let next = 0;
    const now = io.now();
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, live.length) }, async () => {
        for (let i = next++; i < live.length; i = next++) {
          const r = live[i] as InstanceRecord;
          const refs = ordersOf(r);
          const same =
            refs.expiry.orderId === refs.specification.orderId &&
            refs.expiry.orderLineId === refs.specification.orderLineId;
          const wanted = same ? [refs.expiry] : [refs.expiry, refs.specification];
          const read: (OrderInfo | undefined)[] = [];
          const found: Drift[] = [];
          let failed = false;
          for (const ref of wanted) {
            try {
              read.push(await orders.queryOrder(ref.orderId, ref.orderLineId));
            } catch (error) {
              read.push(undefined);
              if (isOrderGone(error)) {
                found.push({
                  instanceId: r.instanceId,
                  orderId: ref.orderId,
                  field: 'order',
                  ours: ref.orderId,
                  koogallery: null,
                });
                continue;
              }
              unreadable.push(
                `${r.instanceId} (order ${ref.orderId}): ${error instanceof Error ? error.message : String(error)}`,
              );
              failed = true;
              break;
            }
          }
          if (failed) continue;
          const [expiryOrder, specOrder = expiryOrder] = read;
          if (expiryOrder && specOrder) {
            found.push(
              ...driftOf(
                r,
                { ref: refs.expiry, order: expiryOrder },
                { ref: refs.specification, order: specOrder },
                now,
              ),
            );
          }
          checked += 1;
          drift.push(...found);
          if (found.length > 0) byInstance.set(r.instanceId, { record: r, drift: found });
          if (!values.json && (checked % 25 === 0 || checked === live.length)) {
            io.stderr.write(`reconcile: ${checked} of ${live.length} orders read\n`);
          }
        }
      }),
    );
    drift.sort(
      (a, b) => a.instanceId.localeCompare(b.instanceId) || a.field.localeCompare(b.field),
    );

    const applied: Drift[] = [];
    if (values.apply) {
      const log = createJsonLogger('warn', (line) => io.stderr.write(`${line}\n`));
      const audit = createAuditTrail({
        store: ports.auditStore,
        clock: { now: io.now },
        ids: cryptoIds,
        log,
        retentionDays: retentionDaysOf(ports.settings.lookup),
      });
      for (const { record, drift: found } of byInstance.values()) {
        const expiry = found.find((d) => d.field === 'expireTime');
        if (!expiry?.koogallery) continue;
        if (record.status !== STATUS.ACTIVE && record.status !== STATUS.FROZEN) continue;
        const next = {
          ...record,
          expireTime: Date.parse(expiry.koogallery),
          version: record.version + 1,
          updatedAt: io.now(),
        };
        // Conditioned on the version read: a call that changed the instance meanwhile wins.
        if ((await ports.store.updateInstance(next)) !== 'written') {
          io.stderr.write(
            `reconcile: ${record.instanceId} changed meanwhile; not applied, run again\n`,
          );
          continue;
        }
        applied.push(expiry);
        await audit.recordAudit({
          kind: AUDIT_KIND.OPERATOR,
          activity: 'reconcile --apply',
          instanceId: record.instanceId,
          orderId: expiry.orderId,
          resultCode: 'applied',
          detail: { field: 'expireTime', from: expiry.ours ?? 'none', to: expiry.koogallery },
        });
      }
    }
    const remaining = drift.filter((d) => !applied.includes(d));

    if (values.json) {
      print(io, JSON.stringify({ checked, drift, ...(values.apply ? { applied } : {}) }, null, 2));
    } else {
      print(io, `${checked} instance${checked === 1 ? '' : 's'} checked against Query Order`);
      if (drift.length === 0) print(io, 'no drift: every instance agrees with its order');
      else {
        print(
          io,
          renderTable(
            ['instanceId', 'orderId', 'field', 'ours', 'KooGallery', values.apply ? 'applied' : ''],
            drift.map((d) => [
              d.instanceId,
              d.orderId,
              d.field,
              d.ours ?? '-',
              d.koogallery ?? '(no such order)',
              applied.includes(d) ? 'yes' : '',
            ]),
          ),
        );
        if (!values.apply && drift.some((d) => d.field === 'expireTime')) {
          print(io, "run with --apply to take KooGallery's expireTime (nothing else is changed)");
        }
      }
    }
    for (const line of unreadable) io.stderr.write(`reconcile: could not read ${line}\n`);
    return remaining.length > 0 || unreadable.length > 0 ? ADMIN_EXIT.FAILED : ADMIN_EXIT.OK;
  },
};
