import { RESULT_CODES, RESULT_MESSAGES, type ResultCode } from './protocol/result-codes';

export type { ResultCode };

/**
 * Root of every expected failure: each carries the result code KooGallery receives and a message
 * that is safe to send back (it never contains a secret, a signature or a raw body).
 */
export class KooGalleryError extends Error {
  /** The result code answered for this failure. */
  readonly resultCode: ResultCode;

  constructor(resultCode: ResultCode, message: string = RESULT_MESSAGES[resultCode]) {
    super(message);
    this.name = new.target.name;
    this.resultCode = resultCode;
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
  constructor(message = 'request is being processed, retry later') {
    super(RESULT_CODES.IN_PROGRESS, message);
  }
}

/** KooGallery's Query Order API could not be read in time or answered garbage. */
export class OrderUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrderUnavailableError';
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
 * The seller's provisioner refuses the request with a business code (e.g. `000106` sold out).
 * Thrown by a {@link Provisioner}; answered as is.
 */
export class ProvisioningRefusedError extends KooGalleryError {}

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
  };
}
