/**
 * The webhook provisioner: every lifecycle step becomes one signed `POST` to the seller's own
 * endpoint (`PROVISIONER_WEBHOOK_URL`), in any language, so a seller connects their SaaS with two
 * settings instead of a fork. The contract (names other tools depend on) is in the README section
 * "Connecting your SaaS with a webhook".
 */
import { createHash } from 'node:crypto';
import { ANSWER_FIELD_LIMITS, shorten } from '../answer-limits';
import type { AuditTrail } from '../audit/audit-trail';
import type { Clock } from '../clock';
import { InProgressError, ProvisioningRefusedError } from '../errors';
import type { Logger } from '../log';
import { exchange, parseJsonObject } from '../open-api/http-call';
import { RESULT_CODES, type ResultCode } from '../protocol/result-codes';
import { SIGNATURE_HEADER, signPayload } from '../signed-payload';
import type { InstanceRecord } from '../store/instance-store';
import type {
  AppInfo,
  ChangeVerdict,
  Provisioner,
  RenewRequest,
  UpgradeRequest,
} from './provisioner';

/** The event types, one per lifecycle step. */
export const EVENT_TYPES = {
  PROVISION: 'instance.provision',
  RENEW: 'instance.renew',
  FREEZE: 'instance.freeze',
  UNFREEZE: 'instance.unfreeze',
  RELEASE: 'instance.release',
  UPGRADE: 'instance.upgrade',
  CHECK_CHANGE: 'instance.check_change',
} as const;
/** One event type. */
type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** The header repeating the event id (the receiver's idempotency key). */
export const EVENT_ID_HEADER = 'X-KooGallery-Event-Id';

/** One delivery's JSON body. */
interface WebhookEvent {
  /** The same on every delivery of one step for one instance and order (see {@link eventIdFor}). */
  id: string;
  type: EventType;
  /** When this delivery was made (ISO 8601 UTC); each retry has its own. */
  createdAt: string;
  /** Always false: test calls (`testFlag` "1", the debugger, the probe) never reach the webhook. */
  test: false;
  data: Record<string, unknown>;
}

/** The refusal codes a receiver may answer with `409`/`422` (000100–000107). */
const REFUSAL_CODES: ReadonlySet<string> = new Set(
  Object.values(RESULT_CODES).filter((c) => c >= '000100' && c <= '000107'),
);

/** Names the sender, for the receiver's logs and firewall rules. */
const USER_AGENT = 'KooGallery-Production-Interface-Webhook/1';

/** Largest answer read from the receiver (the `appInfo` fits many times over). */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Settings of {@link createWebhookProvisioner}. */
export interface WebhookProvisionerOptions {
  url: string;
  /** The current secret first, then the previous one while rotating: one `v1=` per secret. */
  secrets: readonly string[];
  /** How long one delivery may take before it counts as failed. */
  timeoutMs: number;
  clock: Clock;
  log: Logger;
  /** The HTTP client; tests keep the real one and a real receiver. */
  fetch?: typeof fetch;
  /**
   * Where each delivery's outcome is recorded in the instance's timeline (#13): `delivered`,
   * `refused` or `failed`, with the event id. Never awaited by the step; never rejects.
   */
  audit?: Pick<AuditTrail, 'recordAudit'>;
}

/**
 * A delivery that did not succeed and will be made again, with the same event id, on the next
 * KooGallery retry or `queryInstance` poll: answered `000004` with the fixed "being processed,
 * retry later"; what failed (`detail`: the event, the HTTP status, the setting to check) goes to
 * the call's log line and the instance's `lastError`, never to KooGallery (#14). It names no URL and
 * no secret.
 */
export class WebhookDeliveryError extends InProgressError {
  constructor(type: EventType, reason: string) {
    super(undefined, {
      detail: `webhook ${type} failed: ${reason}; retried with the same event id`,
    });
  }
}

/**
 * The event id of one step: `evt_` and the first 32 hex digits of
 * `SHA-256("koogallery-event" NUL type NUL instanceId NUL discriminator)`, where the discriminator
 * is the step's order (`orderId/orderLineId` for provision, renew, upgrade and release; the new
 * `productId/skuCode/linearValue` for check_change; the instance's last status change time for
 * freeze and unfreeze, so each freeze/unfreeze cycle is its own event). Derived, never stored: every
 * retry and every concurrent duplicate of a step computes the same id.
 *
 * @example eventIdFor('instance.provision', instanceId, 'ORDER-1/ORDER-1-000001') // 'evt_3f9a…'
 */
export function eventIdFor(type: EventType, instanceId: string, discriminator: string): string {
  const hex = createHash('sha256')
    .update(`koogallery-event\u0000${type}\u0000${instanceId}\u0000${discriminator}`)
    .digest('hex');
  return `evt_${hex.slice(0, 32)}`;
}

/** Field names never sent to the receiver, at any depth, whatever a request carries. */
const WITHHELD =
  /^(password|passwd|secret|accessKey|ak|sk|authToken|signature|token|lease|sealedAppInfo|appInfo|credentials?)$/i;

/** Numbers under these names are epoch milliseconds, sent as ISO 8601 UTC. */
const TIME_FIELD = /(Time|At)$/;

function facts(value: unknown, key = ''): unknown {
  if (typeof value === 'number' && TIME_FIELD.test(key) && Number.isFinite(value)) {
    return new Date(value).toISOString();
  }
  if (Array.isArray(value)) return value.map((v) => facts(v));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || WITHHELD.test(k)) continue;
    out[k] = facts(v, k);
  }
  return out;
}

/** Present in every event's `data`, `null` when the order does not say. */
const MINIMUM_FIELDS = [
  'instanceId',
  'orderId',
  'orderLineId',
  'productId',
  'skuCode',
  'chargingMode',
  'expireTime',
  'customerId',
  'customerName',
] as const;

/**
 * An event's `data`: `base`'s fields, then every field of `request` under its own name (an
 * `entitlement` object is spread, so fields added to `Entitlement` or to a request later flow
 * through unchanged), times as ISO 8601 UTC, keys and passwords withheld.
 */
function eventData(base: Record<string, unknown>, request: object = {}): Record<string, unknown> {
  const {
    entitlement,
    instance: _instance,
    test: _test,
    ...rest
  } = request as Record<string, unknown>;
  const merged: Record<string, unknown> = {
    ...base,
    ...(typeof entitlement === 'object' && entitlement !== null ? entitlement : {}),
    ...rest,
  };
  const all = facts(merged) as Record<string, unknown>;
  // The documented fields first (null when unknown), then everything else the step carries.
  const data: Record<string, unknown> = {};
  for (const name of MINIMUM_FIELDS) data[name] = all[name] ?? null;
  return Object.assign(data, all);
}

/** What is known of an instance, and the purchase that created it. */
function instanceFacts(instance: InstanceRecord): Record<string, unknown> {
  return {
    instanceId: instance.instanceId,
    orderId: instance.orderId,
    orderLineId: instance.orderLineId,
    purchaseOrderId: instance.orderId,
    purchaseOrderLineId: instance.orderLineId,
    // The interface type that created it: a license (license-v1, license-v2) or a SaaS (v2, v1).
    protocol: instance.protocol,
    ...instance.entitlement,
    expireTime: instance.expireTime,
  };
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * Reads an `instance.provision` answer into {@link AppInfo}, or says which field is wrong: every
 * field a string, `frontEndUrl` present, the URLs http(s). The lengths KooGallery accepts are
 * checked where every provisioner's answer is (`deliveryProblems`, lib/answer-limits.ts).
 */
export function appInfoFromAnswer(
  body: Record<string, unknown> | undefined,
): { ok: true; appInfo: AppInfo } | { ok: false; problem: string } {
  if (!body) return { ok: false, problem: 'the answer is not a JSON object with frontEndUrl' };
  const info: Partial<AppInfo> = {};
  for (const name of ['frontEndUrl', 'adminUrl', 'userName', 'password', 'memo'] as const) {
    const v = body[name];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') return { ok: false, problem: `${name} is not a string` };
    info[name] = v;
  }
  if (info.frontEndUrl === undefined) return { ok: false, problem: 'frontEndUrl is missing' };
  for (const name of ['frontEndUrl', 'adminUrl'] as const) {
    const v = info[name];
    if (v !== undefined && !isHttpUrl(v)) {
      return { ok: false, problem: `${name} is not an http(s) URL` };
    }
  }
  return { ok: true, appInfo: info as AppInfo };
}

/**
 * A receiver's refusal message, answered to KooGallery as the refusal's `resultMsg` (#12) and kept
 * for the log and `lastError`: one line, printable, at most 255 characters, never cut between the
 * two halves of a surrogate pair. `undefined` when the receiver wrote none (the answer then carries
 * the code's fixed reason).
 *
 * @example refusalMessage('Sold out\nin eu-1', '000106') // 'Sold out in eu-1'
 */
export function refusalMessage(raw: unknown): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const text = typeof raw === 'string' ? raw.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim() : '';
  return text ? shorten(text, ANSWER_FIELD_LIMITS.resultMsg, '') : undefined;
}

function isRefusalCode(value: unknown): value is ResultCode {
  return typeof value === 'string' && REFUSAL_CODES.has(value);
}

/**
 * The webhook {@link Provisioner}: one signed `POST` per step (see the README's webhook contract).
 * `2xx` accepts the step (`instance.provision` reads the `appInfo` from the body); `409`/`422` with
 * a `resultCode` from 000100 to 000107 refuses it with that code and message; anything else, a
 * timeout or a connection failure throws {@link WebhookDeliveryError}, and the step is delivered
 * again with the same event id on the next retry or poll.
 *
 * @example
 * const provisioner = createWebhookProvisioner({
 *   url: 'https://tenants.example.com/koogallery-events',
 *   secrets: [currentSecret, previousSecret], // one v1= per secret while rotating
 *   timeoutMs: 8000, clock: systemClock, log,
 * });
 */
export function createWebhookProvisioner(options: WebhookProvisionerOptions): Provisioner {
  const fetchImpl = options.fetch ?? fetch;
  if (options.secrets.length === 0) throw new Error('the webhook provisioner needs a secret');

  async function deliver(
    type: EventType,
    instanceId: string,
    discriminator: string,
    data: Record<string, unknown>,
    read: (body: Record<string, unknown> | undefined) => string | undefined = () => undefined,
  ): Promise<Record<string, unknown> | undefined> {
    const now = options.clock.now();
    const event: WebhookEvent = {
      id: eventIdFor(type, instanceId, discriminator),
      type,
      createdAt: new Date(now).toISOString(),
      test: false,
      data,
    };
    const body = JSON.stringify(event);
    const result = await exchange(
      fetchImpl,
      options.url,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': USER_AGENT,
          [EVENT_ID_HEADER]: event.id,
          [SIGNATURE_HEADER]: signPayload(options.secrets, body, now),
        },
        body,
      },
      options.timeoutMs,
    );
    // Never the body, the signature or the secret: the event id leads to the receiver's own log.
    const fields = {
      eventId: event.id,
      eventType: type,
      instanceId,
      latencyMs: options.clock.now() - now,
    };
    const record = (resultCode: string, status?: number, reason?: string): void => {
      void options.audit?.recordAudit({
        kind: 'webhook',
        time: now,
        activity: type,
        instanceId,
        orderId: typeof data.orderId === 'string' ? data.orderId : undefined,
        resultCode,
        latencyMs: fields.latencyMs,
        reason,
        detail: { eventId: event.id, status },
      });
    };
    const fail = (reason: string): never => {
      options.log.warn('webhook delivery failed', { ...fields, reason });
      record('failed', 'status' in result ? result.status : undefined, reason);
      throw new WebhookDeliveryError(type, reason);
    };
    if (result.kind === 'timeout') return fail(result.problem);
    if (result.kind === 'network') return fail(`${result.problem} (is the receiver running?)`);
    const { status, text } = result;
    if (Buffer.byteLength(text) > MAX_ANSWER_BYTES) {
      return fail(`HTTP ${status} with an answer over ${MAX_ANSWER_BYTES / 1024} KiB`);
    }
    if (status >= 200 && status < 300) {
      const answer = text.trim() === '' ? undefined : parseJsonObject(text);
      // An answer the step cannot use is a failed delivery: logged, audited and retried as one.
      const problem = read(answer);
      if (problem) return fail(`invalid 2xx answer: ${problem}`);
      options.log.info('webhook delivered', { ...fields, status });
      record('delivered', status);
      return answer;
    }
    if (status === 409 || status === 422) {
      const answer = parseJsonObject(text);
      const code = answer?.resultCode;
      if (isRefusalCode(code)) {
        options.log.info('webhook refused the step', { ...fields, status, resultCode: code });
        record('refused', status, `${code}`);
        // The seller wrote this refusal for KooGallery: it is answered as given (#12).
        const said = refusalMessage(answer?.resultMsg);
        throw new ProvisioningRefusedError(code, said ?? `refused by the seller (${code})`, {
          resultMsg: said,
        });
      }
      return fail(
        `HTTP ${status} without a refusal resultCode from 000100 to 000107 (answer {"resultCode":"0001xx","resultMsg":"…"})`,
      );
    }
    return fail(
      status >= 300 && status < 400
        ? `HTTP ${status} (redirects are not followed: set PROVISIONER_WEBHOOK_URL to the final URL)`
        : `HTTP ${status}`,
    );
  }

  const orderOf = (orderId: string, orderLineId?: string): string =>
    `${orderId}/${orderLineId ?? ''}`;
  /** A renewal or upgrade: keyed by the step's own order (its line is not the purchase's). */
  const orderStep = async (type: EventType, req: RenewRequest | UpgradeRequest) => {
    const data = eventData({ ...instanceFacts(req.instance), orderLineId: undefined }, req);
    await deliver(type, req.instance.instanceId, orderOf(req.orderId, req.orderLineId), data);
  };
  /** A freeze or unfreeze: keyed by the status change it follows (each cycle is its own event). */
  const statusStep = async (type: EventType, instance: InstanceRecord) => {
    const since = `status-since:${instance.statusChangedAt ?? 0}`;
    await deliver(type, instance.instanceId, since, eventData(instanceFacts(instance)));
  };

  return {
    async provision(req) {
      let appInfo: AppInfo | undefined;
      await deliver(
        EVENT_TYPES.PROVISION,
        req.instanceId,
        orderOf(req.orderId, req.orderLineId),
        eventData({}, req),
        (body) => {
          const read = appInfoFromAnswer(body);
          if (!read.ok) return read.problem;
          appInfo = read.appInfo;
          return undefined;
        },
      );
      return appInfo as AppInfo;
    },
    renew: (req) => orderStep(EVENT_TYPES.RENEW, req),
    upgrade: (req) => orderStep(EVENT_TYPES.UPGRADE, req),
    freeze: (instance) => statusStep(EVENT_TYPES.FREEZE, instance),
    unfreeze: (instance) => statusStep(EVENT_TYPES.UNFREEZE, instance),
    async release(instance) {
      await deliver(
        EVENT_TYPES.RELEASE,
        instance.instanceId,
        orderOf(instance.orderId, instance.orderLineId),
        eventData(instanceFacts(instance)),
      );
    },
    async checkChange(req): Promise<ChangeVerdict> {
      try {
        await deliver(
          EVENT_TYPES.CHECK_CHANGE,
          req.instance.instanceId,
          `${req.productId}/${req.skuCode}/${req.linearValue ?? ''}`,
          eventData(instanceFacts(req.instance), req),
        );
        return { allowed: true };
      } catch (error) {
        if (!(error instanceof ProvisioningRefusedError)) throw error;
        // The receiver's own words, written for KooGallery: answered as given (#12).
        return {
          allowed: false,
          resultCode: error.resultCode,
          message: error.detail ?? error.message,
          ...(error.resultMsg ? { resultMsg: error.resultMsg } : {}),
        };
      }
    },
  };
}
