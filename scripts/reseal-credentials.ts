/**
 * `npm run credentials:reseal`: finishes a rotation of the at-rest key. Reads every instance of the
 * state table and re-seals the delivery info and license material (#14) still sealed under
 * `CREDENTIALS_PREVIOUS_KEY` (or under the key versions before `CREDENTIALS_KEY` derived from the
 * access key) under `CREDENTIALS_KEY`,
 * each with a write conditioned on the version read, exactly as a call that reads the instance
 * does. When it reports nothing left under another key, the previous key can be dropped.
 *
 * Environment: the function's own settings (`CREDENTIALS_KEY`, `CREDENTIALS_PREVIOUS_KEY`,
 * `KOOGALLERY_ACCESS_KEY`, `TABLE_NAME`, `DYNAMODB_*`… as in the README's configuration table; on
 * AWS the `*_SSM_PARAMETER` names work as in the function). Needs `dynamodb:Scan` on the table, which
 * the function's own role does not have: run it with the operator's credentials.
 */
import { loadConfig } from '../lib/config';
import { buildDeps, scenarioContextOf } from '../lib/deps';
import { describeError, SealedValueError } from '../lib/errors';
import { silentLogger } from '../lib/log';
import { type ResealOutcome, resealDelivery } from '../lib/scenarios/delivery';
import { type ParameterReader, resolveSecretLookup } from '../lib/secrets';

/** Where the command writes: progress to `out`, problems to `err`. */
export interface ResealOutput {
  out(line: string): void;
  err(line: string): void;
}

/** Instances per page read (one Scan request each). */
const PAGE = 100;

/**
 * Runs the command against `env` and answers the process exit code: 0 when every sealed value is
 * now under `CREDENTIALS_KEY`, 1 otherwise (a value no configured key opens, a write that failed,
 * or a configuration problem), each with what to do.
 *
 * @example
 * process.exitCode = await runReseal(process.env, { out: console.log, err: console.error });
 */
export async function runReseal(
  env: Readonly<Record<string, string | undefined>>,
  output: ResealOutput,
  options: { reader?: ParameterReader } = {},
): Promise<number> {
  let deps: ReturnType<typeof buildDeps>;
  try {
    const lookup = await resolveSecretLookup((key) => env[key], options);
    deps = buildDeps(loadConfig(lookup), { log: silentLogger });
  } catch (error) {
    // ConfigError and the SSM reader's errors are ours: they name settings, never values.
    output.err(`credentials:reseal: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const { store } = deps;
  const ctx = scenarioContextOf(
    deps,
    { vault: deps.vault, store },
    { requestTimestampMs: deps.clock.now(), deadline: Number.POSITIVE_INFINITY },
  );
  const counts: Record<ResealOutcome | 'unopenable', number> = {
    current: 0,
    resealed: 0,
    changed: 0,
    failed: 0,
    unopenable: 0,
  };
  const fixes = new Set<string>();
  output.out(`credentials:reseal: reading table "${deps.config.tableName}"`);
  let cursor: string | undefined;
  let pages = 0;
  try {
    do {
      const page = await store.listInstances({ cursor, limit: PAGE });
      for (const record of page.records) {
        try {
          counts[await resealDelivery(ctx, record)] += 1;
        } catch (error) {
          if (!(error instanceof SealedValueError)) throw error;
          counts.unopenable += 1;
          fixes.add(error.message);
        }
      }
      cursor = page.cursor;
      pages += 1;
      output.out(
        `credentials:reseal: page ${pages}: ${counts.resealed} re-sealed, ${counts.current} already current, ${counts.unopenable} unopenable so far`,
      );
    } while (cursor);
  } catch (error) {
    output.err(
      `credentials:reseal: reading the table failed: ${describeError(error).errorMessage ?? describeError(error).errorName}`,
    );
    output.err(
      'credentials:reseal: it is safe to run again; values re-sealed so far stay re-sealed',
    );
    return 1;
  }
  output.out(
    `credentials:reseal: done: ${counts.resealed} re-sealed, ${counts.changed} changed meanwhile, ${counts.current} already current, ${counts.failed} failed, ${counts.unopenable} unopenable`,
  );
  for (const fix of fixes) output.err(`credentials:reseal: ${fix}`);
  if (counts.changed + counts.failed > 0) {
    output.err('credentials:reseal: run it again for the instances that changed or failed');
  }
  const done = counts.changed + counts.failed + counts.unopenable === 0;
  if (done) {
    output.out(
      'credentials:reseal: every sealed value is under CREDENTIALS_KEY: CREDENTIALS_PREVIOUS_KEY can be removed',
    );
  }
  return done ? 0 : 1;
}

if (require.main === module) {
  runReseal(process.env, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then((code) => {
    process.exitCode = code;
  });
}
