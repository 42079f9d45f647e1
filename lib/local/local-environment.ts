import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Clock, systemClock } from '../clock';
import type { Lookup } from '../config';
import {
  ACCESS_KEY_FILE,
  CREDENTIALS_KEY_FILE,
  LICENSE_ACCESS_KEY_FILE,
  LICENSE_PUBLIC_KEY_FILE,
  LICENSE_SIGNING_KEY_FILE,
  makePrivateDir,
  readOrCreateKey,
  readPrivate,
  USAGE_REPORT_SECRET_FILE,
  WEBHOOK_SECRET_FILE,
} from './data-files';
import { DataDirInUseError, startEmbeddedStore } from './embedded-store';
import { startNonceSweeper } from './nonce-sweeper';
import { startOpenApiStandIn } from './open-api-stand-in';

/** Default time between two sweeps of expired nonces in the embedded store. */
const NONCE_SWEEP_INTERVAL_MS = 60_000;

// The data folder's files and helpers, for the callers that imported them from here.
export { makePrivateDir, readOrCreateKey, WEBHOOK_SECRET_FILE } from './data-files';

/** The local runner's defaults for settings a deployed function must be given. */
const LOCAL_DEFAULTS: Record<string, string> = {
  TABLE_NAME: 'koogallery-local',
  FRONTEND_URL_TEMPLATE: 'https://{shortId}.tenants.example.com/',
  ADMIN_URL_TEMPLATE: 'https://{shortId}.tenants.example.com/admin',
};

/** What {@link startLocalEnvironment} started, and how to configure the function against it. */
export interface LocalEnvironment {
  /** Settings: the caller's own first, then the local stand-ins' (store endpoint, dev keys…). */
  lookup: Lookup;
  /** The SaaS V2.0 access key in force, and whether it is the generated development key. */
  accessKey: { value: string; generated: boolean; file: string };
  /** One line per stand-in that was started, for the start-up banner. */
  notes: string[];
  /**
   * The settings this environment provided (store endpoint, stand-in AK/SK, development keys are
   * left out), for the runtime file that `koogallery-admin` reads.
   */
  published: Record<string, string>;
  /**
   * Deletes the expired nonce items of the embedded store now (it also runs periodically);
   * undefined when the store is an outside one (DYNAMODB_ENDPOINT), whose TTL does it.
   */
  sweepNonces?: () => Promise<number>;
  close(): Promise<void>;
}

/**
 * The License 1.0 signing key kept under the data directory: an Ed25519 PKCS#8 PEM, created once
 * with its public key beside it (`license-public-key.pem`, what the seller's software embeds).
 */
async function readOrCreateSigningKey(
  dataDir: string,
): Promise<{ pem: string; publicFile: string }> {
  const file = join(dataDir, LICENSE_SIGNING_KEY_FILE);
  const publicFile = join(dataDir, LICENSE_PUBLIC_KEY_FILE);
  try {
    const pem = (await readPrivate(file)).trim();
    if (pem) {
      await chmod(publicFile, 0o600).catch(() => undefined);
      return { pem, publicFile };
    }
  } catch {
    // Not created yet.
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  await writeFile(file, pem, { mode: 0o600 });
  await writeFile(publicFile, publicKey.export({ format: 'pem', type: 'spki' }).toString(), {
    mode: 0o600,
  });
  return { pem: pem.trim(), publicFile };
}

/**
 * Starts what a deployed function gets from its cloud, on this machine: an embedded persistent
 * DynamoDB-compatible store (unless DYNAMODB_ENDPOINT is set), a stand-in for KooGallery's Query
 * Order API (unless HUAWEICLOUD_AK is set) and a development access key kept under `dataDir`
 * (unless KOOGALLERY_ACCESS_KEY is set), an at-rest key for delivery info (unless CREDENTIALS_KEY
 * is set), a License 2.0 development key (unless
 * KOOGALLERY_LICENSE_ACCESS_KEY is set) and a License 1.0 signing key (unless LICENSE_SIGNING_KEY
 * is set), both kept under `dataDir`. With `PROVISIONER_WEBHOOK_URL` set and no
 * `PROVISIONER_WEBHOOK_SECRET`, the webhook secret `koogallery-sim serve-webhook` keeps there.
 * Everything listens on 127.0.0.1 only. `dataDir` is made owner-only; the embedded store's expired
 * nonces are swept every `nonceSweepIntervalMs`. Refuses, naming the fix, a `dataDir` whose store
 * another process (another `npm start`) holds.
 */
export async function startLocalEnvironment(options: {
  dataDir: string;
  lookup: Lookup;
  /** The nonce sweep's clock (default: the system clock). */
  clock?: Clock;
  /** Time between two nonce sweeps (default 60 s). */
  nonceSweepIntervalMs?: number;
  /** Told when a periodic nonce sweep fails (the next one tries again). */
  onSweepError?: (error: unknown) => void;
}): Promise<LocalEnvironment> {
  const { dataDir, lookup: outer } = options;
  await makePrivateDir(dataDir);
  const set: Record<string, string> = {};
  const lookup: Lookup = (k) => outer(k) || set[k] || LOCAL_DEFAULTS[k];
  const closers: (() => Promise<void>)[] = [];
  const notes: string[] = [];
  try {
    const keyFile = join(dataDir, ACCESS_KEY_FILE);
    let accessKey = {
      value: outer('KOOGALLERY_ACCESS_KEY') ?? '',
      generated: false,
      file: keyFile,
    };
    if (!accessKey.value) {
      accessKey = { ...(await readOrCreateKey(keyFile)), file: keyFile };
      set.KOOGALLERY_ACCESS_KEY = accessKey.value;
    }
    if (!outer('CREDENTIALS_KEY')) {
      // 32 random bytes as base64, created once beside the data it seals, independent of the
      // access key (#14).
      const credentialsKeyFile = join(dataDir, CREDENTIALS_KEY_FILE);
      set.CREDENTIALS_KEY = (
        await readOrCreateKey(credentialsKeyFile, { bytes: 32, encoding: 'base64' })
      ).value;
      notes.push(`at-rest key (CREDENTIALS_KEY): kept in ${credentialsKeyFile}`);
    }
    if (!outer('KOOGALLERY_LICENSE_ACCESS_KEY')) {
      const licenseKeyFile = join(dataDir, LICENSE_ACCESS_KEY_FILE);
      set.KOOGALLERY_LICENSE_ACCESS_KEY = (await readOrCreateKey(licenseKeyFile)).value;
      notes.push(`License 2.0 development access key: kept in ${licenseKeyFile}`);
    }
    if (!outer('USAGE_REPORT_SECRET')) {
      const secretFile = join(dataDir, USAGE_REPORT_SECRET_FILE);
      set.USAGE_REPORT_SECRET = (await readOrCreateKey(secretFile)).value;
      notes.push(`usage report secret (X-KooGallery-Signature): kept in ${secretFile}`);
    }
    if (!outer('LICENSE_SIGNING_KEY')) {
      const signing = await readOrCreateSigningKey(dataDir);
      set.LICENSE_SIGNING_KEY = signing.pem;
      notes.push(`License 1.0 signing key: public key in ${signing.publicFile}`);
    }
    if (outer('PROVISIONER_WEBHOOK_URL') && !outer('PROVISIONER_WEBHOOK_SECRET')) {
      const secretFile = join(dataDir, WEBHOOK_SECRET_FILE);
      set.PROVISIONER_WEBHOOK_SECRET = (await readOrCreateKey(secretFile)).value;
      notes.push(
        `webhook secret: kept in ${secretFile} (as koogallery-sim serve-webhook reads it)`,
      );
    }
    const tableName = lookup('TABLE_NAME') as string;
    let sweepNonces: (() => Promise<number>) | undefined;
    if (!outer('DYNAMODB_ENDPOINT')) {
      const embedded = await startEmbeddedStore({
        dataDir: join(dataDir, 'dynalite'),
        tableName,
      }).catch((error: unknown) => {
        if (!(error instanceof DataDirInUseError)) throw error;
        throw new Error(
          `another \`npm start\` is using the data folder ${dataDir}: stop it first, or give this ` +
            `one a folder of its own, e.g. DATA_DIR=${dataDir}-2 PORT=3001 npm start`,
        );
      });
      closers.push(() => embedded.close());
      // dynalite has no TTL: expired nonce items are swept here instead (#14).
      const client = new DynamoDBClient({
        endpoint: embedded.endpoint,
        region: embedded.region,
        credentials: embedded.credentials,
      });
      const sweeper = startNonceSweeper({
        client,
        tableName,
        clock: options.clock ?? systemClock,
        intervalMs: options.nonceSweepIntervalMs ?? NONCE_SWEEP_INTERVAL_MS,
        ...(options.onSweepError ? { onError: options.onSweepError } : {}),
      });
      closers.push(async () => {
        sweeper.stop();
        client.destroy();
      });
      sweepNonces = sweeper.sweep;
      set.DYNAMODB_ENDPOINT = embedded.endpoint;
      // buildDeps builds the store from these, as it builds GeminiDB's from the deployed settings.
      Object.assign(set, {
        DYNAMODB_REGION: embedded.region,
        DYNAMODB_ACCESS_KEY_ID: embedded.credentials.accessKeyId,
        DYNAMODB_SECRET_ACCESS_KEY: embedded.credentials.secretAccessKey,
      });
      notes.push(`embedded store: ${embedded.endpoint} (data in ${join(dataDir, 'dynalite')})`);
    }
    if (!outer('HUAWEICLOUD_AK')) {
      const ak = `LOCALAK${randomBytes(6).toString('hex').toUpperCase()}`;
      const sk = randomBytes(20).toString('hex');
      const standIn = await startOpenApiStandIn({ ak, sk, accessKey: accessKey.value });
      closers.push(() => standIn.close());
      Object.assign(set, {
        HUAWEICLOUD_AK: ak,
        HUAWEICLOUD_SK: sk,
        KOOGALLERY_API_ENDPOINT: standIn.endpoint,
      });
      notes.push(`Query Order and usage push stand-in: ${standIn.endpoint}`);
    }
    const published: Record<string, string> = {};
    for (const key of [
      'TABLE_NAME',
      'DYNAMODB_ENDPOINT',
      'DYNAMODB_REGION',
      'DYNAMODB_ACCESS_KEY_ID',
      'DYNAMODB_SECRET_ACCESS_KEY',
      'KOOGALLERY_API_ENDPOINT',
      'HUAWEICLOUD_AK',
      'HUAWEICLOUD_SK',
      // The placeholder URLs, so that `koogallery-admin retry` provisions as this process does.
      'FRONTEND_URL_TEMPLATE',
      'ADMIN_URL_TEMPLATE',
    ]) {
      // Only what this environment made up (embedded store, stand-in, placeholders): never a
      // setting of yours.
      const value = set[key] ?? (!outer(key) ? LOCAL_DEFAULTS[key] : undefined);
      if (value !== undefined) published[key] = value;
    }
    return {
      lookup,
      accessKey,
      notes,
      published,
      sweepNonces,
      close: async () => {
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}
