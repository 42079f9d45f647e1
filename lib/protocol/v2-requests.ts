import { InvalidRequestError } from '../errors';
import { type FieldSpec, oneOf, readString, readTestFlag } from './fields';
import { parseKooTime } from './koo-time';
import { quoteReceived } from './received-value';
import { assertWellFormed } from './well-formed';

/** The SaaS V2.0 activities (docs/protocol.md#saas-v20-activities). */
export const V2_ACTIVITIES = [
  'newInstance',
  'queryInstance',
  'refreshInstance',
  'updateInstanceStatus',
  'releaseInstance',
  'upgradeInstance',
  'changeInstanceCheck',
] as const;
/** One SaaS V2.0 activity. */
export type V2Activity = (typeof V2_ACTIVITIES)[number];

/** `refreshInstance` scenes (docs/protocol.md#refreshinstance). */
export const REFRESH_SCENES = {
  TRIAL_TO_FORMAL: 'TRIAL_TO_FORMAL',
  RENEWAL: 'RENEWAL',
  UNSUBSCRIBE_RENEWAL_PERIOD: 'UNSUBSCRIBE_RENEWAL_PERIOD',
  RENEWAL_CHANGE: 'RENEWAL_CHANGE',
} as const;
/** One refresh scene. */
export type RefreshScene = (typeof REFRESH_SCENES)[keyof typeof REFRESH_SCENES];

/** `updateInstanceStatus` values (docs/protocol.md#updateinstancestatus). */
export const INSTANCE_STATUS_CHANGES = { FREEZE: 'FREEZE', UNFREEZE: 'UNFREEZE' } as const;
/** FREEZE or UNFREEZE. */
export type StatusChange = (typeof INSTANCE_STATUS_CHANGES)[keyof typeof INSTANCE_STATUS_CHANGES];

/** At most this many ids in one `queryInstance` (docs/protocol.md#retries-and-limits). */
export const MAX_QUERY_IDS = 100;

/** The product a buyer wants at the next renewal (`changeInstanceCheck`). */
export interface ProductInfo {
  productId: string;
  skuCode: string;
  productName: string;
  linearValue?: number;
}

/** A validated SaaS V2.0 request, still in the wire's terms; `test` is `testFlag` "1". */
export type V2Request =
  | {
      activity: 'newInstance';
      test: boolean;
      orderId: string;
      orderLineId: string;
      businessId: string;
    }
  | { activity: 'queryInstance'; test: boolean; instanceIds: string[] }
  | {
      activity: 'refreshInstance';
      test: boolean;
      instanceId: string;
      orderId: string;
      orderLineId: string;
      scene: RefreshScene;
      productId?: string;
      /** The new expiry, epoch milliseconds (UTC). */
      expireTime: number;
    }
  | { activity: 'updateInstanceStatus'; test: boolean; instanceId: string; status: StatusChange }
  | {
      activity: 'releaseInstance';
      test: boolean;
      instanceId: string;
      orderId?: string;
      orderLineId?: string;
    }
  | {
      activity: 'upgradeInstance';
      test: boolean;
      instanceId: string;
      orderId: string;
      orderLineId: string;
    }
  | {
      activity: 'changeInstanceCheck';
      test: boolean;
      instanceId: string;
      productInfo: ProductInfo;
    };

/** Max lengths and presence per activity, from docs/protocol.md#saas-v20-activities. */
const FIELDS: Record<V2Activity, Record<string, FieldSpec>> = {
  newInstance: {
    orderId: { max: 64, required: true },
    orderLineId: { max: 64, required: true },
    businessId: { max: 64, required: true },
  },
  queryInstance: { instanceId: { max: MAX_QUERY_IDS * 65 - 1, required: true } },
  refreshInstance: {
    scene: { max: 64, required: true },
    orderId: { max: 64, required: true },
    orderLineId: { max: 64, required: true },
    instanceId: { max: 64, required: true },
    productId: { max: 64, required: false },
    expireTime: { max: 20, required: true },
  },
  updateInstanceStatus: {
    instanceId: { max: 64, required: true },
    status: { max: 32, required: true },
  },
  releaseInstance: {
    instanceId: { max: 64, required: true },
    orderId: { max: 64, required: false },
    orderLineId: { max: 64, required: false },
  },
  upgradeInstance: {
    instanceId: { max: 64, required: true },
    orderId: { max: 64, required: true },
    orderLineId: { max: 64, required: true },
  },
  changeInstanceCheck: { instanceId: { max: 64, required: true } },
};

const ACTIVITY_MAX: Record<V2Activity, number> = {
  newInstance: 20,
  queryInstance: 20,
  refreshInstance: 20,
  updateInstanceStatus: 32,
  releaseInstance: 32,
  upgradeInstance: 32,
  changeInstanceCheck: 32,
};

/** Longest `productInfo` accepted as a JSON string (four short fields fit many times over). */
const MAX_PRODUCT_INFO_TEXT = 2048;

/** `productInfo` as an object, or as a JSON string of one (the documents show both). */
function productInfoObject(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const refused = () =>
    new InvalidRequestError('field productInfo must be an object, or a JSON string of one');
  if (raw.length > MAX_PRODUCT_INFO_TEXT) throw refused();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw refused();
  }
  // The body was checked before this inner text was parsed: its escapes ("\udfff") are new strings.
  assertWellFormed(parsed, 'field productInfo');
  return parsed;
}

function readProductInfo(body: Record<string, unknown>): ProductInfo {
  const raw = productInfoObject(body.productInfo);
  if (raw === undefined || raw === null)
    throw new InvalidRequestError('missing required field: productInfo');
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidRequestError('field productInfo must be an object, or a JSON string of one');
  }
  const p = raw as Record<string, unknown>;
  const req = { max: 64, required: true };
  const info: ProductInfo = {
    productId: readString(p, 'productId', req) as string,
    skuCode: readString(p, 'skuCode', req) as string,
    productName: readString(p, 'productName', req) as string,
  };
  if (Object.hasOwn(p, 'linearValue') && p.linearValue !== null && p.linearValue !== undefined) {
    const v = typeof p.linearValue === 'string' ? Number(p.linearValue) : p.linearValue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new InvalidRequestError('field productInfo.linearValue must be a non-negative integer');
    }
    info.linearValue = v;
  }
  return info;
}

/** True when `activity` is a SaaS V2.0 activity. */
export function isV2Activity(activity: string | undefined): activity is V2Activity {
  return (V2_ACTIVITIES as readonly string[]).includes(activity ?? '');
}

/**
 * Validates a parsed SaaS V2.0 body into a {@link V2Request}: required fields, types and
 * maximum lengths of docs/protocol.md#saas-v20-activities. Throws `InvalidRequestError` naming the field.
 * Unknown fields are ignored (KooGallery may add some); nothing is copied from the body but the
 * known fields, so keys like `__proto__` have no effect.
 */
export function parseV2Request(body: unknown): V2Request {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  const activityRaw = readString(b, 'activity', { max: 32, required: true }) as string;
  if (!isV2Activity(activityRaw))
    throw new InvalidRequestError(`unknown activity ${quoteReceived(activityRaw)}: field activity`);
  const activity = activityRaw;
  if (activity.length > ACTIVITY_MAX[activity]) {
    throw new InvalidRequestError('field activity is too long');
  }
  const f = FIELDS[activity];
  const s = (name: string): string | undefined => readString(b, name, f[name] as FieldSpec);
  const r = (name: string): string => s(name) as string;
  const test = readTestFlag(b);
  switch (activity) {
    case 'newInstance':
      return {
        activity,
        test,
        orderId: r('orderId'),
        orderLineId: r('orderLineId'),
        businessId: r('businessId'),
      };
    case 'queryInstance': {
      const ids = r('instanceId')
        .split(',')
        .map((id) => id.trim());
      if (ids.some((id) => id === ''))
        throw new InvalidRequestError('field instanceId has an empty id');
      if (ids.length > MAX_QUERY_IDS) {
        throw new InvalidRequestError(`field instanceId lists more than ${MAX_QUERY_IDS} ids`);
      }
      if (ids.some((id) => id.length > 64)) {
        throw new InvalidRequestError('field instanceId has an id longer than 64 characters');
      }
      return { activity, test, instanceIds: [...new Set(ids)] };
    }
    case 'refreshInstance': {
      const expireTime = parseKooTime(r('expireTime'));
      if (expireTime === undefined) {
        throw new InvalidRequestError(
          'field expireTime must be yyyyMMddHHmmss or yyyyMMddHHmmssSSS (UTC)',
        );
      }
      return {
        activity,
        test,
        instanceId: r('instanceId'),
        orderId: r('orderId'),
        orderLineId: r('orderLineId'),
        scene: oneOf(r('scene'), Object.values(REFRESH_SCENES), 'scene'),
        productId: s('productId'),
        expireTime,
      };
    }
    case 'updateInstanceStatus':
      return {
        activity,
        test,
        instanceId: r('instanceId'),
        status: oneOf(r('status'), Object.values(INSTANCE_STATUS_CHANGES), 'status'),
      };
    case 'releaseInstance':
      return {
        activity,
        test,
        instanceId: r('instanceId'),
        orderId: s('orderId'),
        orderLineId: s('orderLineId'),
      };
    case 'upgradeInstance':
      return {
        activity,
        test,
        instanceId: r('instanceId'),
        orderId: r('orderId'),
        orderLineId: r('orderLineId'),
      };
    case 'changeInstanceCheck':
      return { activity, test, instanceId: r('instanceId'), productInfo: readProductInfo(b) };
  }
}
