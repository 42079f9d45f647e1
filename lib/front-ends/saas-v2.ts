import type { Clock } from '../clock';
import type { Config } from '../config';
import { InvalidRequestError, SignatureError } from '../errors';
import type { HttpRequest } from '../http';
import { verifyRequestSignature } from '../protocol/request-signature';
import { parseV2Request, type RefreshScene, type V2Request } from '../protocol/v2-requests';
import { assertWellFormed } from '../protocol/well-formed';
import {
  CREATION_TIME,
  changeStatus,
  checkChange,
  ORIGINS,
  purchase,
  query,
  RENEWAL_SCENES,
  type RenewalScene,
  release,
  renew,
  upgrade,
} from '../scenarios';
import {
  type Answer,
  type Authenticated,
  describeCommand,
  type FrontEnd,
  type RunContext,
} from './front-end';
import { answerOf, purchaseAnswer, queryAnswer, shapeV2 } from './wire-answers';

/**
 * Parses a body as JSON, answering `000002` when it is not, or when a string in it holds an
 * unpaired surrogate (`"\udfff"`: no store or signature can hold it, #14).
 */
export function parseJsonBody(http: HttpRequest): unknown {
  let body: unknown;
  try {
    body = JSON.parse(http.body.toString('utf8'));
  } catch {
    throw new InvalidRequestError('body is not valid JSON');
  }
  assertWellFormed(body);
  return body;
}

/**
 * Verifies a V2.0-style query signature with a family's keys and names the nonce as the replay
 * token (the app records it). Shared by SaaS V2.0 and License 2.0.
 */
export async function authenticateQuerySignature(
  http: HttpRequest,
  config: Config,
  clock: Clock,
  family: string,
  keys: readonly string[],
): Promise<Authenticated> {
  const now = clock.now();
  const window = config.signatureWindowMs;
  const verdict = verifyRequestSignature(
    {
      signature: http.query.signature,
      timestamp: http.query.timestamp,
      nonce: http.query.nonce,
      body: http.body,
    },
    keys,
    now,
    window,
    config.requestBodyDigest,
  );
  if (!verdict.ok) throw new SignatureError(verdict.reason);
  return {
    accessKey: verdict.key,
    requestTimestampMs: verdict.timestampMs,
    bodyDigest: verdict.bodyDigest,
    // Kept for twice the window: long enough that no timestamp the window accepts can reuse it.
    replay: {
      family,
      nonce: http.query.nonce as string,
      expiresAtMs: now + 2 * window,
      reason: 'replayed nonce',
    },
  };
}

/** KooGallery's `refreshInstance` scenes as the renewal scenes the scenarios and provisioner know. */
export const V2_RENEWAL_SCENES: Readonly<Record<RefreshScene, RenewalScene>> = {
  TRIAL_TO_FORMAL: RENEWAL_SCENES.TRIAL_TO_FORMAL,
  RENEWAL: RENEWAL_SCENES.RENEWAL,
  UNSUBSCRIBE_RENEWAL_PERIOD: RENEWAL_SCENES.UNSUBSCRIBE_RENEWAL_PERIOD,
  RENEWAL_CHANGE: RENEWAL_SCENES.RENEWAL_CHANGE,
};

async function runSaasV2(req: V2Request, ctx: RunContext): Promise<Answer> {
  const s = ctx.scenario;
  const { test } = req;
  switch (req.activity) {
    case 'newInstance': {
      const { orderId, orderLineId } = req;
      const cmd = { test, orderId, orderLineId, origin: ORIGINS.SAAS_V2, withDelivery: false };
      return purchaseAnswer(await purchase(cmd, s), ctx);
    }
    case 'queryInstance':
      return queryAnswer(await query({ test, instanceIds: req.instanceIds }, s), ctx);
    case 'refreshInstance':
      return answerOf(
        await renew(
          {
            test,
            instanceId: req.instanceId,
            orderId: req.orderId,
            orderLineId: req.orderLineId,
            scene: V2_RENEWAL_SCENES[req.scene],
            expireTime: req.expireTime,
            productId: req.productId,
            restoreAccess: false,
            creationTime: CREATION_TIME.REQUIRED,
          },
          s,
        ),
      );
    case 'updateInstanceStatus':
      return answerOf(
        await changeStatus(
          { test, instanceId: req.instanceId, freeze: req.status === 'FREEZE' },
          s,
        ),
      );
    case 'releaseInstance':
      return answerOf(
        await release(
          {
            test,
            instanceId: req.instanceId,
            orderId: req.orderId,
            orderLineId: req.orderLineId,
          },
          s,
        ),
      );
    case 'upgradeInstance':
      return answerOf(
        await upgrade(
          {
            test,
            instanceId: req.instanceId,
            orderId: req.orderId,
            orderLineId: req.orderLineId,
            creationTime: CREATION_TIME.REQUIRED,
          },
          s,
        ),
      );
    case 'changeInstanceCheck':
      return answerOf(
        await checkChange({ test, instanceId: req.instanceId, ...req.productInfo }, s),
      );
  }
}

/** SaaS V2.0 (docs/protocol.md#transport): POST JSON, signature in the query string. */
export const saasV2FrontEnd: FrontEnd<V2Request> = {
  family: 'v2',
  matches: (http) => http.method !== 'GET',
  keys: (config) => config.accessKeys,
  authenticate: (http, config, clock) =>
    authenticateQuerySignature(http, config, clock, 'v2', config.accessKeys),
  parse: (http) => parseV2Request(parseJsonBody(http)),
  run: runSaasV2,
  describe: describeCommand,
  shape: shapeV2,
};
