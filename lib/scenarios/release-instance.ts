import { InstanceNotFoundError } from '../errors';
import { STATUS } from '../store/instance-store';
import {
  changeInstance,
  namespaceOf,
  nextVersion,
  orderKey,
  provisionerFor,
} from './instance-access';
import type { RequestOf, Scenario, ScenarioContext, ScenarioResult } from './scenario';
import { success } from './scenario';

/** A release, whatever protocol carried it. */
export interface Release {
  test: boolean;
  instanceId: string;
  orderId?: string;
  orderLineId?: string;
}

/**
 * Releases an instance and keeps a tombstone (status RELEASED, credentials dropped), so a repeated
 * release answers `000000` and a real call for an instance that never existed answers `000003`.
 * An instance still being provisioned is released too; a provisioning that finishes afterwards
 * undoes its tenant.
 */
export function release(r: Release, ctx: ScenarioContext): Promise<ScenarioResult> {
  ctx.annotate({ instanceId: r.instanceId, orderId: r.orderId });
  return changeInstance(ctx, namespaceOf(r.test), r.instanceId, async (current) => {
    if (!current) {
      if (r.test) return { kind: 'answer', result: success() };
      throw new InstanceNotFoundError();
    }
    if (current.status === STATUS.RELEASED) {
      return { kind: 'answer', result: success(undefined, 'success (already released)') };
    }
    if (current.status !== STATUS.PROVISIONING) await provisionerFor(ctx, r.test).release(current);
    const applied = r.orderId
      ? [...current.appliedOrders, orderKey(r.orderId, r.orderLineId)]
      : current.appliedOrders;
    return {
      kind: 'write',
      next: nextVersion(ctx, current, {
        status: STATUS.RELEASED,
        sealedAppInfo: undefined,
        lease: undefined,
        appliedOrders: applied,
      }),
      result: success(),
    };
  });
}

/** `releaseInstance` (docs/protocol.md#releaseinstance). */
export const releaseInstance: Scenario<RequestOf<'releaseInstance'>> = (req, ctx) =>
  release(
    {
      test: req.test,
      instanceId: req.instanceId,
      orderId: req.orderId,
      orderLineId: req.orderLineId,
    },
    ctx,
  );
