import { InstanceNotFoundError } from '../errors';
import { STATUS } from '../store/instance-store';
import type { ReleaseCommand } from './commands';
import { changeInstance, nextVersion } from './instance-writes';
import { withoutLicenseMaterial } from './license-material';
import { namespaceOf, orderKey } from './namespaces';
import { rememberOrder } from './order-sequence';
import { type ScenarioContext, type ScenarioResult, success } from './scenario';

/**
 * Releases an instance and keeps a tombstone (status RELEASED, credentials and license material
 * dropped: a released license is never delivered again, #14), so a repeated
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
  return changeInstance(ctx, namespaceOf(r.test), r.instanceId, async (current, step) => {
    if (!current) {
      if (r.test) return { kind: 'answer', result: success() };
      throw new InstanceNotFoundError();
    }
    if (current.status === STATUS.RELEASED) {
      const again = success('success (already released)');
      const extra = withoutLicenseMaterial(current.extra);
      // A tombstone written before #14 may still hold a license: drop it now.
      if (Object.keys(extra ?? {}).length === Object.keys(current.extra ?? {}).length) {
        return { kind: 'answer', result: again };
      }
      return { kind: 'write', next: nextVersion(ctx, current, { extra }), result: again };
    }
    await step('release', () => ctx.ports.provisioner.release(current));
    // Remembered once (a release naming the purchase order does not add it twice), bounded.
    const applied = r.orderId
      ? rememberOrder(current.appliedOrders, orderKey(r.orderId, r.orderLineId))
      : current.appliedOrders;
    return {
      kind: 'write',
      next: nextVersion(ctx, current, {
        status: STATUS.RELEASED,
        sealedAppInfo: undefined,
        extra: withoutLicenseMaterial(current.extra),
        lease: undefined,
        appliedOrders: applied,
      }),
      result: success(),
    };
  });
}
