/**
 * The scheduled usage push as a function entry (#11): AWS Lambda on an hourly EventBridge schedule
 * (`functions/usage-push/handler.ts`) and FunctionGraph on an hourly timer trigger (`usagePush` in
 * `functions/production/functiongraph.ts`), both from the same package as the production function.
 */
import { type Lookup, loadConfig } from '../config';
import { buildDeps, buildUsageClient, type Deps } from '../deps';
import { type PushReport, pushUsage } from './push-usage';

/** What one scheduled run returns: the counts (the log line `usage push` carries the same). */
export type PushSummary = Pick<
  PushReport,
  'ran' | 'pending' | 'accepted' | 'failed' | 'outsideWindow' | 'nearWindowUnsent' | 'incomplete'
>;

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
  overrides: Partial<Deps> = {},
): (event: E, context: C) => Promise<PushSummary> {
  let deps: Promise<Deps> | undefined;
  return async (event, context) => {
    deps ??= getLookup(event, context)
      .then((lookup) => buildDeps(loadConfig(lookup), overrides))
      .catch((error: unknown) => {
        deps = undefined;
        throw error;
      });
    const d = await deps;
    const report = await pushUsage({
      usage: d.usage,
      client: buildUsageClient(d.config, d.clock),
      clock: d.clock,
      ids: d.ids,
      log: d.log,
    });
    const { ran, pending, accepted, failed, outsideWindow, nearWindowUnsent, incomplete } = report;
    return { ran, pending, accepted, failed, outsideWindow, nearWindowUnsent, incomplete };
  };
}
