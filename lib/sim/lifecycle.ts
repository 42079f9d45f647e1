/**
 * The life of one real (non-test) order against a fresh instance, with the faults KooGallery's
 * delivery produces: duplicates, concurrent retries, out-of-order deliveries, replays, stale and
 * wrongly signed calls. Each step is judged like a debugger call; the story asserts the invariants
 * of issue #3 (one instanceId per order, expiry moved once per renewal order, nothing after release
 * but `000000` for repeats, `000003` for an unknown instance, `000001` for bad signatures).
 */
import { codeOf, type Exchange } from './client';
import { runLicenseLifecycle } from './lifecycle-license';
import { type OnDemandHooks, runOnDemandLifecycle } from './lifecycle-ondemand';
import {
  afterReleaseInvariant,
  type ExpiryObservations,
  expiryInvariant,
  expiryOf,
  firstInfo,
  infoNames,
  instanceIdOf,
  type LifecycleOptions,
  type LifecycleReport,
  oneInstance,
  oneInstanceInvariant,
  orderPlan,
  refusedInvariant,
  STALE_V2,
  Story,
  sameInstance,
  TargetUnreachableError,
  unknownInstanceInvariant,
} from './lifecycle-story';
import { runV1Lifecycle } from './lifecycle-v1';
import { CHANGE_PRODUCT_INFO } from './suites';

export type {
  Invariant,
  LifecycleOptions,
  LifecycleReport,
  LifecycleStep,
  Problem,
} from './lifecycle-story';

/**
 * Runs the whole story of one fresh real order (License 2.0: license code) in the target's
 * protocol and returns every step and invariant; with `onDemand`, the pay-per-use story instead
 * (`--suite ondemand`, SaaS V2.0). Every suite stops at the first call that cannot reach the
 * service, with one message (`report.unreachable`).
 *
 * @example
 * const report = await runLifecycle({ target: { url, key }, onStep: (s) => console.log(s.title, s.ok) });
 */
export async function runLifecycle(
  options: LifecycleOptions,
  onDemand?: OnDemandHooks,
): Promise<LifecycleReport> {
  const protocol = options.target.protocol ?? 'v2';
  const story = new Story(options);
  try {
    if (onDemand !== undefined) return await runOnDemandLifecycle(options, onDemand, story);
    if (protocol === 'v1' || protocol === 'license-v1') return await runV1Lifecycle(options, story);
    if (protocol === 'license') return await runLicenseLifecycle(options, story);
    return await runV2Lifecycle(options, story);
  } catch (error) {
    if (error instanceof TargetUnreachableError) return story.unreachableReport(protocol, error);
    throw error;
  }
}

/** The SaaS V2.0 story. */
async function runV2Lifecycle(options: LifecycleOptions, story: Story): Promise<LifecycleReport> {
  const plan = orderPlan(story.started, story.random);
  const { orderId, renewal2, upgrade1, expire1, expire2 } = plan;
  const orderLineId = `${orderId}-000001`;
  options.onStart?.(orderId);
  const purchaseBody = () => ({
    activity: 'newInstance',
    orderId,
    orderLineId,
    businessId: story.random.uuid(),
  });

  // Authentication: nothing may happen for a call that is not KooGallery's.
  const refused = await story.refusals('purchase', purchaseBody, STALE_V2);
  const unknownId = story.random.uuid();
  const unknown = [
    await story.one(
      'query an unknown instance',
      { activity: 'queryInstance', instanceId: unknownId },
      { expect: ['000003'] },
    ),
    await story.one(
      'freeze an unknown instance',
      { activity: 'updateInstanceStatus', instanceId: unknownId, status: 'FREEZE' },
      { expect: ['000003'] },
    ),
    await story.one(
      'release an unknown instance',
      { activity: 'releaseInstance', instanceId: unknownId },
      { expect: ['000003'] },
    ),
  ];

  // Purchase: concurrent retries of the same order, then a replay and a late duplicate.
  const burst = await story.burst(
    (n) => `purchase, ${n} retries at once (new businessId each)`,
    purchaseBody,
    ['000000', '000004'],
    (exchanges) =>
      oneInstance(
        exchanges,
        'derive the instance from orderId + orderLineId with one conditional write, so retries find it',
      ),
    (exchanges) =>
      `instanceId ${exchanges.map(instanceIdOf).find((x) => x !== undefined) ?? 'none'}`,
  );
  const instanceId = burst.map(instanceIdOf).find((x) => x !== undefined);
  refused.push(await story.replay('the first purchase request replayed (same nonce)', burst[0]));
  const sameId = sameInstance(
    instanceId,
    'answer every delivery of the same orderId + orderLineId with the same instanceId, forever',
  );
  await story.one('purchase delivered again later (new businessId)', purchaseBody(), {
    expect: ['000000', '000004'],
    check: sameId,
  });
  const invariants = (afterRelease?: Exchange[], expiry?: ExpiryObservations) => [
    oneInstanceInvariant(story, 'newInstance', instanceId),
    expiryInvariant(expiry),
    afterReleaseInvariant(afterRelease),
    unknownInstanceInvariant(unknown),
    refusedInvariant('000001 for a wrong key, a stale timestamp, a replayed nonce', refused),
  ];
  if (instanceId === undefined) return story.report('v2', orderId, invariants(), {});

  const query = () => ({ activity: 'queryInstance', instanceId });
  const infoIsOurs = infoNames(instanceId);
  const ready = await story.untilDone(
    'query until ready',
    query,
    (ex) => [
      ...infoIsOurs(ex),
      ...(firstInfo(ex)?.appInfo === undefined
        ? [{ message: 'no appInfo for a ready instance', fix: 'send appInfo with frontEndUrl' }]
        : []),
    ],
    (ex) =>
      ex.verdict.credentials.length > 0
        ? `credentials ${ex.verdict.credentials.map((c) => `${c.field} ${c.form} ${c.masked}`).join(', ')}`
        : undefined,
  );
  const exposesExpiry = expiryOf(ready) !== undefined;
  const expiries: Record<string, string | undefined> = {};
  const peekExpiry = async (label: string) => {
    if (!exposesExpiry) return;
    const ex = await story.one(`query: expiry after ${label}`, query(), {
      check: infoIsOurs,
      note: (x) => `expiry ${expiryOf(x) ?? 'missing'}`,
    });
    expiries[label] = expiryOf(ex);
  };

  // Renewals: a retry, a second renewal, and the first delivered late, after the second.
  const renew = (order: string, expireTime: string) => ({
    activity: 'refreshInstance',
    scene: 'RENEWAL',
    orderId: order,
    orderLineId: `${order}-000001`,
    instanceId,
    expireTime,
  });
  await story.renewals(plan, renew, peekExpiry);

  // Status: an unfreeze arriving before its freeze, then each change delivered twice.
  const status = (s: string) => ({ activity: 'updateInstanceStatus', instanceId, status: s });
  await story.one('unfreeze delivered before any freeze', status('UNFREEZE'));
  await story.one('freeze (expired)', status('FREEZE'));
  await story.one('freeze delivered again', status('FREEZE'));
  await story.one('query while frozen', query(), { check: infoIsOurs });
  await story.one('unfreeze (renewed)', status('UNFREEZE'));
  await story.one('unfreeze delivered again', status('UNFREEZE'));

  // Upgrade and change check.
  const upgrade = () => ({
    activity: 'upgradeInstance',
    instanceId,
    orderId: upgrade1,
    orderLineId: `${upgrade1}-000001`,
  });
  await story.untilDone('upgrade U1', upgrade);
  await story.one('upgrade U1 delivered again', upgrade());
  await story.one('query after upgrade: same instance', query(), { check: infoIsOurs });
  await story.one('change check before a renewal with a new spec', {
    activity: 'changeInstanceCheck',
    instanceId,
    productInfo: { ...CHANGE_PRODUCT_INFO },
  });

  // Release, then every earlier delivery again, in an order drawn from the seed: nothing but 000000.
  const release = () => ({ activity: 'releaseInstance', instanceId });
  await story.one('release', release());
  const afterRelease = await story.inSeededOrder([
    () => story.one('release delivered again', release()),
    () =>
      story.one('purchase delivered again after release', purchaseBody(), {
        check: sameId,
      }),
    () => story.one('renewal R2 delivered again after release', renew(renewal2, expire2)),
    () => story.one('freeze delivered again after release', status('FREEZE')),
    () => story.one('upgrade U1 delivered again after release', upgrade()),
  ]);
  await story.one('query after release', query(), {
    expect: ['000000', '000003'],
    note: (ex) => `answered ${codeOf(ex)}`,
  });
  return story.report(
    'v2',
    orderId,
    invariants(afterRelease, { exposesExpiry, expiries, expire1, expire2 }),
    { instanceId },
  );
}
