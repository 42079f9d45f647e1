import { namespaceOf, provisionerFor, unavailableAnswer } from './instance-access';
import type { RequestOf, Scenario } from './scenario';
import { success } from './scenario';

/**
 * `changeInstanceCheck` (docs/protocol.md#changeinstancecheck): asks the provisioner whether a renewal with a change of
 * specification is possible. Changes nothing.
 */
export const changeInstanceCheck: Scenario<RequestOf<'changeInstanceCheck'>> = async (req, ctx) => {
  ctx.annotate({ instanceId: req.instanceId });
  const current = await ctx.deps.store.getInstance(namespaceOf(req.test), req.instanceId);
  const unavailable = unavailableAnswer(current, req.test);
  if (unavailable) return unavailable.result;
  if (!current) return success();
  const verdict = await provisionerFor(ctx, req.test).checkChange({
    instance: current,
    productId: req.productInfo.productId,
    skuCode: req.productInfo.skuCode,
    productName: req.productInfo.productName,
    linearValue: req.productInfo.linearValue,
  });
  if (verdict.allowed) return success();
  return { resultCode: verdict.resultCode, resultMsg: verdict.message };
};
