/**
 * The optional cold-start check (issue 5 item 4): with `TABLE_CHECK_ON_START=true`, the first call
 * in a container describes the state table once and logs one clear error when it is missing or
 * has another key schema, instead of failing later on the first write with an SDK message.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Lookup } from './config';
import type { Logger } from './log';
import { verifyTable } from './store/table-schema';

/** The setting that turns the check on (`true`/`1`/`yes`; off by default: it costs one request). */
export const TABLE_CHECK_SETTING = 'TABLE_CHECK_ON_START';

/** True when the configuration asks for the cold-start table check. */
export function tableCheckEnabled(lookup: Lookup): boolean {
  return /^(true|1|yes)$/i.test(lookup(TABLE_CHECK_SETTING)?.trim() ?? '');
}

/** One check per table name per container (module state lives as long as the container). */
const checks = new Map<string, Promise<string[]>>();

/**
 * Verifies the table once per container and resolves to its problems (empty when usable). Logs
 * one `error` line listing every problem, or one `debug` line when the table is fine. Never
 * throws: calls continue and fail (or succeed) on their own.
 *
 * @example
 * if (tableCheckEnabled(lookup)) void checkTableOnce(client, config.tableName, deps.log);
 */
export function checkTableOnce(
  client: DynamoDBClient,
  tableName: string,
  log: Pick<Logger, 'error' | 'debug'>,
): Promise<string[]> {
  const existing = checks.get(tableName);
  if (existing) return existing;
  const check = verifyTable({ client, tableName })
    .catch((error: unknown) => [
      `table check failed: ${error instanceof Error ? error.message : String(error)}`,
    ])
    .then((problems) => {
      if (problems.length > 0) {
        log.error('state table check failed at cold start', {
          tableName,
          problems,
          hint: 'see README "Deploying": npm run table:create, TABLE_NAME, DYNAMODB_ENDPOINT',
        });
      } else {
        log.debug('state table check passed', { tableName });
      }
      return problems;
    });
  checks.set(tableName, check);
  return check;
}

/** Forgets past checks, so a test can run the check again in the same process. */
export function resetTableChecks(): void {
  checks.clear();
}
