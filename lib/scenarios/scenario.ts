import type { Clock } from '../clock';
import type { ResultCode } from '../errors';
import type { Ids } from '../ids';
import type { LogFields, Logger } from '../log';
import type { UsageInfo } from '../metering/usage-totals';
import type { Ports } from '../ports';
import type { AppInfo } from '../provisioner/provisioner';

/** The settings scenarios read. */
export interface ScenarioSettings {
  /** How long a provisioning claim holds before another call may take it over, ms. */
  provisioningLeaseMs: number;
  /**
   * Credentials leave in plain text (`CREDENTIALS_PLAINTEXT`): a user name or password may then
   * have 128 characters; encrypted, at most 79 UTF-8 bytes fit (lib/answer-limits.ts).
   */
  credentialsPlaintext: boolean;
}

/**
 * Per-call facts and services a scenario may use beyond its command. `K` names the ports the
 * scenario reaches: its type says exactly which ones it needs.
 */
export interface ScenarioContext<K extends keyof Ports = keyof Ports> {
  /** The call's ports: chosen by its test flag and gated by its replay token. */
  ports: Pick<Ports, K>;
  clock: Clock;
  ids: Ids;
  log: Logger;
  settings: ScenarioSettings;
  /** The request's signed time, epoch ms: orders status changes. */
  requestTimestampMs: number;
  /** Epoch ms by which the call must answer (the response budget). */
  deadline: number;
  /** Waits `ms` (a real timer in the app; a test advances its clock instead). */
  sleep(ms: number): Promise<void>;
  /** Adds fields to the call's one log line (orderId, instanceId…). */
  annotate(fields: LogFields): void;
}

/**
 * What a scenario answers: a result code (KooGallery's codes are the same for every protocol, and
 * a seller's provisioner may refuse with its own) and a short, fixed reason.
 */
export interface ScenarioResult {
  resultCode: ResultCode | string;
  resultMsg: string;
}

/** A purchase's answer: the instance id whatever happened, the delivery info when asked for. */
export interface PurchaseResult extends ScenarioResult {
  instanceId: string;
  /** Present when the command asked for delivery and the instance has some (not when released). */
  appInfo?: AppInfo;
}

/** One instance's delivery info. */
export interface InstanceView {
  instanceId: string;
  appInfo: AppInfo;
  /** Pay-per-use and package instances with recorded usage (#11). */
  usageInfo?: UsageInfo[];
}

/** A query's answer: the delivery info of each live instance asked for, on success. */
export interface QueryResult extends ScenarioResult {
  instances?: InstanceView[];
}

/** A License 1.0 purchase's answer: the license on success. */
export interface LicenseResult extends ScenarioResult {
  instanceId: string;
  license?: string;
}

/** A success answer. */
export function success(resultMsg = 'success'): ScenarioResult {
  return { resultCode: '000000', resultMsg };
}
