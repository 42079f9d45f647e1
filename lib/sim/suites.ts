import { randomUUID } from 'node:crypto';
import { isPurchase, PROTOCOL_INFO, type Protocol } from './protocols';

/**
 * The saved debug cases a product needs, as a seller saves them in the seller-center debugger and
 * KooGallery's probe replays them twice a day (docs/protocol.md#debugger-and-probes), for each
 * interface type: SaaS V2.0 on the documented `MOCK…` orders (docs/protocol.md#query-order); SaaS V1.0 with
 * the order details in the request (docs/protocol.md#saas-v10); License 2.0 notifications about
 * one test license code (#license-20); License 1.0 (#license-10). Every case carries `testFlag` "1".
 */

/** The product kinds a suite exists for: 包周期, 按次 and 按需 (with its package variant). */
export const SUITE_KINDS = { PERIOD: 'period', ONETIME: 'onetime', ONDEMAND: 'ondemand' } as const;

/** One of {@link SUITE_KINDS}. */
export type SuiteKind = (typeof SUITE_KINDS)[keyof typeof SUITE_KINDS];

/** True when `value` names a suite. */
export function isSuiteKind(value: string): value is SuiteKind {
  return (Object.values(SUITE_KINDS) as string[]).includes(value);
}

/** The documented mock orders the debugger's Query Order answers for (docs/protocol.md#query-order). */
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
  /** An activity of the suite's protocol. */
  activity: string;
  /** Body fields other than `activity`, `instanceId` and `testFlag`. */
  fields: Record<string, unknown>;
  /** The `newInstance` case whose instanceId this case acts on. */
  instanceOf?: string;
  /** Only needed when the product supports upgrades or spec changes (docs/protocol.md#saas-v20-activities). */
  optional?: boolean;
}

/** The saved cases of one product kind, for one interface type. */
export interface Suite {
  kind: SuiteKind;
  /** The interface type the cases speak. */
  protocol: Protocol;
  title: string;
  cases: SavedCase[];
}

/** Formats a UTC time as `yyyyMMddHHmmss`, the format of `expireTime` (docs/protocol.md#refreshinstance). */
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
  activity: string,
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

/** The `productInfo` of the change-check case (docs/protocol.md#changeinstancecheck). */
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
export function buildSuite(kind: SuiteKind, nowMs: number, protocol: Protocol = 'v2'): Suite {
  if (protocol === 'v1') return buildV1Suite(kind, nowMs);
  if (protocol === 'license') return buildLicenseSuite(nowMs);
  if (protocol === 'license-v1') return buildLicenseV1Suite(nowMs);
  const M = MOCK_ORDERS;
  if (kind === 'onetime') {
    return {
      kind,
      protocol,
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
      protocol,
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
    protocol,
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

/**
 * The purchase cases of a suite (`newInstance`, `getLicense`): run first to learn the instanceIds
 * the other cases use. License 2.0 has none: its cases name the license code.
 */
export function purchases(suite: Suite): SavedCase[] {
  return suite.cases.filter((c) => isPurchase(suite.protocol, c.activity));
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
 * A ready-to-send example body for one activity of `protocol` (the period suite's case for it, on
 * {@link EXAMPLE_INSTANCE_ID}), which `event` and `send` start from before applying `--field`.
 */
export function exampleBody(
  activity: string,
  nowMs: number,
  protocol: Protocol = 'v2',
): Record<string, unknown> {
  const suite = buildSuite('period', nowMs, protocol);
  const c = suite.cases.find((x) => x.activity === activity);
  if (c === undefined) return { activity, testFlag: '1' };
  const ids = new Map(purchases(suite).map((p) => [p.id, EXAMPLE_INSTANCE_ID]));
  const body = caseBody(c, ids);
  if (isPurchase(protocol, activity)) body.businessId = randomUUID();
  return body;
}

/** The suite kinds each protocol has saved cases for; License products are period products. */
export function suiteKindsOf(protocol: Protocol): SuiteKind[] {
  return protocol === 'v2' || protocol === 'v1' ? Object.values(SUITE_KINDS) : ['period'];
}

/** The orders of the V1.0 and License 1.0 debug cases (order details travel in the request). */
export const V1_TEST_ORDERS = {
  PERIOD_NEW: 'MOCKV1PERIODNEW',
  ONETIME_NEW: 'MOCKV1ONETIMENEW',
  ONDEMAND: 'MOCKV1ONDEMAND',
  RENEW: 'MOCKV1RENEW',
  UNSUBSCRIBE: 'MOCKV1UNSUBSCRIBE',
  UPGRADE: 'MOCKV1UPGRADE',
  LICENSE_NEW: 'MOCKLICENSEV1NEW',
  LICENSE_RENEW: 'MOCKLICENSEV1RENEW',
} as const;

/** The product of the V1.0 debug cases: the documentation's example product id. */
export const V1_PRODUCT_ID = '00301-666666-0--0';

/** The buyer of the V1.0 debug cases: the documentation's example customer id. */
export const V1_CUSTOMER_ID = '68cbc86abc2018ab880d92f36422fa0e';

/** `saasExtendParams` as KooGallery sends it: base64 of a JSON array of `{name, value}`. */
export function extendParams(pairs: Record<string, string>): string {
  const list = Object.entries(pairs).map(([name, value]) => ({ name, value }));
  return Buffer.from(JSON.stringify(list), 'utf8').toString('base64');
}

/**
 * A V1.0 purchase's parameters (docs/protocol.md#saas-v10): the order details travel in the request.
 * `chargingMode` 1 is a period product, 3 one-time (按次), 0 on-demand (按需).
 */
export function v1PurchaseFields(
  orderId: string,
  businessId: string,
  chargingMode: '0' | '1' | '3',
  expireMs?: number,
): Record<string, string> {
  return {
    businessId,
    customerId: V1_CUSTOMER_ID,
    customerName: 'koogallery-sim',
    orderId,
    productId: V1_PRODUCT_ID,
    skuCode: 'sim-sku-basic',
    chargingMode,
    ...(chargingMode === '1' ? { periodType: 'month', periodNumber: '1' } : {}),
    ...(expireMs !== undefined && chargingMode === '1' ? { expireTime: utcStamp(expireMs) } : {}),
  };
}

function v1Purchase(
  id: string,
  orderId: string,
  businessId: string,
  mode: '0' | '1' | '3',
  expireMs?: number,
): SavedCase {
  return {
    id,
    activity: 'newInstance',
    fields: v1PurchaseFields(orderId, businessId, mode, expireMs),
  };
}

function buildV1Suite(kind: SuiteKind, nowMs: number): Suite {
  const O = V1_TEST_ORDERS;
  const protocol = 'v1';
  const status = (id: string, of: string, value: 'FREEZE' | 'NORMAL', optional: boolean) =>
    onInstance(id, 'instanceStatus', of, { instanceStatus: value }, optional);
  if (kind === 'onetime') {
    return {
      kind,
      protocol,
      title: 'SaaS V1.0 one-time (按次)',
      cases: [
        v1Purchase('purchase', O.ONETIME_NEW, '61e834ba-0001-4418-b8f7-e5345137278c', '3'),
        onInstance('release', 'releaseInstance', 'purchase', { orderId: O.ONETIME_NEW }),
      ],
    };
  }
  if (kind === 'ondemand') {
    return {
      kind,
      protocol,
      title: 'SaaS V1.0 pay-per-use (按需)',
      cases: [
        v1Purchase('purchase', O.ONDEMAND, '61e834ba-0003-4418-b8f7-e5345137278c', '0'),
        onInstance('query', 'queryInstance', 'purchase'),
        status('freeze', 'purchase', 'FREEZE', false),
        status('unfreeze', 'purchase', 'NORMAL', false),
        onInstance('release', 'releaseInstance', 'purchase', { orderId: O.ONDEMAND }),
      ],
    };
  }
  const businessId = '61e834ba-0002-4418-b8f7-e5345137278c';
  const purchaseCase = v1Purchase('purchase', O.PERIOD_NEW, businessId, '1', nowMs + 30 * DAY_MS);
  const renewal = (id: string, orderId: string, expireMs: number, extra = {}, optional = false) =>
    onInstance(
      id,
      'refreshInstance',
      'purchase',
      {
        orderId,
        productId: V1_PRODUCT_ID,
        expireTime: utcStamp(expireMs),
        periodType: 'month',
        periodNumber: '1',
        ...extra,
      },
      optional,
    );
  return {
    kind,
    protocol,
    title: 'SaaS V1.0 period (包周期)',
    cases: [
      purchaseCase,
      renewal('renewal', O.RENEW, nowMs + 400 * DAY_MS),
      onInstance('expiry', 'expireInstance', 'purchase', { orderId: O.PERIOD_NEW }),
      onInstance('release', 'releaseInstance', 'purchase', { orderId: O.PERIOD_NEW }),
      renewal(
        'renewal cancelled',
        O.UNSUBSCRIBE,
        nowMs + 35 * DAY_MS,
        { orderAmount: '-10' },
        true,
      ),
      onInstance(
        'upgrade',
        'upgrade',
        'purchase',
        { orderId: O.UPGRADE, productId: V1_PRODUCT_ID, skuCode: 'sim-sku-pro', amount: '10' },
        true,
      ),
      status('freeze', 'purchase', 'FREEZE', true),
      status('unfreeze', 'purchase', 'NORMAL', true),
      onInstance('query', 'queryInstance', 'purchase', {}, true),
    ],
  };
}

/** The license code of the License 2.0 debug cases (KooGallery's codes look like `PLXXXXXX`). */
export const TEST_LICENSE_CODE = 'PLSIMPROBE0001';

/** The License 2.0 product of the debug cases. */
export const LICENSE_PRODUCT_ID = 'OFFI000000000000000002';

/** A License 2.0 `refreshLicenseCode` body's fields for `license`. */
export function licenseRefreshFields(
  license: string,
  scene: 'RENEWAL' | 'UNSUBSCRIBE_RENEWAL_PERIOD',
  orderId: string,
  expireMs: number,
): Record<string, string> {
  return {
    scene,
    orderId,
    orderLineId: mockLine(orderId),
    license,
    productId: LICENSE_PRODUCT_ID,
    expireTime: utcStamp(expireMs),
  };
}

function buildLicenseSuite(nowMs: number): Suite {
  const license = TEST_LICENSE_CODE;
  const notification = (id: string, activity: string, fields: Record<string, unknown>) => ({
    id,
    activity,
    fields: { license, ...fields },
  });
  return {
    kind: 'period',
    protocol: 'license',
    title: 'License 2.0 (授权码)',
    cases: [
      notification(
        'renewal',
        'refreshLicenseCode',
        licenseRefreshFields(license, 'RENEWAL', 'MOCKLICENSERENEW', nowMs + 400 * DAY_MS),
      ),
      notification(
        'renewal refund',
        'refreshLicenseCode',
        licenseRefreshFields(
          license,
          'UNSUBSCRIBE_RENEWAL_PERIOD',
          'MOCKLICENSEUNSUBSCRIBE',
          nowMs + 35 * DAY_MS,
        ),
      ),
      notification('freeze', 'updateLicenseCodeStatus', { status: 'FREEZE' }),
      notification('unfreeze', 'updateLicenseCodeStatus', { status: 'UNFREEZE' }),
      notification('release', 'releaseLicenseCode', {
        orderId: 'MOCKLICENSENEW',
        orderLineId: mockLine('MOCKLICENSENEW'),
      }),
    ],
  };
}

/** The machine code the License 1.0 debug purchase binds its license to. */
export const TEST_MACHINE_CODE = 'SIM-MACHINE-0001';

function buildLicenseV1Suite(nowMs: number): Suite {
  const O = V1_TEST_ORDERS;
  const purchaseCase: SavedCase = {
    id: 'purchase',
    activity: 'getLicense',
    fields: {
      ...v1PurchaseFields(
        O.LICENSE_NEW,
        '61e834ba-0004-4418-b8f7-e5345137278c',
        '1',
        nowMs + 30 * DAY_MS,
      ),
      saasExtendParams: extendParams({ identificationCode: TEST_MACHINE_CODE }),
    },
  };
  return {
    kind: 'period',
    protocol: 'license-v1',
    title: 'License 1.0',
    cases: [
      purchaseCase,
      onInstance('renewal', 'refreshLicense', 'purchase', {
        orderId: O.LICENSE_RENEW,
        expireTime: utcStamp(nowMs + 400 * DAY_MS),
      }),
      onInstance('expiry', 'expireLicense', 'purchase', { orderId: O.LICENSE_NEW }),
      onInstance('release', 'releaseLicense', 'purchase', { orderId: O.LICENSE_NEW }),
    ],
  };
}

/** The protocol's activities, for usage messages. */
export function activitiesOf(protocol: Protocol): readonly string[] {
  return PROTOCOL_INFO[protocol].activities;
}
