/**
 * Deploys `dist/functiongraph.zip` to Huawei Cloud FunctionGraph with the official SDK
 * (`@huaweicloud/huaweicloud-sdk-functiongraph`), idempotently: the function is created when it
 * does not exist and updated (code, then configuration) when it does; the APIG triggers (one API
 * for GET, one for POST: KooGallery uses no other method) are created once and left alone
 * afterwards, and an `ANY` trigger of an earlier version is replaced. The at-rest key
 * (`CREDENTIALS_KEY`) is generated into the encrypted user data when the function is created
 * without one, and kept on every update. Run `npm run package:functiongraph` first.
 *
 * Usage: `npm run deploy:functiongraph` (settings from the environment, see DEPLOY_SETTINGS),
 * `npm run deploy:functiongraph -- --dry-run` prints the requests with secrets masked, and
 * `-- --code-only` replaces only the code. Secrets travel from your shell into FunctionGraph's
 * encrypted user data; they are never written to a file or printed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionGraphClient } from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { CONFIG_KEYS, parseAtRestKey, SECRET_CONFIG_KEYS } from '../lib/config';
import { TARGETS } from './build';

type ConfigKey = keyof typeof CONFIG_KEYS;

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

/**
 * The names in the deployer's shell of the secrets whose setting has another name there: the
 * GeminiDB instance's DynamoDB-API credentials (`GEMINIDB_AK`/`GEMINIDB_SK`).
 */
const SHELL_NAMES: Partial<Record<ConfigKey, string>> = {
  DYNAMODB_ACCESS_KEY_ID: 'GEMINIDB_AK',
  DYNAMODB_SECRET_ACCESS_KEY: 'GEMINIDB_SK',
};

/**
 * The function's own settings copied from the deployer's shell: every setting of `CONFIG_KEYS`
 * that is not a secret goes into plain user data.
 */
export const PLAIN_FUNCTION_SETTINGS: readonly ConfigKey[] = (
  Object.keys(CONFIG_KEYS) as ConfigKey[]
).filter((key) => !SECRET_CONFIG_KEYS.has(key));

/**
 * Secrets (`SECRET_CONFIG_KEYS`), into encrypted user data, as shell name → setting name.
 * `GEMINIDB_AK`/`GEMINIDB_SK` (the GeminiDB instance's DynamoDB-API credentials) become
 * `DYNAMODB_ACCESS_KEY_ID`/`DYNAMODB_SECRET_ACCESS_KEY`, which the function reads through
 * `getUserData` like every other setting (encrypted user data is not documented to reach
 * `process.env`, where the SDK's default chain would look).
 */
export const SECRET_FUNCTION_SETTINGS: Readonly<Record<string, ConfigKey>> = Object.fromEntries(
  [...SECRET_CONFIG_KEYS].map((key) => [SHELL_NAMES[key] ?? key, key]),
);

/**
 * The secrets the usage push function gets (#11): what signs a push and reaches GeminiDB, and
 * nothing else (no credentials key, no report or webhook secret, no license key).
 */
export const PUSH_SECRETS: readonly string[] = [
  'KOOGALLERY_ACCESS_KEY',
  'HUAWEICLOUD_AK',
  'HUAWEICLOUD_SK',
  'DYNAMODB_ACCESS_KEY_ID',
  'DYNAMODB_SECRET_ACCESS_KEY',
];
/** The plain settings the usage push reads (`loadPushSettings` in lib/metering/push-entry.ts). */
export const PUSH_PLAIN_SETTINGS: readonly string[] = [
  'TABLE_NAME',
  'DYNAMODB_ENDPOINT',
  'DYNAMODB_REGION',
  'KOOGALLERY_API_ENDPOINT',
  'KOOGALLERY_API_FALLBACK_ENDPOINT',
  'LOG_LEVEL',
  'NODE_OPTIONS',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
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
  const credentialsKey = config.secrets.CREDENTIALS_KEY;
  if (credentialsKey !== undefined && parseAtRestKey(credentialsKey) === undefined) {
    problems.push(
      'CREDENTIALS_KEY must be 32 bytes, as 64 hex digits or base64 (or unset: generated on create, kept on update)',
    );
  }
  // A CREDENTIALS_KEY generated or kept at deploy time takes its place too (44 base64 characters).
  const keyToCome =
    config.secrets.CREDENTIALS_KEY === undefined ? 'CREDENTIALS_KEY'.length + 44 : 0;
  const size =
    keyToCome +
    [config.userData, config.secrets]
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

/** The HTTP methods KooGallery uses: POST (SaaS V2.0, License 2.0) and GET (V1.0, License 1.0). */
export const TRIGGER_METHODS = ['GET', 'POST'] as const;

/** A function's URN, as FunctionGraph's per-function APIs take it (the production one by default). */
export function functionUrn(config: DeployConfig, functionName = config.functionName): string {
  return `urn:fss:${config.region}:${config.projectId}:function:${config.app}:${functionName}:latest`;
}

/** The request bodies one deployment sends, as they go on the wire (snake_case JSON). */
export interface DeploymentPlan {
  urn: string;
  create: Record<string, unknown>;
  code: Record<string, unknown>;
  configuration: Record<string, unknown>;
  /** One APIG trigger per method in {@link TRIGGER_METHODS}. */
  triggers: Array<Record<string, unknown>>;
  /** The APIG API name earlier versions gave their one `ANY` trigger (replaced on deploy). */
  legacyTriggerName: string;
  /** True when `CREDENTIALS_KEY` came from the shell; otherwise deploy generates or keeps one. */
  credentialsKeyGiven: boolean;
  /** The APIG trigger of the seller's usage reports, POST `<APIG_PATH>/usage` (#11). */
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
  return {
    urn: functionUrn(config),
    create: {
      func_name: config.functionName,
      package: config.app,
      type: 'v2',
      code_type: 'zip',
      code_filename: 'functiongraph.zip',
      func_code: funcCode,
      ...common,
    },
    code: { code_type: 'zip', code_filename: 'functiongraph.zip', func_code: funcCode },
    configuration: { func_name: config.functionName, ...common },
    triggers: TRIGGER_METHODS.map((method) => ({
      trigger_type_code: 'DEDICATEDGATEWAY',
      trigger_status: 'ACTIVE',
      event_type_code: 'APIGCreateApi',
      event_data: {
        name: `${config.apig.apiName}_${method.toLowerCase()}`,
        instance_id: config.apig.instanceId,
        group_id: config.apig.groupId,
        env_id: config.apig.envId,
        env_name: config.apig.envName,
        path: config.apig.path,
        // One method per API: the gateway refuses PUT, DELETE… before the function runs.
        req_method: method,
        match_mode: 'NORMAL',
        protocol: 'HTTPS',
        // KooGallery cannot sign for APIG: authentication is the request signature in the app.
        auth: 'NONE',
        backend_type: 'FUNCTION',
        type: 1,
        func_info: { timeout: config.timeoutSeconds * 1000 },
      },
    })),
    legacyTriggerName: config.apig.apiName,
    credentialsKeyGiven: config.secrets.CREDENTIALS_KEY !== undefined,
    usageTrigger: {
      trigger_type_code: 'DEDICATEDGATEWAY',
      trigger_status: 'ACTIVE',
      event_type_code: 'APIGCreateApi',
      event_data: {
        name: `${config.apig.apiName}_usage`,
        instance_id: config.apig.instanceId,
        group_id: config.apig.groupId,
        env_id: config.apig.envId,
        env_name: config.apig.envName,
        path: `${config.apig.path.replace(/\/+$/, '')}/usage`,
        req_method: 'POST',
        match_mode: 'NORMAL',
        protocol: 'HTTPS',
        // The seller's SaaS signs its reports (USAGE_REPORT_SECRET); the app checks them.
        auth: 'NONE',
        backend_type: 'FUNCTION',
        type: 1,
        func_info: { timeout: config.timeoutSeconds * 1000 },
      },
    },
    push: planPush(config, funcCode, funcVpc),
  };
}

/**
 * The usage push function (#11): the same zip, handler `index.usagePush`, the same VPC, only the
 * plain settings and secrets a push reads, and an hourly timer trigger.
 */
function planPush(
  config: DeployConfig,
  funcCode: { file: string },
  funcVpc: { vpc_id: string; subnet_id: string },
): DeploymentPlan['push'] {
  const pick = (from: Record<string, string>, keys: readonly string[]) =>
    Object.fromEntries(Object.entries(from).filter(([k]) => keys.includes(k)));
  const common = {
    runtime: RUNTIME,
    handler: PUSH_HANDLER,
    memory_size: config.memoryMb,
    timeout: config.push.timeoutSeconds,
    xrole: config.agency,
    func_vpc: funcVpc,
    user_data: JSON.stringify(pick(config.userData, PUSH_PLAIN_SETTINGS)),
    encrypted_user_data: JSON.stringify(pick(config.secrets, PUSH_SECRETS)),
    description: 'KooGallery pay-per-use usage push, hourly',
  };
  const code = { code_type: 'zip', code_filename: 'functiongraph.zip', func_code: funcCode };
  return {
    urn: functionUrn(config, config.push.functionName),
    create: {
      func_name: config.push.functionName,
      package: config.app,
      type: 'v2',
      ...code,
      ...common,
    },
    code,
    configuration: { func_name: config.push.functionName, ...common },
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
  deleteTrigger(urn: string, triggerTypeCode: string, triggerId: string): Promise<void>;
}

/** What {@link deploy} did. */
export interface DeployOutcome {
  function: 'created' | 'updated' | 'code-updated';
  /** `created` when a trigger was missing (GET or POST), `exists` when both were there. */
  trigger: 'created' | 'exists' | 'skipped';
  /** Where `CREDENTIALS_KEY` came from (absent for a code-only deployment). */
  credentialsKey?: 'given' | 'generated' | 'kept';
  /** True when an earlier version's `ANY` trigger was deleted. */
  replacedAnyTrigger?: boolean;
  /** The APIG trigger of `<APIG_PATH>/usage` (#11). */
  usageTrigger?: 'created' | 'exists';
  /** The usage push function, from the same zip (#11). */
  pushFunction?: 'created' | 'updated' | 'code-updated';
  /** Its hourly timer trigger (#11). */
  timerTrigger?: 'created' | 'exists';
}

/** Creates or updates the usage push function and its timer trigger (#11). */
async function deployPush(
  port: FunctionGraphPort,
  push: DeploymentPlan['push'],
  codeOnly: boolean,
): Promise<Pick<DeployOutcome, 'pushFunction' | 'timerTrigger'>> {
  let pushFunction: DeployOutcome['pushFunction'];
  if (!(await port.showFunction(push.urn))) {
    await port.createFunction(push.create);
    pushFunction = 'created';
  } else {
    await port.updateCode(push.urn, push.code);
    if (codeOnly) return { pushFunction: 'code-updated' };
    await port.updateConfiguration(push.urn, push.configuration);
    pushFunction = 'updated';
  }
  const name = (push.timer.event_data as { name: string }).name;
  const found = (await port.listTriggers(push.urn)).some(
    (t) =>
      String(t.trigger_type_code ?? '') === 'TIMER' &&
      ((t.event_data ?? {}) as Record<string, unknown>).name === name,
  );
  if (!found) await port.createTrigger(push.urn, push.timer);
  return { pushFunction, timerTrigger: found ? 'exists' : 'created' };
}

/** `body` with `CREDENTIALS_KEY` set in its encrypted user data. */
function withCredentialsKey(body: Record<string, unknown>, key: string): Record<string, unknown> {
  const secrets = JSON.parse(String(body.encrypted_user_data ?? '{}')) as Record<string, string>;
  return { ...body, encrypted_user_data: JSON.stringify({ ...secrets, CREDENTIALS_KEY: key }) };
}

/** The `CREDENTIALS_KEY` a deployed function holds, when its configuration shows it. */
function deployedCredentialsKey(existing: Record<string, unknown>): string | undefined {
  const raw = existing.encrypted_user_data ?? existing.encryptedUserData;
  if (typeof raw !== 'string' || raw === '') return undefined;
  try {
    const key = (JSON.parse(raw) as Record<string, unknown>).CREDENTIALS_KEY;
    return typeof key === 'string' && parseAtRestKey(key) !== undefined ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates or updates the function, then makes sure its APIG trigger exists. Safe to rerun.
 *
 * @example await deploy(sdkPort(config, ak, sk), planDeployment(config, zip));
 */
export async function deploy(
  port: FunctionGraphPort,
  plan: DeploymentPlan,
  options: { codeOnly?: boolean; newKey?: () => string } = {},
): Promise<DeployOutcome> {
  const newKey = options.newKey ?? (() => randomBytes(32).toString('base64'));
  const existing = await port.showFunction(plan.urn);
  let fn: DeployOutcome['function'];
  let credentialsKey: DeployOutcome['credentialsKey'] = 'given';
  if (!existing) {
    let create = plan.create;
    if (!plan.credentialsKeyGiven) {
      // A new function gets its own at-rest key, independent of every access key (#14).
      create = withCredentialsKey(create, newKey());
      credentialsKey = 'generated';
    }
    await port.createFunction(create);
    fn = 'created';
  } else {
    let configuration = plan.configuration;
    if (!options.codeOnly && !plan.credentialsKeyGiven) {
      // The user data is replaced as a whole: the deployed key must go back in, or every value
      // sealed under it becomes unreadable. Checked before anything changes.
      const kept = deployedCredentialsKey(existing);
      if (!kept) {
        throw new Error(
          'CREDENTIALS_KEY is not set and the deployed function does not show its key: set ' +
            "CREDENTIALS_KEY in this shell to the value in the function's encrypted environment " +
            'variables (FunctionGraph console), or to a new key from `openssl rand -base64 32` if it ' +
            'has none yet (values stored before open with the access key), then deploy again',
        );
      }
      configuration = withCredentialsKey(configuration, kept);
      credentialsKey = 'kept';
    }
    await port.updateCode(plan.urn, plan.code);
    if (options.codeOnly) {
      return {
        function: 'code-updated',
        trigger: 'skipped',
        ...(await deployPush(port, plan.push, true)),
      };
    }
    await port.updateConfiguration(plan.urn, configuration);
    fn = 'updated';
  }
  const apigTriggers = (await port.listTriggers(plan.urn)).filter((t) =>
    ['DEDICATEDGATEWAY', 'APIG'].includes(String(t.trigger_type_code ?? '')),
  );
  const nameOf = (t: Record<string, unknown>): unknown =>
    ((t.event_data ?? {}) as Record<string, unknown>).name;
  // An earlier version's one ANY trigger would keep PUT, DELETE… open, and APIG refuses a GET
  // API on a path an ANY API holds: it goes first.
  let replacedAnyTrigger = false;
  for (const t of apigTriggers) {
    if (nameOf(t) !== plan.legacyTriggerName) continue;
    await port.deleteTrigger(plan.urn, String(t.trigger_type_code), String(t.trigger_id ?? ''));
    replacedAnyTrigger = true;
  }
  let created = false;
  for (const trigger of plan.triggers) {
    const wanted = nameOf(trigger);
    if (apigTriggers.some((t) => nameOf(t) === wanted)) continue;
    await port.createTrigger(plan.urn, trigger);
    created = true;
  }
  // The seller's usage reports: POST <path>/usage (#11).
  const usageTrigger = apigTriggers.some((t) => nameOf(t) === nameOf(plan.usageTrigger))
    ? 'exists'
    : 'created';
  if (usageTrigger === 'created') await port.createTrigger(plan.urn, plan.usageTrigger);
  return {
    function: fn,
    trigger: created ? 'created' : 'exists',
    credentialsKey,
    ...(replacedAnyTrigger ? { replacedAnyTrigger } : {}),
    usageTrigger,
    ...(await deployPush(port, plan.push, false)),
  };
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
    async deleteTrigger(urn, triggerTypeCode, triggerId) {
      await client.deleteFunctionTrigger(
        new sdk.DeleteFunctionTriggerRequest()
          .withFunctionUrn(urn)
          .withTriggerTypeCode(triggerTypeCode)
          .withTriggerId(triggerId),
      );
    },
  };
}

async function main(argv: string[]): Promise<void> {
  const dryRun = argv.includes('--dry-run');
  const codeOnly = argv.includes('--code-only');
  const config = readDeployConfig(process.env, { codeOnly });
  const zipPath = join(__dirname, '..', 'dist', 'functiongraph.zip');
  if (dryRun && !existsSync(zipPath)) {
    console.error(
      `${zipPath} is not built yet: run npm run package:functiongraph before deploying`,
    );
  }
  const zip = dryRun && !existsSync(zipPath) ? Buffer.alloc(0) : readFileSync(zipPath);
  const plan = planDeployment(config, zip);
  if (dryRun) {
    console.log(JSON.stringify(maskPlan(plan), null, 2));
    if (!plan.credentialsKeyGiven && !codeOnly) {
      console.error(
        'CREDENTIALS_KEY is not set: a new function gets a generated one in its encrypted user data; an update keeps the deployed one',
      );
    }
    return;
  }
  const ak = process.env.HUAWEICLOUD_SDK_AK ?? '';
  const sk = process.env.HUAWEICLOUD_SDK_SK ?? '';
  if (!ak || !sk) throw new Error('HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are required');
  const outcome = await deploy(sdkPort(config, ak, sk), plan, { codeOnly });
  console.log(
    `function ${config.functionName}: ${outcome.function}; APIG triggers ${plan.triggers.length} (GET, POST): ${outcome.trigger}`,
  );
  if (outcome.usageTrigger) {
    console.log(
      `usage report trigger ${config.apig.apiName}_usage (POST): ${outcome.usageTrigger}`,
    );
  }
  console.log(
    `function ${config.push.functionName}: ${outcome.pushFunction}` +
      (outcome.timerTrigger
        ? `; timer trigger ${PUSH_TIMER.name} (every ${PUSH_TIMER.schedule}): ${outcome.timerTrigger}`
        : ''),
  );
  if (outcome.replacedAnyTrigger) {
    console.log(`APIG API ${plan.legacyTriggerName} (method ANY) deleted: GET and POST replace it`);
  }
  if (outcome.credentialsKey === 'generated') {
    console.log(
      'CREDENTIALS_KEY generated into the encrypted user data; later deploys keep it (copy it from the console into your secret store as a backup)',
    );
  }
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
