import { STATUS } from '../store/instance-store';
import { unavailableAnswer } from './availability';
import type { StatusCommand } from './commands';
import { changeInstance, nextVersion } from './instance-writes';
import { namespaceOf } from './namespaces';
import { type ScenarioContext, type ScenarioResult, success } from './scenario';

/**
 * Freezes or unfreezes an instance. The request's signed timestamp orders status changes: one
 * signed before the last applied change is stale and answered without effect. Freezing a released
 * instance is already done (`000000`); unfreezing it is `000003`.
 *
 * @example await changeStatus({ test: false, instanceId, freeze: true }, ctx);
 */
export function changeStatus(
  u: StatusCommand,
  ctx: ScenarioContext<'store' | 'provisioner'>,
): Promise<ScenarioResult> {
  ctx.annotate({ instanceId: u.instanceId });
  return changeInstance(ctx, namespaceOf(u.test), u.instanceId, async (current, step) => {
    const unavailable = unavailableAnswer(
      current,
      u.test,
      u.freeze ? success('success (instance was released)') : 'not-found',
    );
    if (unavailable || !current) return unavailable ?? { kind: 'answer', result: success() };
    const target = u.freeze ? STATUS.FROZEN : STATUS.ACTIVE;
    if (current.status === target) {
      return { kind: 'answer', result: success('success (already in that state)') };
    }
    if (current.statusChangedAt !== undefined && ctx.requestTimestampMs < current.statusChangedAt) {
      return { kind: 'answer', result: success('success (stale status change ignored)') };
    }
    await (u.freeze
      ? step('freeze', () => ctx.ports.provisioner.freeze(current))
      : step('unfreeze', () => ctx.ports.provisioner.unfreeze(current)));
    return {
      kind: 'write',
      next: nextVersion(ctx, current, { status: target, statusChangedAt: ctx.requestTimestampMs }),
      result: success(),
    };
  });
}
