import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Lookup } from '../config';
import { startEmbeddedStore } from './embedded-store';
import { startOpenApiStandIn } from './open-api-stand-in';

/** The local runner's defaults for settings a deployed function must be given. */
const LOCAL_DEFAULTS: Record<string, string> = {
  TABLE_NAME: 'koogallery-local',
  FRONTEND_URL_TEMPLATE: 'https://{shortId}.tenants.example.com/',
  ADMIN_URL_TEMPLATE: 'https://{shortId}.tenants.example.com/admin',
};

/**
 * The file under the data directory holding the development webhook secret, shared by
 * `koogallery-sim serve-webhook` and `npm start` when `PROVISIONER_WEBHOOK_SECRET` is unset.
 */
export const WEBHOOK_SECRET_FILE = 'webhook-secret';

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
  close(): Promise<void>;
}

/** Reads a key kept in `file`, or creates a random one there (mode 0600) on first use. */
export async function readOrCreateKey(
  file: string,
): Promise<{ value: string; generated: boolean }> {
  try {
    const value = (await readFile(file, 'utf8')).trim();
    if (value) return { value, generated: false };
  } catch {
    // Not created yet.
  }
  const value = randomBytes(24).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${value}\n`, { mode: 0o600 });
  return { value, generated: true };
}

/**
 * The License 1.0 signing key kept under the data directory: an Ed25519 PKCS#8 PEM, created once
 * with its public key beside it (`license-public-key.pem`, what the seller's software embeds).
 */
async function readOrCreateSigningKey(
  dataDir: string,
): Promise<{ pem: string; publicFile: string }> {
  const file = join(dataDir, 'license-signing-key.pem');
  const publicFile = join(dataDir, 'license-public-key.pem');
  try {
    const pem = (await readFile(file, 'utf8')).trim();
    if (pem) return { pem, publicFile };
  } catch {
    // Not created yet.
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  await writeFile(file, pem, { mode: 0o600 });
  await writeFile(publicFile, publicKey.export({ format: 'pem', type: 'spki' }).toString());
  return { pem: pem.trim(), publicFile };
}

/**
 * Starts what a deployed function gets from its cloud, on this machine: an embedded persistent
 * DynamoDB-compatible store (unless DYNAMODB_ENDPOINT is set), a stand-in for KooGallery's Query
 * Order API (unless HUAWEICLOUD_AK is set) and a development access key kept under `dataDir`
 * (unless KOOGALLERY_ACCESS_KEY is set), a License 2.0 development key (unless
 * KOOGALLERY_LICENSE_ACCESS_KEY is set) and a License 1.0 signing key (unless LICENSE_SIGNING_KEY
 * is set), both kept under `dataDir`. With `PROVISIONER_WEBHOOK_URL` set and no
 * `PROVISIONER_WEBHOOK_SECRET`, the webhook secret `koogallery-sim serve-webhook` keeps there.
 * Everything listens on 127.0.0.1 only.
 */
export async function startLocalEnvironment(options: {
  dataDir: string;
  lookup: Lookup;
}): Promise<LocalEnvironment> {
  const { dataDir, lookup: outer } = options;
  await mkdir(dataDir, { recursive: true });
  const set: Record<string, string> = {};
  const lookup: Lookup = (k) => outer(k) || set[k] || LOCAL_DEFAULTS[k];
  const closers: (() => Promise<void>)[] = [];
  const notes: string[] = [];
  try {
    const keyFile = join(dataDir, 'access-key');
    let accessKey = {
      value: outer('KOOGALLERY_ACCESS_KEY') ?? '',
      generated: false,
      file: keyFile,
    };
    if (!accessKey.value) {
      accessKey = { ...(await readOrCreateKey(keyFile)), file: keyFile };
      set.KOOGALLERY_ACCESS_KEY = accessKey.value;
    }
    if (!outer('KOOGALLERY_LICENSE_ACCESS_KEY')) {
      const licenseKeyFile = join(dataDir, 'license-access-key');
      set.KOOGALLERY_LICENSE_ACCESS_KEY = (await readOrCreateKey(licenseKeyFile)).value;
      notes.push(`License 2.0 development access key: kept in ${licenseKeyFile}`);
    }
    if (!outer('USAGE_REPORT_SECRET')) {
      const secretFile = join(dataDir, 'usage-report-secret');
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
    if (!outer('DYNAMODB_ENDPOINT')) {
      const embedded = await startEmbeddedStore({ dataDir: join(dataDir, 'dynalite'), tableName });
      closers.push(() => embedded.close());
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
    ]) {
      // Only what this environment made up (embedded store, stand-in): never a setting of yours.
      const value =
        set[key] ?? (key === 'TABLE_NAME' && !outer(key) ? LOCAL_DEFAULTS[key] : undefined);
      if (value !== undefined) published[key] = value;
    }
    return {
      lookup,
      accessKey,
      notes,
      published,
      close: async () => {
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}
