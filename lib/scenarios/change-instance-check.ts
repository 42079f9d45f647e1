import { unavailableAnswer } from './availability';
import type { ChangeCheckCommand } from './commands';
import { namespaceOf } from './namespaces';
import { type ScenarioContext, type ScenarioResult, success } from './scenario';

/** What a `resultCode` is on the wire: 6 digits (`String(6)`). */
const RESULT_CODE = /^\d{6}$/;

/** The reason every refused change answers, whatever code the provisioner chose. */
export const CHANGE_REFUSED = 'the change of specification is not possible for this instance';

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
  // The seller's words may name internals: they go to the call's log line, the answer carries
  // a fixed reason (#14), unless the verdict has a reason written for KooGallery (#12).
  ctx.annotate({ detail: verdict.message });
  if (!RESULT_CODE.test(verdict.resultCode)) {
    // KooGallery's resultCode is 6 digits: any other would fail the debugger (#9).
    ctx.annotate({
      detail: `the provisioner refused the change with resultCode ${JSON.stringify(verdict.resultCode.slice(0, 32))}, which is not 6 digits: return one such as 000100 (${verdict.message})`,
    });
    return { resultCode: '000005', resultMsg: 'internal error' };
  }
  return { resultCode: verdict.resultCode, resultMsg: verdict.resultMsg || CHANGE_REFUSED };
}
