import { InvalidRequestError } from '../errors';
import { quoteReceived } from '../protocol/received-value';
import { MAX_QUERY_IDS, type StatusChange } from '../protocol/v2-requests';
import {
  CREATION_TIME,
  changeStatus,
  type Entitlement,
  expire,
  ORIGINS,
  purchase,
  query,
  release,
  renew,
  upgrade,
} from '../scenarios';
import { type Answer, describeCommand, type FrontEnd, type RunContext } from './front-end';
import {
  authenticateV1,
  carriedOrder,
  paramsOf,
  readV1Instance,
  readV1Order,
  readV1Renewal,
  readV1Specification,
  renewalCommand,
  type V1Order,
  type V1Params,
  type V1Renewal,
} from './v1-transport';
import { answerOf, purchaseAnswer, queryAnswer, shapeV2 } from './wire-answers';

/**
 * SaaS V1.0 (docs/protocol.md#saas-v10): GET, every parameter in the query string, `authToken` under
 * the V1.0 key, `Body-Sign` with the same key. Each activity runs the protocol-neutral scenario
 * the V2.0 activity runs, so a product migrating from V1.0 to V2.0 keeps its instances:
 *
 * | activity          | scenario                                                          |
 * | ----------------- | ----------------------------------------------------------------- |
 * | `newInstance`     | `purchase` (new-instance.ts), order details from the request      |
 * | `refreshInstance` | `renew` (refresh-instance.ts), restoring access (`restoreAccess`)  |
 * | `expireInstance`  | `expire` (expire-instance.ts): FREEZE unless renewed since        |
 * | `releaseInstance` | `release` (release-instance.ts)                                   |
 * | `upgrade`         | `upgrade` (upgrade-instance.ts), specification from the request   |
 * | `instanceStatus`  | `changeStatus` FREEZE / UNFREEZE (NORMAL) (update-instance-status.ts) |
 * | `queryInstance`   | `query` (query-instance.ts)                                       |
 *
 * `newInstance` answers `instanceId`, `encryptType` and `appInfo` (credentials encrypted with the
 * V1.0 key). It provisions within the response budget; when that is not enough it answers
 * `000004` and provisioning goes on. V1.0 has no poll: KooGallery counts `000004` as a failed
 * attempt and retries the same `newInstance` (about hourly, for about 3 h; the buyer opening the
 * resource details re-sends it too), and the retry finds the finished instance and answers
 * `000000` with the same `instanceId` and `appInfo`. Answering `000000` before the credentials
 * exist would give the buyer none, so `000004` is the honest answer.
 */
export const SAAS_V1_ACTIVITIES = [
  'newInstance',
  'refreshInstance',
  'expireInstance',
  'releaseInstance',
  'upgrade',
  'instanceStatus',
  'queryInstance',
] as const;
/** One SaaS V1.0 activity. */
export type SaasV1Activity = (typeof SAAS_V1_ACTIVITIES)[number];

/** V1.0 `instanceStatus` values and the status change each means. */
const V1_STATUS: Record<string, StatusChange> = { FREEZE: 'FREEZE', NORMAL: 'UNFREEZE' };

/** A validated SaaS V1.0 request. */
export type SaasV1Command =
  | ({ activity: 'newInstance'; test: boolean } & V1Order)
  | ({ activity: 'refreshInstance'; test: boolean } & V1Renewal)
  | { activity: 'expireInstance'; test: boolean; instanceId: string; orderId?: string }
  | { activity: 'releaseInstance'; test: boolean; instanceId: string; orderId?: string }
  | {
      activity: 'upgrade';
      test: boolean;
      instanceId: string;
      orderId: string;
      entitlement: Entitlement;
    }
  | { activity: 'instanceStatus'; test: boolean; instanceId: string; status: StatusChange }
  | { activity: 'queryInstance'; test: boolean; instanceIds: string[] };

/** True when `activity` is a SaaS V1.0 activity. */
export function isSaasV1Activity(activity: string | undefined): activity is SaasV1Activity {
  return (SAAS_V1_ACTIVITIES as readonly string[]).includes(activity ?? '');
}

function parseSaasV1(p: V1Params): SaasV1Command {
  const activity = p.required('activity', 32);
  if (!isSaasV1Activity(activity))
    throw new InvalidRequestError(
      `unknown activity ${quoteReceived(activity)}: parameter activity`,
    );
  const test = p.test();
  switch (activity) {
    case 'newInstance':
      return { activity, test, ...readV1Order(p) };
    case 'refreshInstance':
      return { activity, test, ...readV1Renewal(p) };
    case 'expireInstance':
    case 'releaseInstance':
      return { activity, test, ...readV1Instance(p) };
    case 'upgrade':
      return {
        activity,
        test,
        instanceId: p.required('instanceId'),
        orderId: p.required('orderId'),
        entitlement: readV1Specification(p),
      };
    case 'instanceStatus': {
      const value = p.oneOf('instanceStatus', Object.keys(V1_STATUS));
      return {
        activity,
        test,
        instanceId: p.required('instanceId'),
        status: V1_STATUS[value] as StatusChange,
      };
    }
    case 'queryInstance': {
      const ids = p
        .required('instanceId', MAX_QUERY_IDS * 65)
        .split(',')
        .map((id) => id.trim());
      if (ids.some((id) => id === '' || id.length > 64)) {
        throw new InvalidRequestError('parameter instanceId has an empty or too long id');
      }
      if (ids.length > MAX_QUERY_IDS) {
        throw new InvalidRequestError(`parameter instanceId lists more than ${MAX_QUERY_IDS} ids`);
      }
      return { activity, test, instanceIds: [...new Set(ids)] };
    }
  }
}

async function runSaasV1(cmd: SaasV1Command, ctx: RunContext): Promise<Answer> {
  const s = ctx.scenario;
  const { test } = cmd;
  switch (cmd.activity) {
    case 'newInstance': {
      const order = carriedOrder(cmd, ctx.accessKey, ctx.config.encryptType);
      const purchased = await purchase(
        {
          test,
          orderId: cmd.orderId,
          orderLineId: cmd.orderLineId,
          origin: ORIGINS.SAAS_V1,
          order,
          withDelivery: true,
        },
        s,
      );
      return purchaseAnswer(purchased, ctx);
    }
    case 'refreshInstance':
      return answerOf(await renew(renewalCommand(cmd), s));
    case 'expireInstance':
      return answerOf(await expire({ test, instanceId: cmd.instanceId }, s));
    case 'releaseInstance':
      return answerOf(await release({ test, instanceId: cmd.instanceId, orderId: cmd.orderId }, s));
    case 'upgrade':
      return answerOf(
        await upgrade(
          {
            test,
            instanceId: cmd.instanceId,
            orderId: cmd.orderId,
            entitlement: cmd.entitlement,
            creationTime: CREATION_TIME.IF_READABLE,
          },
          s,
        ),
      );
    case 'instanceStatus':
      return answerOf(
        await changeStatus(
          { test, instanceId: cmd.instanceId, freeze: cmd.status === 'FREEZE' },
          s,
        ),
      );
    case 'queryInstance':
      return queryAnswer(await query({ test, instanceIds: cmd.instanceIds }, s), ctx);
  }
}

/** SaaS V1.0: every GET whose activity is not a License 1.0 one. */
export const saasV1FrontEnd: FrontEnd<SaasV1Command> = {
  family: 'v1',
  matches: (http) => http.method === 'GET',
  keys: (config) => config.v1AccessKeys,
  authenticate: authenticateV1,
  parse: (http, auth) => parseSaasV1(paramsOf(http, auth)),
  run: runSaasV1,
  describe: describeCommand,
  shape: shapeV2,
};
