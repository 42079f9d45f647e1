/**
 * The scheduled usage push as a function entry (#11): AWS Lambda on an hourly EventBridge schedule
 * (`functions/usage-push/handler.ts`) and FunctionGraph on an hourly timer trigger (`usagePush` in
 * `functions/production/functiongraph.ts`), both from the same package as the production function.
 *
 * It reads only the settings a push needs (`readPushSettings`), not the production function's
 * whole configuration: it never holds the at-rest `CREDENTIALS_KEY`, a report or webhook secret,
 * or a license key.
 */
import { createAuditTrail } from '../audit/audit-trail';
import { systemClock } from '../clock';
import { DEFAULT_API_ENDPOINT, DEFAULT_API_FALLBACK_ENDPOINT, type Lookup } from '../config';
import { buildTablePorts, buildUsageClientFor, type UsagePushSettings } from '../deps';
import { ConfigError } from '../errors';
import { cryptoIds } from '../ids';
import { createJsonLogger, type Logger, type LogLevel } from '../log';
import type { DynamooseStoreOptions } from '../store/dynamoose-store';
import { type PushReport, pushUsage } from './push-usage';

/** What one scheduled run returns: the counts (the log line `usage push` carries the same). */
export type PushSummary = Pick<
  PushReport,
  'ran' | 'pending' | 'accepted' | 'failed' | 'outsideWindow' | 'nearWindowUnsent' | 'incomplete'
>;

/** The settings of the push function. */
export interface PushFunctionSettings {
  table: DynamooseStoreOptions;
  push: UsagePushSettings;
  logLevel: LogLevel;
  /** `AUDIT_RETENTION_DAYS` (default 400), for the push's audit entries (#13). */
  auditRetentionDays: number;
}

/**
 * The fallback open API a push may use, by the function's rule: `KOOGALLERY_API_FALLBACK_ENDPOINT`
 * (`none` for none), else KooGallery's second host when the endpoint is the default one.
 */
export function pushFallbackEndpoint(
  endpoint: string,
  setting: string | undefined,
): string | undefined {
  const given = setting?.trim().replace(/\/+$/, '');
  if (given === undefined || given === '') {
    return endpoint === DEFAULT_API_ENDPOINT ? DEFAULT_API_FALLBACK_ENDPOINT : undefined;
  }
  return given.toLowerCase() === 'none' ? undefined : given;
}

/**
 * Reads the push function's settings: `TABLE_NAME`, `DYNAMODB_ENDPOINT`, `DYNAMODB_REGION`,
 * `DYNAMODB_ACCESS_KEY_ID`/`DYNAMODB_SECRET_ACCESS_KEY`, `HUAWEICLOUD_AK`/`HUAWEICLOUD_SK`,
 * `KOOGALLERY_ACCESS_KEY`, `KOOGALLERY_API_ENDPOINT`, `KOOGALLERY_API_FALLBACK_ENDPOINT`,
 * `LOG_LEVEL`. Throws one `ConfigError`
 * naming every missing or malformed one.
 */
export function readPushSettings(lookup: Lookup): PushFunctionSettings {
  const get = (k: string) => {
    const v = lookup(k)?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const problems: string[] = [];
  const need = (k: string, meaning: string) => {
    const v = get(k);
    if (v === undefined) problems.push(`${k} is missing (${meaning})`);
    return v ?? '';
  };
  const tableName = need('TABLE_NAME', 'the state table');
  const id = get('DYNAMODB_ACCESS_KEY_ID');
  const secret = get('DYNAMODB_SECRET_ACCESS_KEY');
  if ((id === undefined) !== (secret === undefined)) {
    problems.push('DYNAMODB_ACCESS_KEY_ID and DYNAMODB_SECRET_ACCESS_KEY must be set together');
  }
  const endpoint = get('DYNAMODB_ENDPOINT');
  const push = {
    endpoint: (get('KOOGALLERY_API_ENDPOINT') ?? 'https://mkt.myhuaweicloud.com').replace(
      /\/+$/,
      '',
    ),
    ak: need('HUAWEICLOUD_AK', 'the IAM access key that signs the usage push'),
    sk: need('HUAWEICLOUD_SK', 'its secret key'),
    accessKey: need('KOOGALLERY_ACCESS_KEY', 'the key bound to the basic interface'),
  };
  const level = (get('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(level)) {
    problems.push(`LOG_LEVEL must be debug, info, warn or error, got "${level}"`);
  }
  const retention = get('AUDIT_RETENTION_DAYS') ?? '400';
  if (!/^\d+$/.test(retention) || Number(retention) < 1 || Number(retention) > 3650) {
    problems.push(
      `AUDIT_RETENTION_DAYS must be a whole number of days from 1 to 3650, got "${retention}"`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    table: {
      tableName,
      ...(endpoint ? { endpoint } : {}),
      region: get('DYNAMODB_REGION') ?? get('AWS_REGION') ?? 'us-east-1',
      ...(id && secret ? { credentials: { accessKeyId: id, secretAccessKey: secret } } : {}),
      // Not on KooGallery's clock: a slow store may take its time.
      requestTimeoutMs: 5000,
    },
    push,
    logLevel: level as LogLevel,
    auditRetentionDays: Number(retention),
  };
}

/**
 * A scheduled handler: settings from `getLookup` (environment, SSM, FunctionGraph user data) read
 * once per container, then one push run per invocation. Throws when the run cannot start (the
 * store or the settings fail), so the platform counts a failed invocation.
 *
 * @example
 * export const handler = createUsagePushHandler(async () => (key) => process.env[key]);
 */
export function createUsagePushHandler<E, C>(
  getLookup: (event: E, context: C) => Promise<Lookup>,
  overrides: { log?: Logger } = {},
): (event: E, context: C) => Promise<PushSummary> {
  let ready: Promise<{ settings: PushFunctionSettings; log: Logger }> | undefined;
  return async (event, context) => {
    ready ??= getLookup(event, context)
      .then((lookup) => {
        const settings = readPushSettings(lookup);
        return { settings, log: overrides.log ?? createJsonLogger(settings.logLevel) };
      })
      .catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
    const { settings, log } = await ready;
    const clock = systemClock;
    const table = buildTablePorts(settings.table);
    const report = await pushUsage({
      usage: table.usage,
      client: buildUsageClientFor(settings.push, clock),
      clock,
      ids: cryptoIds,
      log,
      // Each call's outcome in the timeline of the instances it concerned (#13).
      audit: createAuditTrail({
        store: table.auditStore,
        clock,
        ids: cryptoIds,
        log,
        retentionDays: settings.auditRetentionDays,
      }),
    });
    const { ran, pending, accepted, failed, outsideWindow, nearWindowUnsent, incomplete } = report;
    return { ran, pending, accepted, failed, outsideWindow, nearWindowUnsent, incomplete };
  };
}
