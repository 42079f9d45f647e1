import { randomUUID } from 'node:crypto';

/**
 * The saved debug cases a product needs, as a seller saves them in the seller-center debugger and
 * KooGallery's probe replays them twice a day (saas-v2.md §2, §7; around-v2.md §4.2): built on the
 * documented `MOCK…` orders (saas-v2.md §4.1), every one with `testFlag` "1".
 */

/** The V2.0 activities (saas-v2.md §2). */
export const ACTIVITIES = [
  'newInstance',
  'queryInstance',
  'refreshInstance',
  'updateInstanceStatus',
  'releaseInstance',
  'upgradeInstance',
  'changeInstanceCheck',
] as const;

/** One V2.0 activity. */
export type Activity = (typeof ACTIVITIES)[number];

/** True when `value` names a V2.0 activity. */
export function isActivity(value: string): value is Activity {
  return (ACTIVITIES as readonly string[]).includes(value);
}

/** The product kinds a suite exists for: 包周期, 按次 and 按需 (with its package variant). */
export const SUITE_KINDS = { PERIOD: 'period', ONETIME: 'onetime', ONDEMAND: 'ondemand' } as const;

/** One of {@link SUITE_KINDS}. */
export type SuiteKind = (typeof SUITE_KINDS)[keyof typeof SUITE_KINDS];

/** True when `value` names a suite. */
export function isSuiteKind(value: string): value is SuiteKind {
  return (Object.values(SUITE_KINDS) as string[]).includes(value);
}

/** The documented mock orders the debugger's Query Order answers for (saas-v2.md §4.1). */
export const MOCK_ORDERS = {
  PERIOD_NEW: 'MOCKPERIODYEARNEW',
  ONETIME_NEW: 'MOCKONETIMENEW',
  ONDEMAND: 'MOCKONDEMAND',
  ONDEMAND_PKG: 'MOCKONDEMANDPKG',
  PERIOD_TRIAL: 'MOCKPERIODDAYTRIAL',
  TRIAL_TO_FORMAL: 'MOCKMONTYTRIALTOFORMAL',
  UNSUBSCRIBE: 'MOCKMONTYUNSUBSCRIBE',
  RENEW: 'MOCKMONTYRENEW',
  CHANGE: 'MOCKMONTYCHANGE',
} as const;

/** The order line of a mock order: `<orderId>-000001`. */
export function mockLine(orderId: string): string {
  return `${orderId}-000001`;
}

/** One saved case: an activity with the parameters a seller typed into the debugger. */
export interface SavedCase {
  /** Short, unique name within its suite, shown in the summary table. */
  id: string;
  activity: Activity;
  /** Body fields other than `activity`, `instanceId` and `testFlag`. */
  fields: Record<string, unknown>;
  /** The `newInstance` case whose instanceId this case acts on. */
  instanceOf?: string;
  /** Only needed when the product supports upgrades or spec changes (saas-v2.md §2, "O"). */
  optional?: boolean;
}

/** The saved cases of one product kind. */
export interface Suite {
  kind: SuiteKind;
  title: string;
  cases: SavedCase[];
}

/** Formats a UTC time as `yyyyMMddHHmmss`, the format of `expireTime` (saas-v2.md §3.3). */
export function utcStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

const DAY_MS = 86_400_000;

function purchase(id: string, orderId: string, businessId: string): SavedCase {
  return {
    id,
    activity: 'newInstance',
    fields: { orderId, orderLineId: mockLine(orderId), businessId },
  };
}

function onInstance(
  id: string,
  activity: Activity,
  instanceOf: string,
  fields: Record<string, unknown> = {},
  optional = false,
): SavedCase {
  return { id, activity, fields, instanceOf, ...(optional ? { optional } : {}) };
}

function refresh(id: string, instanceOf: string, scene: string, orderId: string, expireMs: number) {
  return onInstance(id, 'refreshInstance', instanceOf, {
    scene,
    orderId,
    orderLineId: mockLine(orderId),
    expireTime: utcStamp(expireMs),
  });
}

/** The `productInfo` of the change-check case (saas-v2.md §3.7). */
export const CHANGE_PRODUCT_INFO = {
  productId: 'OFFI000000000000000001',
  skuCode: 'sim-sku-standard',
  linearValue: 10,
  productName: 'standard',
} as const;

/**
 * The saved-case suite of a product kind. Times in the cases (renewal expiry) are derived from
 * `nowMs`, so one probe run replays the same parameters every time, as the platform does.
 *
 * @example
 * const suite = buildSuite('period', Date.now());
 * for (const c of purchases(suite)) ids.set(c.id, await purchaseInstanceId(caseBody(c, ids)));
 */
export function buildSuite(kind: SuiteKind, nowMs: number): Suite {
  const M = MOCK_ORDERS;
  if (kind === 'onetime') {
    return {
      kind,
      title: 'one-time (按次)',
      cases: [
        purchase('purchase', M.ONETIME_NEW, 'b5a0e7f2-0001-4c1e-9a0b-000000000001'),
        onInstance('query', 'queryInstance', 'purchase'),
        onInstance('release', 'releaseInstance', 'purchase'),
      ],
    };
  }
  if (kind === 'ondemand') {
    return {
      kind,
      title: 'pay-per-use (按需, with package)',
      cases: [
        purchase('purchase', M.ONDEMAND, 'b5a0e7f2-0003-4c1e-9a0b-000000000001'),
        purchase('package purchase', M.ONDEMAND_PKG, 'b5a0e7f2-0003-4c1e-9a0b-000000000002'),
        onInstance('query', 'queryInstance', 'purchase'),
        onInstance('query package', 'queryInstance', 'package purchase'),
        refresh('package renewal', 'package purchase', 'RENEWAL', M.RENEW, nowMs + 365 * DAY_MS),
        onInstance('freeze', 'updateInstanceStatus', 'purchase', { status: 'FREEZE' }),
        onInstance('unfreeze', 'updateInstanceStatus', 'purchase', { status: 'UNFREEZE' }),
        onInstance('release', 'releaseInstance', 'purchase'),
        onInstance('release package', 'releaseInstance', 'package purchase'),
      ],
    };
  }
  return {
    kind,
    title: 'period (包周期)',
    cases: [
      purchase('purchase', M.PERIOD_NEW, 'b5a0e7f2-0002-4c1e-9a0b-000000000001'),
      purchase('trial purchase', M.PERIOD_TRIAL, 'b5a0e7f2-0002-4c1e-9a0b-000000000002'),
      onInstance('query', 'queryInstance', 'purchase'),
      refresh('renewal', 'purchase', 'RENEWAL', M.RENEW, nowMs + 400 * DAY_MS),
      refresh(
        'trial to formal',
        'trial purchase',
        'TRIAL_TO_FORMAL',
        M.TRIAL_TO_FORMAL,
        nowMs + 30 * DAY_MS,
      ),
      refresh(
        'renewal cancelled',
        'purchase',
        'UNSUBSCRIBE_RENEWAL_PERIOD',
        M.UNSUBSCRIBE,
        nowMs + 35 * DAY_MS,
      ),
      onInstance('freeze', 'updateInstanceStatus', 'purchase', { status: 'FREEZE' }),
      onInstance('unfreeze', 'updateInstanceStatus', 'purchase', { status: 'UNFREEZE' }),
      onInstance(
        'upgrade',
        'upgradeInstance',
        'purchase',
        { orderId: M.CHANGE, orderLineId: mockLine(M.CHANGE) },
        true,
      ),
      onInstance(
        'change check',
        'changeInstanceCheck',
        'purchase',
        { productInfo: { ...CHANGE_PRODUCT_INFO } },
        true,
      ),
      onInstance('release', 'releaseInstance', 'purchase'),
    ],
  };
}

/** The `newInstance` cases of a suite: run first to learn the instanceIds the other cases use. */
export function purchases(suite: Suite): SavedCase[] {
  return suite.cases.filter((c) => c.activity === 'newInstance');
}

/** Thrown when a case's instance has not been purchased (its `newInstance` gave no instanceId). */
export class MissingInstanceError extends Error {
  constructor(readonly caseId: string) {
    super(`no instanceId for "${caseId}": its newInstance case did not return one`);
    this.name = 'MissingInstanceError';
  }
}

/** The request body of a saved case, with the instanceId of its purchase and `testFlag` "1". */
export function caseBody(
  c: SavedCase,
  instanceIds: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const body: Record<string, unknown> = { activity: c.activity };
  if (c.instanceOf !== undefined) {
    const instanceId = instanceIds.get(c.instanceOf);
    if (instanceId === undefined) throw new MissingInstanceError(c.id);
    body.instanceId = instanceId;
  }
  Object.assign(body, c.fields);
  body.testFlag = '1';
  return body;
}

/** An instanceId of the documentation's examples: a test call for it answers `000000` anyway. */
export const EXAMPLE_INSTANCE_ID = '10e758d0-31ad-4c4b-8f1b-81d03469a10e';

/**
 * A ready-to-send example body for one activity (the period suite's case for it, on
 * {@link EXAMPLE_INSTANCE_ID}), which `event` and `send` start from before applying `--field`.
 */
export function exampleBody(activity: Activity, nowMs: number): Record<string, unknown> {
  const suite = buildSuite('period', nowMs);
  const c = suite.cases.find((x) => x.activity === activity) ?? suite.cases[0];
  if (c === undefined) return { activity, testFlag: '1' };
  const ids = new Map(purchases(suite).map((p) => [p.id, EXAMPLE_INSTANCE_ID]));
  const body = caseBody(c, ids);
  if (activity === 'newInstance') body.businessId = randomUUID();
  return body;
}
