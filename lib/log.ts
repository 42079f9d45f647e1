/** Fields of one structured log line; never a secret, signature, password or raw body. */
export type LogFields = Record<string, unknown>;

/** A structured JSON logger. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
/** A log level name. */
export type LogLevel = keyof typeof LEVELS;

/**
 * Field names whose values are never written, whatever a caller passes: a defence in depth on top
 * of callers not passing them.
 */
const REDACTED =
  /^(signature|authToken|password|accessKey|secret|sk|ak|key|body|rawBody|authorization|credentials?|sealedAppInfo|appInfo)$/i;

/** True for a field name whose value is never written to a log line or an audit entry. */
export function isSecretFieldName(name: string): boolean {
  return REDACTED.test(name);
}

function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = REDACTED.test(k) ? '[redacted]' : v instanceof Error ? v.message : v;
  }
  return out;
}

/** A logger writing one JSON object per line through `write` (stdout by default). */
export function createJsonLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const min = LEVELS[level];
  const emit = (lvl: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVELS[lvl] < min) return;
    write(
      JSON.stringify({
        level: lvl,
        time: new Date().toISOString(),
        message,
        ...redact(fields ?? {}),
      }),
    );
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** A logger that drops everything (for benchmarks). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
