import { licenseInstanceIdFor } from '../ids';
import { STATUS } from '../store/instance-store';
import { CREATION_TIME, type LicenseCodeCommand, ORIGINS } from './commands';
import { nextVersion } from './instance-writes';
import { resealedLicenseMaterial } from './license-material';
import { namespaceOf } from './namespaces';
import { renew } from './refresh-instance';
import { release } from './release-instance';
import { type ScenarioContext, type ScenarioResult, success } from './scenario';
import { changeStatus } from './update-instance-status';

/**
 * True when the license code's record is released. KooGallery creates License 2.0 codes and sends
 * no purchase notification, so the first notification about a code creates its record ACTIVE
 * (`attribute_not_exists`: concurrent first notifications create it once), the code sealed in
 * `extra.sealedLicenseCode`; only a create that lost to a concurrent one reads the record again.
 */
async function isReleased(
  cmd: LicenseCodeCommand,
  instanceId: string,
  ctx: ScenarioContext<'store' | 'vault'>,
): Promise<boolean> {
  const namespace = namespaceOf(cmd.test);
  const current = await ctx.ports.store.getInstance(namespace, instanceId);
  if (current) {
    const released = current.status === STATUS.RELEASED;
    // Written before #14 in plain text, or sealed under a previous at-rest key: sealed anew now.
    // Best effort: a conflict means another call changed the record, and a later call seals it.
    const extra = released ? undefined : resealedLicenseMaterial(ctx, current.extra);
    if (extra) await ctx.ports.store.updateInstance(nextVersion(ctx, current, { extra }));
    return released;
  }
  const now = ctx.clock.now();
  const { change } = cmd;
  const orderId = change.kind === 'status' ? '' : (change.orderId ?? '');
  const orderLineId = change.kind === 'status' ? '' : (change.orderLineId ?? '');
  const created = await ctx.ports.store.createInstance({
    namespace,
    instanceId,
    status: STATUS.ACTIVE,
    version: 1,
    orderId,
    orderLineId,
    protocol: ORIGINS.LICENSE_V2,
    entitlement: cmd.productId ? { productId: cmd.productId } : {},
    appliedOrders: [],
    // Sealed like credentials: a table dump never shows a code (#14); a release drops it.
    extra: { sealedLicenseCode: ctx.ports.vault.sealText(cmd.licenseCode) },
    createdAt: now,
    updatedAt: now,
  });
  if (created === 'written') return false;
  return (await ctx.ports.store.getInstance(namespace, instanceId))?.status === STATUS.RELEASED;
}

/**
 * A License 2.0 notification about one license code: a renewal, a freeze or unfreeze, or a release
 * of the code's record (its id derived from the code, so logs never show the code). A call for an
 * unknown code creates the record and then applies its change, instead of answering `000003`,
 * which would only make KooGallery retry 60 times a change that can never succeed. A call about a
 * released code changes nothing and answers `000000` (release is final; late or retried deliveries
 * are expected).
 *
 * @example await changeLicenseCode({ test: false, licenseCode, change: { kind: 'status', freeze: true } }, ctx);
 */
export async function changeLicenseCode(
  cmd: LicenseCodeCommand,
  ctx: ScenarioContext<'store' | 'provisioner' | 'orders' | 'vault'>,
): Promise<ScenarioResult> {
  const instanceId = licenseInstanceIdFor(cmd.licenseCode);
  ctx.annotate({ instanceId });
  if (await isReleased(cmd, instanceId, ctx)) {
    return success('success (license code was released)');
  }
  const { test, change } = cmd;
  switch (change.kind) {
    case 'renew':
      return renew(
        {
          test,
          instanceId,
          orderId: change.orderId,
          orderLineId: change.orderLineId,
          scene: change.scene,
          expireTime: change.expireTime,
          productId: cmd.productId,
          restoreAccess: false,
          creationTime: CREATION_TIME.REQUIRED,
        },
        ctx,
      );
    case 'status':
      return changeStatus({ test, instanceId, freeze: change.freeze }, ctx);
    case 'release':
      return release(
        { test, instanceId, orderId: change.orderId, orderLineId: change.orderLineId },
        ctx,
      );
  }
}
