import type { Deps } from '../deps';
import type { LogFields } from '../log';
import type { ResultCode } from '../protocol/result-codes';
import type { ScenarioRequest } from '../protocol/v2-requests';

/** What a scenario answers: a result code, an optional message and the extra body fields. */
export interface ScenarioResult {
  resultCode: ResultCode | string;
  resultMsg?: string;
  fields?: Record<string, unknown>;
}

/** Per-call facts a scenario may use beyond its request. */
export interface ScenarioContext {
  deps: Deps;
  /** The access key that verified the request: credentials are encrypted with it. */
  accessKey: string;
  /** The request's signed timestamp (epoch ms), to order status changes. */
  requestTimestampMs: number;
  /** Epoch ms by which the call must answer (the response budget). */
  deadline: number;
  /** Adds fields to the call's one log line (orderId, instanceId…). */
  annotate(fields: LogFields): void;
}

/** One scenario module's entry. */
export type Scenario<R extends ScenarioRequest = ScenarioRequest> = (
  request: R,
  context: ScenarioContext,
) => Promise<ScenarioResult>;

/** The request type of one activity. */
export type RequestOf<A extends ScenarioRequest['activity']> = Extract<
  ScenarioRequest,
  { activity: A }
>;

/** A success answer. */
export function success(fields?: Record<string, unknown>, resultMsg = 'success'): ScenarioResult {
  return { resultCode: '000000', resultMsg, fields };
}
