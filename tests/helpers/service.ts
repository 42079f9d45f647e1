/**
 * A real service for integration tests: the app over a listening HTTP server on 127.0.0.1, a real
 * dynalite, and the Query Order stand-in, wired as the local runner wires them.
 */
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { createApp } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { buildDeps, type Deps } from '../../lib/deps';
import { type LocalHttpServerOptions, startLocalHttpServer } from '../../lib/local/http-server';
import { type OpenApiStandIn, startOpenApiStandIn } from '../../lib/local/open-api-stand-in';
import { createJsonLogger } from '../../lib/log';
import { withUsageReports } from '../../lib/metering/usage-route';
import { signRequest } from '../../lib/protocol/request-signature';
import { formatV1Timestamp, v1AuthToken } from '../../lib/protocol/v1-auth-token';
import type { Provisioner } from '../../lib/provisioner/provisioner';
import type { InstanceStore } from '../../lib/store/instance-store';
import { startTestDynalite, TEST_DYNAMO, type TestDynalite } from './dynalite';
import { refusingEndpoint } from './refusing-endpoint';

/** A captured answer. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

/** Options of one signed send. */
export interface SendOptions {
  key?: string;
  timestamp?: string;
  nonce?: string;
  /** Sign one body, send another. */
  sendBody?: string;
  method?: string;
  path?: string;
}

/** Options of one V1.0 (SaaS or License 1.0) send. */
export interface V1SendOptions {
  key?: string;
  /** The `timeStamp` parameter; now by default. */
  timeStamp?: string;
  /** Write the token raw (`+ / =`) instead of percent-encoded. */
  rawToken?: boolean;
  /** Leave `authToken` (and the signing) out. */
  unsigned?: boolean;
  /**
   * Send no `testFlag` when `params` has none; otherwise `testFlag` "0" is added, as KooGallery
   * sends it with every V1.0 call (#14).
   */
  omitTestFlag?: boolean;
}

/** A running test service. */
export interface TestService {
  url: string;
  /** The SaaS V2.0 key. */
  accessKey: string;
  /** The SaaS V1.0 / License 1.0 key (distinct from the V2.0 one unless a setting says otherwise). */
  v1AccessKey: string;
  /** The License 2.0 key (empty when the settings unset it). */
  licenseAccessKey: string;
  /** The secret usage reports are signed with (`USAGE_REPORT_SECRET`; empty when unset). */
  usageReportSecret: string;
  /** The public half of LICENSE_SIGNING_KEY, to verify issued licenses. */
  licensePublicKey: KeyObject;
  deps: Deps;
  store: InstanceStore;
  dynalite: TestDynalite;
  standIn: OpenApiStandIn;
  /** Every log line written so far. */
  logs: string[];
  /** Calls per provisioner method for real (non-test) calls. */
  provisionerCalls: Record<string, number>;
  send(body: unknown, options?: SendOptions): Promise<Answer>;
  /** Signs `params` with the V1.0 key and sends them as a GET query. */
  sendV1(params: Record<string, string>, options?: V1SendOptions): Promise<Answer>;
  /** Signs and sends a License 2.0 body with the License key. */
  sendLicense(body: unknown, options?: SendOptions): Promise<Answer>;
  close(): Promise<void>;
}

/** A provisioner that counts calls and delegates to `inner`. */
export function countingProvisioner(
  inner: Provisioner,
  calls: Record<string, number>,
): Provisioner {
  const count = <K extends keyof Provisioner>(name: K): Provisioner[K] =>
    (async (...args: unknown[]) => {
      calls[name] = (calls[name] ?? 0) + 1;
      return (inner[name] as (...a: unknown[]) => Promise<unknown>)(...args);
    }) as Provisioner[K];
  return {
    provision: count('provision'),
    renew: count('renew'),
    freeze: count('freeze'),
    unfreeze: count('unfreeze'),
    release: count('release'),
    upgrade: count('upgrade'),
    checkChange: count('checkChange'),
  };
}

/** Starts dynalite, the stand-in and the app on 127.0.0.1; `settings` override configuration. */
export async function startTestService(
  options: {
    settings?: Record<string, string>;
    /** Wraps the provisioner buildDeps chose (templates, or the webhook when configured). */
    provisioner?: (chosen: Provisioner) => Provisioner;
    overrides?: Partial<Deps>;
    /**
     * Point KOOGALLERY_API_ENDPOINT at a loopback port that refuses connections and
     * KOOGALLERY_API_FALLBACK_ENDPOINT at the stand-in.
     */
    primaryApiRefuses?: boolean;
    /** The local HTTP server's timeouts. */
    server?: Pick<
      LocalHttpServerOptions,
      'headersTimeoutMs' | 'requestTimeoutMs' | 'timeoutCheckIntervalMs'
    >;
  } = {},
): Promise<TestService> {
  const accessKey = `test-key-${randomBytes(8).toString('hex')}`;
  const ak = 'TESTAK0123456789';
  const sk = randomBytes(16).toString('hex');
  const dynalite = await startTestDynalite();
  const standIn = await startOpenApiStandIn({ ak, sk, accessKey });
  const signing = generateKeyPairSync('ed25519');
  const settings: Record<string, string> = {
    KOOGALLERY_ACCESS_KEY: accessKey,
    KOOGALLERY_V1_ACCESS_KEY: `v1-key-${randomBytes(8).toString('hex')}`,
    KOOGALLERY_LICENSE_ACCESS_KEY: `license-key-${randomBytes(8).toString('hex')}`,
    LICENSE_SIGNING_KEY: signing.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    HUAWEICLOUD_AK: ak,
    HUAWEICLOUD_SK: sk,
    CREDENTIALS_KEY: randomBytes(32).toString('base64'),
    KOOGALLERY_API_ENDPOINT: standIn.endpoint,
    TABLE_NAME: dynalite.tableName,
    DYNAMODB_ENDPOINT: dynalite.endpoint,
    DYNAMODB_REGION: TEST_DYNAMO.region,
    DYNAMODB_ACCESS_KEY_ID: TEST_DYNAMO.credentials.accessKeyId,
    DYNAMODB_SECRET_ACCESS_KEY: TEST_DYNAMO.credentials.secretAccessKey,
    FRONTEND_URL_TEMPLATE: 'https://{shortId}.tenants.example.com/',
    ADMIN_URL_TEMPLATE: 'https://{shortId}.tenants.example.com/admin',
    ORDER_QUERY_TIMEOUT_MS: '300',
    USAGE_REPORT_SECRET: `usage-secret-${randomBytes(8).toString('hex')}`,
    ...(options.primaryApiRefuses
      ? {
          KOOGALLERY_API_ENDPOINT: await refusingEndpoint(),
          KOOGALLERY_API_FALLBACK_ENDPOINT: standIn.endpoint,
        }
      : {}),
    ...options.settings,
  };
  const config = loadConfig((k) => settings[k]);
  const logs: string[] = [];
  const provisionerCalls: Record<string, number> = {};
  const log = createJsonLogger('debug', (line) => logs.push(line));
  // The store and the provisioner are built by buildDeps from the settings, as in production (the
  // webhook provisioner when PROVISIONER_WEBHOOK_URL is set); the test only counts the calls.
  const built = buildDeps(config, { log, ...options.overrides });
  const chosen = options.overrides?.provisioner ?? built.provisioner;
  const deps: Deps = {
    ...built,
    provisioner: countingProvisioner(options.provisioner?.(chosen) ?? chosen, provisionerCalls),
  };
  const server = await startLocalHttpServer(withUsageReports(deps, createApp(deps)), {
    ...options.server,
    port: 0,
    maxBodyBytes: config.maxBodyBytes,
  });
  const v1AccessKey = config.v1AccessKeys[0] as string;
  const licenseAccessKey = config.licenseAccessKeys[0] ?? '';
  return {
    url: server.url,
    accessKey,
    v1AccessKey,
    licenseAccessKey,
    licensePublicKey: signing.publicKey,
    usageReportSecret: config.usageReportSecrets[0] ?? '',
    deps,
    store: deps.store,
    dynalite,
    standIn,
    logs,
    provisionerCalls,
    send: (body, o = {}) => sendSigned(server.url, o.key ?? accessKey, body, o),
    sendV1: (params, o = {}) => sendV1Signed(server.url, o.key ?? v1AccessKey, params, o),
    sendLicense: (body, o = {}) => sendSigned(server.url, o.key ?? licenseAccessKey, body, o),
    close: async () => {
      await server.close();
      await deps.background.drain();
      await standIn.close();
      await dynalite.close();
    },
  };
}

/** The answer as received: status, headers, exact text, and the JSON body (empty when not JSON). */
async function capture(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: `json` stays empty and the test sees `text`.
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Signs and sends one V2.0 request; `body` may be a string (sent as is) or an object. */
export async function sendSigned(
  url: string,
  key: string,
  body: unknown,
  o: SendOptions = {},
): Promise<Answer> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = o.timestamp ?? String(Date.now());
  const nonce = o.nonce ?? randomBytes(32).toString('hex').toUpperCase();
  const signature = signRequest(key, nonce, timestamp, Buffer.from(text, 'utf8'));
  const target = new URL(o.path ?? '/', url);
  target.search = new URLSearchParams({ signature, timestamp, nonce }).toString();
  const res = await fetch(target, {
    method: o.method ?? 'POST',
    headers: { 'Content-Type': 'application/json;charset=utf8', Accept: 'application/json' },
    body: o.method === 'GET' ? undefined : (o.sendBody ?? text),
  });
  return capture(res);
}

/** Signs V1.0 parameters with `key` (authToken over the decoded values) and sends them as a GET. */
export async function sendV1Signed(
  url: string,
  key: string,
  params: Record<string, string>,
  o: V1SendOptions = {},
): Promise<Answer> {
  const flag: Record<string, string> =
    o.omitTestFlag || 'testFlag' in params ? {} : { testFlag: '0' };
  const signed = { ...flag, ...params, timeStamp: o.timeStamp ?? formatV1Timestamp(Date.now()) };
  const pairs = Object.entries(signed).map(
    ([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`,
  );
  if (!o.unsigned) {
    const token = v1AuthToken(key, signed);
    pairs.push(`authToken=${o.rawToken ? token : encodeURIComponent(token)}`);
  }
  const res = await fetch(`${url}?${pairs.join('&')}`, { method: 'GET' });
  return capture(res);
}
