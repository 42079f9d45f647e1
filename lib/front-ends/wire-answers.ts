import { answerProblems, fitResultMsg } from '../answer-limits';
import { AnswerLimitError } from '../errors';
import { encryptCredential } from '../protocol/credential-cipher';
import type { AppInfo } from '../provisioner/provisioner';
import type { PurchaseResult, QueryResult, ScenarioResult } from '../scenarios/scenario';
import type { Answer, RunContext } from './front-end';

/**
 * Results to the wire, shared by every front end: the code and reason (shortened to 255
 * characters), delivery info with its credentials encrypted, and every field checked against
 * KooGallery's documented limits (lib/answer-limits.ts) before it leaves.
 */

/**
 * A result with no body fields of its own, optionally with some. Throws `AnswerLimitError`
 * (`000005`, each field and limit in the log) when a field would break its limit: an answer the
 * debugger would refuse is never sent half-valid (#9).
 */
export function answerOf(result: ScenarioResult, fields?: Record<string, unknown>): Answer {
  if (fields) {
    const problems = answerProblems(fields);
    if (problems.length > 0) throw new AnswerLimitError(problems.map((p) => p.problem));
  }
  return { resultCode: result.resultCode, resultMsg: result.resultMsg, fields };
}

/**
 * The `appInfo` sent to KooGallery: user name and password encrypted with the access key that
 * verified the request (docs/protocol.md#credential-encryption), unless the plain-text setting is on.
 */
export function wireAppInfo(ctx: RunContext, info: AppInfo): Record<string, string> {
  const out: Record<string, string> = { frontEndUrl: info.frontEndUrl };
  if (info.adminUrl) out.adminUrl = info.adminUrl;
  const { credentialsPlaintext, encryptType } = ctx.config;
  const protect = (v: string): string =>
    credentialsPlaintext ? v : encryptCredential(v, ctx.accessKey, encryptType);
  if (info.userName) out.userName = protect(info.userName);
  if (info.password) out.password = protect(info.password);
  if (info.memo) out.memo = info.memo;
  return out;
}

/** The top-level fields that go with {@link wireAppInfo}. */
export function encryptionFields(ctx: RunContext): Record<string, string> {
  return ctx.config.credentialsPlaintext ? {} : { encryptType: ctx.config.encryptType };
}

/**
 * The body every protocol answers with: `resultCode`, `resultMsg` (at most 255 characters, never
 * cut inside a surrogate pair), then the answer's fields.
 */
export function shapeV2(answer: Answer): Record<string, unknown> {
  return {
    resultCode: answer.resultCode,
    resultMsg: fitResultMsg(answer.resultMsg ?? ''),
    ...answer.fields,
  };
}

/** A purchase's answer: the instance id (also with `000004`), and the delivery info when present. */
export function purchaseAnswer(result: PurchaseResult, ctx: RunContext): Answer {
  const fields: Record<string, unknown> = { instanceId: result.instanceId };
  if (result.appInfo) {
    Object.assign(fields, encryptionFields(ctx), { appInfo: wireAppInfo(ctx, result.appInfo) });
  }
  return answerOf(result, fields);
}

/**
 * A query's answer: `encryptType` and `info`, one `{instanceId, appInfo}` per instance, with
 * `usageInfo` for a metered instance that has recorded usage (#11).
 */
export function queryAnswer(result: QueryResult, ctx: RunContext): Answer {
  if (!result.instances) return answerOf(result);
  const info = result.instances.map((i) => ({
    instanceId: i.instanceId,
    appInfo: wireAppInfo(ctx, i.appInfo),
    ...(i.usageInfo ? { usageInfo: i.usageInfo } : {}),
  }));
  return answerOf(result, { ...encryptionFields(ctx), info });
}
