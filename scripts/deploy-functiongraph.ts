/**
 * Deploys `dist/functiongraph.zip` to Huawei Cloud FunctionGraph with the official SDK
 * (`@huaweicloud/huaweicloud-sdk-functiongraph`), idempotently: the function is created when it
 * does not exist and updated (code, then configuration) when it does; the APIG trigger is created
 * once and left alone afterwards. Run `npm run package:functiongraph` first.
 *
 * Usage: `npm run deploy:functiongraph` (settings from the environment, see DEPLOY_SETTINGS),
 * `npm run deploy:functiongraph -- --dry-run` prints the requests with secrets masked, and
 * `-- --code-only` replaces only the code. Secrets travel from your shell into FunctionGraph's
 * encrypted user data; they are never written to a file or printed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionGraphClient } from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { TARGETS } from './build';

/** The settings this script reads, with their meaning (for the README and error messages). */
export const DEPLOY_SETTINGS = {
  HUAWEICLOUD_SDK_AK: 'AK of the IAM user that deploys (FunctionGraph FullAccess) (required)',
  HUAWEICLOUD_SDK_SK: 'SK of that user (required)',
  HUAWEICLOUD_PROJECT_ID: 'project id of the region (required)',
  HUAWEICLOUD_REGION: 'region, e.g. ap-southeast-1 or cn-north-4 (required)',
  FG_ENDPOINT: 'FunctionGraph endpoint (default https://functiongraph.<region>.myhuaweicloud.com)',
  FG_FUNCTION_NAME: 'function name (default koogallery-production)',
  FG_APP: 'FunctionGraph application / package (default default)',
  FG_AGENCY: 'agency (委托) with VPC access permissions, needed for VPC access (required)',
  FG_VPC_ID: 'VPC of the GeminiDB instance (required)',
  FG_SUBNET_ID: 'subnet (network id) in that VPC (required)',
  FG_MEMORY_MB: 'memory in MB (default 512)',
  FG_TIMEOUT_SECONDS: 'timeout in seconds (default 10)',
  APIG_INSTANCE_ID: 'dedicated APIG gateway instance id (required for the trigger)',
  APIG_GROUP_ID: 'API group id; bind your custom domain and certificate to it (required)',
  APIG_ENV_ID: 'environment id of RELEASE (required)',
  APIG_ENV_NAME: 'environment name (default RELEASE)',
  APIG_API_NAME: 'API name (default koogallery_production)',
  APIG_PATH: 'request path registered at KooGallery (default /koogallery)',
  FG_PUSH_FUNCTION_NAME: 'the hourly usage push function (default <FG_FUNCTION_NAME>-usage-push)',
  FG_PUSH_TIMEOUT_SECONDS: 'its timeout in seconds (default 300)',
} as const;

/** The function's own settings copied from the deployer's shell: plain ones into user data. */
export const PLAIN_FUNCTION_SETTINGS = [
  'TABLE_NAME',
  'DYNAMODB_ENDPOINT',
  'DYNAMODB_REGION',
  'KOOGALLERY_API_ENDPOINT',
  'FRONTEND_URL_TEMPLATE',
  'ADMIN_URL_TEMPLATE',
  'ADMIN_USERNAME_TEMPLATE',
  'CREDENTIALS_PLAINTEXT',
  'ENCRYPT_TYPE',
  'REQUEST_BODY_DIGEST',
  'RESPONSE_BUDGET_MS',
  'PROVISIONER_WEBHOOK_URL',
  'PROVISIONER_WEBHOOK_TIMEOUT_MS',
  'LOG_LEVEL',
  'TABLE_CHECK_ON_START',
] as const;

/**
 * Secrets, into encrypted user data. `GEMINIDB_AK`/`GEMINIDB_SK` (the GeminiDB instance's
 * DynamoDB-API credentials) become `DYNAMODB_ACCESS_KEY_ID`/`DYNAMODB_SECRET_ACCESS_KEY`, which the
 * function reads through `getUserData` like every other setting (encrypted user data is not
 * documented to reach `process.env`, where the SDK's default chain would look).
 */
export const SECRET_FUNCTION_SETTINGS = {
  KOOGALLERY_ACCESS_KEY: 'KOOGALLERY_ACCESS_KEY',
  KOOGALLERY_PREVIOUS_ACCESS_KEY: 'KOOGALLERY_PREVIOUS_ACCESS_KEY',
  HUAWEICLOUD_AK: 'HUAWEICLOUD_AK',
  HUAWEICLOUD_SK: 'HUAWEICLOUD_SK',
  CREDENTIALS_KEY: 'CREDENTIALS_KEY',
  KOOGALLERY_V1_ACCESS_KEY: 'KOOGALLERY_V1_ACCESS_KEY',
  KOOGALLERY_LICENSE_ACCESS_KEY: 'KOOGALLERY_LICENSE_ACCESS_KEY',
  LICENSE_SIGNING_KEY: 'LICENSE_SIGNING_KEY',
  PROVISIONER_WEBHOOK_SECRET: 'PROVISIONER_WEBHOOK_SECRET',
  PROVISIONER_WEBHOOK_PREVIOUS_SECRET: 'PROVISIONER_WEBHOOK_PREVIOUS_SECRET',
  GEMINIDB_AK: 'DYNAMODB_ACCESS_KEY_ID',
  GEMINIDB_SK: 'DYNAMODB_SECRET_ACCESS_KEY',
  USAGE_REPORT_SECRET: 'USAGE_REPORT_SECRET',
  USAGE_REPORT_PREVIOUS_SECRET: 'USAGE_REPORT_PREVIOUS_SECRET',
} as const;

/**
 * The secrets the usage push function gets (#11): what signs a push and reaches GeminiDB, and
 * nothing else (no credentials key, no report secret, no license key).
 */
export const PUSH_SECRETS: readonly string[] = [
  'KOOGALLERY_ACCESS_KEY',
  'HUAWEICLOUD_AK',
  'HUAWEICLOUD_SK',
  'DYNAMODB_ACCESS_KEY_ID',
  'DYNAMODB_SECRET_ACCESS_KEY',
];
/** The push function's handler in the same zip (`usagePush` of `functions/production/functiongraph.ts`). */
export const PUSH_HANDLER = 'index.usagePush';
/** The timer trigger's name and schedule: hourly, like serverless.yml's `rate(1 hour)`. */
export const PUSH_TIMER = { name: 'koogallery_usage_push', schedule: '1h' } as const;

const REQUIRED_FUNCTION_SETTINGS = ['TABLE_NAME', 'DYNAMODB_ENDPOINT', 'FRONTEND_URL_TEMPLATE'];
const REQUIRED_SECRETS = [
  'KOOGALLERY_ACCESS_KEY',
  'HUAWEICLOUD_AK',
  'HUAWEICLOUD_SK',
  'GEMINIDB_AK',
  'GEMINIDB_SK',
];

/**
 * FunctionGraph's newest Node runtime, `Node.js20.15` (the SDK's enum predates it; strings are
 * accepted); the bundle is built for it and tests/runtime runs it on Node 20.15.
 */
export const RUNTIME = TARGETS.functiongraph.runtime;
/** The zip's entry: `index.js` exporting `handler`. */
export const HANDLER = 'index.handler';
/** FunctionGraph's limit on all user data, keys and values together (docs/protocol.md#functiongraph). */
const USER_DATA_LIMIT = 4096;

/** Validated deployment settings. */
export interface DeployConfig {
  region: string;
  projectId: string;
  endpoint: string;
  functionName: string;
  app: string;
  agency: string;
  vpcId: string;
  subnetId: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** The usage push function (#11). */
  push: { functionName: string; timeoutSeconds: number };
  apig: {
    instanceId: string;
    groupId: string;
    envId: string;
    envName: string;
    apiName: string;
    path: string;
  };
  /** Plain user data (no secrets). */
  userData: Record<string, string>;
  /** Encrypted user data (secrets). */
  secrets: Record<string, string>;
}

/**
 * Reads and checks the settings; throws one error naming every missing or malformed one. With
 * `codeOnly`, the function's settings and secrets are not needed (only the code is replaced).
 */
export function readDeployConfig(
  env: Record<string, string | undefined>,
  options: { codeOnly?: boolean } = {},
): DeployConfig {
  const problems: string[] = [];
  const get = (key: string): string | undefined => env[key]?.trim() || undefined;
  const need = (key: string, meaning: string): string => {
    const v = get(key);
    if (v === undefined) problems.push(`${key} is missing (${meaning})`);
    return v ?? '';
  };
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const v = get(key);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${key} must be an integer from ${min} to ${max}, got "${v}"`);
    }
    return n;
  };
  const s = DEPLOY_SETTINGS;
  const region = need('HUAWEICLOUD_REGION', s.HUAWEICLOUD_REGION);
  const config: DeployConfig = {
    region,
    projectId: need('HUAWEICLOUD_PROJECT_ID', s.HUAWEICLOUD_PROJECT_ID),
    endpoint: get('FG_ENDPOINT') ?? `https://functiongraph.${region}.myhuaweicloud.com`,
    functionName: get('FG_FUNCTION_NAME') ?? 'koogallery-production',
    app: get('FG_APP') ?? 'default',
    agency: need('FG_AGENCY', s.FG_AGENCY),
    vpcId: need('FG_VPC_ID', s.FG_VPC_ID),
    subnetId: need('FG_SUBNET_ID', s.FG_SUBNET_ID),
    memoryMb: int('FG_MEMORY_MB', 512, 128, 10240),
    timeoutSeconds: int('FG_TIMEOUT_SECONDS', 10, 3, 900),
    push: {
      functionName:
        get('FG_PUSH_FUNCTION_NAME') ??
        `${get('FG_FUNCTION_NAME') ?? 'koogallery-production'}-usage-push`,
      timeoutSeconds: int('FG_PUSH_TIMEOUT_SECONDS', 300, 30, 900),
    },
    apig: {
      instanceId: need('APIG_INSTANCE_ID', s.APIG_INSTANCE_ID),
      groupId: need('APIG_GROUP_ID', s.APIG_GROUP_ID),
      envId: need('APIG_ENV_ID', s.APIG_ENV_ID),
      envName: get('APIG_ENV_NAME') ?? 'RELEASE',
      apiName: get('APIG_API_NAME') ?? 'koogallery_production',
      path: get('APIG_PATH') ?? '/koogallery',
    },
    userData: {
      // Linked source maps in the zip turn minified stack traces back into TypeScript lines.
      NODE_OPTIONS: '--enable-source-maps',
      // Node.js20.15 is the newest runtime there; the AWS SDK (the table client) would warn about
      // Node 20 at every cold start.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TABLE_CHECK_ON_START: 'true',
    },
    secrets: {},
  };
  if (!/^\/[A-Za-z0-9_\-/.]*$/.test(config.apig.path)) {
    problems.push(`APIG_PATH must start with "/" and hold only URL path characters`);
  }
  for (const key of PLAIN_FUNCTION_SETTINGS) {
    const v = get(key);
    if (v !== undefined) config.userData[key] = v;
    else if (!options.codeOnly && REQUIRED_FUNCTION_SETTINGS.includes(key)) {
      problems.push(`${key} is missing`);
    }
  }
  for (const [from, to] of Object.entries(SECRET_FUNCTION_SETTINGS)) {
    const v = get(from);
    if (v !== undefined) config.secrets[to] = v;
    else if (!options.codeOnly && REQUIRED_SECRETS.includes(from)) {
      problems.push(`${from} is missing (secret)`);
    }
  }
  if (config.userData.PROVISIONER_WEBHOOK_URL && !config.secrets.PROVISIONER_WEBHOOK_SECRET) {
    problems.push(
      'PROVISIONER_WEBHOOK_SECRET is missing (secret): required with PROVISIONER_WEBHOOK_URL',
    );
  }
  const size = [config.userData, config.secrets]
    .flatMap((m) => Object.entries(m))
    .reduce((n, [k, v]) => n + k.length + v.length, 0);
  if (size > USER_DATA_LIMIT) {
    problems.push(`user data is ${size} characters; FunctionGraph allows ${USER_DATA_LIMIT}`);
  }
  if (problems.length > 0) {
    throw new Error(`cannot deploy (${problems.length} problems):\n  ${problems.join('\n  ')}`);
  }
  return config;
}

/** The function's URN, as FunctionGraph's per-function APIs take it (the production one by default). */
export function functionUrn(config: DeployConfig, functionName = config.functionName): string {
  return `urn:fss:${config.region}:${config.projectId}:function:${config.app}:${functionName}:latest`;
}

/** The request bodies one deployment sends, as they go on the wire (snake_case JSON). */
export interface DeploymentPlan {
  urn: string;
  create: Record<string, unknown>;
  code: Record<string, unknown>;
  configuration: Record<string, unknown>;
  trigger: Record<string, unknown>;
  /** The APIG trigger of the seller's usage reports, `<APIG_PATH>/usage` (#11). */
  usageTrigger: Record<string, unknown>;
  /** The hourly usage push: a second function from the same zip, and its timer trigger (#11). */
  push: {
    urn: string;
    create: Record<string, unknown>;
    code: Record<string, unknown>;
    configuration: Record<string, unknown>;
    timer: Record<string, unknown>;
  };
}

/** Builds every request body from the settings and the zip; pure, so tests can read it. */
export function planDeployment(config: DeployConfig, zip: Buffer): DeploymentPlan {
  const funcCode = { file: zip.toString('base64') };
  const funcVpc = { vpc_id: config.vpcId, subnet_id: config.subnetId };
  const common = {
    runtime: RUNTIME,
    handler: HANDLER,
    memory_size: config.memoryMb,
    timeout: config.timeoutSeconds,
    // The agency gives the function its VPC access (ENI in the GeminiDB subnet).
    xrole: config.agency,
    func_vpc: funcVpc,
    user_data: JSON.stringify(config.userData),
    encrypted_user_data: JSON.stringify(config.secrets),
    description: 'KooGallery SaaS V2.0 production interface',
  };
  const pushSecrets = Object.fromEntries(
    Object.entries(config.secrets).filter(([k]) => PUSH_SECRETS.includes(k)),
  );
  // The push provisions nothing: without the webhook settings it never needs the webhook secret.
  const pushUserData = Object.fromEntries(
    Object.entries(config.userData).filter(([k]) => !k.startsWith('PROVISIONER_WEBHOOK_')),
  );
  const pushCommon = {
    ...common,
    user_data: JSON.stringify(pushUserData),
    handler: PUSH_HANDLER,
    timeout: config.push.timeoutSeconds,
    encrypted_user_data: JSON.stringify(pushSecrets),
    description: 'KooGallery pay-per-use usage push, hourly',
  };
  const apig = (name: string, path: string, method: string) => ({
    trigger_type_code: 'DEDICATEDGATEWAY',
    trigger_status: 'ACTIVE',
    event_type_code: 'APIGCreateApi',
    event_data: {
      name,
      instance_id: config.apig.instanceId,
      group_id: config.apig.groupId,
      env_id: config.apig.envId,
      env_name: config.apig.envName,
      path,
      req_method: method,
      match_mode: 'NORMAL',
      protocol: 'HTTPS',
      // Neither KooGallery nor the seller's SaaS signs for APIG: the app checks each signature.
      auth: 'NONE',
      backend_type: 'FUNCTION',
      type: 1,
      func_info: { timeout: config.timeoutSeconds * 1000 },
    },
  });
  const code = { code_type: 'zip', code_filename: 'functiongraph.zip', func_code: funcCode };
  return {
    urn: functionUrn(config),
    create: {
      func_name: config.functionName,
      package: config.app,
      type: 'v2',
      ...code,
      ...common,
    },
    code,
    configuration: { func_name: config.functionName, ...common },
    // KooGallery POSTs (V2.0) and GETs (V1.0); ANY keeps one API for both.
    trigger: apig(config.apig.apiName, config.apig.path, 'ANY'),
    usageTrigger: apig(
      `${config.apig.apiName}_usage`,
      `${config.apig.path.replace(/\/+$/, '')}/usage`,
      'POST',
    ),
    push: {
      urn: functionUrn(config, config.push.functionName),
      create: {
        func_name: config.push.functionName,
        package: config.app,
        type: 'v2',
        ...code,
        ...pushCommon,
      },
      code,
      configuration: { func_name: config.push.functionName, ...pushCommon },
      timer: {
        trigger_type_code: 'TIMER',
        trigger_status: 'ACTIVE',
        event_data: {
          name: PUSH_TIMER.name,
          schedule_type: 'Rate',
          schedule: PUSH_TIMER.schedule,
          user_event: 'usage-push',
        },
      },
    },
  };
}

/** Copies a plan with every secret and the code replaced, for `--dry-run` and logs. */
export function maskPlan(plan: DeploymentPlan): DeploymentPlan {
  const mask = (body: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...body };
    if ('encrypted_user_data' in out) {
      const keys = Object.keys(JSON.parse(String(out.encrypted_user_data)));
      out.encrypted_user_data = `{${keys.map((k) => `"${k}":"***"`).join(',')}}`;
    }
    if (out.func_code) out.func_code = { file: '<base64 zip>' };
    return out;
  };
  return {
    ...plan,
    create: mask(plan.create),
    code: mask(plan.code),
    configuration: mask(plan.configuration),
    push: {
      ...plan.push,
      create: mask(plan.push.create),
      code: mask(plan.push.code),
      configuration: mask(plan.push.configuration),
    },
  };
}

/** The FunctionGraph calls a deployment makes; the SDK client satisfies it (see sdkPort). */
export interface FunctionGraphPort {
  /** Resolves undefined when the function does not exist. */
  showFunction(urn: string): Promise<Record<string, unknown> | undefined>;
  createFunction(body: Record<string, unknown>): Promise<void>;
  updateCode(urn: string, body: Record<string, unknown>): Promise<void>;
  updateConfiguration(urn: string, body: Record<string, unknown>): Promise<void>;
  listTriggers(urn: string): Promise<Array<Record<string, unknown>>>;
  createTrigger(urn: string, body: Record<string, unknown>): Promise<void>;
}

/** What {@link deploy} did. */
export interface DeployOutcome {
  function: 'created' | 'updated' | 'code-updated';
  trigger: 'created' | 'exists' | 'skipped';
  /** The APIG trigger of `<APIG_PATH>/usage`. */
  usageTrigger: 'created' | 'exists' | 'skipped';
  /** The usage push function, from the same zip. */
  pushFunction: 'created' | 'updated' | 'code-updated';
  /** Its hourly timer trigger. */
  timerTrigger: 'created' | 'exists' | 'skipped';
}

async function ensureFunction(
  port: FunctionGraphPort,
  fn: {
    urn: string;
    create: Record<string, unknown>;
    code: Record<string, unknown>;
    configuration: Record<string, unknown>;
  },
  codeOnly: boolean,
): Promise<DeployOutcome['function']> {
  if (!(await port.showFunction(fn.urn))) {
    await port.createFunction(fn.create);
    return 'created';
  }
  await port.updateCode(fn.urn, fn.code);
  if (codeOnly) return 'code-updated';
  await port.updateConfiguration(fn.urn, fn.configuration);
  return 'updated';
}

/** Creates `trigger` on the function unless one of the same type family and name exists. */
async function ensureTrigger(
  port: FunctionGraphPort,
  urn: string,
  trigger: Record<string, unknown>,
  types: readonly string[],
): Promise<'created' | 'exists'> {
  const wanted = (trigger.event_data as { name: string }).name;
  const found = (await port.listTriggers(urn)).some((t) => {
    const data = (t.event_data ?? {}) as Record<string, unknown>;
    return types.includes(String(t.trigger_type_code ?? '')) && data.name === wanted;
  });
  if (found) return 'exists';
  await port.createTrigger(urn, trigger);
  return 'created';
}

/**
 * Creates or updates the production function and its APIG triggers (the production path and
 * `<path>/usage`), then the usage push function and its hourly timer trigger. Safe to rerun;
 * with `codeOnly` only both functions' code is replaced.
 *
 * @example await deploy(sdkPort(config, ak, sk), planDeployment(config, zip));
 */
export async function deploy(
  port: FunctionGraphPort,
  plan: DeploymentPlan,
  options: { codeOnly?: boolean } = {},
): Promise<DeployOutcome> {
  const codeOnly = options.codeOnly === true;
  const fn = await ensureFunction(port, plan, codeOnly);
  const apigTypes = ['DEDICATEDGATEWAY', 'APIG'];
  const trigger = codeOnly
    ? 'skipped'
    : await ensureTrigger(port, plan.urn, plan.trigger, apigTypes);
  const usageTrigger = codeOnly
    ? 'skipped'
    : await ensureTrigger(port, plan.urn, plan.usageTrigger, apigTypes);
  const pushFunction = await ensureFunction(port, plan.push, codeOnly);
  const timerTrigger = codeOnly
    ? 'skipped'
    : await ensureTrigger(port, plan.push.urn, plan.push.timer, ['TIMER']);
  return { function: fn, trigger, usageTrigger, pushFunction, timerTrigger };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { httpStatusCode?: unknown } | null)?.httpStatusCode;
  return status === undefined ? undefined : Number(status);
}

const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The SDK's HTTP client logs a failed request's whole axios config at ERROR level, body
 * included: for create/update that is `encrypted_user_data`, the secrets in clear text (FunctionGraph
 * encrypts them on its side). Its logger is not configurable through the builder, so it is
 * replaced; errors still reach the caller with their status and code.
 */
function silenceSdkLogs(client: FunctionGraphClient): void {
  const http = (client as unknown as { hcClient?: { httpClient?: { _logger?: unknown } } }).hcClient
    ?.httpClient;
  if (!http || !('_logger' in http)) {
    throw new Error('the FunctionGraph SDK changed shape: cannot silence its request logging');
  }
  http._logger = SILENT;
}

/** A {@link FunctionGraphPort} on the official SDK client (AK/SK signed, per project). */
export function sdkPort(config: DeployConfig, ak: string, sk: string): FunctionGraphPort {
  const sdk =
    require('@huaweicloud/huaweicloud-sdk-functiongraph') as typeof import('@huaweicloud/huaweicloud-sdk-functiongraph');
  const { BasicCredentials } =
    require('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials') as typeof import('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials');
  const client: FunctionGraphClient = sdk.FunctionGraphClient.newBuilder()
    .withCredential(new BasicCredentials().withAk(ak).withSk(sk).withProjectId(config.projectId))
    .withEndpoint(config.endpoint)
    .build();
  silenceSdkLogs(client);
  // The SDK's model classes keep snake_case fields; a plain object with the same keys serialises
  // to the same JSON, so the bodies are passed through as the plan built them.
  const body = <T>(b: Record<string, unknown>): T => b as unknown as T;
  return {
    async showFunction(urn) {
      try {
        const res = await client.showFunctionConfig(
          new sdk.ShowFunctionConfigRequest().withFunctionUrn(urn),
        );
        return res as unknown as Record<string, unknown>;
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },
    async createFunction(b) {
      await client.createFunction(new sdk.CreateFunctionRequest().withBody(body(b)));
    },
    async updateCode(urn, b) {
      await client.updateFunctionCode(
        new sdk.UpdateFunctionCodeRequest().withFunctionUrn(urn).withBody(body(b)),
      );
    },
    async updateConfiguration(urn, b) {
      await client.updateFunctionConfig(
        new sdk.UpdateFunctionConfigRequest().withFunctionUrn(urn).withBody(body(b)),
      );
    },
    async listTriggers(urn) {
      const res = (await client.listFunctionTriggers(
        new sdk.ListFunctionTriggersRequest().withFunctionUrn(urn),
      )) as unknown;
      const list = Array.isArray(res) ? res : (res as { body?: unknown }).body;
      return Array.isArray(list) ? (list as Array<Record<string, unknown>>) : [];
    },
    async createTrigger(urn, b) {
      await client.createFunctionTrigger(
        new sdk.CreateFunctionTriggerRequest().withFunctionUrn(urn).withBody(body(b)),
      );
    },
  };
}

async function main(argv: string[]): Promise<void> {
  const dryRun = argv.includes('--dry-run');
  const codeOnly = argv.includes('--code-only');
  const config = readDeployConfig(process.env, { codeOnly });
  const zipPath = join(__dirname, '..', 'dist', 'functiongraph.zip');
  const zip = readFileSync(zipPath);
  const plan = planDeployment(config, zip);
  if (dryRun) {
    console.log(JSON.stringify(maskPlan(plan), null, 2));
    return;
  }
  const ak = process.env.HUAWEICLOUD_SDK_AK ?? '';
  const sk = process.env.HUAWEICLOUD_SDK_SK ?? '';
  if (!ak || !sk) throw new Error('HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are required');
  const outcome = await deploy(sdkPort(config, ak, sk), plan, { codeOnly });
  console.log(
    `function ${config.functionName}: ${outcome.function}; APIG trigger ${config.apig.apiName}: ${outcome.trigger}; ` +
      `usage report trigger ${config.apig.apiName}_usage: ${outcome.usageTrigger}\n` +
      `function ${config.push.functionName}: ${outcome.pushFunction}; timer trigger ${PUSH_TIMER.name} (every ${PUSH_TIMER.schedule}): ${outcome.timerTrigger}`,
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    // SDK errors carry a status and code; their bodies never contain our secrets.
    const e = error as { message?: string; errorCode?: string; httpStatusCode?: unknown };
    console.error(
      e.errorCode ? `FunctionGraph ${e.httpStatusCode} ${e.errorCode}: ${e.message}` : e.message,
    );
    process.exitCode = 1;
  });
}
