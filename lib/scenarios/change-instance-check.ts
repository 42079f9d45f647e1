import { unavailableAnswer } from './availability';
import type { ChangeCheckCommand } from './commands';
import { namespaceOf } from './namespaces';
import { type ScenarioContext, type ScenarioResult, success } from './scenario';

/**
 * Asks the provisioner whether a renewal with a change of specification is possible (SaaS V2.0
 * `changeInstanceCheck`). Changes nothing.
 *
 * @example await checkChange({ test: false, instanceId, productId, skuCode, productName }, ctx);
 */
export async function checkChange(
  c: ChangeCheckCommand,
  ctx: ScenarioContext<'store' | 'provisioner'>,
): Promise<ScenarioResult> {
  ctx.annotate({ instanceId: c.instanceId });
  const current = await ctx.ports.store.getInstance(namespaceOf(c.test), c.instanceId);
  const unavailable = unavailableAnswer(current, c.test);
  if (unavailable) return unavailable.result;
  if (!current) return success();
  const verdict = await ctx.ports.provisioner.checkChange({
    instance: current,
    productId: c.productId,
    skuCode: c.skuCode,
    productName: c.productName,
    linearValue: c.linearValue,
  });
  if (verdict.allowed) return success();
  return { resultCode: verdict.resultCode, resultMsg: verdict.message };
}
