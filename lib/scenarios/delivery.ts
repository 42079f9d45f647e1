import { deliveryProblems } from '../answer-limits';
import { AnswerLimitError, describeError, SealedValueError } from '../errors';
import type { AppInfo, ProvisionRequest } from '../provisioner/provisioner';
import { type Entitlement, type InstanceRecord, NAMESPACE } from '../store/instance-store';
import { nextVersion } from './instance-writes';
import { resealedLicenseMaterial } from './license-material';
import type { ScenarioContext } from './scenario';

/** What a test instance's synthesized delivery info is made for. */
export interface TestDelivery {
  instanceId: string;
  orderId: string;
  orderLineId: string;
  entitlement: Entitlement;
}

/** How {@link resealDelivery} left an instance's delivery info. */
export type ResealOutcome =
  /** Already sealed under the current key, or nothing sealed. */
  | 'current'
  | 'resealed'
  /** Changed concurrently since it was read: the next read (or `credentials:reseal`) retries. */
  | 'changed'
  /** The store refused the write; the next read retries. */
  | 'failed';

/** Writes `info` back sealed under the current key, conditioned on the version read. */
async function writeResealed(
  ctx: ScenarioContext<'vault' | 'store'>,
  record: InstanceRecord,
  info: AppInfo | undefined,
  extra?: Record<string, string>,
): Promise<Exclude<ResealOutcome, 'current'>> {
  const next = nextVersion(ctx, record, {
    ...(info ? { sealedAppInfo: ctx.ports.vault.seal(info) } : {}),
    ...(extra ? { extra } : {}),
  });
  try {
    const outcome = await ctx.ports.store.updateInstance(next);
    ctx.log.info('credentials re-sealed under the current at-rest key', {
      instanceId: record.instanceId,
      outcome,
    });
    return outcome === 'written' ? 'resealed' : 'changed';
  } catch (error) {
    ctx.log.warn('credentials not re-sealed (the next read retries)', {
      instanceId: record.instanceId,
      ...describeError(error),
    });
    return 'failed';
  }
}

/**
 * The delivery info stored with an instance, opened from its sealed form; undefined when none.
 * A value sealed under a previous at-rest key (`CREDENTIALS_PREVIOUS_KEY`, or the key earlier
 * versions derived from the access key) is written back under the current key at once, with a
 * write conditioned on the version read: a read may be the only event an instance sees before the
 * previous key is dropped. A lost race or a store failure leaves it to the next read (or to
 * `npm run credentials:reseal`), and the call still answers (#14).
 *
 * A value no configured key opens throws {@link SealedValueError}, whose message names the setting
 * to restore; for a test instance it is logged and undefined is returned instead, so the caller
 * synthesizes test delivery info and a probe keeps answering `000000`.
 */
export async function storedDelivery(
  ctx: ScenarioContext<'vault' | 'store'>,
  record: InstanceRecord | undefined,
): Promise<AppInfo | undefined> {
  const sealed = record?.sealedAppInfo;
  if (!record || !sealed) return undefined;
  let info: AppInfo;
  try {
    info = ctx.ports.vault.open(sealed);
  } catch (error) {
    if (!(error instanceof SealedValueError) || record.namespace !== NAMESPACE.TEST) throw error;
    ctx.log.error('test instance credentials cannot be opened; answering synthesized ones', {
      instanceId: record.instanceId,
      ...describeError(error),
    });
    return undefined;
  }
  if (ctx.ports.vault.needsReseal(sealed)) await writeResealed(ctx, record, info);
  return info;
}

/**
 * Re-seals an instance's delivery info and license material (license-material.ts) under the
 * current at-rest key when sealed under another, and seals license material stored in plain text
 * before #14 (one write conditioned on the version read), for `npm run credentials:reseal`. Throws
 * {@link SealedValueError} when no configured key opens it.
 */
export async function resealDelivery(
  ctx: ScenarioContext<'vault' | 'store'>,
  record: InstanceRecord,
): Promise<ResealOutcome> {
  const sealed = record.sealedAppInfo;
  const info =
    sealed && ctx.ports.vault.needsReseal(sealed) ? ctx.ports.vault.open(sealed) : undefined;
  const extra = resealedLicenseMaterial(ctx, record.extra);
  if (!info && !extra) return 'current';
  return writeResealed(ctx, record, info, extra);
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
  ctx: ScenarioContext<'vault' | 'provisioner' | 'store'>,
  record: InstanceRecord | undefined,
  fallback: TestDelivery,
): Promise<AppInfo> {
  return (
    (await storedDelivery(ctx, record)) ??
    provisionDelivery(ctx, {
      instanceId: fallback.instanceId,
      test: true,
      orderId: fallback.orderId,
      orderLineId: fallback.orderLineId,
      entitlement: fallback.entitlement,
    })
  );
}
