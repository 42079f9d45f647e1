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
import {
  ConfigReader,
  type Lookup,
  readApiEndpoints,
  readDynamodbEndpoint,
  readLogLevel,
  readTableName,
  tableCredentials,
} from '../config';
import { buildTablePorts, buildUsageClientFor, type UsagePushSettings } from '../deps';
import { ConfigError } from '../errors';
import { cryptoIds } from '../ids';
import { createJsonLogger, type Logger, type LogLevel } from '../log';
import type { DynamooseStoreOptions } from '../store/dynamoose-store';
import { type PushPorts, type PushReport, pushUsage } from './push-usage';

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
 * Reads the push function's settings: `TABLE_NAME`, `DYNAMODB_ENDPOINT`, `DYNAMODB_REGION`,
 * `DYNAMODB_ACCESS_KEY_ID`/`DYNAMODB_SECRET_ACCESS_KEY`, `HUAWEICLOUD_AK`/`HUAWEICLOUD_SK`,
 * `KOOGALLERY_ACCESS_KEY`, `KOOGALLERY_API_ENDPOINT`, `KOOGALLERY_API_FALLBACK_ENDPOINT`,
 * `LOG_LEVEL`, `AUDIT_RETENTION_DAYS`, each validated by the production function's rules
 * (`lib/config.ts`). Throws one `ConfigError` naming every missing or malformed one.
 */
export function readPushSettings(lookup: Lookup): PushFunctionSettings {
  const r = new ConfigReader(lookup);
  const tableName = readTableName(r);
  const credentials = tableCredentials(r);
  const endpoint = readDynamodbEndpoint(r);
  const { apiEndpoint, apiFallbackEndpoint } = readApiEndpoints(r);
  const push: UsagePushSettings = {
    endpoint: apiEndpoint,
    ...(apiFallbackEndpoint ? { fallbackEndpoint: apiFallbackEndpoint } : {}),
    ak: r.required('HUAWEICLOUD_AK', 'the IAM access key that signs the usage push'),
    sk: r.required('HUAWEICLOUD_SK', 'its secret key'),
    accessKey: r.required('KOOGALLERY_ACCESS_KEY', 'the key bound to the basic interface'),
  };
  const logLevel = readLogLevel(r);
  const auditRetentionDays = r.integer('AUDIT_RETENTION_DAYS', 400, 1, 3650);
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  const region = r.optional('DYNAMODB_REGION') ?? (lookup('AWS_REGION')?.trim() || 'us-east-1');
  return {
    table: {
      tableName,
      ...(endpoint ? { endpoint } : {}),
      region,
      ...(credentials ? { credentials } : {}),
      // Not on KooGallery's clock: a slow store may take its time.
      requestTimeoutMs: 5000,
    },
    push,
    logLevel,
    auditRetentionDays,
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
  const clock = systemClock;
  // Settings, store clients (one connection pool) and the usage client: built once per container.
  let ready: Promise<Omit<PushPorts, 'ids'>> | undefined;
  return async (event, context) => {
    ready ??= getLookup(event, context)
      .then((lookup) => {
        const settings = readPushSettings(lookup);
        const log = overrides.log ?? createJsonLogger(settings.logLevel);
        const table = buildTablePorts(settings.table);
        return {
          usage: table.usage,
          client: buildUsageClientFor(settings.push, clock),
          clock,
          log,
          // Each call's outcome in the timeline of the instances it concerned (#13).
          audit: createAuditTrail({
            store: table.auditStore,
            clock,
            ids: cryptoIds,
            log,
            retentionDays: settings.auditRetentionDays,
          }),
        };
      })
      .catch((error: unknown) => {
        ready = undefined;
        throw error;
      });
    const report = await pushUsage({ ...(await ready), ids: cryptoIds });
    const { ran, pending, accepted, failed, outsideWindow, nearWindowUnsent, incomplete } = report;
    return { ran, pending, accepted, failed, outsideWindow, nearWindowUnsent, incomplete };
  };
}
