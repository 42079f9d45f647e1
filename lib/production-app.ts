import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type App, createApp } from './app';
import { type Lookup, loadConfig } from './config';
import { buildDeps, type Deps } from './deps';
import { withUsageReports } from './metering/usage-route';
import { checkTableOnce, tableCheckEnabled } from './startup-check';

/**
 * The deployed app: configuration from `lookup` (environment, FunctionGraph user data, or SSM
 * resolved by the AWS entry) validated once, the optional cold-start table check started, then the
 * production dependencies. `overrides` lets a seller plug in their
 * provisioner without touching the entries.
 */
export async function createProductionApp(
  lookup: Lookup,
  overrides: Partial<Deps> = {},
): Promise<App> {
  const config = loadConfig(lookup);
  const deps = buildDeps(config, overrides);
  if (tableCheckEnabled(lookup)) {
    const client = new DynamoDBClient({
      endpoint: config.dynamodbEndpoint,
      region: config.dynamodbRegion,
      credentials: config.dynamodbCredentials,
    });
    // Not awaited: the first call does not wait for it; the check logs one clear error if needed.
    void checkTableOnce(client, config.tableName, deps.log).finally(() => client.destroy());
  }
  // The seller's usage reports route before KooGallery's front ends (#11).
  return withUsageReports(deps, createApp(deps));
}
