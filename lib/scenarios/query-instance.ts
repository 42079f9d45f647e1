import { SealedValueError } from '../errors';
import { usageInfoFor } from '../metering/usage-info';
import { type InstanceRecord, STATUS } from '../store/instance-store';
import type { QueryCommand } from './commands';
import { storedDelivery, testDelivery } from './delivery';
import { namespaceOf } from './namespaces';
import { claim, leaseIsFree, type ProvisioningPorts, provision } from './provisioning';
import type { InstanceView, QueryResult, ScenarioContext } from './scenario';

/** Drives a pending instance to completion when its claim is free (KooGallery's poll does this). */
async function settle(
  ctx: ScenarioContext<ProvisioningPorts>,
  record: InstanceRecord,
): Promise<InstanceRecord> {
  if (record.status !== STATUS.PROVISIONING || !leaseIsFree(ctx, record)) return record;
  const claimed = await claim(ctx, record);
  if (!claimed) return record;
  const outcome = await provision(ctx, claimed);
  return outcome.state === 'ready' ? outcome.record : claimed;
}

/**
 * The delivery info of up to 100 instances (SaaS V2.0 and V1.0 `queryInstance`). A real instance
 * still being provisioned answers `000004` (KooGallery polls until ready); a poll finds a failed or
 * abandoned provisioning and finishes it. Test calls always answer, with the stored or a
 * synthesized delivery info.
 *
 * @example const { resultCode, instances } = await query({ test: false, instanceIds: [id] }, ctx);
 */
export async function query(
  q: QueryCommand,
  ctx: ScenarioContext<ProvisioningPorts | 'usage'>,
): Promise<QueryResult> {
  const namespace = namespaceOf(q.test);
  ctx.annotate({ instanceId: q.instanceIds.slice(0, 5).join(',') });
  const found = await ctx.ports.store.getInstances(namespace, q.instanceIds);
  const byId = new Map(found.map((r) => [r.instanceId, r]));
  if (q.test) {
    const instances: InstanceView[] = [];
    for (const id of q.instanceIds) {
      const record = byId.get(id);
      const settled = record ? await settle(ctx, record) : undefined;
      const appInfo = await testDelivery(ctx, settled, {
        instanceId: id,
        orderId: settled?.orderId ?? 'MOCK',
        orderLineId: settled?.orderLineId ?? 'MOCK-000001',
        entitlement: settled?.entitlement ?? {},
      });
      instances.push({ instanceId: id, appInfo });
    }
    return { resultCode: '000000', resultMsg: 'success', instances };
  }
  const live: InstanceRecord[] = [];
  for (const record of found) {
    if (record.status === STATUS.RELEASED) continue;
    live.push(await settle(ctx, record));
  }
  if (live.length === 0) {
    return { resultCode: '000003', resultMsg: 'instance does not exist' };
  }
  const pending = live.find((r) => r.status === STATUS.PROVISIONING);
  if (pending) {
    // The last attempt's error names settings and endpoints: it goes to the call's log line and
    // stays on the record for the operator tools, never into the answer (#14).
    if (pending.lastError) ctx.annotate({ detail: `last attempt: ${pending.lastError}` });
    return { resultCode: '000004', resultMsg: 'instance is being provisioned' };
  }
  // Pay-per-use and package instances also carry their recorded usage (#11).
  const usage = await usageInfoFor(ctx.ports.usage, live);
  const instances = [];
  for (const r of live) {
    const appInfo = await storedDelivery(ctx, r);
    if (!appInfo) throw new SealedValueError('an active instance has no stored delivery info');
    const usageInfo = usage.get(r.instanceId);
    instances.push({ instanceId: r.instanceId, appInfo, ...(usageInfo ? { usageInfo } : {}) });
  }
  return { resultCode: '000000', resultMsg: 'success', instances };
}
