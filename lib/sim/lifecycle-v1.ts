/**
 * The life of one real (non-test) SaaS V1.0 order, or License 1.0 license, against a fresh
 * instance (docs/protocol.md#saas-v10, #license-10): wrongly signed, stale and replayed calls, concurrent retries
 * of the purchase, re-entries, an expiry and its late duplicate after a renewal, renewals delivered
 * twice and out of order, status changes out of order, an upgrade, a release and every earlier
 * delivery after it. V1.0 has no nonce: a replay repeats a request's `authToken`, which the
 * service must refuse.
 */
import { codeOf, type Exchange } from './client';
import { FINDINGS } from './judge';
import {
  afterReleaseInvariant,
  type ExpiryObservations,
  expiryInvariant,
  expiryOf,
  type Invariant,
  infoNames,
  instanceIdOf,
  type LifecycleOptions,
  type LifecycleReport,
  oneInstance,
  oneInstanceInvariant,
  orderPlan,
  refusedInvariant,
  type Story,
  sameInstance,
  unknownInstanceInvariant,
} from './lifecycle-story';
import { extendParams, V1_PRODUCT_ID, v1PurchaseFields } from './suites';

/**
 * How old the stale call's `timeStamp` is: beyond the widest window the function can be set to
 * (`V1_TIMESTAMP_WINDOW_SECONDS` at most 86400), since V1.0 documents none.
 */
const STALE_V1 = { byMs: 25 * 3_600_000, label: 'timeStamp (25 h old)' } as const;

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
 * real order and returns every step and invariant; `runLifecycle` calls it with the story it
 * stops at an unreachable target.
 */
export async function runV1Lifecycle(
  options: LifecycleOptions,
  story: Story,
): Promise<LifecycleReport> {
  const protocol = options.target.protocol === 'license-v1' ? 'license-v1' : 'v1';
  const saas = protocol === 'v1';
  const A = NAMES[protocol];
  const plan = orderPlan(story.started, story.random);
  const { orderId, renewal2, upgrade1, expire1, expire2 } = plan;
  options.onStart?.(orderId);
  const machineCode = `SIM-${story.random.hex(4).toUpperCase()}`;
  // The paid period has just ended, so that the expiry has something to expire.
  const purchaseBody = (): Record<string, unknown> => ({
    activity: A.purchase,
    ...v1PurchaseFields(orderId, story.random.uuid(), '1', story.started - 60_000),
    ...(saas ? {} : { saasExtendParams: extendParams({ identificationCode: machineCode }) }),
  });
  const licenses = new Set<string>();

  // Authentication: nothing may happen for a call that is not KooGallery's.
  const refused = await story.refusals(A.purchase, purchaseBody, STALE_V1);
  const unknownId = story.random.uuid();
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
  const burst = await story.burst(
    (n) => `${A.purchase} ×${n} at once (new businessId each)`,
    purchaseBody,
    ['000000', '000004'],
    (exchanges) => {
      const burstLicenses = new Set(exchanges.map(licenseOf).filter((x) => x !== undefined));
      for (const l of burstLicenses) licenses.add(l);
      const problems = oneInstance(
        exchanges,
        'derive the instance from orderId with one conditional write, so retries find it',
      );
      if (burstLicenses.size > 1) {
        problems.push({
          message: `${burstLicenses.size} different licenses for one order`,
          fix: 'issue the license once per order and answer the stored one to every retry',
        });
      }
      return problems;
    },
    (exchanges) =>
      `instanceId ${exchanges.map(instanceIdOf).find((x) => x !== undefined) ?? 'none'}`,
  );
  const instanceId = burst.map(instanceIdOf).find((x) => x !== undefined);
  refused.push(await story.replay('first purchase request replayed (same authToken)', burst[0]));
  const sameDelivery = sameInstance(
    instanceId,
    'answer every delivery of the same orderId with the same instanceId, forever',
  );
  const invariants = (later?: Later): Invariant[] => [
    oneInstanceInvariant(story, A.purchase, instanceId),
    ...(protocol === 'license-v1' ? [oneLicenseInvariant(later)] : []),
    expiryInvariant(later),
    afterReleaseInvariant(later?.afterRelease),
    unknownInstanceInvariant(unknown),
    refusedInvariant('000001 for a wrong key, a stale timeStamp, a replayed authToken', refused),
  ];
  if (instanceId === undefined) return story.report(protocol, orderId, invariants(), {});
  // V1.0 has no poll: KooGallery re-sends newInstance (and the buyer's 资源详情 does) until 000000.
  const delivered = await story.untilDone(
    `${A.purchase} re-sent until delivered (re-entry)`,
    purchaseBody,
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
  const infoIsOurs = infoNames(instanceId);
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
  await story.renewals(plan, renew, peekExpiry, 'renewal R1 after expiry');
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
    await story.untilDone('upgrade U1', upgrade);
    await story.one('upgrade U1 delivered again', upgrade());
    await story.one('query after upgrade: same instance', query(), { check: infoIsOurs });
  }

  // Release, then every earlier delivery again, in an order drawn from the seed: nothing but 000000.
  const release = () => ({ activity: A.release, instanceId, orderId });
  await story.one(A.release, release());
  const redeliveries: (() => Promise<Exchange>)[] = [
    () => story.one(`${A.release} delivered again`, release()),
    () =>
      story.one(`${A.purchase} delivered again after release`, purchaseBody(), {
        check: (ex) => {
          const problems = sameDelivery(ex);
          if (!saas && licenseOf(ex) !== undefined) {
            problems.push({
              message: 'getLicense delivered a license again after releaseLicense',
              fix: 'drop the license on release and answer later getLicense calls without one',
            });
          }
          return problems;
        },
        // A released instance has nothing left to deliver: its id is the whole answer.
        tolerate: [FINDINGS.FRONT_END_URL_MISSING, FINDINGS.LICENSE_MISSING],
        note: (ex) =>
          ex.verdict.findings.some((f) => f.name === FINDINGS.FRONT_END_URL_MISSING)
            ? 'no appInfo: the instance is released, nothing left to deliver'
            : ex.verdict.findings.some((f) => f.name === FINDINGS.LICENSE_MISSING)
              ? 'no license: a released license is never delivered again'
              : undefined,
      }),
    () => story.one('renewal R2 delivered again after release', renew(renewal2, expire2)),
    () => story.one(`${A.expire} delivered again after release`, expire()),
  ];
  if (saas) {
    redeliveries.push(
      () => story.one('instanceStatus FREEZE again after release', status('FREEZE')),
      () => story.one('upgrade U1 delivered again after release', upgrade()),
    );
  }
  const afterRelease = await story.inSeededOrder(redeliveries);
  if (saas) {
    await story.one('query after release', query(), {
      expect: ['000000', '000003'],
      note: (ex) => `answered ${codeOf(ex)}`,
    });
  }
  const later = {
    exposesExpiry,
    expiries,
    expire1,
    expire2,
    afterRelease,
    firstLicense,
    licensesBeforeRenewal,
  };
  return story.report(protocol, orderId, invariants(later), { instanceId });
}

/** What the story saw once it had an instance. */
interface Later extends ExpiryObservations {
  afterRelease: Exchange[];
  firstLicense: string | undefined;
  licensesBeforeRenewal: number;
}

/** License 1.0: every delivery before a renewal carries one license. */
function oneLicenseInvariant(later: Later | undefined): Invariant {
  return {
    name: 'one license per order until a renewal',
    ok:
      later !== undefined && later.firstLicense !== undefined && later.licensesBeforeRenewal === 1,
    detail:
      later?.firstLicense === undefined
        ? 'no license was delivered'
        : `the concurrent retries and the re-entry answered ${later.licensesBeforeRenewal} license(s)`,
  };
}
