/**
 * `koogallery-sim serve-webhook`: a local receiver for the webhook provisioner, so a seller can run
 * the whole flow with `npm start` before writing their own endpoint. It verifies each delivery's
 * signature, prints it, keeps one tenant per instance and answers as configured: success (with
 * credentials for `instance.provision`), a refusal code, a delay, or failures.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The simulator judges the function, so it verifies deliveries with its own implementation of the
 * documented recipe (README "Verifying a delivery"), not with the function's `verifyPayload`.
 */
export const SIGNATURE_HEADER = 'X-KooGallery-Signature';
/** The header repeating the event id. */
export const EVENT_ID_HEADER = 'X-KooGallery-Event-Id';
/** How far a signed `t` may be from now, either way: 5 minutes. */
export const TOLERANCE_SECONDS = 300;

/** One delivery's body, as the README documents it. */
export interface WebhookEvent {
  id: string;
  type: string;
  createdAt: string;
  test: boolean;
  data: Record<string, unknown>;
}

/** The outcome of {@link verifyDelivery}; `reason` never holds a signature or a secret. */
export type DeliveryVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Checks `X-KooGallery-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>[,v1=…]`
 * over the exact body bytes with each secret, in constant time, within ±5 minutes of `nowMs`.
 */
export function verifyDelivery(
  header: string | undefined,
  body: Buffer,
  secrets: readonly string[],
  nowMs: number,
): DeliveryVerdict {
  if (!header) return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
  const parts = header.split(',').map((p) => p.trim().split('=', 2) as [string, string?]);
  const t = parts.find(([k]) => k === 't')?.[1] ?? '';
  if (!/^\d{1,12}$/.test(t)) return { ok: false, reason: 'no valid t=' };
  if (Math.abs(nowMs / 1000 - Number(t)) > TOLERANCE_SECONDS) {
    return { ok: false, reason: 't is more than 5 minutes away from this clock' };
  }
  const given = parts.filter(([k, v]) => k === 'v1' && /^[0-9a-f]{64}$/.test(v ?? ''));
  if (given.length === 0) return { ok: false, reason: 'no valid v1=' };
  for (const secret of secrets) {
    const mac = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
    if (given.some(([, v]) => timingSafeEqual(mac, Buffer.from(v as string, 'hex')))) {
      return { ok: true };
    }
  }
  return { ok: false, reason: 'no v1 signature matches (wrong secret or changed body)' };
}

/** How the receiver answers. */
export interface ReceiverBehaviour {
  /** `success` (default), `refuse` (HTTP 422 with `code`) or `fail` (HTTP 500). */
  answer: 'success' | 'refuse' | 'fail';
  /** The refusal code for `refuse` (default 000106, sold out). */
  code: string;
  /** The refusal message for `refuse`. */
  message: string;
  /** Waits this long before answering each delivery. */
  delayMs: number;
  /** Fails the first N deliveries of each event id with HTTP 500, then answers as configured. */
  failTimes: number;
  /** Answers as configured only for these event types; others succeed. Empty: every type. */
  only: readonly string[];
}

/** The default behaviour: every delivery accepted at once. */
export const DEFAULT_BEHAVIOUR: ReceiverBehaviour = {
  answer: 'success',
  code: '000106',
  message: 'product resources sold out',
  delayMs: 0,
  failTimes: 0,
  only: [],
};

/** One delivery as received and answered. */
export interface ReceivedDelivery {
  /** The parsed body, when it was JSON. */
  event?: WebhookEvent;
  /** The `X-KooGallery-Event-Id` header. */
  eventIdHeader?: string;
  verdict: DeliveryVerdict;
  /** The exact body bytes. */
  body: Buffer;
  /** The signature header as received (for tests re-verifying it with another recipe). */
  signature?: string;
  /** The HTTP status answered (undefined while delayed). */
  status?: number;
  /** The JSON body answered (credentials included: never printed). */
  answered?: Record<string, unknown>;
  /** The n-th delivery of this event id, from 1. */
  attempt: number;
}

/** A tenant the receiver keeps, as a seller's SaaS would. */
export interface Tenant {
  instanceId: string;
  status: 'active' | 'frozen' | 'released';
  productId?: unknown;
  skuCode?: unknown;
  expireTime?: unknown;
  /** Event ids applied to this tenant, in order. */
  applied: string[];
}

/** A running receiver. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  /** Every delivery so far, in arrival order. */
  deliveries: ReceivedDelivery[];
  /** Tenants by instance id. */
  tenants: Map<string, Tenant>;
  /** Changes how the next deliveries are answered. */
  setBehaviour(change: Partial<ReceiverBehaviour>): void;
  close(): Promise<void>;
}

/** Options of {@link startWebhookReceiver}. */
export interface WebhookReceiverOptions {
  /** Secrets accepted (the current one, and the previous one while rotating). */
  secrets: readonly string[];
  /** 0 (a free port) by default. */
  port?: number;
  behaviour?: Partial<ReceiverBehaviour>;
  /** Called after each delivery is answered (the CLI prints it). */
  onDelivery?: (delivery: ReceivedDelivery) => void;
  now?: () => number;
}

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseEvent(body: Buffer): WebhookEvent | undefined {
  try {
    const value = JSON.parse(body.toString('utf8')) as WebhookEvent;
    return typeof value === 'object' && value !== null && typeof value.id === 'string'
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Credentials for one instance: the same on every delivery (a retry must not hand out a second
 * password), derived from the instance id. A development stand-in, not a password scheme.
 */
function credentialsFor(instanceId: string): { userName: string; password: string } {
  const hex = createHash('sha256').update(`sim-tenant\u0000${instanceId}`).digest('hex');
  return { userName: `admin-${hex.slice(0, 8)}`, password: `Sim-${hex.slice(8, 24)}!` };
}

/** Applies an accepted event to the tenants, once per event id; answers the body to send. */
function apply(tenants: Map<string, Tenant>, event: WebhookEvent): Record<string, unknown> {
  const data = event.data ?? {};
  const instanceId = String(data.instanceId ?? '');
  let tenant = tenants.get(instanceId);
  if (event.type === 'instance.provision') {
    tenant ??= { instanceId, status: 'active', applied: [] };
    tenants.set(instanceId, tenant);
  }
  if (tenant && !tenant.applied.includes(event.id)) {
    tenant.applied.push(event.id);
    if (event.type === 'instance.freeze') tenant.status = 'frozen';
    if (event.type === 'instance.unfreeze') tenant.status = 'active';
    if (event.type === 'instance.release') tenant.status = 'released';
    if (event.type !== 'instance.check_change') {
      if (data.productId != null) tenant.productId = data.productId;
      if (data.skuCode != null) tenant.skuCode = data.skuCode;
      if (data.expireTime != null) tenant.expireTime = data.expireTime;
    }
  }
  if (event.type !== 'instance.provision') return {};
  const short = instanceId.replace(/-/g, '').slice(0, 12);
  return {
    frontEndUrl: `https://${short}.tenants.example.com/`,
    adminUrl: `https://${short}.tenants.example.com/admin`,
    ...credentialsFor(instanceId),
    memo: 'created by koogallery-sim serve-webhook',
  };
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/**
 * Starts a receiver on 127.0.0.1. A delivery whose signature does not verify is answered 401 and
 * changes nothing.
 *
 * @example
 * const receiver = await startWebhookReceiver({ secrets: [secret], behaviour: { failTimes: 2 } });
 * // PROVISIONER_WEBHOOK_URL=receiver.url
 */
export async function startWebhookReceiver(
  options: WebhookReceiverOptions,
): Promise<WebhookReceiver> {
  let behaviour: ReceiverBehaviour = { ...DEFAULT_BEHAVIOUR, ...options.behaviour };
  const now = options.now ?? Date.now;
  const deliveries: ReceivedDelivery[] = [];
  const tenants = new Map<string, Tenant>();
  const attempts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const signature = req.headers[SIGNATURE_HEADER.toLowerCase()];
    const eventIdHeader = req.headers[EVENT_ID_HEADER.toLowerCase()];
    const verdict = verifyDelivery(
      typeof signature === 'string' ? signature : undefined,
      body,
      options.secrets,
      now(),
    );
    const event = parseEvent(body);
    const attempt = event ? (attempts.get(event.id) ?? 0) + 1 : 1;
    if (event) attempts.set(event.id, attempt);
    const delivery: ReceivedDelivery = {
      event,
      eventIdHeader: typeof eventIdHeader === 'string' ? eventIdHeader : undefined,
      verdict,
      body,
      signature: typeof signature === 'string' ? signature : undefined,
      attempt,
    };
    deliveries.push(delivery);
    const answer = (status: number, out: Record<string, unknown>): void => {
      delivery.status = status;
      delivery.answered = out;
      if (!res.destroyed) send(res, status, out);
      options.onDelivery?.(delivery);
    };
    if (!verdict.ok) return answer(401, { error: `signature refused: ${verdict.reason}` });
    if (!event) return answer(400, { error: 'the body is not an event' });
    const b = behaviour;
    if (b.delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, b.delayMs);
        timers.add(timer);
      });
    }
    const applies = b.only.length === 0 || b.only.includes(event.type);
    if (applies && attempt <= b.failTimes) {
      return answer(500, { error: `failing on purpose (delivery ${attempt} of ${b.failTimes})` });
    }
    if (applies && b.answer === 'fail') return answer(500, { error: 'failing on purpose' });
    if (applies && b.answer === 'refuse') {
      return answer(422, { resultCode: b.code, resultMsg: b.message });
    }
    return answer(200, apply(tenants, event));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'receiver error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${options.port} on 127.0.0.1 is in use: pass --port with a free port`)
          : error,
      ),
    );
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    deliveries,
    tenants,
    setBehaviour(change) {
      behaviour = { ...behaviour, ...change };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** One printed line per delivery: never the signature, the secret or the credentials answered. */
export function describeDelivery(d: ReceivedDelivery): string {
  const e = d.event;
  const head = `${e?.type ?? '(not an event)'} ${e?.id ?? d.eventIdHeader ?? ''} delivery ${d.attempt}`;
  const verdict = d.verdict.ok ? 'signature ok' : `signature REFUSED (${d.verdict.reason})`;
  const data = e?.data ? ` data=${JSON.stringify(e.data)}` : '';
  return `${head}: ${verdict} -> HTTP ${d.status ?? '-'}${data}`;
}
