import type { Config } from '../config';
import type { Deps } from '../deps';
import type { HttpRequest } from '../http';
import type { LogFields } from '../log';
import type { BodyDigest } from '../protocol/request-signature';
import type { ScenarioContext, ScenarioResult } from '../scenarios/scenario';

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

/**
 * One wire protocol KooGallery speaks (SaaS V2.0, V1.0, License…): how to recognise, authenticate
 * and parse its requests, and which scenario runs each. All front ends share the scenarios, the
 * store and the provisioner; each is bound to its own interface key.
 */
export interface FrontEnd<
  Command extends { activity: string; test: boolean } = { activity: string; test: boolean },
> {
  /** Names the protocol in logs and in the nonce namespace. */
  readonly family: string;
  /** True when this front end should handle the request. */
  matches(http: HttpRequest): boolean;
  /** This family's keys, current first; empty when the family is not configured. */
  keys(config: Config): string[];
  /**
   * Verifies the request's signature and names its replay token; throws `SignatureError`. Pure:
   * the app records the token (`lib/app.ts`), so no front end can forget to.
   */
  authenticate(http: HttpRequest, deps: Deps): Promise<Authenticated>;
  /** Validates the request into a command; throws `InvalidRequestError` naming the field. */
  parse(http: HttpRequest, auth?: Authenticated): Command;
  /** Runs the command's scenario. */
  run(command: Command, ctx: ScenarioContext): Promise<ScenarioResult>;
  /** Log fields naming the command (never a secret). */
  describe(command: Command): LogFields;
  /** The response body for a result (V2.0: resultCode, resultMsg, then the fields). */
  shape(result: ScenarioResult): Record<string, unknown>;
}

/**
 * The log fields of a command, whatever its protocol: activity, test flag, and the order and
 * instance it names (never a parameter's secret value).
 */
export function describeCommand(cmd: { activity: string; test: boolean }): LogFields {
  return {
    activity: cmd.activity,
    test: cmd.test,
    orderId: 'orderId' in cmd ? cmd.orderId : undefined,
    instanceId: 'instanceId' in cmd ? cmd.instanceId : undefined,
  };
}
