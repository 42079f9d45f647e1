import type { Deps } from '../deps';
import { InvalidRequestError, SignatureError } from '../errors';
import type { HttpRequest } from '../http';
import { verifyRequestSignature } from '../protocol/request-signature';
import { parseV2Request, type ScenarioRequest } from '../protocol/v2-requests';
import { dispatch } from '../scenarios';
import type { ScenarioResult } from '../scenarios/scenario';
import { type Authenticated, describeCommand, type FrontEnd } from './front-end';

/** Parses a body as JSON, answering `000002` when it is not. */
export function parseJsonBody(http: HttpRequest): unknown {
  try {
    return JSON.parse(http.body.toString('utf8'));
  } catch {
    throw new InvalidRequestError('body is not valid JSON');
  }
}

/**
 * Verifies a V2.0-style query signature with a family's keys and names the nonce as the replay
 * token (the app records it). Shared by SaaS V2.0 and License 2.0.
 */
export async function authenticateQuerySignature(
  http: HttpRequest,
  deps: Deps,
  family: string,
  keys: readonly string[],
): Promise<Authenticated> {
  const now = deps.clock.now();
  const window = deps.config.signatureWindowMs;
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
    deps.config.requestBodyDigest,
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

/** The V2.0 body: `resultCode`, `resultMsg`, then the scenario's fields. */
export function shapeV2(result: ScenarioResult): Record<string, unknown> {
  return { resultCode: result.resultCode, resultMsg: result.resultMsg ?? '', ...result.fields };
}

/** SaaS V2.0 (docs/protocol.md#transport): POST JSON, signature in the query string. */
export const saasV2FrontEnd: FrontEnd<ScenarioRequest> = {
  family: 'v2',
  matches: (http) => http.method !== 'GET',
  keys: (config) => config.accessKeys,
  authenticate: (http, deps) =>
    authenticateQuerySignature(http, deps, 'v2', deps.config.accessKeys),
  parse: (http) => parseV2Request(parseJsonBody(http)),
  run: (command, ctx) => dispatch(command, ctx),
  describe: describeCommand,
  shape: shapeV2,
};
