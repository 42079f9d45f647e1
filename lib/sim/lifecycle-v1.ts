/**
 * The life of one real (non-test) SaaS V1.0 order, or License 1.0 license, against a fresh
 * instance (around-v2.md §1, §2.1): wrongly signed, stale and replayed calls, concurrent retries
 * of the purchase, re-entries, an expiry and its late duplicate after a renewal, renewals delivered
 * twice and out of order, status changes out of order, an upgrade, a release and every earlier
 * delivery after it. V1.0 has no nonce: a replay repeats a request's `authToken`, which the
 * service must refuse.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { call, type Exchange, type SignedRequest } from './client';
import { FINDINGS } from './judge';
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
import { extendParams, utcStamp, V1_PRODUCT_ID, v1PurchaseFields } from './suites';

/**
 * How old the stale call's `timeStamp` is: beyond the widest window the function can be set to
 * (`V1_TIMESTAMP_WINDOW_SECONDS` at most 86400), since V1.0 documents none.
 */
export const V1_STALE_BY_MS = 25 * 3_600_000;

/** The activity names of the two V1.0-transport protocols. */
const NAMES = {
  v1: {
    purchase: 'newInstance',
    renew: 'refreshInstance',
    expire: 'expireInstance',
    release: 'releaseInstance',
  },
  'license-v1': {
    purchase: 'getLicense',
    renew: 'refreshLicense',
    expire: 'expireLicense',
    release: 'releaseLicense',
  },
} as const;

function licenseOf(ex: Exchange): string | undefined {
  const license = ex.verdict.json?.license;
  return typeof license === 'string' ? license : undefined;
}

/** A note on what the purchase delivered, never a secret: masked credentials, the license check. */
function deliveryNote(ex: Exchange): string | undefined {
  const parts: string[] = [];
  const id = instanceIdOf(ex);
  if (id !== undefined) parts.push(`instanceId ${id}`);
  if (ex.verdict.credentials.length > 0) {
    parts.push(
      `credentials ${ex.verdict.credentials.map((c) => `${c.field} ${c.form} ${c.masked}`).join(', ')}`,
    );
  }
  const check = ex.verdict.license;
  if (check !== undefined) {
    parts.push(
      check.verified === true
        ? `license verified offline, expires ${check.expireTime ?? 'never'}`
        : check.verified === false
          ? 'license does not verify'
          : 'license present (no public key to verify it)',
    );
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/**
 * Runs the SaaS V1.0 (`target.protocol` "v1") or License 1.0 ("license-v1") story of one fresh
 * real order and returns every step and invariant.
 *
 * @example
 * const report = await runV1Lifecycle({ target: { url, key, protocol: 'v1' } });
 */
export async function runV1Lifecycle(options: LifecycleOptions): Promise<LifecycleReport> {
  const started = Date.now();
  const { target } = options;
  const protocol = target.protocol === 'license-v1' ? 'license-v1' : 'v1';
  const saas = protocol === 'v1';
  const A = NAMES[protocol];
  const poll = { intervalMs: options.pollIntervalMs ?? 250, attempts: options.pollAttempts ?? 60 };
  const story = new Story(target, options.onStep);
  const orderId = freshOrderId(started);
  options.onStart?.(orderId);
  const renewal1 = `${orderId}R1`;
  const renewal2 = `${orderId}R2`;
  const upgrade1 = `${orderId}U1`;
  const expire1 = utcStamp(started + 60 * DAY_MS);
  const expire2 = utcStamp(started + 120 * DAY_MS);
  const machineCode = `SIM-${randomBytes(4).toString('hex').toUpperCase()}`;
  // The paid period has just ended, so that the expiry has something to expire.
  const purchaseBody = (): Record<string, unknown> => ({
    activity: A.purchase,
    ...v1PurchaseFields(orderId, randomUUID(), '1', started - 60_000),
    ...(saas ? {} : { saasExtendParams: extendParams({ identificationCode: machineCode }) }),
  });
  const instanceIds = new Set<string>();
  const licenses = new Set<string>();
  const noteDelivery = (ex: Exchange) => {
    const id = instanceIdOf(ex);
    if (id !== undefined) instanceIds.add(id);
  };

  // Authentication: nothing may happen for a call that is not KooGallery's.
  await story.one(`${A.purchase} signed with a wrong key`, purchaseBody(), {
    expect: ['000001'],
    signWith: `wrong-${randomBytes(12).toString('hex')}`,
  });
  await story.one(`${A.purchase} with a stale timeStamp (25 h old)`, purchaseBody(), {
    expect: ['000001'],
    timestampMs: Date.now() - V1_STALE_BY_MS,
  });
  const unknownId = randomUUID();
  const unknownCalls: [string, Record<string, unknown>][] = [
    [
      `${A.renew} for an unknown instance`,
      {
        activity: A.renew,
        instanceId: unknownId,
        orderId: `${orderId}X`,
        expireTime: expire1,
      },
    ],
    [`${A.expire} for an unknown instance`, { activity: A.expire, instanceId: unknownId }],
    [`${A.release} for an unknown instance`, { activity: A.release, instanceId: unknownId }],
  ];
  if (saas) {
    unknownCalls.unshift(
      ['query an unknown instance', { activity: 'queryInstance', instanceId: unknownId }],
      [
        'freeze an unknown instance',
        { activity: 'instanceStatus', instanceId: unknownId, instanceStatus: 'FREEZE' },
      ],
    );
  }
  const unknown: Exchange[] = [];
  for (const [title, body] of unknownCalls) {
    unknown.push(await story.one(title, body, { expect: ['000003'] }));
  }

  // Purchase: concurrent retries of the same order (each a new businessId), a replayed token.
  const concurrency = options.concurrency ?? 20;
  const burst = await Promise.all(
    Array.from({ length: concurrency }, () =>
      call(target, purchaseBody(), { expect: ['000000', '000004'] }),
    ),
  );
  for (const ex of burst) noteDelivery(ex);
  const burstIds = new Set(burst.map(instanceIdOf).filter((x) => x !== undefined));
  const burstLicenses = new Set(burst.map(licenseOf).filter((x) => x !== undefined));
  for (const l of burstLicenses) licenses.add(l);
  const burstProblems: Problem[] = [];
  if (burstIds.size !== 1) {
    burstProblems.push({
      message: `${burstIds.size} different instanceIds for one order: ${[...burstIds].join(', ') || 'none'}`,
      fix: 'derive the instance from orderId with one conditional write, so retries find it',
    });
  }
  if (burstLicenses.size > 1) {
    burstProblems.push({
      message: `${burstLicenses.size} different licenses for one order`,
      fix: 'issue the license once per order and answer the stored one to every retry',
    });
  }
  story.record(
    `${A.purchase} ×${concurrency} at once (new businessId each)`,
    burst,
    ['000000', '000004'],
    burstProblems,
    `instanceId ${[...burstIds][0] ?? 'none'}`,
  );
  const instanceId = [...burstIds][0];
  const firstRequest = burst[0]?.request as SignedRequest;
  await story.one('first purchase request replayed (same authToken)', burst[0]?.body ?? {}, {
    expect: ['000001'],
    replay: firstRequest,
  });
  const sameDelivery = (ex: Exchange): Problem[] => {
    noteDelivery(ex);
    const problems: Problem[] = [];
    const id = instanceIdOf(ex);
    if (id !== instanceId) {
      problems.push({
        message: `instanceId ${id ?? 'missing'}, but this order's instance is ${instanceId}`,
        fix: 'answer every delivery of the same orderId with the same instanceId, forever',
      });
    }
    return problems;
  };
  if (instanceId === undefined) {
    return finish(story, protocol, orderId, undefined, instanceIds, unknown, started);
  }
  // V1.0 has no poll: KooGallery re-sends newInstance (and the buyer's 资源详情 does) until 000000.
  const delivered = await story.untilDone(
    `${A.purchase} re-sent until delivered (re-entry)`,
    purchaseBody,
    poll,
    (ex) => {
      const problems = sameDelivery(ex);
      const license = licenseOf(ex);
      if (license !== undefined) {
        if (licenses.size > 0 && !licenses.has(license)) {
          problems.push({
            message: 'the re-entry answered another license than the first delivery',
            fix: 'answer the stored license to every getLicense of the order until a renewal',
          });
        }
        licenses.add(license);
      }
      return problems;
    },
    deliveryNote,
  );
  const firstLicense = licenseOf(delivered);
  // Before any renewal, every delivery of the order carries the same license.
  const licensesBeforeRenewal = licenses.size;

  // What the service exposes of the expiry: the re-issued license's, or queryInstance's if any.
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
  let exposesExpiry = false;
  if (saas) {
    const q = await story.one('query: the same instance', query(), {
      check: infoIsOurs,
      note: (ex) => (expiryOf(ex) !== undefined ? `expiry ${expiryOf(ex)}` : undefined),
    });
    exposesExpiry = expiryOf(q) !== undefined;
  } else {
    exposesExpiry = delivered.verdict.license?.verified === true;
  }
  const expiries: Record<string, string | undefined> = {};
  const peekExpiry = async (label: string) => {
    if (!exposesExpiry) return;
    if (saas) {
      const ex = await story.one(`query: expiry after ${label}`, query(), {
        check: infoIsOurs,
        note: (x) => `expiry ${expiryOf(x) ?? 'missing'}`,
      });
      expiries[label] = expiryOf(ex);
      return;
    }
    const ex = await story.one(
      `getLicense re-entry: license expiry after ${label}`,
      purchaseBody(),
      {
        check: sameDelivery,
        note: (x) => `license expires ${x.verdict.license?.expireTime ?? 'missing'}`,
      },
    );
    expiries[label] = ex.verdict.license?.expireTime;
  };

  // Expiry, then renewals: a retry, a second renewal, the first delivered late, a late expiry.
  const expire = () => ({ activity: A.expire, instanceId, orderId });
  const renew = (order: string, expireTime: string) => ({
    activity: A.renew,
    instanceId,
    orderId: order,
    expireTime,
    ...(saas ? { productId: V1_PRODUCT_ID, periodType: 'month', periodNumber: '2' } : {}),
  });
  await story.one(`${A.expire} (the period ended)`, expire());
  await story.one(`${A.expire} delivered again`, expire());
  await story.one(`renewal R1 after expiry (expiry ${expire1})`, renew(renewal1, expire1));
  await peekExpiry('R1');
  await story.one('renewal R1 delivered again', renew(renewal1, expire1));
  await peekExpiry('R1 again');
  await story.one(`renewal R2 (expiry ${expire2})`, renew(renewal2, expire2));
  await peekExpiry('R2');
  await story.one('renewal R1 delivered late, after R2', renew(renewal1, expire1));
  await peekExpiry('R1 late');
  await story.one(`${A.expire} delivered late, after the renewals`, expire());
  if (!saas && exposesExpiry) {
    await story.one('getLicense re-entry: still the renewed license', purchaseBody(), {
      check: (ex) =>
        ex.verdict.license?.expireTime?.replace(/\D/g, '').startsWith(expire2) === true
          ? sameDelivery(ex)
          : [
              ...sameDelivery(ex),
              {
                message: `the license expires ${ex.verdict.license?.expireTime ?? 'never'}, not at R2's ${expire2}`,
                fix: 'a late expireLicense after a renewal must not change the renewed license',
              },
            ],
      note: (ex) => `license expires ${ex.verdict.license?.expireTime ?? 'missing'}`,
    });
  }

  const status = (s: 'FREEZE' | 'NORMAL') => ({
    activity: 'instanceStatus',
    instanceId,
    instanceStatus: s,
  });
  const upgrade = () => ({
    activity: 'upgrade',
    instanceId,
    orderId: upgrade1,
    productId: V1_PRODUCT_ID,
    skuCode: 'sim-sku-pro',
    amount: '10',
  });
  if (saas) {
    // Status (on-demand freeze on arrears): NORMAL before its FREEZE, then each twice.
    await story.one('instanceStatus NORMAL delivered before any FREEZE', status('NORMAL'));
    await story.one('instanceStatus FREEZE (arrears)', status('FREEZE'));
    await story.one('instanceStatus FREEZE delivered again', status('FREEZE'));
    await story.one('query while frozen', query(), { check: infoIsOurs });
    await story.one('instanceStatus NORMAL (paid)', status('NORMAL'));
    await story.one('instanceStatus NORMAL delivered again', status('NORMAL'));
    await story.untilDone('upgrade U1', upgrade, poll);
    await story.one('upgrade U1 delivered again', upgrade());
    await story.one('query after upgrade: same instance', query(), { check: infoIsOurs });
  }

  // Release, then every earlier delivery again: nothing but 000000.
  const release = () => ({ activity: A.release, instanceId, orderId });
  await story.one(A.release, release());
  const afterRelease = [
    await story.one(`${A.release} delivered again`, release()),
    await story.one(`${A.purchase} delivered again after release`, purchaseBody(), {
      check: sameDelivery,
      // A released instance has nothing left to deliver: its id is the whole answer.
      tolerate: [FINDINGS.FRONT_END_URL_MISSING],
      note: (ex) =>
        saas && ex.verdict.findings.some((f) => f.name === FINDINGS.FRONT_END_URL_MISSING)
          ? 'no appInfo: the instance is released, nothing left to deliver'
          : undefined,
    }),
    await story.one('renewal R2 delivered again after release', renew(renewal2, expire2)),
    await story.one(`${A.expire} delivered again after release`, expire()),
  ];
  if (saas) {
    afterRelease.push(
      await story.one('instanceStatus FREEZE again after release', status('FREEZE')),
      await story.one('upgrade U1 delivered again after release', upgrade()),
    );
    await story.one('query after release', query(), {
      expect: ['000000', '000003'],
      note: (ex) => `answered ${codeOf(ex)}`,
    });
  }
  return finish(story, protocol, orderId, instanceId, instanceIds, unknown, started, {
    exposesExpiry,
    expiries,
    expire1,
    expire2,
    afterRelease,
    firstLicense,
    licensesBeforeRenewal,
  });
}

function finish(
  story: Story,
  protocol: 'v1' | 'license-v1',
  orderId: string,
  instanceId: string | undefined,
  instanceIds: Set<string>,
  unknown: Exchange[],
  started: number,
  later?: {
    exposesExpiry: boolean;
    expiries: Record<string, string | undefined>;
    expire1: string;
    expire2: string;
    afterRelease: Exchange[];
    firstLicense: string | undefined;
    licensesBeforeRenewal: number;
  },
): LifecycleReport {
  const A = NAMES[protocol];
  const stepOk = (prefix: string) =>
    story.steps.some((s) => s.title.startsWith(prefix)) &&
    story.steps.filter((s) => s.title.startsWith(prefix)).every((s) => s.ok);
  const invariants: Invariant[] = [
    {
      name: 'one instanceId per order',
      ok: instanceId !== undefined && instanceIds.size === 1,
      detail:
        instanceIds.size === 1
          ? `every ${A.purchase} answer named ${instanceId}`
          : `${A.purchase} answers named ${instanceIds.size} instances: ${[...instanceIds].join(', ') || 'none'}`,
    },
  ];
  if (protocol === 'license-v1') {
    invariants.push({
      name: 'one license per order until a renewal',
      ok:
        later !== undefined &&
        later.firstLicense !== undefined &&
        later.licensesBeforeRenewal === 1,
      detail:
        later?.firstLicense === undefined
          ? 'no license was delivered'
          : `the concurrent retries and the re-entry answered ${later.licensesBeforeRenewal} license(s)`,
    });
  }
  invariants.push(
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
      detail: `${unknown.map((ex) => ex.activity).join(', ')} of a never-seen instance answered ${unknown.map(codeOf).join(', ')}`,
    },
    {
      name: '000001 for a wrong key, a stale timeStamp, a replayed authToken',
      ok:
        stepOk(`${A.purchase} signed with a wrong key`) &&
        stepOk(`${A.purchase} with a stale timeStamp`) &&
        stepOk('first purchase request replayed (same authToken)'),
      detail: 'each refused before anything changed',
    },
  );
  return {
    ok: story.steps.every((s) => s.ok) && invariants.every((i) => i.ok !== false),
    protocol,
    orderId,
    ...(instanceId !== undefined ? { instanceId } : {}),
    steps: story.steps,
    invariants,
    totalMs: Date.now() - started,
  };
}
