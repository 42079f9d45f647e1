import { InvalidRequestError } from '../errors';
import { quoteReceived } from '../protocol/received-value';
import { MAX_QUERY_IDS, type StatusChange } from '../protocol/v2-requests';
import { dispatch } from '../scenarios';
import {
  encryptionFields,
  namespaceOf,
  provisionerFor,
  wireAppInfo,
} from '../scenarios/instance-access';
import { purchaseInstance } from '../scenarios/new-instance';
import { type Renewal, renew } from '../scenarios/refresh-instance';
import { release } from '../scenarios/release-instance';
import type { ScenarioContext, ScenarioResult } from '../scenarios/scenario';
import { success } from '../scenarios/scenario';
import { changeStatus } from '../scenarios/update-instance-status';
import { upgrade } from '../scenarios/upgrade-instance';
import { type Entitlement, STATUS } from '../store/instance-store';
import { describeCommand, type FrontEnd } from './front-end';
import { shapeV2 } from './saas-v2';
import {
  authenticateV1,
  paramsOf,
  readV1Instance,
  readV1Order,
  readV1Renewal,
  readV1Specification,
  type V1Order,
  type V1Params,
  type V1Renewal,
} from './v1-transport';

/**
 * SaaS V1.0 (docs/protocol.md#saas-v10): GET, every parameter in the query string, `authToken` under
 * the V1.0 key, `Body-Sign` with the same key. Each activity runs the protocol-agnostic scenario
 * the V2.0 activity runs, so a product migrating from V1.0 to V2.0 keeps its instances:
 *
 * | activity          | scenario                                                          |
 * | ----------------- | ----------------------------------------------------------------- |
 * | `newInstance`     | `purchase` (new-instance.ts), order details from the request      |
 * | `refreshInstance` | `renew` (refresh-instance.ts), then unfreeze an expired instance  |
 * | `expireInstance`  | `changeStatus` FREEZE (update-instance-status.ts)                 |
 * | `releaseInstance` | `release` (release-instance.ts)                                   |
 * | `upgrade`         | `upgrade` (upgrade-instance.ts), specification from the request   |
 * | `instanceStatus`  | `changeStatus` FREEZE / UNFREEZE (NORMAL)                         |
 * | `queryInstance`   | `queryInstance` (query-instance.ts)                               |
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

/**
 * A V1.0 renewal: `renew`, then, when the instance was frozen by `expireInstance` and the new
 * expiry is ahead, unfreezes it. V1.0 sends no unfreeze for period products: a renewal after
 * expiry is what restores access. Shared with License 1.0.
 */
export async function renewAndRestore(r: Renewal, ctx: ScenarioContext): Promise<ScenarioResult> {
  const renewed = await renew(r, ctx);
  if (renewed.resultCode !== '000000') return renewed;
  const current = await ctx.deps.store.getInstance(namespaceOf(r.test), r.instanceId);
  if (current?.status !== STATUS.FROZEN || (current.expireTime ?? 0) <= ctx.deps.clock.now()) {
    return renewed;
  }
  return changeStatus({ test: r.test, instanceId: r.instanceId, status: 'UNFREEZE' }, ctx);
}

/**
 * A V1.0 expiry: freezes the instance, unless it has been renewed beyond now since (a retried
 * `expireInstance` arriving after the renewal must not freeze a paid instance). Shared with
 * License 1.0.
 */
export async function expire(
  e: { test: boolean; instanceId: string },
  ctx: ScenarioContext,
): Promise<ScenarioResult> {
  const current = await ctx.deps.store.getInstance(namespaceOf(e.test), e.instanceId);
  const renewed =
    current !== undefined &&
    current.status !== STATUS.RELEASED &&
    (current.expireTime ?? 0) > ctx.deps.clock.now();
  if (renewed) {
    ctx.annotate({ instanceId: e.instanceId });
    return success(undefined, 'success (renewed since; not expired)');
  }
  return changeStatus({ test: e.test, instanceId: e.instanceId, status: 'FREEZE' }, ctx);
}

/** `newInstance`: the purchase, then the current delivery info (re-entries get it again). */
async function newInstanceV1(
  cmd: Extract<SaasV1Command, { activity: 'newInstance' }>,
  ctx: ScenarioContext,
): Promise<ScenarioResult> {
  ctx.annotate({ orderId: cmd.orderId });
  const { result, record } = await purchaseInstance(
    {
      test: cmd.test,
      orderId: cmd.orderId,
      orderLineId: cmd.orderLineId,
      protocol: 'v1',
      order: { entitlement: cmd.entitlement, expireTime: cmd.expireTime },
    },
    ctx,
  );
  const instanceId = result.fields?.instanceId as string;
  if (result.resultCode !== '000000') return result;
  const info = record?.sealedAppInfo
    ? ctx.deps.vault.open(record.sealedAppInfo)
    : cmd.test
      ? await provisionerFor(ctx, true).provision({
          instanceId,
          test: true,
          orderId: cmd.orderId,
          orderLineId: cmd.orderLineId,
          entitlement: cmd.entitlement,
        })
      : undefined;
  // A released real instance has no delivery info left: its id is all there is to answer.
  if (!info) return result;
  return {
    ...result,
    fields: { instanceId, ...encryptionFields(ctx), appInfo: wireAppInfo(ctx, info) },
  };
}

function runSaasV1(cmd: SaasV1Command, ctx: ScenarioContext): Promise<ScenarioResult> {
  const { test } = cmd;
  switch (cmd.activity) {
    case 'newInstance':
      return newInstanceV1(cmd, ctx);
    case 'refreshInstance':
      return renewAndRestore(cmd, ctx);
    case 'expireInstance':
      return expire({ test, instanceId: cmd.instanceId }, ctx);
    case 'releaseInstance':
      return release({ test, instanceId: cmd.instanceId, orderId: cmd.orderId }, ctx);
    case 'upgrade':
      return upgrade(
        { test, instanceId: cmd.instanceId, orderId: cmd.orderId, entitlement: cmd.entitlement },
        ctx,
      );
    case 'instanceStatus':
      return changeStatus({ test, instanceId: cmd.instanceId, status: cmd.status }, ctx);
    case 'queryInstance':
      return dispatch({ activity: 'queryInstance', test, instanceIds: cmd.instanceIds }, ctx);
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
