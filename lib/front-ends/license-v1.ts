import { InProgressError, InvalidRequestError } from '../errors';
import { instanceIdFor } from '../ids';
import { quoteReceived } from '../protocol/received-value';
import type { LicenseIssuer, LicenseRequest } from '../provisioner/license-issuer';
import { changeInstance, namespaceOf, nextVersion, orderKey } from '../scenarios/instance-access';
import { release } from '../scenarios/release-instance';
import type { ScenarioContext, ScenarioResult } from '../scenarios/scenario';
import { success } from '../scenarios/scenario';
import { type InstanceRecord, STATUS } from '../store/instance-store';
import { describeCommand, type FrontEnd } from './front-end';
import { expire, renewAndRestore } from './saas-v1';
import { shapeV2 } from './saas-v2';
import {
  authenticateV1,
  paramsOf,
  queryActivity,
  readV1Instance,
  readV1Order,
  readV1Renewal,
  type V1Order,
  type V1Params,
  type V1Renewal,
} from './v1-transport';

/**
 * License 1.0 (docs/protocol.md#license-10): the V1.0 transport (GET, `authToken` and `Body-Sign` under
 * the V1.0 key) with four activities:
 *
 * | activity         | what runs                                                                  |
 * | ---------------- | -------------------------------------------------------------------------- |
 * | `getLicense`     | issues a license with the `LicenseIssuer` once per order (license-issuer.ts) |
 * | `refreshLicense` | `renew` + unfreeze (saas-v1.ts `renewAndRestore`), then a re-issued license |
 * | `expireLicense`  | `changeStatus` FREEZE (saas-v1.ts `expire`)                                |
 * | `releaseLicense` | `release` (release-instance.ts)                                            |
 *
 * A license lives in the instance table as one record (protocol `license-v1`), its license in
 * `extra.license`: every retry of `getLicense` for the order answers that stored license. The
 * scenarios call the provisioner's renew/freeze/release with the record (`protocol` tells a
 * seller's provisioner it is a license); the default provisioner does nothing for them.
 */
export const LICENSE_V1_ACTIVITIES = [
  'getLicense',
  'refreshLicense',
  'expireLicense',
  'releaseLicense',
] as const;
/** One License 1.0 activity. */
export type LicenseV1Activity = (typeof LICENSE_V1_ACTIVITIES)[number];

/** The `saasExtendParams` name carrying the buyer's machine code (docs/protocol.md#license-10). */
const IDENTIFICATION_CODE = 'identificationCode';

/** A validated License 1.0 request. */
export type LicenseV1Command =
  | ({ activity: 'getLicense'; test: boolean } & V1Order)
  | ({ activity: 'refreshLicense'; test: boolean } & V1Renewal)
  | {
      activity: 'expireLicense' | 'releaseLicense';
      test: boolean;
      instanceId: string;
      orderId?: string;
    };

/** True when `activity` is a License 1.0 activity. */
export function isLicenseV1Activity(activity: string | undefined): activity is LicenseV1Activity {
  return (LICENSE_V1_ACTIVITIES as readonly string[]).includes(activity ?? '');
}

function parseLicenseV1(p: V1Params): LicenseV1Command {
  const activity = p.required('activity', 32);
  if (!isLicenseV1Activity(activity)) {
    throw new InvalidRequestError(
      `unknown activity ${quoteReceived(activity)}: parameter activity`,
    );
  }
  const test = p.test();
  switch (activity) {
    case 'getLicense':
      return { activity, test, ...readV1Order(p) };
    case 'refreshLicense':
      return { activity, test, ...readV1Renewal(p) };
    case 'expireLicense':
    case 'releaseLicense':
      return { activity, test, ...readV1Instance(p) };
  }
}

function issuerFor(ctx: ScenarioContext, test: boolean): LicenseIssuer {
  return test ? ctx.deps.testLicenseIssuer : ctx.deps.licenseIssuer;
}

/** What the issuer gets for a record: its order, its current expiry, the bound machine code. */
function licenseRequest(ctx: ScenarioContext, record: InstanceRecord): LicenseRequest {
  return {
    instanceId: record.instanceId,
    test: record.namespace === 'test',
    orderId: record.orderId,
    productId: record.entitlement.productId,
    skuCode: record.entitlement.skuCode,
    customerId: record.entitlement.customerId,
    expireTime: record.expireTime,
    identificationCode: record.extra?.identificationCode,
    issuedAt: ctx.deps.clock.now(),
  };
}

/** The `extra` of a record holding `license`, issued for the record's current expiry. */
function withLicense(record: InstanceRecord, license: string): Record<string, string> {
  return { ...record.extra, license, licenseExpireTime: String(record.expireTime ?? '') };
}

/**
 * `getLicense`: one record and one license per order. The first call issues and stores the
 * license (create: `attribute_not_exists`); every later or concurrent call answers the stored one.
 */
async function getLicense(
  cmd: Extract<LicenseV1Command, { activity: 'getLicense' }>,
  ctx: ScenarioContext,
): Promise<ScenarioResult> {
  const namespace = namespaceOf(cmd.test);
  const instanceId = instanceIdFor(namespace, cmd.orderId, cmd.orderLineId);
  ctx.annotate({ orderId: cmd.orderId, instanceId });
  const answer = (license: string, record: InstanceRecord): ScenarioResult =>
    success(
      { license, instanceId },
      record.status === STATUS.RELEASED ? 'success (license was released)' : 'success',
    );
  for (let attempt = 0; attempt < 4; attempt++) {
    const current = await ctx.deps.store.getInstance(namespace, instanceId);
    const stored = current?.extra?.license;
    if (current && stored) return answer(stored, current);
    const now = ctx.deps.clock.now();
    const machineCode = cmd.extendParams?.find((e) => e.name === IDENTIFICATION_CODE)?.value;
    const base: InstanceRecord = current ?? {
      namespace,
      instanceId,
      status: STATUS.ACTIVE,
      version: 1,
      orderId: cmd.orderId,
      orderLineId: cmd.orderLineId,
      protocol: 'license-v1',
      entitlement: cmd.entitlement,
      ...(cmd.expireTime !== undefined ? { expireTime: cmd.expireTime } : {}),
      orderFromRequest: true,
      appliedOrders: [orderKey(cmd.orderId, cmd.orderLineId)],
      extra: machineCode ? { identificationCode: machineCode.slice(0, 256) } : {},
      createdAt: now,
      updatedAt: now,
    };
    const license = await issuerFor(ctx, cmd.test).issue(licenseRequest(ctx, base));
    const outcome = current
      ? await ctx.deps.store.updateInstance(
          nextVersion(ctx, current, { extra: withLicense(current, license) }),
        )
      : await ctx.deps.store.createInstance({ ...base, extra: withLicense(base, license) });
    if (outcome === 'written') return answer(license, base);
  }
  throw new InProgressError('the license is being issued concurrently, retry later');
}

/**
 * After a renewal, re-issues the stored license when it was issued for another expiry, so an
 * offline license follows the paid period (a later `getLicense` re-entry answers the new one).
 * Idempotent: a license issued for the current expiry is left alone.
 */
function reissueForExpiry(
  ctx: ScenarioContext,
  test: boolean,
  instanceId: string,
): Promise<ScenarioResult> {
  return changeInstance(ctx, namespaceOf(test), instanceId, async (current) => {
    const license = current?.extra?.license;
    if (!current || !license || current.status === STATUS.RELEASED) {
      return { kind: 'answer', result: success() };
    }
    if (current.extra?.licenseExpireTime === String(current.expireTime ?? '')) {
      return { kind: 'answer', result: success() };
    }
    const renewed = await issuerFor(ctx, test).issue(licenseRequest(ctx, current));
    return {
      kind: 'write',
      next: nextVersion(ctx, current, { extra: withLicense(current, renewed) }),
      result: success(),
    };
  });
}

async function runLicenseV1(cmd: LicenseV1Command, ctx: ScenarioContext): Promise<ScenarioResult> {
  const { test } = cmd;
  switch (cmd.activity) {
    case 'getLicense':
      return getLicense(cmd, ctx);
    case 'refreshLicense': {
      const renewed = await renewAndRestore(cmd, ctx);
      if (renewed.resultCode !== '000000') return renewed;
      await reissueForExpiry(ctx, test, cmd.instanceId);
      return renewed;
    }
    case 'expireLicense':
      return expire({ test, instanceId: cmd.instanceId }, ctx);
    case 'releaseLicense':
      return release({ test, instanceId: cmd.instanceId, orderId: cmd.orderId }, ctx);
  }
}

/** License 1.0: GETs whose activity is a License 1.0 one. */
export const licenseV1FrontEnd: FrontEnd<LicenseV1Command> = {
  family: 'license-v1',
  matches: (http) => isLicenseV1Activity(queryActivity(http)),
  keys: (config) => config.v1AccessKeys,
  authenticate: authenticateV1,
  parse: (http, auth) => parseLicenseV1(paramsOf(http, auth)),
  run: runLicenseV1,
  describe: describeCommand,
  shape: shapeV2,
};
