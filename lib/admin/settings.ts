/**
 * Where `koogallery-admin` finds the table and KooGallery's open API:
 *
 * 1. `DYNAMODB_ENDPOINT` or `TABLE_NAME` set: the function's own settings (`TABLE_NAME`,
 *    `DYNAMODB_ENDPOINT`, `DYNAMODB_REGION`, `DYNAMODB_ACCESS_KEY_ID`/`SECRET_ACCESS_KEY` or the AWS
 *    SDK chain, `HUAWEICLOUD_AK`/`SK`, `KOOGALLERY_ACCESS_KEY`, `KOOGALLERY_API_ENDPOINT`; secrets
 *    may be named as `X_SSM_PARAMETER`, read from SSM like the function does).
 * 2. Otherwise the `npm start` running from the same folder: its runtime file in `DATA_DIR`
 *    (default `.data`) names its embedded store and its open-API stand-in, and its development
 *    access key is `DATA_DIR/access-key`. Variables you set still win.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_API_ENDPOINT, fallbackEndpointFor, type Lookup } from '../config';
import type { UsagePushSettings } from '../deps';
import { readRuntimeFile } from '../local/runtime-file';
import { resolveSecretLookup } from '../secrets';
import type { DynamooseStoreOptions } from '../store/dynamoose-store';

/** A command line or settings problem: printed as is, exit status 2. */
export class AdminUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminUsageError';
  }
}

/** The settings a command reads, and where they came from (for messages). */
export interface AdminSettings {
  lookup: Lookup;
  /** `the npm start running from <dir>` or `the environment`. */
  source: string;
}

/** Reads the settings (see the module comment); throws {@link AdminUsageError} with what to do. */
export async function resolveAdminSettings(
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<AdminSettings> {
  const given: Lookup = (k) => {
    const v = env[k]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  if (given('DYNAMODB_ENDPOINT') || given('TABLE_NAME')) {
    return { lookup: await resolveSecretLookup(given), source: 'the environment' };
  }
  const dataDir = resolve(cwd, given('DATA_DIR') ?? '.data');
  const found = readRuntimeFile(dataDir);
  if (found.kind !== 'running') {
    const why =
      found.kind === 'missing'
        ? `no npm start runs from this folder (no ${found.file})`
        : found.kind === 'stale'
          ? `the npm start that wrote ${found.file} is no longer running`
          : `${found.file} is not readable`;
    throw new AdminUsageError(
      `${why}. Start it with \`npm start\` in this folder (or set DATA_DIR to its data folder), ` +
        'or set TABLE_NAME (and DYNAMODB_ENDPOINT for GeminiDB or another endpoint) to reach a deployed table.',
    );
  }
  const kept = (file: string): string | undefined => {
    try {
      return readFileSync(join(dataDir, file), 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  };
  // The development keys npm start keeps in its data folder (mode 0600): the access key, and the
  // at-rest key `koogallery-admin retry` needs to seal delivery info as the running service does.
  const devFiles: Record<string, string> = {
    KOOGALLERY_ACCESS_KEY: 'access-key',
    CREDENTIALS_KEY: 'credentials-key',
  };
  const settings = found.runtime.settings;
  const lookup: Lookup = (k) =>
    given(k) ?? settings[k] ?? (devFiles[k] === undefined ? undefined : kept(devFiles[k]));
  return { lookup, source: `the npm start running from ${dataDir} (pid ${found.runtime.pid})` };
}

function need(settings: AdminSettings, key: string, meaning: string): string {
  const v = settings.lookup(key);
  if (v === undefined || v.trim() === '') {
    throw new AdminUsageError(
      `${key} is not set (${meaning}); settings come from ${settings.source}`,
    );
  }
  return v.trim();
}

/** Where the table is, from the settings; throws naming what is missing. */
export function tableOptions(settings: AdminSettings): DynamooseStoreOptions {
  const tableName = need(settings, 'TABLE_NAME', 'the state table');
  const endpoint = settings.lookup('DYNAMODB_ENDPOINT');
  const region = settings.lookup('DYNAMODB_REGION') ?? settings.lookup('AWS_REGION') ?? 'us-east-1';
  const id = settings.lookup('DYNAMODB_ACCESS_KEY_ID');
  const secret = settings.lookup('DYNAMODB_SECRET_ACCESS_KEY');
  if ((id === undefined) !== (secret === undefined)) {
    throw new AdminUsageError(
      'DYNAMODB_ACCESS_KEY_ID and DYNAMODB_SECRET_ACCESS_KEY must be set together',
    );
  }
  return {
    tableName,
    ...(endpoint ? { endpoint } : {}),
    region,
    ...(id && secret ? { credentials: { accessKeyId: id, secretAccessKey: secret } } : {}),
    // An operator waits longer than KooGallery does.
    requestTimeoutMs: 5000,
  };
}

/** What the push needs to reach KooGallery's usage API. */
export type PushSettings = UsagePushSettings;

/** The usage push settings; throws naming what is missing. */
export function pushSettings(settings: AdminSettings): PushSettings {
  const endpoint = (settings.lookup('KOOGALLERY_API_ENDPOINT') ?? DEFAULT_API_ENDPOINT).replace(
    /\/+$/,
    '',
  );
  const fallbackEndpoint = fallbackEndpointFor(
    endpoint,
    settings.lookup('KOOGALLERY_API_FALLBACK_ENDPOINT'),
  );
  return {
    endpoint,
    ...(fallbackEndpoint ? { fallbackEndpoint } : {}),
    ak: need(settings, 'HUAWEICLOUD_AK', 'the IAM access key that signs the usage push'),
    sk: need(settings, 'HUAWEICLOUD_SK', 'its secret key'),
    accessKey: need(
      settings,
      'KOOGALLERY_ACCESS_KEY',
      'the key bound to the basic interface, which signs the `signature` header',
    ),
  };
}
