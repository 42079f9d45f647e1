import { STATUS } from '../store/instance-store';
import type { ExpireCommand } from './commands';
import { namespaceOf } from './namespaces';
import { type ScenarioContext, type ScenarioResult, success } from './scenario';
import { changeStatus } from './update-instance-status';

/**
 * An expiry (SaaS V1.0 `expireInstance`, License 1.0 `expireLicense`): freezes the instance, unless
 * it has been renewed beyond now since (a retried expiry arriving after the renewal must not freeze
 * a paid instance).
 *
 * @example await expire({ test: false, instanceId }, ctx);
 */
export async function expire(
  e: ExpireCommand,
  ctx: ScenarioContext<'store' | 'provisioner'>,
): Promise<ScenarioResult> {
  const current = await ctx.ports.store.getInstance(namespaceOf(e.test), e.instanceId);
  const renewed =
    current !== undefined &&
    current.status !== STATUS.RELEASED &&
    (current.expireTime ?? 0) > ctx.clock.now();
  if (renewed) {
    ctx.annotate({ instanceId: e.instanceId });
    return success('success (renewed since; not expired)');
  }
  return changeStatus({ test: e.test, instanceId: e.instanceId, freeze: true }, ctx);
}
