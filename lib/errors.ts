import { RESULT_CODES, RESULT_MESSAGES, type ResultCode } from './protocol/result-codes';

export type { ResultCode };

/**
 * Root of every expected failure: each carries the result code KooGallery receives, a message that
 * is the answer's `resultMsg` (a short, fixed reason, or for `000002` the field at fault: never a
 * secret, a signature, a raw body, a setting, an endpoint or a stored error), and optionally a
 * `detail` that only the log and the operator tools see (docs/protocol.md#result-codes).
 */
export class KooGalleryError extends Error {
  /** The result code answered for this failure. */
  readonly resultCode: ResultCode;
  /** What went wrong in full, for the call's log line (`detail`), never for the answer. */
  readonly detail?: string;

  constructor(
    resultCode: ResultCode,
    message: string = RESULT_MESSAGES[resultCode],
    options: { detail?: string } = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.resultCode = resultCode;
    if (options.detail !== undefined) this.detail = options.detail;
  }
}

/** The request signature, timestamp, nonce or key family is wrong (`000001`). */
export class SignatureError extends KooGalleryError {
  constructor(reason: string) {
    super(RESULT_CODES.AUTH_FAILED, `authentication failed: ${reason}`);
  }
}

/** The body or a parameter is malformed (`000002`); the message names the field. */
export class InvalidRequestError extends KooGalleryError {
  constructor(message: string) {
    super(RESULT_CODES.INVALID_PARAMETER, message);
  }
}

/** A real call names an instance that never existed (`000003`). */
export class InstanceNotFoundError extends KooGalleryError {
  constructor(message = 'instance does not exist') {
    super(RESULT_CODES.INSTANCE_NOT_FOUND, message);
  }
}

/** The work is accepted but not finished; KooGallery retries or polls (`000004`). */
export class InProgressError extends KooGalleryError {
  constructor(
    message = 'request is being processed, retry later',
    options: { detail?: string } = {},
  ) {
    super(RESULT_CODES.IN_PROGRESS, message, options);
  }
}

/** KooGallery's Query Order API could not be read in time or answered garbage. */
export class OrderUnavailableError extends Error {
  /** KooGallery's result code of the last answer, when it sent one (`MKT.9001`: no such order). */
  readonly code?: string;

  constructor(message: string, options: { code?: string } = {}) {
    super(message);
    this.name = 'OrderUnavailableError';
    if (options.code !== undefined) this.code = options.code;
  }
}

/** The store is unreachable, throttled or refused the write for a reason other than a condition. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * The seller's provisioner refuses the request with a business code (e.g. `000106` sold out). The
 * answer carries the code and its fixed reason; the seller's own words (`detail`) go to the log
 * and to the instance's `lastError`, since they may name hosts, pools or settings (#14). A refusal
 * the seller wrote for KooGallery (a webhook receiver's `409`/`422` `resultMsg`) passes it as
 * `options.resultMsg`, and the answer carries it instead of the fixed reason (#12).
 *
 * @example throw new ProvisioningRefusedError('000106', 'pool eu-1 has no free tenant slot');
 */
export class ProvisioningRefusedError extends KooGalleryError {
  /** The refusal the seller wrote for KooGallery, when there is one (it is also the `message`). */
  readonly resultMsg?: string;

  constructor(resultCode: ResultCode, detail?: string, options: { resultMsg?: string } = {}) {
    super(resultCode, options.resultMsg || RESULT_MESSAGES[resultCode], { detail });
    if (options.resultMsg) this.resultMsg = options.resultMsg;
  }
}

/**
 * A provisioner's delivery info, or an answer, has a field KooGallery would refuse for its length
 * (lib/answer-limits.ts). Answered `000005` with the generic reason; `detail` names each field and
 * its limit (#9).
 */
export class AnswerLimitError extends KooGalleryError {
  constructor(problems: readonly string[]) {
    super(RESULT_CODES.INTERNAL_ERROR, RESULT_MESSAGES['000005'], { detail: problems.join('; ') });
  }
}

/**
 * A value sealed at rest (`lib/credentials-vault.ts`) cannot be opened: its key is not configured
 * or the item is damaged. The message names the setting to restore; it is logged, never answered.
 */
export class SealedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedValueError';
  }
}

/** One configuration problem per key; `loadConfig` throws them all at once. */
export class ConfigError extends Error {
  /** Each missing or malformed key with what is wrong with it. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}. ` +
        'Set these environment variables (or FunctionGraph user data) and redeploy; see the README configuration table.',
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * What may be logged about an error: its name always, its message only when it is one of ours
 * (written to be safe). A foreign error's message can quote a connection string or a token, so
 * it is withheld; its `code` (e.g. ECONNREFUSED) is kept.
 */
export function describeError(error: unknown): {
  errorName: string;
  errorMessage?: string;
  errorCode?: string;
  detail?: string;
} {
  if (!(error instanceof Error)) return { errorName: typeof error };
  const ours =
    error instanceof KooGalleryError ||
    error instanceof OrderUnavailableError ||
    error instanceof StoreUnavailableError ||
    error instanceof SealedValueError ||
    error instanceof ConfigError;
  const code = (error as { code?: unknown }).code;
  return {
    errorName: error.name,
    errorMessage: ours ? error.message.slice(0, 300) : undefined,
    errorCode: typeof code === 'string' ? code : undefined,
    detail: error instanceof KooGalleryError ? error.detail?.slice(0, 1000) : undefined,
  };
}
