import { InstanceNotFoundError } from '../errors';
import { STATUS } from '../store/instance-store';
import type { ReleaseCommand } from './commands';
import { changeInstance, nextVersion } from './instance-writes';
import { namespaceOf, orderKey } from './namespaces';
import { type ScenarioContext, type ScenarioResult, success } from './scenario';

/**
 * Releases an instance and keeps a tombstone (status RELEASED, credentials dropped), so a repeated
 * release answers `000000` and a real call for an instance that never existed answers `000003`.
 * An instance still being provisioned is released too, and the provisioner is told: an attempt
 * that created the tenant but never answered (a webhook receiver that timed out) leaves nothing
 * behind. A provisioning that finishes afterwards undoes its tenant again (provisioning.ts); the
 * provisioner's `release` is idempotent, so both calls are safe.
 *
 * @example await release({ test: false, instanceId, orderId }, ctx);
 */
export function release(
  r: ReleaseCommand,
  ctx: ScenarioContext<'store' | 'provisioner'>,
): Promise<ScenarioResult> {
  ctx.annotate({ instanceId: r.instanceId, orderId: r.orderId });
  return changeInstance(ctx, namespaceOf(r.test), r.instanceId, async (current) => {
    if (!current) {
      if (r.test) return { kind: 'answer', result: success() };
      throw new InstanceNotFoundError();
    }
    if (current.status === STATUS.RELEASED) {
      return { kind: 'answer', result: success('success (already released)') };
    }
    await ctx.ports.provisioner.release(current);
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
