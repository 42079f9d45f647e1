import type { Clock } from '../clock';
import type { Config } from '../config';
import type { ResultCode } from '../errors';
import type { HttpRequest } from '../http';
import type { LogFields } from '../log';
import type { BodyDigest } from '../protocol/request-signature';
import type { ScenarioContext } from '../scenarios/scenario';

/** What makes a request unique for replay protection: recorded once with a conditional write. */
export interface ReplayToken {
  /** The nonce namespace (`v2`, `v1`, `license`). */
  family: string;
  nonce: string;
  /** When the record may be forgotten (TTL), epoch ms. */
  expiresAtMs: number;
  /** The reason given when it was seen before. */
  reason: string;
}

/** A verified caller: the key that matched and the request's signed time. */
export interface Authenticated {
  accessKey: string;
  requestTimestampMs: number;
  /** Recorded by the app, in parallel with the scenario's first read and before any write. */
  replay: ReplayToken;
  /** The signed parameters, when the protocol signs them (V1.0: decoded the way the token matched). */
  params?: Record<string, string>;
  /** V2.0-style signatures: the reading of the inner body digest that matched. */
  bodyDigest?: BodyDigest;
}

/** An answer in the wire's terms: the result code, the reason and the protocol's body fields. */
export interface Answer {
  resultCode: ResultCode | string;
  resultMsg?: string;
  /** Body fields after `resultCode` and `resultMsg` (`instanceId`, encrypted `appInfo`…). */
  fields?: Record<string, unknown>;
}

/** What a front end's `run` receives: the scenario context and what the wire mapping needs. */
export interface RunContext {
  /** Handed to the scenarios: the call's ports, clock, deadline, log annotations. */
  scenario: ScenarioContext;
  /** The access key that verified the request: credentials are encrypted with it. */
  accessKey: string;
  /** The settings of the wire mapping (credential encryption). */
  config: Config;
}

/** The log fields a command's common parts give. */
export interface CommandBase {
  activity: string;
  test: boolean;
}

/**
 * One wire protocol KooGallery speaks (SaaS V2.0, V1.0, License…): how to recognise, authenticate
 * and parse its requests, which scenario runs each, and how results go back on the wire. Front
 * ends make no business decision: they map wire to command and result to wire. Each is bound to
 * its own interface key.
 */
export interface FrontEnd<Command extends CommandBase = CommandBase> {
  /** Names the protocol in logs and in the nonce namespace. */
  readonly family: string;
  /** True when this front end should handle the request. */
  matches(http: HttpRequest): boolean;
  /** This family's keys, current first; empty when the family is not configured. */
  keys(config: Config): string[];
  /**
   * Verifies the request's signature and names its replay token; throws `SignatureError`. Pure:
   * it sees only the settings and the clock, and the app records the token (`lib/app.ts`), so no
   * front end can forget to.
   */
  authenticate(http: HttpRequest, config: Config, clock: Clock): Promise<Authenticated>;
  /** Validates the request into a command; throws `InvalidRequestError` naming the field. */
  parse(http: HttpRequest, auth?: Authenticated): Command;
  /** Maps the command to its scenario's command, runs it and maps the result back to the wire. */
  run(command: Command, ctx: RunContext): Promise<Answer>;
  /** Log fields naming the command (never a secret). */
  describe(command: Command): LogFields;
  /** The response body for an answer (V2.0: resultCode, resultMsg, then the fields). */
  shape(answer: Answer): Record<string, unknown>;
}

/**
 * The log fields of a command, whatever its protocol: activity, test flag, and the order and
 * instance it names (never a parameter's secret value).
 */
export function describeCommand(cmd: CommandBase): LogFields {
  return {
    activity: cmd.activity,
    test: cmd.test,
    orderId: 'orderId' in cmd ? cmd.orderId : undefined,
    instanceId: 'instanceId' in cmd ? cmd.instanceId : undefined,
  };
}
