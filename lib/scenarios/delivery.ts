import type { AppInfo } from '../provisioner/provisioner';
import type { Entitlement, InstanceRecord } from '../store/instance-store';
import type { ScenarioContext } from './scenario';

/** What a test instance's synthesized delivery info is made for. */
export interface TestDelivery {
  instanceId: string;
  orderId: string;
  orderLineId: string;
  entitlement: Entitlement;
}

/** The delivery info stored with an instance, opened from its sealed form; undefined when none. */
export function storedDelivery(
  ctx: ScenarioContext<'vault'>,
  record: InstanceRecord | undefined,
): AppInfo | undefined {
  return record?.sealedAppInfo ? ctx.ports.vault.open(record.sealedAppInfo) : undefined;
}

/**
 * The delivery info a test call answers: the stored one, or one the test provisioner makes up on
 * the spot (a test call always answers delivery info, even for an instance it never bought).
 */
export async function testDelivery(
  ctx: ScenarioContext<'vault' | 'provisioner'>,
  record: InstanceRecord | undefined,
  fallback: TestDelivery,
): Promise<AppInfo> {
  return (
    storedDelivery(ctx, record) ??
    ctx.ports.provisioner.provision({
      instanceId: fallback.instanceId,
      test: true,
      orderId: fallback.orderId,
      orderLineId: fallback.orderLineId,
      entitlement: fallback.entitlement,
    })
  );
}
