import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ConfigError } from './errors';
import type { EncryptType } from './protocol/credential-cipher';
import type { BodyDigestSetting } from './protocol/request-signature';

/** Everything the function reads from its environment, validated once at cold start. */
export interface Config {
  /** SaaS V2.0 access keys: the current one first, then the previous one during rotation. */
  accessKeys: string[];
  /**
   * SaaS V1.0 and License 1.0 keys (`KOOGALLERY_V1_ACCESS_KEY`); the SaaS V2.0 keys when unset,
   * since a product migrated from V1.0 usually keeps its key.
   */
  v1AccessKeys: string[];
  /** License 2.0 keys (`KOOGALLERY_LICENSE_ACCESS_KEY`); empty when unset, so its calls get `000001`. */
  licenseAccessKeys: string[];
  /** Accepted distance between a V1.0 `timeStamp` and now (see `V1_TIMESTAMP_WINDOW_SECONDS`). */
  v1TimestampWindowMs: number;
  /** Ed25519 private key signing License 1.0 licenses (`LICENSE_SIGNING_KEY`), when set. */
  licenseSigningKey?: KeyObject;
  /** Huawei Cloud IAM credentials for KooGallery's open APIs. */
  huaweiCloud: { ak: string; sk: string };
  /** Scheme and host of KooGallery's open API, without a trailing slash. */
  apiEndpoint: string;
  /**
   * Where open API calls go when {@link apiEndpoint} cannot be reached (`KOOGALLERY_API_FALLBACK_ENDPOINT`);
   * `https://mkt.myhuaweicloud.cn` by default when the primary is the default host, else none.
   */
  apiFallbackEndpoint?: string;
  tableName: string;
  /** A DynamoDB-compatible endpoint (GeminiDB, dynalite); undefined means AWS's own. */
  dynamodbEndpoint?: string;
  dynamodbRegion: string;
  /**
   * Keys for the table endpoint (GeminiDB's own AK/SK), when given as settings; otherwise the AWS
   * SDK's default chain (the Lambda role, or AWS_ACCESS_KEY_ID in the process environment).
   */
  dynamodbCredentials?: { accessKeyId: string; secretAccessKey: string };
  provisioner: { frontEndUrlTemplate: string; adminUrlTemplate?: string; userNameTemplate: string };
  /** Send `appInfo` credentials in plain text instead of `encryptType` "1"/"2" (docs/protocol.md, decision 6). */
  credentialsPlaintext: boolean;
  encryptType: EncryptType;
  /** Accepted distance between a request's timestamp and now (docs/protocol.md, decision 2). */
  signatureWindowMs: number;
  /**
   * Readings of the V2.0 inner body digest accepted (`REQUEST_BODY_DIGEST`): `auto` both (access-key
   * HMAC and plain SHA-256 of the raw body), or one pinned.
   */
  requestBodyDigest: BodyDigestSetting;
  /** Time a call may take before it answers `000004` (KooGallery waits 5 s at most). */
  responseBudgetMs: number;
  orderQuery: { timeoutMs: number; attempts: number };
  /** How long a provisioning claim is held before another call may take it over. */
  provisioningLeaseMs: number;
  /**
   * The seller's webhook (`PROVISIONER_WEBHOOK_URL`), when set: it replaces the default provisioner
   * for real calls. `secrets` holds the current secret first, then the previous one while rotating.
   */
  provisionerWebhook?: ProvisionerWebhookConfig;
  /**
   * The at-rest key sealing delivery info (`CREDENTIALS_KEY`): required, and independent of every
   * access key, so rotating an access key never makes stored values unreadable (#14).
   */
  credentialsKey: Buffer;
  /** The at-rest key before the last rotation (`CREDENTIALS_PREVIOUS_KEY`): opens, never seals. */
  previousCredentialsKey?: Buffer;
  maxBodyBytes: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Secrets the seller's SaaS signs usage reports with (`USAGE_REPORT_SECRET`, then
   * `USAGE_REPORT_PREVIOUS_SECRET` while rotating); empty when unset: the report route answers 503.
   */
  usageReportSecrets: string[];
  /** Days an audit entry is kept after its day ends (`AUDIT_RETENTION_DAYS`, default 400). */
  auditRetentionDays: number;
}

/** KooGallery's open API host (docs/protocol.md#query-order). */
export const DEFAULT_API_ENDPOINT = 'https://mkt.myhuaweicloud.com';
/** The host KooGallery's documents say to retry on when the default one is unavailable. */
export const DEFAULT_API_FALLBACK_ENDPOINT = 'https://mkt.myhuaweicloud.cn';

/** The webhook provisioner's settings (see `lib/provisioner/webhook-provisioner.ts`). */
export interface ProvisionerWebhookConfig {
  url: string;
  /** `PROVISIONER_WEBHOOK_SECRET`, then `PROVISIONER_WEBHOOK_PREVIOUS_SECRET` when set. */
  secrets: string[];
  /** How long one delivery may take (`PROVISIONER_WEBHOOK_TIMEOUT_MS`). */
  timeoutMs: number;
}

/** Reads one setting; environment variables in Lambda, `context.getUserData` in FunctionGraph. */
export type Lookup = (key: string) => string | undefined;

/** The settings with their meaning, for the README table and error messages. */
export const CONFIG_KEYS = {
  KOOGALLERY_ACCESS_KEY: 'SaaS V2.0 access key bound to the production address (required)',
  KOOGALLERY_PREVIOUS_ACCESS_KEY: 'previous access key, accepted while rotating (optional)',
  KOOGALLERY_V1_ACCESS_KEY:
    'SaaS V1.0 and License 1.0 interface key (default: KOOGALLERY_ACCESS_KEY and its previous key)',
  KOOGALLERY_LICENSE_ACCESS_KEY:
    'License 2.0 interface key (optional; License 2.0 calls answer 000001 while unset)',
  V1_TIMESTAMP_WINDOW_SECONDS: 'V1.0 timeStamp tolerance (default 600: V1.0 documents none)',
  LICENSE_SIGNING_KEY:
    'Ed25519 private key (PEM, or base64 PKCS#8 DER) signing License 1.0 licenses (optional)',
  HUAWEICLOUD_AK: 'Huawei Cloud IAM access key id for Query Order (required)',
  HUAWEICLOUD_SK: 'Huawei Cloud IAM secret access key (required)',
  KOOGALLERY_API_ENDPOINT: 'open API scheme and host (default https://mkt.myhuaweicloud.com)',
  KOOGALLERY_API_FALLBACK_ENDPOINT:
    'open API host used when the primary cannot be reached (default https://mkt.myhuaweicloud.cn with the default primary; "none" turns it off)',
  TABLE_NAME: 'the state table (required)',
  DYNAMODB_ENDPOINT: 'DynamoDB-compatible endpoint, e.g. GeminiDB (default: AWS)',
  DYNAMODB_REGION: 'region for the table client (default AWS_REGION or us-east-1)',
  DYNAMODB_ACCESS_KEY_ID:
    'access key for the table endpoint, e.g. GeminiDB (optional; default: the AWS SDK chain)',
  DYNAMODB_SECRET_ACCESS_KEY: 'secret for DYNAMODB_ACCESS_KEY_ID (required with it)',
  TABLE_CHECK_ON_START: '"true" verifies the table once per cold start (default false)',
  FRONTEND_URL_TEMPLATE: 'buyer URL, placeholders {instanceId} {shortId} {orderId} (required)',
  ADMIN_URL_TEMPLATE: 'admin URL, same placeholders (optional)',
  ADMIN_USERNAME_TEMPLATE: 'admin user name (default admin-{shortId})',
  CREDENTIALS_PLAINTEXT: '"true" sends appInfo credentials unencrypted (default false)',
  ENCRYPT_TYPE: '"1" AES-256-CBC (default) or "2" AES-128-CBC',
  SIGNATURE_WINDOW_SECONDS: 'timestamp tolerance (default 60)',
  REQUEST_BODY_DIGEST:
    'V2.0 inner body digest: auto (default: access-key HMAC or plain SHA-256), hmac or sha256',
  RESPONSE_BUDGET_MS: 'answer 000004 after this long (default 3000)',
  ORDER_QUERY_TIMEOUT_MS: 'Query Order timeout per attempt (default 1000)',
  ORDER_QUERY_ATTEMPTS: 'Query Order attempts per call (default 2)',
  PROVISIONING_LEASE_SECONDS: 'provisioning claim duration (default 60)',
  PROVISIONER_WEBHOOK_URL:
    "the seller's webhook receiving lifecycle events (https://, http:// only on loopback; optional: unset keeps the default provisioner)",
  PROVISIONER_WEBHOOK_SECRET:
    'secret signing every webhook delivery (required with PROVISIONER_WEBHOOK_URL; at least 16 characters)',
  PROVISIONER_WEBHOOK_PREVIOUS_SECRET:
    'the secret before a rotation; deliveries carry a signature with each (optional)',
  PROVISIONER_WEBHOOK_TIMEOUT_MS:
    'how long one webhook delivery may take before it counts as failed (default 8000)',
  CREDENTIALS_KEY:
    'at-rest key sealing delivery info: 32 bytes as base64 or 64 hex digits, e.g. `openssl rand -base64 32` (required)',
  CREDENTIALS_PREVIOUS_KEY:
    'the CREDENTIALS_KEY before the last rotation: still opened, re-sealed when read (optional)',
  MAX_BODY_BYTES: 'largest request body accepted (default 65536)',
  LOG_LEVEL: 'debug, info (default), warn or error',
  USAGE_REPORT_SECRET:
    'secret the SaaS signs usage reports with (X-KooGallery-Signature; optional: reports are refused while unset)',
  USAGE_REPORT_PREVIOUS_SECRET: 'previous usage report secret, accepted while rotating (optional)',
  AUDIT_RETENTION_DAYS: 'days the audit trail keeps an entry (default 400, at most 3650)',
} as const;

/**
 * The settings that are secrets: on AWS each is an SSM SecureString parameter the environment only
 * names, on FunctionGraph each goes into encrypted user data; never plain text in a template or a
 * plain user-data field. Every other key of {@link CONFIG_KEYS} is a plain setting.
 */
export const SECRET_CONFIG_KEYS: ReadonlySet<keyof typeof CONFIG_KEYS> = new Set([
  'KOOGALLERY_ACCESS_KEY',
  'KOOGALLERY_PREVIOUS_ACCESS_KEY',
  'KOOGALLERY_V1_ACCESS_KEY',
  'KOOGALLERY_LICENSE_ACCESS_KEY',
  'LICENSE_SIGNING_KEY',
  'HUAWEICLOUD_AK',
  'HUAWEICLOUD_SK',
  'DYNAMODB_ACCESS_KEY_ID',
  'DYNAMODB_SECRET_ACCESS_KEY',
  'PROVISIONER_WEBHOOK_SECRET',
  'PROVISIONER_WEBHOOK_PREVIOUS_SECRET',
  'CREDENTIALS_KEY',
  'CREDENTIALS_PREVIOUS_KEY',
  'USAGE_REPORT_SECRET',
  'USAGE_REPORT_PREVIOUS_SECRET',
] as const);

/**
 * Reads settings by name, collecting every problem: `loadConfig` and the usage push function
 * (`readPushSettings`) validate the settings they share with the same rules and messages.
 */
export class ConfigReader {
  readonly problems: string[] = [];
  constructor(private readonly lookup: Lookup) {}

  optional(key: keyof typeof CONFIG_KEYS): string | undefined {
    const v = this.lookup(key)?.trim();
    return v === undefined || v === '' ? undefined : v;
  }

  /** The setting, or '' with a problem naming it and `meaning` (its {@link CONFIG_KEYS} text by default). */
  required(key: keyof typeof CONFIG_KEYS, meaning: string = CONFIG_KEYS[key]): string {
    const v = this.optional(key);
    if (v === undefined) this.problems.push(`${key} is missing (${meaning})`);
    return v ?? '';
  }

  integer(key: keyof typeof CONFIG_KEYS, fallback: number, min: number, max: number): number {
    const v = this.optional(key);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${key} must be an integer from ${min} to ${max}, got "${v}"`);
      return fallback;
    }
    return n;
  }

  boolean(key: keyof typeof CONFIG_KEYS): boolean {
    const v = this.optional(key);
    if (v === undefined) return false;
    if (/^(true|1|yes)$/i.test(v)) return true;
    if (/^(false|0|no)$/i.test(v)) return false;
    this.problems.push(`${key} must be true or false, got "${v}"`);
    return false;
  }

  url(
    key: keyof typeof CONFIG_KEYS,
    value: string | undefined,
    opts: { template?: boolean },
  ): void {
    if (value === undefined) return;
    const probe = opts.template ? value.replace(/\{[a-zA-Z]+\}/g, 'x') : value;
    let u: URL;
    try {
      u = new URL(probe);
    } catch {
      this.problems.push(`${key} is not a URL: "${value}"`);
      return;
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
      this.problems.push(
        `${key} must be https:// (http:// only on a loopback host), got "${value}"`,
      );
    }
  }
}

export function tableCredentials(r: ConfigReader): Config['dynamodbCredentials'] {
  const accessKeyId = r.optional('DYNAMODB_ACCESS_KEY_ID');
  const secretAccessKey = r.optional('DYNAMODB_SECRET_ACCESS_KEY');
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  if (accessKeyId || secretAccessKey) {
    r.problems.push('DYNAMODB_ACCESS_KEY_ID and DYNAMODB_SECRET_ACCESS_KEY must be set together');
  }
  return undefined;
}

/**
 * The fallback open API host by the function's rule: `KOOGALLERY_API_FALLBACK_ENDPOINT` as given
 * (without a trailing slash; `none` for none), else KooGallery's second host when `primary` is the
 * default one, else none.
 *
 * @example fallbackEndpointFor(DEFAULT_API_ENDPOINT, undefined) // DEFAULT_API_FALLBACK_ENDPOINT
 */
export function fallbackEndpointFor(
  primary: string,
  setting: string | undefined,
): string | undefined {
  const given = setting?.trim().replace(/\/+$/, '');
  if (given === undefined || given === '') {
    return primary === DEFAULT_API_ENDPOINT ? DEFAULT_API_FALLBACK_ENDPOINT : undefined;
  }
  return given.toLowerCase() === 'none' ? undefined : given;
}

/**
 * `KOOGALLERY_API_ENDPOINT` (default {@link DEFAULT_API_ENDPOINT}) and its fallback
 * ({@link fallbackEndpointFor}), each refused unless https:// (http:// only on loopback).
 */
export function readApiEndpoints(r: ConfigReader): {
  apiEndpoint: string;
  apiFallbackEndpoint?: string;
} {
  const apiEndpoint = (r.optional('KOOGALLERY_API_ENDPOINT') ?? DEFAULT_API_ENDPOINT).replace(
    /\/+$/,
    '',
  );
  r.url('KOOGALLERY_API_ENDPOINT', apiEndpoint, {});
  const apiFallbackEndpoint = fallbackEndpointFor(
    apiEndpoint,
    r.optional('KOOGALLERY_API_FALLBACK_ENDPOINT'),
  );
  r.url('KOOGALLERY_API_FALLBACK_ENDPOINT', apiFallbackEndpoint, {});
  return apiFallbackEndpoint ? { apiEndpoint, apiFallbackEndpoint } : { apiEndpoint };
}

/** `TABLE_NAME`: required, 3-255 letters, digits, "_" or "-". */
export function readTableName(r: ConfigReader): string {
  const tableName = r.required('TABLE_NAME');
  if (tableName && !/^[A-Za-z0-9_-]{3,255}$/.test(tableName)) {
    r.problems.push(
      `TABLE_NAME must be 3-255 letters, digits, "_" or "-" (GeminiDB refuses "."), got "${tableName}"`,
    );
  }
  return tableName;
}

/** `DYNAMODB_ENDPOINT`, when set: a URL. */
export function readDynamodbEndpoint(r: ConfigReader): string | undefined {
  const dynamodbEndpoint = r.optional('DYNAMODB_ENDPOINT');
  if (dynamodbEndpoint) {
    try {
      new URL(dynamodbEndpoint);
    } catch {
      r.problems.push(`DYNAMODB_ENDPOINT is not a URL: "${dynamodbEndpoint}"`);
    }
  }
  return dynamodbEndpoint;
}

/** `LOG_LEVEL`: debug, info (default), warn or error. */
export function readLogLevel(r: ConfigReader): Config['logLevel'] {
  const logLevel = (r.optional('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    r.problems.push(`LOG_LEVEL must be debug, info, warn or error, got "${logLevel}"`);
    return 'info';
  }
  return logLevel as Config['logLevel'];
}

/** Reads a 32-byte at-rest key (64 hex digits or base64); the value is a secret, never quoted. */
function parseKey(
  r: ConfigReader,
  name: 'CREDENTIALS_KEY' | 'CREDENTIALS_PREVIOUS_KEY',
  raw: string | undefined,
): Buffer | undefined {
  if (raw === undefined) return undefined;
  const buf = parseAtRestKey(raw);
  if (buf === undefined) {
    r.problems.push(
      `${name} must be 32 bytes, as 64 hex digits or base64 (create one with: openssl rand -base64 32)`,
    );
  }
  return buf;
}

/**
 * A 32-byte at-rest key written as 64 hex digits or base64 (standard or URL-safe), or undefined
 * when `raw` is neither; the deploy script checks `CREDENTIALS_KEY` with it too.
 */
export function parseAtRestKey(raw: string): Buffer | undefined {
  const buf = /^[0-9a-fA-F]{64}$/.test(raw)
    ? Buffer.from(raw, 'hex')
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)
      ? Buffer.from(raw, 'base64')
      : undefined;
  return buf?.length === 32 ? buf : undefined;
}

/** Shortest shared secret accepted (webhook, usage reports): a guessable one makes signatures forgeable. */
const MIN_SECRET_LENGTH = 16;

function provisionerWebhook(
  r: ConfigReader,
  leaseMs: number,
): ProvisionerWebhookConfig | undefined {
  const url = r.optional('PROVISIONER_WEBHOOK_URL');
  const secrets = rotatingSecrets(
    r,
    'PROVISIONER_WEBHOOK_SECRET',
    'PROVISIONER_WEBHOOK_PREVIOUS_SECRET',
  );
  const timeoutMs = r.integer('PROVISIONER_WEBHOOK_TIMEOUT_MS', 8000, 100, 60000);
  if (url === undefined) {
    if (secrets.named.length > 0) {
      r.problems.push(
        `${secrets.named.join(' and ')} ${secrets.named.length > 1 ? 'are' : 'is'} set but PROVISIONER_WEBHOOK_URL is not: set the URL of your webhook, or remove the secret`,
      );
    }
    return undefined;
  }
  let userInfo = false;
  try {
    const u = new URL(url);
    userInfo = u.username !== '' || u.password !== '';
  } catch {
    // Not a URL: r.url names the problem.
  }
  if (userInfo) {
    // Not quoted: the user part may hold a password. fetch refuses such URLs anyway.
    r.problems.push(
      'PROVISIONER_WEBHOOK_URL must not contain a user name or password (the signature authenticates each delivery)',
    );
  } else {
    r.url('PROVISIONER_WEBHOOK_URL', url, {});
  }
  if (!secrets.currentSet) {
    r.problems.push(
      `PROVISIONER_WEBHOOK_SECRET is missing (${CONFIG_KEYS.PROVISIONER_WEBHOOK_SECRET})`,
    );
  }
  if (timeoutMs >= leaseMs) {
    r.problems.push(
      `PROVISIONER_WEBHOOK_TIMEOUT_MS (${timeoutMs}) must be shorter than PROVISIONING_LEASE_SECONDS (${leaseMs / 1000} s), or two calls could deliver one step at once`,
    );
  }
  return { url, secrets: secrets.values, timeoutMs };
}

function parseSigningKey(r: ConfigReader, raw: string | undefined): KeyObject | undefined {
  if (raw === undefined) return undefined;
  let key: KeyObject;
  try {
    key = raw.includes('-----BEGIN')
      ? createPrivateKey(raw.replace(/\\n/g, '\n'))
      : createPrivateKey({ key: Buffer.from(raw, 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    // The value itself is a secret: never quoted.
    r.problems.push('LICENSE_SIGNING_KEY is not a PEM or base64 PKCS#8 private key');
    return undefined;
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    r.problems.push(
      `LICENSE_SIGNING_KEY must be an Ed25519 key, got ${key.asymmetricKeyType ?? 'unknown'}`,
    );
    return undefined;
  }
  return key;
}

function isBodyDigestSetting(value: string): value is BodyDigestSetting {
  return value === 'auto' || value === 'hmac' || value === 'sha256';
}

/** The usage report secrets, current first; each at least 16 characters (never quoted). */
function usageReportSecrets(r: ConfigReader): string[] {
  const secrets = rotatingSecrets(r, 'USAGE_REPORT_SECRET', 'USAGE_REPORT_PREVIOUS_SECRET');
  if (!secrets.currentSet && secrets.named.length > 0) {
    r.problems.push(
      'USAGE_REPORT_PREVIOUS_SECRET is set without USAGE_REPORT_SECRET: set the current secret too',
    );
  }
  return secrets.values;
}

/**
 * A shared secret that rotates (the webhook's, the usage reports'): the current and the previous
 * value, each at least {@link MIN_SECRET_LENGTH} characters, never quoted in a problem.
 * `values` holds the usable ones, current first, each once; `named` the keys that are set.
 */
function rotatingSecrets(
  r: ConfigReader,
  currentKey: keyof typeof CONFIG_KEYS,
  previousKey: keyof typeof CONFIG_KEYS,
): { values: string[]; named: string[]; currentSet: boolean } {
  const values: string[] = [];
  const named: string[] = [];
  for (const key of [currentKey, previousKey]) {
    const v = r.optional(key);
    if (v === undefined) continue;
    named.push(key);
    if (v.length < MIN_SECRET_LENGTH) {
      r.problems.push(
        `${key} must be at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`,
      );
    } else if (!values.includes(v)) {
      values.push(v);
    }
  }
  return { values, named, currentSet: named[0] === currentKey };
}

/**
 * Reads and validates the configuration; throws one `ConfigError` naming every missing or
 * malformed key.
 *
 * @example const config = loadConfig((k) => process.env[k]);
 */
export function loadConfig(lookup: Lookup): Config {
  const r = new ConfigReader(lookup);
  const accessKey = r.required('KOOGALLERY_ACCESS_KEY');
  const previous = r.optional('KOOGALLERY_PREVIOUS_ACCESS_KEY');
  const ak = r.required('HUAWEICLOUD_AK');
  const sk = r.required('HUAWEICLOUD_SK');
  const { apiEndpoint, apiFallbackEndpoint } = readApiEndpoints(r);
  const tableName = readTableName(r);
  const dynamodbEndpoint = readDynamodbEndpoint(r);
  const frontEndUrlTemplate = r.required('FRONTEND_URL_TEMPLATE');
  r.url('FRONTEND_URL_TEMPLATE', frontEndUrlTemplate || undefined, { template: true });
  const adminUrlTemplate = r.optional('ADMIN_URL_TEMPLATE');
  r.url('ADMIN_URL_TEMPLATE', adminUrlTemplate, { template: true });
  const encryptType = r.optional('ENCRYPT_TYPE') ?? '1';
  if (encryptType !== '1' && encryptType !== '2') {
    r.problems.push(`ENCRYPT_TYPE must be "1" or "2", got "${encryptType}"`);
  }
  const requestBodyDigest = (r.optional('REQUEST_BODY_DIGEST') ?? 'auto').toLowerCase();
  if (!isBodyDigestSetting(requestBodyDigest)) {
    r.problems.push(
      `REQUEST_BODY_DIGEST must be auto, hmac or sha256, got "${requestBodyDigest.slice(0, 32)}"`,
    );
  }
  const logLevel = readLogLevel(r);
  const accessKeys = previous && previous !== accessKey ? [accessKey, previous] : [accessKey];
  const v1AccessKey = r.optional('KOOGALLERY_V1_ACCESS_KEY');
  const licenseAccessKey = r.optional('KOOGALLERY_LICENSE_ACCESS_KEY');
  const provisioningLeaseMs = r.integer('PROVISIONING_LEASE_SECONDS', 60, 5, 3600) * 1000;
  const config: Config = {
    accessKeys,
    v1AccessKeys: v1AccessKey ? [v1AccessKey] : accessKeys,
    licenseAccessKeys: licenseAccessKey ? [licenseAccessKey] : [],
    v1TimestampWindowMs: r.integer('V1_TIMESTAMP_WINDOW_SECONDS', 600, 1, 86400) * 1000,
    licenseSigningKey: parseSigningKey(r, r.optional('LICENSE_SIGNING_KEY')),
    huaweiCloud: { ak, sk },
    apiEndpoint,
    apiFallbackEndpoint,
    tableName,
    dynamodbEndpoint,
    dynamodbRegion: r.optional('DYNAMODB_REGION') ?? lookup('AWS_REGION') ?? 'us-east-1',
    dynamodbCredentials: tableCredentials(r),
    provisioner: {
      frontEndUrlTemplate,
      adminUrlTemplate,
      userNameTemplate: r.optional('ADMIN_USERNAME_TEMPLATE') ?? 'admin-{shortId}',
    },
    credentialsPlaintext: r.boolean('CREDENTIALS_PLAINTEXT'),
    encryptType: encryptType === '2' ? '2' : '1',
    signatureWindowMs: r.integer('SIGNATURE_WINDOW_SECONDS', 60, 1, 3600) * 1000,
    requestBodyDigest: isBodyDigestSetting(requestBodyDigest) ? requestBodyDigest : 'auto',
    responseBudgetMs: r.integer('RESPONSE_BUDGET_MS', 3000, 100, 20000),
    orderQuery: {
      timeoutMs: r.integer('ORDER_QUERY_TIMEOUT_MS', 1000, 50, 10000),
      attempts: r.integer('ORDER_QUERY_ATTEMPTS', 2, 1, 5),
    },
    provisioningLeaseMs,
    provisionerWebhook: provisionerWebhook(r, provisioningLeaseMs),
    credentialsKey:
      parseKey(r, 'CREDENTIALS_KEY', r.required('CREDENTIALS_KEY') || undefined) ?? Buffer.alloc(0),
    previousCredentialsKey: parseKey(
      r,
      'CREDENTIALS_PREVIOUS_KEY',
      r.optional('CREDENTIALS_PREVIOUS_KEY'),
    ),
    maxBodyBytes: r.integer('MAX_BODY_BYTES', 65536, 1024, 1048576),
    logLevel,
    usageReportSecrets: usageReportSecrets(r),
    auditRetentionDays: r.integer('AUDIT_RETENTION_DAYS', 400, 1, 3650),
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
