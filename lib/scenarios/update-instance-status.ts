import type { StatusChange } from '../protocol/v2-requests';
import { STATUS } from '../store/instance-store';
import {
  changeInstance,
  namespaceOf,
  nextVersion,
  provisionerFor,
  unavailableAnswer,
} from './instance-access';
import type { RequestOf, Scenario, ScenarioContext, ScenarioResult } from './scenario';
import { success } from './scenario';

/** A freeze or unfreeze, whatever protocol carried it. */
export interface StatusUpdate {
  test: boolean;
  instanceId: string;
  status: StatusChange;
}

/**
 * Freezes or unfreezes an instance. The request's signed timestamp orders status changes: one
 * signed before the last applied change is stale and answered without effect. Freezing a released
 * instance is already done (`000000`); unfreezing it is `000003`.
 */
export function changeStatus(u: StatusUpdate, ctx: ScenarioContext): Promise<ScenarioResult> {
  ctx.annotate({ instanceId: u.instanceId });
  const freeze = u.status === 'FREEZE';
  return changeInstance(ctx, namespaceOf(u.test), u.instanceId, async (current) => {
    const unavailable = unavailableAnswer(
      current,
      u.test,
      freeze ? success(undefined, 'success (instance was released)') : 'not-found',
    );
    if (unavailable || !current) return unavailable ?? { kind: 'answer', result: success() };
    const target = freeze ? STATUS.FROZEN : STATUS.ACTIVE;
    if (current.status === target) {
      return { kind: 'answer', result: success(undefined, 'success (already in that state)') };
    }
    if (current.statusChangedAt !== undefined && ctx.requestTimestampMs < current.statusChangedAt) {
      return {
        kind: 'answer',
        result: success(undefined, 'success (stale status change ignored)'),
      };
    }
    const provisioner = provisionerFor(ctx, u.test);
    await (freeze ? provisioner.freeze(current) : provisioner.unfreeze(current));
    return {
      kind: 'write',
      next: nextVersion(ctx, current, { status: target, statusChangedAt: ctx.requestTimestampMs }),
      result: success(),
    };
  });
}

/** `updateInstanceStatus` (docs/protocol.md#updateinstancestatus): FREEZE / UNFREEZE. */
export const updateInstanceStatus: Scenario<RequestOf<'updateInstanceStatus'>> = (req, ctx) =>
  changeStatus({ test: req.test, instanceId: req.instanceId, status: req.status }, ctx);
