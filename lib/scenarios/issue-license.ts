import { instanceIdFor } from '../ids';
import type { LicenseRequest } from '../provisioner/license-issuer';
import { type InstanceRecord, STATUS } from '../store/instance-store';
import { type LicenseIssueCommand, ORIGINS, type RenewCommand } from './commands';
import { changeInstance, nextVersion } from './instance-writes';
import { resealedLicenseMaterial, storedLicense, withSealedLicense } from './license-material';
import { namespaceOf, orderKey } from './namespaces';
import { renew } from './refresh-instance';
import { type LicenseResult, type ScenarioContext, type ScenarioResult, success } from './scenario';

/**
 * License 1.0's licenses. A license lives in the instance table as one record (origin
 * `license-v1`), its license sealed in `extra.sealedLicense` (license-material.ts), issued for the
 * expiry in `extra.licenseExpireTime`. A release drops the license: it is never delivered again.
 */

/** The ports License 1.0's scenarios reach beyond a renewal's. */
type LicensePorts = 'store' | 'licenseIssuer' | 'vault';

/** The longest machine code kept (it is the buyer's input). */
const MAX_MACHINE_CODE = 256;

/** What the issuer gets for a record: its order, its current expiry, the bound machine code. */
function licenseRequest(ctx: ScenarioContext<never>, record: InstanceRecord): LicenseRequest {
  return {
    instanceId: record.instanceId,
    test: record.namespace === 'test',
    orderId: record.orderId,
    productId: record.entitlement.productId,
    skuCode: record.entitlement.skuCode,
    customerId: record.entitlement.customerId,
    expireTime: record.expireTime,
    identificationCode: record.extra?.identificationCode,
    issuedAt: ctx.clock.now(),
  };
}

/**
 * A License 1.0 purchase (`getLicense`): one record and one license per order. The first call
 * issues and stores the license, sealed (create: `attribute_not_exists`); every later or
 * concurrent call answers the stored one, so every retry of the order gets the same license. Once
 * the license is released it is never delivered again (#14): a late real `getLicense` answers
 * `000000` with the instance id and no license, as a purchase of a released instance carries no
 * delivery info; a test call (saved cases replay in any order) gets a fresh test license that is
 * not stored.
 *
 * @example const { license } = await issueLicense({ test: false, orderId, orderLineId, order: { entitlement } }, ctx);
 */
export async function issueLicense(
  cmd: LicenseIssueCommand,
  ctx: ScenarioContext<LicensePorts>,
): Promise<LicenseResult> {
  const namespace = namespaceOf(cmd.test);
  const instanceId = instanceIdFor(namespace, cmd.orderId, cmd.orderLineId);
  ctx.annotate({ orderId: cmd.orderId, instanceId });
  const answer = (license: string): LicenseResult => ({ ...success(), instanceId, license });
  return changeInstance(ctx, namespace, instanceId, async (current) => {
    if (current?.status === STATUS.RELEASED) {
      const released = { ...success('success (license was released)'), instanceId };
      if (!cmd.test) return { kind: 'answer', result: released };
      const license = await ctx.ports.licenseIssuer.issue(licenseRequest(ctx, current));
      return { kind: 'answer', result: { ...released, license } };
    }
    const stored = storedLicense(ctx, current);
    if (current && stored) {
      // Stored in plain text before #14, or under a previous at-rest key: sealed anew now.
      const extra = resealedLicenseMaterial(ctx, current.extra);
      if (!extra) return { kind: 'answer', result: answer(stored) };
      return { kind: 'write', next: nextVersion(ctx, current, { extra }), result: answer(stored) };
    }
    const now = ctx.clock.now();
    const base: InstanceRecord = current ?? {
      namespace,
      instanceId,
      status: STATUS.ACTIVE,
      version: 0,
      orderId: cmd.orderId,
      orderLineId: cmd.orderLineId,
      protocol: ORIGINS.LICENSE_V1,
      entitlement: cmd.order.entitlement,
      ...(cmd.order.expireTime !== undefined ? { expireTime: cmd.order.expireTime } : {}),
      orderFromRequest: true,
      appliedOrders: [orderKey(cmd.orderId, cmd.orderLineId)],
      extra: cmd.machineCode
        ? { identificationCode: cmd.machineCode.slice(0, MAX_MACHINE_CODE) }
        : {},
      createdAt: now,
      updatedAt: now,
    };
    const license = await ctx.ports.licenseIssuer.issue(licenseRequest(ctx, base));
    return {
      kind: 'write',
      next: nextVersion(ctx, base, { extra: withSealedLicense(ctx, base, license) }),
      result: answer(license),
    };
  });
}

/**
 * After a renewal, re-issues the stored license when it was issued for another expiry, so an
 * offline license follows the paid period (a later `getLicense` re-entry answers the new one).
 * Idempotent: a license issued for the current expiry is left alone.
 */
function reissueForExpiry(
  ctx: ScenarioContext<LicensePorts>,
  test: boolean,
  instanceId: string,
): Promise<ScenarioResult> {
  return changeInstance(ctx, namespaceOf(test), instanceId, async (current) => {
    const issued = current?.extra?.sealedLicense ?? current?.extra?.license;
    if (!current || !issued || current.status === STATUS.RELEASED) {
      return { kind: 'answer', result: success() };
    }
    if (current.extra?.licenseExpireTime === String(current.expireTime ?? '')) {
      return { kind: 'answer', result: success() };
    }
    const renewed = await ctx.ports.licenseIssuer.issue(licenseRequest(ctx, current));
    return {
      kind: 'write',
      next: nextVersion(ctx, current, { extra: withSealedLicense(ctx, current, renewed) }),
      result: success(),
    };
  });
}

/**
 * A License 1.0 renewal (`refreshLicense`): the renewal (restoring access, as SaaS V1.0 does), then
 * the license re-issued for the new expiry. Answers the renewal's result.
 *
 * @example await renewLicense({ test: false, instanceId, orderId, scene: 'RENEWAL', expireTime, restoreAccess: true }, ctx);
 */
export async function renewLicense(
  r: RenewCommand,
  ctx: ScenarioContext<'provisioner' | 'orders' | LicensePorts>,
): Promise<ScenarioResult> {
  const renewed = await renew(r, ctx);
  if (renewed.resultCode !== '000000') return renewed;
  await reissueForExpiry(ctx, r.test, r.instanceId);
  return renewed;
}
