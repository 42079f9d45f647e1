import { InvalidRequestError } from '../errors';
import type { HttpRequest } from '../http';
import { licenseInstanceIdFor } from '../ids';
import { quoteReceived } from '../protocol/received-value';
import {
  activityOf,
  INSTANCE_STATUS_CHANGES,
  oneOf,
  parseKooTime,
  REFRESH_SCENES,
  readString,
  readTestFlag,
  type StatusChange,
} from '../protocol/v2-requests';
import { namespaceOf } from '../scenarios/instance-access';
import { renew } from '../scenarios/refresh-instance';
import { release } from '../scenarios/release-instance';
import type { ScenarioContext, ScenarioResult } from '../scenarios/scenario';
import { success } from '../scenarios/scenario';
import { changeStatus } from '../scenarios/update-instance-status';
import { STATUS } from '../store/instance-store';
import { describeCommand, type FrontEnd } from './front-end';
import { authenticateQuerySignature, parseJsonBody, shapeV2 } from './saas-v2';

/**
 * License 2.0 notifications (docs/protocol.md#license-20): POST JSON with the V2.0-style query
 * signature under the License key (`KOOGALLERY_LICENSE_ACCESS_KEY`; without it every call is
 * `000001`), `Body-Sign` with the same key.
 *
 * | activity                  | scenario                                                |
 * | ------------------------- | ------------------------------------------------------- |
 * | `refreshLicenseCode`      | `renew` (refresh-instance.ts), RENEWAL or UNSUBSCRIBE_RENEWAL_PERIOD |
 * | `updateLicenseCodeStatus` | `changeStatus` FREEZE / UNFREEZE (update-instance-status.ts) |
 * | `releaseLicenseCode`      | `release` (release-instance.ts)                         |
 *
 * Each license code is one record in the instance table, its id derived from the code
 * (`licenseInstanceIdFor`, so logs never show the code). KooGallery creates the code and sends no
 * purchase notification in 2.0, so the first notification about a code is also how the seller
 * learns of it: a call for an unknown code creates the record (ACTIVE) and then applies its
 * change, instead of answering `000003`, which would only make KooGallery retry 60 times a change
 * that can never succeed. A call about a released code changes nothing and answers `000000`
 * (release is final; late or retried deliveries are expected under 60 retries 2 minutes apart).
 */
export const LICENSE_V2_ACTIVITIES = [
  'refreshLicenseCode',
  'updateLicenseCodeStatus',
  'releaseLicenseCode',
] as const;
/** One License 2.0 activity. */
export type LicenseV2Activity = (typeof LICENSE_V2_ACTIVITIES)[number];

/** `refreshLicenseCode` scenes. */
export const LICENSE_REFRESH_SCENES = [
  REFRESH_SCENES.RENEWAL,
  REFRESH_SCENES.UNSUBSCRIBE_RENEWAL_PERIOD,
] as const;

/** A validated License 2.0 request. */
export type LicenseV2Command =
  | {
      activity: 'refreshLicenseCode';
      test: boolean;
      license: string;
      scene: (typeof LICENSE_REFRESH_SCENES)[number];
      orderId: string;
      orderLineId: string;
      productId?: string;
      expireTime: number;
    }
  | {
      activity: 'updateLicenseCodeStatus';
      test: boolean;
      license: string;
      status: StatusChange;
    }
  | {
      activity: 'releaseLicenseCode';
      test: boolean;
      license: string;
      orderId?: string;
      orderLineId?: string;
    };

/** True when `activity` is a License 2.0 activity. */
export function isLicenseV2Activity(activity: string | undefined): activity is LicenseV2Activity {
  return (LICENSE_V2_ACTIVITIES as readonly string[]).includes(activity ?? '');
}

/**
 * Bodies larger than this are not peeked at. The peek runs before the body size limit and the
 * signature check, so it must stay cheap for anyone's body: on Lambda or FunctionGraph a 1 MiB
 * JSON body costs 10 to 35 ms to parse. A License 2.0 notification is under 1 KiB; 64 KiB is the
 * default `MAX_BODY_BYTES`, so a larger body is refused for its size anyway.
 */
const PEEK_LIMIT_BYTES = 64 * 1024;

/**
 * The activity a POST body names, read only to choose the front end (and so the key that must
 * verify it); the signature check that follows is what makes it trustworthy.
 */
export function peekActivity(http: HttpRequest): string | undefined {
  if (http.method === 'GET' || http.body.length > PEEK_LIMIT_BYTES) return undefined;
  try {
    return activityOf(JSON.parse(http.body.toString('utf8')));
  } catch {
    return undefined;
  }
}

/** A required string field of at most `max` characters (`000002` naming it otherwise). */
const required = (b: Record<string, unknown>, name: string, max = 64): string =>
  readString(b, name, { max, required: true }) as string;

/** An optional string field of at most `max` characters. */
const optional = (b: Record<string, unknown>, name: string, max = 64): string | undefined =>
  readString(b, name, { max, required: false });

/** Validates a License 2.0 body; every failure names the field (`000002`). */
export function parseLicenseV2Request(body: unknown): LicenseV2Command {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  const activity = required(b, 'activity', 32);
  if (!isLicenseV2Activity(activity))
    throw new InvalidRequestError(`unknown activity ${quoteReceived(activity)}: field activity`);
  const test = readTestFlag(b);
  const license = required(b, 'license', 128);
  switch (activity) {
    case 'refreshLicenseCode': {
      const expireTime = parseKooTime(required(b, 'expireTime', 20));
      if (expireTime === undefined) {
        throw new InvalidRequestError('field expireTime must be yyyyMMddHHmmss (UTC)');
      }
      return {
        activity,
        test,
        license,
        scene: oneOf(required(b, 'scene'), LICENSE_REFRESH_SCENES, 'scene'),
        orderId: required(b, 'orderId'),
        orderLineId: required(b, 'orderLineId'),
        productId: optional(b, 'productId'),
        expireTime,
      };
    }
    case 'updateLicenseCodeStatus':
      return {
        activity,
        test,
        license,
        status: oneOf(required(b, 'status', 16), Object.values(INSTANCE_STATUS_CHANGES), 'status'),
      };
    case 'releaseLicenseCode':
      return {
        activity,
        test,
        license,
        orderId: optional(b, 'orderId'),
        orderLineId: optional(b, 'orderLineId'),
      };
  }
}

/**
 * True when the license code's record is released. The first notification about a code creates
 * its record ACTIVE (`attribute_not_exists`: concurrent first notifications create it once); only
 * a create that lost to a concurrent one reads the record again.
 */
async function isReleased(
  cmd: LicenseV2Command,
  instanceId: string,
  ctx: ScenarioContext,
): Promise<boolean> {
  const namespace = namespaceOf(cmd.test);
  const current = await ctx.deps.store.getInstance(namespace, instanceId);
  if (current) return current.status === STATUS.RELEASED;
  const now = ctx.deps.clock.now();
  const orderId = 'orderId' in cmd ? (cmd.orderId ?? '') : '';
  const orderLineId = 'orderLineId' in cmd ? (cmd.orderLineId ?? '') : '';
  const productId = 'productId' in cmd ? cmd.productId : undefined;
  const created = await ctx.deps.store.createInstance({
    namespace,
    instanceId,
    status: STATUS.ACTIVE,
    version: 1,
    orderId,
    orderLineId,
    protocol: 'license-v2',
    entitlement: productId ? { productId } : {},
    appliedOrders: [],
    extra: { licenseCode: cmd.license },
    createdAt: now,
    updatedAt: now,
  });
  if (created === 'written') return false;
  return (await ctx.deps.store.getInstance(namespace, instanceId))?.status === STATUS.RELEASED;
}

async function runLicenseV2(cmd: LicenseV2Command, ctx: ScenarioContext): Promise<ScenarioResult> {
  const instanceId = licenseInstanceIdFor(cmd.license);
  ctx.annotate({ instanceId });
  if (await isReleased(cmd, instanceId, ctx)) {
    return success(undefined, 'success (license code was released)');
  }
  const { test } = cmd;
  switch (cmd.activity) {
    case 'refreshLicenseCode':
      return renew(
        {
          test,
          instanceId,
          orderId: cmd.orderId,
          orderLineId: cmd.orderLineId,
          scene: cmd.scene,
          expireTime: cmd.expireTime,
          productId: cmd.productId,
        },
        ctx,
      );
    case 'updateLicenseCodeStatus':
      return changeStatus({ test, instanceId, status: cmd.status }, ctx);
    case 'releaseLicenseCode':
      return release({ test, instanceId, orderId: cmd.orderId, orderLineId: cmd.orderLineId }, ctx);
  }
}

/** License 2.0: POSTs whose body names a License 2.0 activity; verified with the License key only. */
export const licenseV2FrontEnd: FrontEnd<LicenseV2Command> = {
  family: 'license-v2',
  matches: (http) => isLicenseV2Activity(peekActivity(http)),
  keys: (config) => config.licenseAccessKeys,
  authenticate: (http, deps) =>
    authenticateQuerySignature(http, deps, 'license', deps.config.licenseAccessKeys),
  parse: (http) => parseLicenseV2Request(parseJsonBody(http)),
  run: runLicenseV2,
  describe: describeCommand,
  shape: shapeV2,
};
