import { type AuditInput, type AuditTrail, createAuditTrail } from './audit/audit-trail';
import { type Clock, systemClock } from './clock';
import type { Config } from './config';
import { type CredentialsVault, createCredentialsVault } from './credentials-vault';
import { cryptoIds, type Ids } from './ids';
import { createJsonLogger, type LogFields, type Logger } from './log';
import type { OrderClient } from './open-api/order-client';
import { createQueryOrderClient } from './open-api/query-order-client';
import { createUsageClient, type UsageClient } from './open-api/usage-client';
import type { Ports } from './ports';
import { createSignedLicenseIssuer, type LicenseIssuer } from './provisioner/license-issuer';
import type { Provisioner } from './provisioner/provisioner';
import { createTemplateProvisioner } from './provisioner/template-provisioner';
import { createWebhookProvisioner } from './provisioner/webhook-provisioner';
import type { ScenarioContext } from './scenarios/scenario';
import type { AuditStore } from './store/audit-store';
import { createDynamooseAuditStore } from './store/dynamoose-audit-store';
import {
  createDynamooseStore,
  createTableClient,
  type DynamooseStoreOptions,
} from './store/dynamoose-store';
import { createDynamooseUsageStore } from './store/dynamoose-usage-store';
import type { InstanceStore } from './store/instance-store';
import type { UsageStore } from './store/usage-store';

/** Work a call started but did not wait for (a slow provisioning); awaited on shutdown and in tests. */
export interface BackgroundWork {
  track(work: Promise<unknown>): void;
  /** Resolves when everything tracked so far has settled. */
  drain(): Promise<void>;
}

/** Everything that differs between production, the local runner and a test. */
export interface Deps {
  config: Config;
  store: InstanceStore;
  /** Hourly usage of metered instances (same table): `queryInstance`'s usageInfo, usage reports. */
  usage: UsageStore;
  clock: Clock;
  ids: Ids;
  log: Logger;
  orders: OrderClient;
  /**
   * The seller's provisioner, for real calls: the webhook provisioner when
   * `PROVISIONER_WEBHOOK_URL` is set, else the template one.
   */
  provisioner: Provisioner;
  /** The provisioner for `testFlag` "1" calls: never a real tenant. */
  testProvisioner: Provisioner;
  vault: CredentialsVault;
  /** Issues License 1.0 licenses for real purchases. */
  licenseIssuer: LicenseIssuer;
  /** Issues licenses for `testFlag` "1" calls (marked as test licenses). */
  testLicenseIssuer: LicenseIssuer;
  /** The audit trail (#13): one entry per call, written after the answer (`lib/app.ts`). */
  audit: AuditTrail;
  background: BackgroundWork;
}

/** A {@link BackgroundWork} that remembers pending promises. */
export function createBackgroundWork(): BackgroundWork {
  const pending = new Set<Promise<unknown>>();
  return {
    track(work) {
      const settled = work.then(
        () => undefined,
        () => undefined,
      );
      pending.add(settled);
      void settled.then(() => pending.delete(settled));
    },
    async drain() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

/**
 * The ports of one call, chosen once by its test flag: a `testFlag` "1" call never reaches the
 * seller's real provisioner or license issuer. The app wraps them in the replay gate
 * (`guardPorts` in `lib/replay-guard.ts`).
 */
export function portsFor(deps: Deps, test: boolean): Ports {
  return {
    store: deps.store,
    provisioner: test ? deps.testProvisioner : deps.provisioner,
    licenseIssuer: test ? deps.testLicenseIssuer : deps.licenseIssuer,
    orders: deps.orders,
    vault: deps.vault,
    // Only the read KooGallery's calls need: a scenario cannot reach the usage store's writes.
    usage: { getTotals: (instanceIds) => deps.usage.getTotals(instanceIds) },
  };
}

/** What one scenario run adds to the deps: its signed time, its deadline, where its log fields go. */
export interface ScenarioCall {
  /** The request's signed time (epoch ms); a run without a request uses the clock's time. */
  requestTimestampMs: number;
  /** Epoch ms by which the run must be done. */
  deadline: number;
  /** Fields for the call's log line; dropped when absent. */
  annotate?: (fields: LogFields) => void;
}

/**
 * A scenario context over `ports` with the deps' clock, ids, log and settings: the one place the
 * app, `koogallery-admin retry` and `credentials:reseal` build it.
 *
 * @example
 * const ctx = scenarioContextOf(deps, { vault: deps.vault, store: deps.store }, {
 *   requestTimestampMs: deps.clock.now(),
 *   deadline: Number.POSITIVE_INFINITY,
 * });
 */
export function scenarioContextOf<K extends keyof Ports>(
  deps: Pick<Deps, 'clock' | 'ids' | 'log' | 'config'>,
  ports: Pick<Ports, K>,
  call: ScenarioCall,
): ScenarioContext<K> {
  return {
    ports,
    clock: deps.clock,
    ids: deps.ids,
    log: deps.log,
    settings: {
      provisioningLeaseMs: deps.config.provisioningLeaseMs,
      credentialsPlaintext: deps.config.credentialsPlaintext,
    },
    requestTimestampMs: call.requestTimestampMs,
    deadline: call.deadline,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    annotate: call.annotate ?? (() => undefined),
  };
}

/**
 * Builds the production dependencies from a validated configuration; the only place adapters are
 * built. Anything in `overrides` replaces the default (a seller's provisioner, a test's clock).
 * With `PROVISIONER_WEBHOOK_URL` set, real calls reach the seller's webhook; test calls
 * (`testProvisioner`) keep the template provisioner and never reach it.
 *
 * @example const deps = buildDeps(loadConfig((k) => process.env[k]), { provisioner: myProvisioner });
 */
export function buildDeps(config: Config, overrides: Partial<Deps> = {}): Deps {
  const ids = overrides.ids ?? cryptoIds;
  const templates = createTemplateProvisioner({ ...config.provisioner, ids });
  const tableOptions = {
    tableName: config.tableName,
    endpoint: config.dynamodbEndpoint,
    region: config.dynamodbRegion,
    credentials: config.dynamodbCredentials,
    // Leaves room in KooGallery's 5 s for a retry and the answer when the store hangs.
    requestTimeoutMs: 1500,
  };
  // One client (one connection pool) for every adapter of the table.
  const table = { ...tableOptions, client: createTableClient(tableOptions) };
  const clock = overrides.clock ?? systemClock;
  const log = overrides.log ?? createJsonLogger(config.logLevel);
  const webhook = config.provisionerWebhook;
  // Each webhook delivery is an entry of its instance's timeline (#13), through whatever audit
  // trail the deps end up holding, tracked like the call's own entry.
  const auditDeliveries = {
    recordAudit: (input: AuditInput) => {
      const written = deps.audit.recordAudit(input);
      deps.background.track(written);
      return written;
    },
  };
  const deps: Deps = {
    config,
    clock,
    ids,
    log,
    store: overrides.store ?? createDynamooseStore(table),
    usage: overrides.usage ?? createDynamooseUsageStore(table),
    orders:
      overrides.orders ??
      createQueryOrderClient({
        endpoint: config.apiEndpoint,
        fallbackEndpoint: config.apiFallbackEndpoint,
        ak: config.huaweiCloud.ak,
        sk: config.huaweiCloud.sk,
        timeoutMs: config.orderQuery.timeoutMs,
        attempts: config.orderQuery.attempts,
      }),
    provisioner:
      overrides.provisioner ??
      (webhook
        ? createWebhookProvisioner({ ...webhook, clock, log, audit: auditDeliveries })
        : templates),
    testProvisioner: overrides.testProvisioner ?? templates,
    vault:
      overrides.vault ??
      createCredentialsVault({
        key: config.credentialsKey,
        previousKey: config.previousCredentialsKey,
        // Versions before CREDENTIALS_KEY was required sealed under keys derived from these.
        legacyAccessKeys: config.accessKeys,
      }),
    licenseIssuer:
      overrides.licenseIssuer ??
      createSignedLicenseIssuer({ privateKey: config.licenseSigningKey }),
    testLicenseIssuer:
      overrides.testLicenseIssuer ??
      createSignedLicenseIssuer({ privateKey: config.licenseSigningKey, test: true }),
    audit:
      overrides.audit ??
      createAuditTrail({
        store: createDynamooseAuditStore(table),
        clock,
        ids,
        log,
        retentionDays: config.auditRetentionDays,
      }),
    background: overrides.background ?? createBackgroundWork(),
  };
  return deps;
}

/** How long one usage push call may take (the push job is not on KooGallery's 5 s clock). */
const USAGE_PUSH_TIMEOUT_MS = 10_000;

/** Where and how a usage push is signed: the open API, the IAM AK/SK and the interface key. */
export interface UsagePushSettings {
  endpoint: string;
  /** Tried when `endpoint` gives no answer (`KOOGALLERY_API_FALLBACK_ENDPOINT`). */
  fallbackEndpoint?: string;
  ak: string;
  sk: string;
  accessKey: string;
}

/** The usage push client for `settings` (throws `ConfigError` for an endpoint that is not https). */
export function buildUsageClientFor(
  settings: UsagePushSettings,
  clock: Clock = systemClock,
): UsageClient {
  return createUsageClient({
    ...settings,
    timeoutMs: USAGE_PUSH_TIMEOUT_MS,
    now: () => clock.now(),
  });
}

/**
 * The usage push client for the configured open API (`KOOGALLERY_API_ENDPOINT`), signed with
 * `HUAWEICLOUD_AK`/`HUAWEICLOUD_SK` and the current `KOOGALLERY_ACCESS_KEY`.
 */
export function buildUsageClient(config: Config, clock: Clock = systemClock): UsageClient {
  return buildUsageClientFor(
    {
      endpoint: config.apiEndpoint,
      ...(config.apiFallbackEndpoint ? { fallbackEndpoint: config.apiFallbackEndpoint } : {}),
      ak: config.huaweiCloud.ak,
      sk: config.huaweiCloud.sk,
      accessKey: config.accessKeys[0] as string,
    },
    clock,
  );
}

/** The table's ports for an operator tool. */
export interface TablePorts {
  /** Instances; `listInstances` (a paginated scan) serves `instances`, `stuck`, `reconcile`, `health`. */
  store: InstanceStore;
  usage: UsageStore;
  /** The audit items (#13): timelines, and the scan `health` reads. */
  auditStore: AuditStore;
}

/**
 * The table's ports for an operator tool (`koogallery-admin`): the instance, usage and audit stores
 * on one table, without the rest of the function's configuration.
 */
export function buildTablePorts(options: DynamooseStoreOptions): TablePorts {
  const table = { ...options, client: createTableClient(options) };
  return {
    store: createDynamooseStore(table),
    usage: createDynamooseUsageStore(table),
    auditStore: createDynamooseAuditStore(table),
  };
}
