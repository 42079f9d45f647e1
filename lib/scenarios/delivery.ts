import { deliveryProblems } from '../answer-limits';
import { AnswerLimitError } from '../errors';
import type { AppInfo, ProvisionRequest } from '../provisioner/provisioner';
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
 * Runs the provisioner and refuses what it returns when KooGallery could not accept it (a field
 * over its documented limit, a password too long to encrypt within 128 characters): the attempt
 * fails with `AnswerLimitError` naming each field and limit, and nothing is stored or sent (#9).
 */
export async function provisionDelivery(
  ctx: ScenarioContext<'provisioner'>,
  request: ProvisionRequest,
): Promise<AppInfo> {
  const info = await ctx.ports.provisioner.provision(request);
  const problems = deliveryProblems(info, ctx.settings);
  if (problems.length > 0) throw new AnswerLimitError(problems.map((p) => p.problem));
  return info;
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
    provisionDelivery(ctx, {
      instanceId: fallback.instanceId,
      test: true,
      orderId: fallback.orderId,
      orderLineId: fallback.orderLineId,
      entitlement: fallback.entitlement,
    })
  );
}
