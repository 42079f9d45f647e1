/**
 * The life of one real (non-test) order against a fresh instance, with the faults KooGallery's
 * delivery produces: duplicates, concurrent retries, out-of-order deliveries, replays, stale and
 * wrongly signed calls. Each step is judged like a debugger call; the story asserts the invariants
 * of issue #3 (one instanceId per order, expiry moved once per renewal order, nothing after release
 * but `000000` for repeats, `000003` for an unknown instance, `000001` for bad signatures).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { call, type Exchange, type SignedRequest } from './client';
import { runLicenseLifecycle } from './lifecycle-license';
import {
  codeOf,
  DAY_MS,
  expiryInvariant,
  expiryOf,
  firstInfo,
  freshOrderId,
  type Invariant,
  instanceIdOf,
  type LifecycleOptions,
  type LifecycleReport,
  type Problem,
  Story,
} from './lifecycle-story';
import { runV1Lifecycle } from './lifecycle-v1';
import { CHANGE_PRODUCT_INFO, utcStamp } from './suites';

export type {
  Invariant,
  LifecycleOptions,
  LifecycleReport,
  LifecycleStep,
  Problem,
} from './lifecycle-story';

const STALE_BY_MS = 5 * 60_000;

/**
 * Runs the whole story of one fresh real order (License 2.0: license code) in the target's
 * protocol and returns every step and invariant.
 *
 * @example
 * const report = await runLifecycle({ target: { url, key }, onStep: (s) => console.log(s.title, s.ok) });
 */
export async function runLifecycle(options: LifecycleOptions): Promise<LifecycleReport> {
  const protocol = options.target.protocol ?? 'v2';
  if (protocol === 'v1' || protocol === 'license-v1') return runV1Lifecycle(options);
  if (protocol === 'license') return runLicenseLifecycle(options);
  return runV2Lifecycle(options);
}

/** The SaaS V2.0 story. */
async function runV2Lifecycle(options: LifecycleOptions): Promise<LifecycleReport> {
  const started = Date.now();
  const { target } = options;
  const poll = { intervalMs: options.pollIntervalMs ?? 250, attempts: options.pollAttempts ?? 60 };
  const story = new Story(target, options.onStep);
  const orderId = freshOrderId(started);
  const orderLineId = `${orderId}-000001`;
  options.onStart?.(orderId);
  const renewal1 = `${orderId}R1`;
  const renewal2 = `${orderId}R2`;
  const upgrade1 = `${orderId}U1`;
  const expire1 = utcStamp(started + 60 * DAY_MS);
  const expire2 = utcStamp(started + 120 * DAY_MS);
  const purchaseBody = () => ({
    activity: 'newInstance',
    orderId,
    orderLineId,
    businessId: randomUUID(),
  });
  const instanceIds = new Set<string>();
  const noteId = (ex: Exchange) => {
    const id = instanceIdOf(ex);
    if (id !== undefined) instanceIds.add(id);
  };

  // Authentication: nothing may happen for a call that is not KooGallery's.
  const wrongKey = `wrong-${randomBytes(12).toString('hex')}`;
  await story.one('purchase signed with a wrong key', purchaseBody(), {
    expect: ['000001'],
    signWith: wrongKey,
  });
  await story.one('purchase with a stale timestamp (5 min old)', purchaseBody(), {
    expect: ['000001'],
    timestampMs: Date.now() - STALE_BY_MS,
  });
  const unknownId = randomUUID();
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
  const concurrency = options.concurrency ?? 20;
  const burst = await Promise.all(
    Array.from({ length: concurrency }, () =>
      call(target, purchaseBody(), { expect: ['000000', '000004'] }),
    ),
  );
  for (const ex of burst) noteId(ex);
  const burstIds = new Set(burst.map(instanceIdOf).filter((x) => x !== undefined));
  story.record(
    `purchase, ${concurrency} retries at once (new businessId each)`,
    burst,
    ['000000', '000004'],
    burstIds.size === 1
      ? []
      : [
          {
            message: `${burstIds.size} different instanceIds for one order: ${[...burstIds].join(', ')}`,
            fix: 'derive the instance from orderId + orderLineId with one conditional write, so retries find it',
          },
        ],
    `instanceId ${[...burstIds][0] ?? 'none'}`,
  );
  const instanceId = [...burstIds][0];
  const firstRequest = burst[0]?.request as SignedRequest;
  await story.one('the first purchase request replayed (same nonce)', burst[0]?.body ?? {}, {
    expect: ['000001'],
    replay: firstRequest,
  });
  const sameId = (ex: Exchange): Problem[] => {
    noteId(ex);
    const id = instanceIdOf(ex);
    return id === instanceId
      ? []
      : [
          {
            message: `instanceId ${id ?? 'missing'}, but this order's instance is ${instanceId}`,
            fix: 'answer every delivery of the same orderId + orderLineId with the same instanceId, forever',
          },
        ];
  };
  await story.one('purchase delivered again later (new businessId)', purchaseBody(), {
    expect: ['000000', '000004'],
    check: sameId,
  });
  if (instanceId === undefined) {
    return finish(story, orderId, undefined, instanceIds, unknown, started, undefined);
  }

  const query = () => ({ activity: 'queryInstance', instanceId });
  const infoIsOurs = (ex: Exchange): Problem[] =>
    firstInfo(ex)?.instanceId === instanceId
      ? []
      : [
          {
            message: `info[0].instanceId is ${String(firstInfo(ex)?.instanceId)}, expected ${instanceId}`,
            fix: 'answer queryInstance with one info entry per requested instanceId',
          },
        ];
  const ready = await story.untilDone(
    'query until ready',
    query,
    poll,
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
  await story.one(`renewal R1 (expiry ${expire1})`, renew(renewal1, expire1));
  await peekExpiry('R1');
  await story.one('renewal R1 delivered again', renew(renewal1, expire1));
  await peekExpiry('R1 again');
  await story.one(`renewal R2 (expiry ${expire2})`, renew(renewal2, expire2));
  await peekExpiry('R2');
  await story.one('renewal R1 delivered late, after R2', renew(renewal1, expire1));
  await peekExpiry('R1 late');

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
  await story.untilDone('upgrade U1', upgrade, poll);
  await story.one('upgrade U1 delivered again', upgrade());
  await story.one('query after upgrade: same instance', query(), { check: infoIsOurs });
  await story.one('change check before a renewal with a new spec', {
    activity: 'changeInstanceCheck',
    instanceId,
    productInfo: { ...CHANGE_PRODUCT_INFO },
  });

  // Release, then every earlier delivery again: nothing but 000000.
  const release = () => ({ activity: 'releaseInstance', instanceId });
  await story.one('release', release());
  const afterRelease = [
    await story.one('release delivered again', release()),
    await story.one('purchase delivered again after release', purchaseBody(), {
      check: sameId,
    }),
    await story.one('renewal R2 delivered again after release', renew(renewal2, expire2)),
    await story.one('freeze delivered again after release', status('FREEZE')),
    await story.one('upgrade U1 delivered again after release', upgrade()),
  ];
  await story.one('query after release', query(), {
    expect: ['000000', '000003'],
    note: (ex) => `answered ${codeOf(ex)}`,
  });
  return finish(story, orderId, instanceId, instanceIds, unknown, started, {
    exposesExpiry,
    expiries,
    expire1,
    expire2,
    afterRelease,
  });
}

function finish(
  story: Story,
  orderId: string,
  instanceId: string | undefined,
  instanceIds: Set<string>,
  unknown: Exchange[],
  started: number,
  later:
    | {
        exposesExpiry: boolean;
        expiries: Record<string, string | undefined>;
        expire1: string;
        expire2: string;
        afterRelease: Exchange[];
      }
    | undefined,
): LifecycleReport {
  const stepOk = (title: string) => story.steps.find((s) => s.title === title)?.ok === true;
  const invariants: Invariant[] = [
    {
      name: 'one instanceId per order',
      ok: instanceId !== undefined && instanceIds.size === 1,
      detail:
        instanceIds.size === 1
          ? `every purchase answer named ${instanceId}`
          : `purchase answers named ${instanceIds.size} instances: ${[...instanceIds].join(', ') || 'none'}`,
    },
    expiryInvariant(later),
    {
      name: 'nothing after release but 000000 for repeats',
      ok: later === undefined ? false : later.afterRelease.every((ex) => codeOf(ex) === '000000'),
      detail:
        later === undefined
          ? 'not reached: the purchase gave no instanceId'
          : `repeats after release answered ${later.afterRelease.map(codeOf).join(', ')}`,
    },
    {
      name: '000003 for an unknown instance',
      ok: unknown.every((ex) => codeOf(ex) === '000003'),
      detail: `query, freeze, release of a never-seen instance answered ${unknown.map(codeOf).join(', ')}`,
    },
    {
      name: '000001 for a wrong key, a stale timestamp, a replayed nonce',
      ok:
        stepOk('purchase signed with a wrong key') &&
        stepOk('purchase with a stale timestamp (5 min old)') &&
        stepOk('the first purchase request replayed (same nonce)'),
      detail: 'each refused before anything changed',
    },
  ];
  return {
    ok: story.steps.every((s) => s.ok) && invariants.every((i) => i.ok !== false),
    protocol: 'v2',
    orderId,
    ...(instanceId !== undefined ? { instanceId } : {}),
    steps: story.steps,
    invariants,
    totalMs: Date.now() - started,
  };
}
