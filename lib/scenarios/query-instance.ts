import { usageInfoFor } from '../metering/usage-info';
import { type InstanceRecord, STATUS } from '../store/instance-store';
import { encryptionFields, namespaceOf, provisionerFor, wireAppInfo } from './instance-access';
import { claim, leaseIsFree, provision } from './provisioning';
import type { RequestOf, Scenario, ScenarioContext } from './scenario';

/** Drives a pending instance to completion when its claim is free (KooGallery's poll does this). */
async function settle(ctx: ScenarioContext, record: InstanceRecord): Promise<InstanceRecord> {
  if (record.status !== STATUS.PROVISIONING || !leaseIsFree(ctx, record)) return record;
  const claimed = await claim(ctx, record);
  if (!claimed) return record;
  const outcome = await provision(ctx, claimed);
  return outcome.state === 'ready' ? outcome.record : claimed;
}

async function testAppInfo(ctx: ScenarioContext, instanceId: string, record?: InstanceRecord) {
  if (record?.sealedAppInfo) return ctx.deps.vault.open(record.sealedAppInfo);
  return provisionerFor(ctx, true).provision({
    instanceId,
    test: true,
    orderId: record?.orderId ?? 'MOCK',
    orderLineId: record?.orderLineId ?? 'MOCK-000001',
    entitlement: record?.entitlement ?? {},
  });
}

/**
 * `queryInstance` (docs/protocol.md#queryinstance): delivery info for up to 100 instances. A real instance still being
 * provisioned answers `000004` (KooGallery polls until ready); a poll finds a failed or abandoned
 * provisioning and finishes it. Test calls always answer, with the stored or a synthesized appInfo.
 */
export const queryInstance: Scenario<RequestOf<'queryInstance'>> = async (req, ctx) => {
  const namespace = namespaceOf(req.test);
  ctx.annotate({ instanceId: req.instanceIds.slice(0, 5).join(',') });
  const found = await ctx.deps.store.getInstances(namespace, req.instanceIds);
  const byId = new Map(found.map((r) => [r.instanceId, r]));
  if (req.test) {
    const info = [];
    for (const id of req.instanceIds) {
      const record = byId.get(id);
      const settled = record ? await settle(ctx, record) : undefined;
      info.push({ instanceId: id, appInfo: wireAppInfo(ctx, await testAppInfo(ctx, id, settled)) });
    }
    return {
      resultCode: '000000',
      resultMsg: 'success',
      fields: { ...encryptionFields(ctx), info },
    };
  }
  const live: InstanceRecord[] = [];
  for (const record of found) {
    if (record.status === STATUS.RELEASED) continue;
    live.push(await settle(ctx, record));
  }
  if (live.length === 0) {
    return { resultCode: '000003', resultMsg: 'instance does not exist' };
  }
  if (live.some((r) => r.status === STATUS.PROVISIONING)) {
    const pending = live.find((r) => r.status === STATUS.PROVISIONING);
    return {
      resultCode: '000004',
      resultMsg: pending?.lastError
        ? `instance is being provisioned (last attempt: ${pending.lastError})`
        : 'instance is being provisioned',
    };
  }
  // Pay-per-use and package instances also carry their recorded usage (#11).
  const usage = await usageInfoFor(ctx.deps.usage, live);
  const info = live.map((r) => ({
    instanceId: r.instanceId,
    appInfo: wireAppInfo(ctx, ctx.deps.vault.open(r.sealedAppInfo as string)),
    ...(usage.has(r.instanceId) ? { usageInfo: usage.get(r.instanceId) } : {}),
  }));
  return { resultCode: '000000', resultMsg: 'success', fields: { ...encryptionFields(ctx), info } };
};
