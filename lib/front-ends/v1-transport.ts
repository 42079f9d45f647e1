import type { Clock } from '../clock';
import type { Config } from '../config';
import { InvalidRequestError, SignatureError } from '../errors';
import type { HttpRequest } from '../http';
import { decryptCredential, ENCRYPT_TYPES, type EncryptType } from '../protocol/credential-cipher';
import { readString } from '../protocol/fields';
import { parseKooTime } from '../protocol/koo-time';
import { v1ReplayNonce, verifyV1AuthToken } from '../protocol/v1-auth-token';
import { assertWellFormed } from '../protocol/well-formed';
import {
  type BuyerContact,
  type CarriedOrder,
  CREATION_TIME,
  type Entitlement,
  type ExtendParam,
  RENEWAL_SCENES,
  type RenewalScene,
  type RenewCommand,
} from '../scenarios/commands';
import type { Authenticated } from './front-end';

/**
 * What SaaS V1.0 and License 1.0 share (docs/protocol.md#saas-v10 and #license-10): HTTP GET with every
 * parameter in the query string, the `authToken` signature under the V1.0 key, and the order
 * details carried by the purchase request itself.
 */

/** The nonce family of V1.0 calls (SaaS and License 1.0 share the key, so they share replays). */
const V1_NONCE_FAMILY = 'v1';

/**
 * Verifies the `authToken` with the V1.0 keys (docs/protocol.md, decision 10's decoding
 * fallbacks), refuses a request whose token does not bind its parameter boundaries (`000001`) or
 * that lacks `testFlag` (`000002`), both before anything is written, and names the token as the
 * replay token (the app records it, so a replayed token is refused). The token is remembered for
 * twice the window: no timestamp the window accepts can outlive it.
 */
export async function authenticateV1(
  http: HttpRequest,
  config: Config,
  clock: Clock,
): Promise<Authenticated> {
  const now = clock.now();
  const window = config.v1TimestampWindowMs;
  const verdict = verifyV1AuthToken(http.rawQuery, config.v1AccessKeys, now, window);
  if (!verdict.ok) throw new SignatureError(verdict.reason);
  // KooGallery sends testFlag with every V1.0 call; a signed URL without it is not one of its
  // requests as sent (a debug URL whose testFlag was folded into another value, #14). Refused
  // here, before the replay token is recorded, so the refusal changes nothing.
  if (!Object.hasOwn(verdict.params, 'testFlag')) {
    throw new InvalidRequestError(
      'missing required parameter: testFlag (KooGallery sends it with every V1.0 call)',
    );
  }
  return {
    accessKey: verdict.key,
    requestTimestampMs: verdict.timestampMs,
    params: verdict.params,
    replay: {
      family: V1_NONCE_FAMILY,
      nonce: v1ReplayNonce(verdict.token),
      expiresAtMs: now + 2 * window,
      reason: 'replayed authToken',
    },
  };
}

/** The activity a GET names, without trusting it (the front end is chosen by it). */
export function queryActivity(http: HttpRequest): string | undefined {
  return http.method === 'GET' ? http.query.activity : undefined;
}

/**
 * Reads the verified V1.0 parameters; every failure names the parameter (`000002`), starting with
 * any name or value holding an unpaired surrogate (#14).
 */
export class V1Params {
  constructor(private readonly params: Readonly<Record<string, string>>) {
    assertWellFormed(params, 'parameter');
  }

  /** A parameter that must be present and non-blank. */
  required(name: string, max = 64): string {
    const v = this.optional(name, max);
    if (v === undefined) throw new InvalidRequestError(`missing required parameter: ${name}`);
    return v;
  }

  /** A parameter that may be absent or empty (both read as undefined). */
  optional(name: string, max = 64): string | undefined {
    const v = readString(this.params, name, { max, required: false });
    return v?.trim() ? v : undefined;
  }

  /**
   * `testFlag`: "1" is a debug or probe call, "0" a real one. A V1.0 or License 1.0 call without it
   * never gets here: `authenticateV1` refuses it (#14), so a signed debug URL whose `testFlag` was
   * folded into another value cannot become a real purchase. An empty value still reads as "0".
   */
  test(): boolean {
    const flag = this.optional('testFlag', 2);
    if (flag === undefined || flag === '0') return false;
    if (flag === '1') return true;
    throw new InvalidRequestError('parameter testFlag must be "0" or "1"');
  }

  /** A UTC `yyyyMMddHHmmss[SSS]` time as epoch ms (docs/protocol.md, decision 7). */
  time(name: string, required: true): number;
  time(name: string, required: false): number | undefined;
  time(name: string, required: boolean): number | undefined {
    const v = required ? this.required(name, 20) : this.optional(name, 20);
    if (v === undefined) return undefined;
    const t = parseKooTime(v);
    if (t === undefined) {
      throw new InvalidRequestError(`parameter ${name} must be yyyyMMddHHmmss (UTC)`);
    }
    return t;
  }

  /** A non-negative integer parameter. */
  integer(name: string): number | undefined {
    const v = this.optional(name, 20);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new InvalidRequestError(`parameter ${name} must be a non-negative integer`);
    }
    return n;
  }

  /** A decimal amount (negative for a renewal refund). */
  amount(name: string): number | undefined {
    const v = this.optional(name, 32);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidRequestError(`parameter ${name} must be a number`);
    return n;
  }

  /** One of a fixed set of values. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const v = this.required(name, 32);
    if ((allowed as readonly string[]).includes(v)) return v as T;
    throw new InvalidRequestError(`parameter ${name} must be one of ${allowed.join(', ')}`);
  }
}

/** The parameters a front end parses: the verified ones, or the decoded query before that. */
export function paramsOf(http: HttpRequest, auth?: Authenticated): V1Params {
  return new V1Params(auth?.params ?? http.query);
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Decodes `saasExtendParams`: base64 of a JSON array of `{name, value}`. A space is read back as
 * `+` (form decoding of a raw `+`; base64 has no spaces). Anything else answers `000002` naming
 * the parameter. The values may be personal data (ID numbers, e-mails): never logged.
 */
export function decodeExtendParams(raw: string | undefined): ExtendParam[] | undefined {
  if (raw === undefined) return undefined;
  const text = raw.replace(/ /g, '+');
  const bad = (): never => {
    throw new InvalidRequestError('parameter saasExtendParams is not base64 of a JSON array');
  };
  if (!BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1) bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    return bad();
  }
  if (!Array.isArray(parsed)) return bad();
  assertWellFormed(parsed, 'saasExtendParams item');
  return parsed.map((item: unknown) => {
    if (typeof item !== 'object' || item === null || typeof (item as ExtendParam).name !== 'string')
      return bad();
    const { name, value } = item as { name: string; value: unknown };
    return { name, value: value === undefined || value === null ? '' : String(value) };
  });
}

/** V1.0 `chargingMode` codes, as the charging modes Query Order names (docs/protocol.md#saas-v10). */
export const V1_CHARGING_MODES: Readonly<Record<string, string>> = {
  '0': 'ON_DEMAND',
  '1': 'PERIOD',
  '3': 'ONE_TIME',
  '5': 'ON_DEMAND_PKG',
};

/**
 * The order line a V1.0 purchase stands for. V1.0 has no order lines and is idempotent per
 * `orderId` (per `orderId` + `productId` for on-demand). A period or one-time order becomes line
 * `<orderId>-000001`, the line number KooGallery gives a single-line order in V2.0, so the instance
 * id (derived from namespace, order and line) is the one a V2.0 `newInstance` for the same order
 * would derive; on-demand orders become `<orderId>-<productId>`.
 */
export function v1OrderLineId(orderId: string, chargingMode?: string, productId?: string): string {
  const onDemand = chargingMode === '0' || chargingMode === '5';
  return onDemand && productId ? `${orderId}-${productId}` : `${orderId}-000001`;
}

/** The purchase facts a V1.0 `newInstance` or `getLicense` carries. */
export interface V1Order {
  orderId: string;
  orderLineId: string;
  businessId: string;
  entitlement: Entitlement;
  expireTime?: number;
  extendParams?: ExtendParam[];
  /** The buyer's contact as sent: `mobilePhone` and `email` still encrypted (see {@link carriedOrder}). */
  contact: BuyerContact;
}

/**
 * The specification a V1.0 purchase or upgrade carries: product, SKU, and the linear value
 * (`amount`, `diskSize` or `bandWidth`).
 */
export function readV1Specification(p: V1Params): Entitlement {
  const entitlement: Entitlement = {};
  const productId = p.optional('productId');
  if (productId) entitlement.productId = productId;
  const skuCode = p.optional('skuCode');
  if (skuCode) entitlement.skuCode = skuCode;
  const linear = p.integer('amount') ?? p.integer('diskSize') ?? p.integer('bandWidth');
  if (linear !== undefined) entitlement.linearValue = linear;
  return entitlement;
}

/** Reads the order details of a V1.0 purchase request (`newInstance`, `getLicense`). */
export function readV1Order(p: V1Params): V1Order {
  const orderId = p.required('orderId');
  const businessId = p.required('businessId');
  const customerId = p.required('customerId', 100);
  const productId = p.required('productId');
  const chargingCode = p.optional('chargingMode', 2);
  if (chargingCode !== undefined && !Object.hasOwn(V1_CHARGING_MODES, chargingCode)) {
    throw new InvalidRequestError('parameter chargingMode must be 0, 1, 3 or 5');
  }
  const entitlement: Entitlement = { ...readV1Specification(p), customerId };
  const chargingMode = chargingCode === undefined ? undefined : V1_CHARGING_MODES[chargingCode];
  if (chargingMode) entitlement.chargingMode = chargingMode;
  const periodType = p.optional('periodType', 16);
  if (periodType) entitlement.periodType = periodType;
  const periodNumber = p.integer('periodNumber');
  if (periodNumber !== undefined) entitlement.periodNumber = periodNumber;
  const customerName = p.optional('customerName', 128);
  if (customerName) entitlement.customerName = customerName;
  // V1.0 has no order type: a purchase is a new order or a trial, in Query Order's names.
  entitlement.trial = p.optional('trialFlag', 2) === '1';
  entitlement.orderType = entitlement.trial ? 'TRIAL' : 'NEW';
  const contact: BuyerContact = {};
  for (const [name, max] of CONTACT_PARAMS) {
    const value = p.optional(name, max);
    if (value) contact[name] = value;
  }
  return {
    orderId,
    orderLineId: v1OrderLineId(orderId, chargingCode, productId),
    businessId,
    entitlement,
    expireTime: p.time('expireTime', false),
    extendParams: decodeExtendParams(p.optional('saasExtendParams', 8192)),
    contact,
  };
}

/** The V1.0 buyer parameters read as contact details, with their longest accepted length. */
const CONTACT_PARAMS = [
  ['userId', 64],
  ['userName', 128],
  ['mobilePhone', 512],
  ['email', 512],
] as const;

/** Parameters V1.0 sends encrypted like credentials (docs/protocol.md#credential-encryption). */
const ENCRYPTED_CONTACT = ['mobilePhone', 'email'] as const;

/**
 * Decrypts one V1.0 buyer parameter with the key that verified the request: the configured
 * `encryptType` first, then the other one. Undefined when neither opens it to printable text (the
 * purchase goes on without it: a contact detail is not worth refusing an order).
 */
export function decryptV1Value(
  value: string,
  accessKey: string,
  preferred: EncryptType,
): string | undefined {
  const types = [preferred, ...Object.values(ENCRYPT_TYPES).filter((t) => t !== preferred)];
  for (const type of types) {
    try {
      const plain = decryptCredential(value, accessKey, type);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: a wrong key gives control bytes
      if (plain !== '' && !/[\u0000-\u001f\u007f\ufffd]/.test(plain)) return plain;
    } catch {
      // Not this type (or not this key): try the next one.
    }
  }
  return undefined;
}

/**
 * A V1.0 purchase as the order the purchase command carries: the buyer's `mobilePhone` and `email`
 * decrypted with the V1.0 key that verified the request (a value that does not decrypt is left
 * out), `saasExtendParams` decoded.
 */
export function carriedOrder(
  o: V1Order,
  accessKey: string,
  encryptType: EncryptType,
): CarriedOrder {
  const contact: BuyerContact = { ...o.contact };
  for (const name of ENCRYPTED_CONTACT) {
    const sealed = contact[name];
    if (sealed === undefined) continue;
    const plain = decryptV1Value(sealed, accessKey, encryptType);
    if (plain === undefined) delete contact[name];
    else contact[name] = plain;
  }
  const carried: CarriedOrder = { entitlement: o.entitlement, expireTime: o.expireTime };
  if (Object.keys(contact).length > 0) carried.contact = contact;
  if (o.extendParams && o.extendParams.length > 0) carried.extendParams = o.extendParams;
  return carried;
}

/** The renewal a V1.0 `refreshInstance` or `refreshLicense` carries. */
export interface V1Renewal {
  instanceId: string;
  orderId: string;
  scene: RenewalScene;
  /** The new expiry, epoch ms. */
  expireTime: number;
  productId?: string;
}

/**
 * The scene of a V1.0 renewal: `trialToFormal` "1" is a trial conversion, a negative
 * `orderAmount` a renewal refund (退续费), anything else a renewal.
 */
function v1RefreshScene(p: V1Params): RenewalScene {
  if (p.optional('trialToFormal', 2) === '1') return RENEWAL_SCENES.TRIAL_TO_FORMAL;
  const amount = p.amount('orderAmount');
  if (amount !== undefined && amount < 0) return RENEWAL_SCENES.UNSUBSCRIBE_RENEWAL_PERIOD;
  return RENEWAL_SCENES.RENEWAL;
}

/** Reads a V1.0 renewal (`refreshInstance`, `refreshLicense`). */
export function readV1Renewal(p: V1Params): V1Renewal {
  return {
    instanceId: p.required('instanceId'),
    orderId: p.required('orderId'),
    scene: v1RefreshScene(p),
    expireTime: p.time('expireTime', true),
    productId: p.optional('productId'),
  };
}

/** The instance (and the order, when sent) a V1.0 expiry or release names. */
export function readV1Instance(p: V1Params): { instanceId: string; orderId?: string } {
  return { instanceId: p.required('instanceId'), orderId: p.optional('orderId') };
}

/**
 * A V1.0 renewal (SaaS `refreshInstance`, License 1.0 `refreshLicense`) as a renewal command that
 * also restores access: V1.0 sends no unfreeze for period products, a renewal after the expiry is
 * what restores it.
 */
export function renewalCommand(r: V1Renewal & { test: boolean }): RenewCommand {
  return {
    test: r.test,
    instanceId: r.instanceId,
    orderId: r.orderId,
    scene: r.scene,
    expireTime: r.expireTime,
    productId: r.productId,
    restoreAccess: true,
    // V1.0 carries the order itself: Query Order orders the change when it answers (README).
    creationTime: CREATION_TIME.IF_READABLE,
  };
}
