import { type App, createApp } from './app';
import { type Lookup, loadConfig } from './config';
import { buildDeps, type Deps } from './deps';

/**
 * The deployed app: configuration from `lookup` (environment or FunctionGraph user data),
 * validated once, then the production dependencies. `overrides` lets a seller plug in their
 * provisioner without touching the entries.
 */
export async function createProductionApp(
  lookup: Lookup,
  overrides: Partial<Deps> = {},
): Promise<App> {
  const config = loadConfig(lookup);
  return createApp(buildDeps(config, overrides));
}
