import middy, { type MiddlewareObj } from '@middy/core';
import { callAuditInput, peekCallFields } from './audit/call-entry';
import { type Deps, portsFor, scenarioContextOf } from './deps';
import { describeError, InvalidRequestError, KooGalleryError, SignatureError } from './errors';
import { ALL_FRONT_ENDS, KNOWN_ACTIVITIES } from './front-ends';
import type { Answer, Authenticated, FrontEnd, RunContext } from './front-ends/front-end';
import { type HttpRequest, type HttpResponse, SECURITY_HEADERS } from './http';
import type { LogFields } from './log';
import { BODY_SIGN_HEADER, bodySign } from './protocol/body-sign';
import { toAsciiJson } from './protocol/json';
import { noteBodyDigestOnce } from './protocol/request-signature';
import { RESULT_MESSAGES } from './protocol/result-codes';
import { guardPorts, recordReplayToken } from './replay-guard';

/** The message of a call's one log line, with the result code actually sent. */
export const CALL_LOG_MESSAGE = 'call';
/**
 * The message of the line a call's work writes when it finishes after the deadline answer was
 * sent: same `requestId`, and the result code the work would have answered.
 */
export const LATE_LOG_MESSAGE = 'call completed after deadline';

/** The `activity` a refused call's line and entry carry when its body names an unknown one. */
export const UNKNOWN_ACTIVITY = 'other';

/** The answer's content type (docs/protocol.md, decision 5). */
export const CONTENT_TYPE = 'application/json;charset=UTF-8';

/** The state of one call as it moves through the phases. */
export interface Call {
  http: HttpRequest;
  startedAt: number;
  /** Epoch ms by which the call answers. */
  deadline: number;
  frontEnd: FrontEnd;
  auth?: Authenticated;
  /** The replay token's conditional write; rejects with `000001` for a replay. */
  replayRecorded?: Promise<void>;
  command?: { activity: string; test: boolean };
  /** Fields of the call's one log line. */
  log: LogFields;
  /** The answer sent, once one was (by the work or at the deadline). */
  sent?: HttpResponse;
}

type Phase = MiddlewareObj<Call, Answer | HttpResponse>;

/** The generic answer to an unexpected error: nothing about its cause leaves the process. */
const INTERNAL_ERROR: Answer = {
  resultCode: '000005',
  resultMsg: RESULT_MESSAGES['000005'],
};

function resultOfError(error: unknown): Answer {
  if (error instanceof KooGalleryError)
    return { resultCode: error.resultCode, resultMsg: error.message };
  return INTERNAL_ERROR;
}

/**
 * Turns an answer into the signed HTTP response and writes the call's one `call` log line. The
 * first answer of a call is the one sent; a second (the work finishing after the deadline answer)
 * only logs, under {@link LATE_LOG_MESSAGE}, and gives back the response already sent.
 */
type Finish = (call: Call, answer: Answer, error?: unknown) => HttpResponse;

function createFinish(deps: Deps): Finish {
  return (call, answer, error) => {
    const late = call.sent !== undefined;
    const unexpected = error !== undefined && !(error instanceof KooGalleryError);
    if (!late && call.command === undefined) {
      // Refused before its command was complete: the line names what the body still names (#13),
      // so a failed probe or debugger call is counted as a failed test call by the metrics. An
      // activity no front end knows is named `other`: `activity` is a metric dimension, and every
      // distinct value a sender makes up would be one more billed metric (serverless.yml, Calls).
      const peeked = peekCallFields(call.http);
      if (peeked.activity !== undefined && !KNOWN_ACTIVITIES.has(peeked.activity)) {
        peeked.activity = UNKNOWN_ACTIVITY;
      }
      Object.assign(call.log, peeked, call.auth ? {} : { verified: false });
    }
    const fields = {
      ...call.log,
      family: call.frontEnd.family,
      resultCode: answer.resultCode,
      latencyMs: deps.clock.now() - call.startedAt,
      reason: answer.resultCode === '000000' ? undefined : answer.resultMsg,
      // The full story of a refusal stays here and in the operator tools, never in the answer.
      ...(error instanceof KooGalleryError && error.detail ? { detail: error.detail } : {}),
      ...(unexpected ? describeError(error) : {}),
    };
    const message = late ? LATE_LOG_MESSAGE : CALL_LOG_MESSAGE;
    if (unexpected) deps.log.error(message, fields);
    else deps.log.info(message, fields);
    if (call.sent) return call.sent;
    // The call's audit entry (#13), for the answer actually sent: started now and not awaited, so
    // it adds no round trip to the answer; it never rejects, and logs `audit write failed` with
    // this request id when it cannot be kept. On Lambda and FunctionGraph a process frozen right
    // after the answer finishes the write when it thaws (README: the audit trail).
    deps.background.track(
      deps.audit.recordAudit(
        callAuditInput({
          fields,
          startedAt: call.startedAt,
          verified: call.auth !== undefined,
        }),
      ),
    );
    // The front end's shape fits resultMsg to its 255 characters (shapeV2, wire-answers.ts).
    const body = toAsciiJson(call.frontEnd.shape(answer));
    // The key that verified the request or, when none did, the family's current key.
    const key = call.auth?.accessKey ?? call.frontEnd.keys(deps.config)[0];
    const headers: Record<string, string> = { 'Content-Type': CONTENT_TYPE, ...SECURITY_HEADERS };
    if (key) headers[BODY_SIGN_HEADER] = bodySign(key, body);
    call.sent = { statusCode: 200, headers, body };
    return call.sent;
  };
}

/**
 * respond: always answers HTTP 200 with a signed JSON body (docs/protocol.md, decisions 4 and 5), whatever
 * happened, and writes the call's one log line.
 */
function respond(finish: Finish): Phase {
  return {
    after: (request) => {
      request.response = finish(request.event, request.response as Answer);
    },
    onError: (request) => {
      request.response = finish(request.event, resultOfError(request.error), request.error);
    },
  };
}

/** authenticate: the method and body size limits, then the front end's signature and replay checks. */
function authenticate(deps: Deps): Phase {
  const noteBodyDigest = noteBodyDigestOnce((message, fields) => deps.log.info(message, fields));
  return {
    before: async ({ event: call }) => {
      // KooGallery sends POST (V2.0, License 2.0) and GET (V1.0, License 1.0) only: any other
      // method is refused before its signature is checked or its nonce recorded (#14).
      if (call.http.method !== 'POST' && call.http.method !== 'GET') {
        throw new InvalidRequestError(
          `method ${call.http.method} is not accepted: use POST or GET`,
        );
      }
      if (call.http.body.length > deps.config.maxBodyBytes) {
        throw new InvalidRequestError(`body is larger than ${deps.config.maxBodyBytes} bytes`);
      }
      if (call.frontEnd.keys(deps.config).length === 0) {
        throw new SignatureError(`no access key is configured for ${call.frontEnd.family} calls`);
      }
      call.auth = await call.frontEnd.authenticate(call.http, deps.config, deps.clock);
      noteBodyDigest(call.auth.bodyDigest);
      // Started now, awaited by every write (guardPorts) and before the answer.
      call.replayRecorded = recordReplayToken(deps.store, call.auth.replay);
      call.replayRecorded.catch(() => undefined);
    },
  };
}

/** parse: the front end's validation into a command. */
function parse(): Phase {
  return {
    before: async ({ event: call }) => {
      try {
        call.command = call.frontEnd.parse(call.http, call.auth);
      } catch (error) {
        await call.replayRecorded; // a replayed request is 000001, malformed or not
        throw error;
      }
      Object.assign(call.log, call.frontEnd.describe(call.command));
    },
  };
}

/** Everything the app needs beyond {@link Deps}. */
export interface AppOptions {
  /**
   * Front ends tried in order; the first that matches handles the call. Default: every protocol
   * (License 2.0, License 1.0, SaaS V1.0, SaaS V2.0; see `lib/front-ends/index.ts`).
   */
  frontEnds?: readonly FrontEnd[];
}

/** The app: one function from a request to a signed answer. */
export type App = (http: HttpRequest) => Promise<HttpResponse>;

/**
 * Builds the middy chain respond -> authenticate -> parse -> dispatch over the given dependencies.
 *
 * @example
 * const app = createApp(buildDeps(loadConfig((k) => process.env[k])));
 * const response = await app({ method: 'POST', path: '/', rawQuery, query, headers, body });
 */
export function createApp(deps: Deps, options: AppOptions = {}): App {
  const frontEnds = options.frontEnds ?? ALL_FRONT_ENDS;
  const finish = createFinish(deps);
  const handler = middy<Call, Answer | HttpResponse>({ timeoutEarlyInMillis: 0 })
    .use(respond(finish))
    .use(authenticate(deps))
    .use(parse())
    .handler(async (call) => {
      const { auth, command, replayRecorded } = call;
      if (!auth || !command || !replayRecorded) {
        throw new Error('dispatch reached without authentication or parsing');
      }
      const ctx: RunContext = {
        // Ports chosen once by the test flag; every write waits for the replay token.
        scenario: scenarioContextOf(
          deps,
          guardPorts(portsFor(deps, command.test), replayRecorded),
          {
            requestTimestampMs: auth.requestTimestampMs,
            deadline: call.deadline,
            annotate: (fields) => Object.assign(call.log, fields),
          },
        ),
        accessKey: auth.accessKey,
        config: deps.config,
      };
      const result = await call.frontEnd.run(command, ctx).catch(async (error: unknown) => {
        await replayRecorded; // a replay is 000001, whatever else went wrong
        throw error;
      });
      await replayRecorded;
      return result;
    });
  return async (http) => {
    const startedAt = deps.clock.now();
    const platformLeft = http.remainingMs ? http.remainingMs() - 500 : Number.POSITIVE_INFINITY;
    const call: Call = {
      http,
      startedAt,
      deadline: startedAt + Math.min(deps.config.responseBudgetMs, platformLeft),
      frontEnd: frontEnds.find((f) => f.matches(http)) ?? (frontEnds[0] as FrontEnd),
      log: { requestId: http.requestId },
    };
    const work = handler(call, {} as never) as Promise<HttpResponse>;
    deps.background.track(work);
    // The one deadline: whatever is slow (a provisioner, Query Order, a hanging store), the call
    // answers a signed 000004 at the budget, well within KooGallery's 5 s, and the work goes on in
    // the background; a retry or queryInstance poll finds its result.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<HttpResponse>((resolve) => {
      timer = setTimeout(
        () => resolve(finish(call, inProgressAnswer(call))),
        call.deadline - startedAt,
      );
    });
    try {
      // Whichever answered first is what was sent (finish keeps it in `call.sent`).
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The deadline's `000004`; a purchase keeps its (derived) instanceId, which docs/protocol.md#newinstance requires. */
function inProgressAnswer(call: Call): Answer {
  const instanceId = call.log.instanceId;
  const purchase = call.command?.activity === 'newInstance' && typeof instanceId === 'string';
  return {
    resultCode: '000004',
    resultMsg: 'request is being processed, retry later',
    fields: purchase ? { instanceId } : undefined,
  };
}
