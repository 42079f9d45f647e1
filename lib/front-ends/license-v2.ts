import { InvalidRequestError } from '../errors';
import type { HttpRequest } from '../http';
import { activityOf, oneOf, readString, readTestFlag } from '../protocol/fields';
import { parseKooTime } from '../protocol/koo-time';
import { quoteReceived } from '../protocol/received-value';
import {
  INSTANCE_STATUS_CHANGES,
  REFRESH_SCENES,
  type StatusChange,
} from '../protocol/v2-requests';
import { changeLicenseCode, type LicenseCodeCommand } from '../scenarios';
import { describeCommand, type FrontEnd } from './front-end';
import { authenticateQuerySignature, parseJsonBody, V2_RENEWAL_SCENES } from './saas-v2';
import { answerOf, shapeV2 } from './wire-answers';

/**
 * License 2.0 notifications (docs/protocol.md#license-20): POST JSON with the V2.0-style query
 * signature under the License key (`KOOGALLERY_LICENSE_ACCESS_KEY`; without it every call is
 * `000001`), `Body-Sign` with the same key.
 *
 * Every activity runs `changeLicenseCode` (license-code.ts), which registers an unknown code and
 * then applies the change:
 *
 * | activity                  | change                                                   |
 * | ------------------------- | -------------------------------------------------------- |
 * | `refreshLicenseCode`      | `renew` (refresh-instance.ts), RENEWAL, UNSUBSCRIBE_RENEWAL_PERIOD or TRIAL_TO_FORMAL |
 * | `updateLicenseCodeStatus` | `changeStatus` FREEZE / UNFREEZE (update-instance-status.ts) |
 * | `releaseLicenseCode`      | `release` (release-instance.ts)                          |
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

/**
 * `refreshLicenseCode` scenes: the documented two, and `TRIAL_TO_FORMAL` (a trial license turned
 * paid), which KooGallery may send as it does to SaaS products.
 */
export const LICENSE_REFRESH_SCENES = [
  REFRESH_SCENES.RENEWAL,
  REFRESH_SCENES.UNSUBSCRIBE_RENEWAL_PERIOD,
  REFRESH_SCENES.TRIAL_TO_FORMAL,
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

/** A License 2.0 request as the license-code command (license-code.ts). */
export function licenseCodeCommand(cmd: LicenseV2Command): LicenseCodeCommand {
  const base = { test: cmd.test, licenseCode: cmd.license };
  switch (cmd.activity) {
    case 'refreshLicenseCode':
      return {
        ...base,
        productId: cmd.productId,
        change: {
          kind: 'renew',
          orderId: cmd.orderId,
          orderLineId: cmd.orderLineId,
          scene: V2_RENEWAL_SCENES[cmd.scene],
          expireTime: cmd.expireTime,
        },
      };
    case 'updateLicenseCodeStatus':
      return { ...base, change: { kind: 'status', freeze: cmd.status === 'FREEZE' } };
    case 'releaseLicenseCode':
      return {
        ...base,
        change: { kind: 'release', orderId: cmd.orderId, orderLineId: cmd.orderLineId },
      };
  }
}

/** License 2.0: POSTs whose body names a License 2.0 activity; verified with the License key only. */
export const licenseV2FrontEnd: FrontEnd<LicenseV2Command> = {
  family: 'license-v2',
  matches: (http) => isLicenseV2Activity(peekActivity(http)),
  keys: (config) => config.licenseAccessKeys,
  authenticate: (http, config, clock) =>
    authenticateQuerySignature(http, config, clock, 'license', config.licenseAccessKeys),
  parse: (http) => parseLicenseV2Request(parseJsonBody(http)),
  run: async (cmd, ctx) => answerOf(await changeLicenseCode(licenseCodeCommand(cmd), ctx.scenario)),
  describe: describeCommand,
  shape: shapeV2,
};
