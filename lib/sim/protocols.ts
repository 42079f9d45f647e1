/**
 * The interface types KooGallery calls a seller's production address with, as the simulator speaks
 * them (docs/protocol.md#interface-families). Each has its own transport, activities and key:
 * KooGallery binds one key per interface type (docs/protocol.md#interface-families), so the simulator signs with the
 * key of the protocol it speaks. Written on its own, not read from `lib/front-ends`: the simulator
 * checks the function, so it must not share its idea of the protocols.
 */

/** The protocols the simulator speaks; `--protocol` takes one of these values. */
export const PROTOCOLS = {
  /** SaaS access interface V2.0: POST JSON, `signature`/`timestamp`/`nonce` on the query. */
  V2: 'v2',
  /** SaaS access interface V1.0: GET, every parameter on the query, `authToken`. */
  V1: 'v1',
  /** License authorization-code (授权码) 2.0 notifications: the V2.0 transport, the License key. */
  LICENSE: 'license',
  /** License 1.0: `getLicense`… over the V1.0 transport and key. */
  LICENSE_V1: 'license-v1',
} as const;

/** One of {@link PROTOCOLS}. */
export type Protocol = (typeof PROTOCOLS)[keyof typeof PROTOCOLS];

/** True when `value` names a protocol. */
export function isProtocol(value: string): value is Protocol {
  return (Object.values(PROTOCOLS) as string[]).includes(value);
}

/** How a protocol's requests travel: V2.0-style signed POST JSON, or V1.0-style signed GET. */
export type Transport = 'post-signature' | 'get-auth-token';

/** What the simulator knows of one protocol. */
export interface ProtocolInfo {
  protocol: Protocol;
  /** Shown in headers of reports. */
  title: string;
  transport: Transport;
  /** Every activity KooGallery sends with this protocol. */
  activities: readonly string[];
  /** The activity that creates an instance and answers its id (none in License 2.0). */
  purchase?: string;
  /** Environment variables holding this protocol's key, first found wins. */
  keyEnv: readonly string[];
  /** The file under the data folder where `npm start` keeps this protocol's development key. */
  keyFile: string;
  /** The seller-center key type the key is bound to (卖家中心 > 应用工具 > 密钥管理). */
  keyType: string;
  /** Where its activities and result codes are documented. */
  reference: string;
}

/** The SaaS V2.0 activities (docs/protocol.md#saas-v20-activities). */
export const V2_ACTIVITIES = [
  'newInstance',
  'queryInstance',
  'refreshInstance',
  'updateInstanceStatus',
  'releaseInstance',
  'upgradeInstance',
  'changeInstanceCheck',
] as const;

/** The SaaS V1.0 activities (docs/protocol.md#v10-activities). */
export const V1_ACTIVITIES = [
  'newInstance',
  'refreshInstance',
  'expireInstance',
  'releaseInstance',
  'upgrade',
  'instanceStatus',
  'queryInstance',
] as const;

/** The License 2.0 notifications (docs/protocol.md#license-20). */
export const LICENSE_ACTIVITIES = [
  'refreshLicenseCode',
  'updateLicenseCodeStatus',
  'releaseLicenseCode',
] as const;

/** The License 1.0 activities (docs/protocol.md#license-10). */
export const LICENSE_V1_ACTIVITIES = [
  'getLicense',
  'refreshLicense',
  'expireLicense',
  'releaseLicense',
] as const;

/** Each protocol's transport, activities and key sources. */
export const PROTOCOL_INFO: Readonly<Record<Protocol, ProtocolInfo>> = {
  v2: {
    protocol: 'v2',
    title: 'SaaS V2.0',
    transport: 'post-signature',
    activities: V2_ACTIVITIES,
    purchase: 'newInstance',
    keyEnv: ['KOOGALLERY_ACCESS_KEY'],
    keyFile: 'access-key',
    keyType: 'SaaS basic interface (基础接口)',
    reference: 'docs/protocol.md#saas-v20-activities and #result-codes',
  },
  v1: {
    protocol: 'v1',
    title: 'SaaS V1.0',
    transport: 'get-auth-token',
    activities: V1_ACTIVITIES,
    purchase: 'newInstance',
    // The local runner's V1.0 key falls back to the V2.0 key, as the function's does.
    keyEnv: ['KOOGALLERY_V1_ACCESS_KEY', 'KOOGALLERY_ACCESS_KEY'],
    keyFile: 'access-key',
    keyType: 'SaaS basic interface (基础接口) of the V1.0 product',
    reference: 'docs/protocol.md#v10-activities and #result-codes',
  },
  license: {
    protocol: 'license',
    title: 'License 2.0 (授权码)',
    transport: 'post-signature',
    activities: LICENSE_ACTIVITIES,
    keyEnv: ['KOOGALLERY_LICENSE_ACCESS_KEY'],
    keyFile: 'license-access-key',
    keyType: 'License authorization-code delivery interface (License授权码交付接口)',
    reference: 'docs/protocol.md#license-20',
  },
  'license-v1': {
    protocol: 'license-v1',
    title: 'License 1.0',
    transport: 'get-auth-token',
    activities: LICENSE_V1_ACTIVITIES,
    purchase: 'getLicense',
    keyEnv: ['KOOGALLERY_V1_ACCESS_KEY', 'KOOGALLERY_ACCESS_KEY'],
    keyFile: 'access-key',
    keyType: 'basic interface (基础接口) of the License 1.0 product',
    reference: 'docs/protocol.md#license-10 and #result-codes',
  },
};

/** True when `activity` is one of `protocol`'s activities. */
export function isProtocolActivity(protocol: Protocol, activity: string): boolean {
  return PROTOCOL_INFO[protocol].activities.includes(activity);
}

/** True when `activity` is the protocol's purchase (the call that answers a new instanceId). */
export function isPurchase(protocol: Protocol, activity: string): boolean {
  return PROTOCOL_INFO[protocol].purchase === activity;
}
