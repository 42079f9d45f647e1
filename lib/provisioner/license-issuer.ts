import { generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { ProvisioningRefusedError } from '../errors';

/** What a License 1.0 purchase (`getLicense`) asks a license for. */
export interface LicenseRequest {
  /** The instance the license belongs to (answered as `instanceId`). */
  instanceId: string;
  /** A KooGallery debug or probe call: the license says so and must not unlock real software. */
  test: boolean;
  orderId: string;
  productId?: string;
  skuCode?: string;
  customerId?: string;
  /** Expiry, epoch ms (absent: no expiry in the order). */
  expireTime?: number;
  /** The buyer's machine code, from `saasExtendParams` `identificationCode`, when given. */
  identificationCode?: string;
  /** When the license was issued, epoch ms (from the injected clock). */
  issuedAt: number;
}

/**
 * The seller's side of License 1.0 `getLicense`: turns an order into the `license` string the
 * buyer receives. Called once per order; under concurrent duplicates it may be called again for
 * the same order, and only the first stored result is ever answered (the record's `extra`), so
 * every retry of the order gets the same license.
 *
 * @example
 * const issuer: LicenseIssuer = { async issue(req) { return myLicenseServer.create(req.orderId, req.expireTime); } };
 * const deps = buildDeps(config, { licenseIssuer: issuer });
 */
export interface LicenseIssuer {
  issue(request: LicenseRequest): Promise<string>;
}

/** The prefix naming the format of {@link createSignedLicenseIssuer}'s licenses. */
export const LICENSE_PREFIX = 'KG1';

/** The signed content of a default license. */
export interface LicensePayload {
  /** Format version. */
  v: 1;
  instanceId: string;
  orderId: string;
  productId?: string;
  skuCode?: string;
  customerId?: string;
  /** Expiry as ISO 8601 UTC, absent when the order has none. */
  expireTime?: string;
  identificationCode?: string;
  issuedAt: string;
  /** Present and true only for KooGallery's debug and probe calls. */
  test?: true;
}

/**
 * The default issuer: an offline-verifiable license
 * `KG1.<base64url(JSON payload)>.<base64url(Ed25519 signature of "KG1.<payload part>")>`, signed
 * with `LICENSE_SIGNING_KEY`. The seller ships the matching public key in their software, which
 * checks the license without calling anyone:
 *
 * ```js
 * const { createPublicKey, verify } = require('node:crypto');
 * const PUBLIC_KEY = createPublicKey(fs.readFileSync('license-public-key.pem'));
 * function checkLicense(license, machineCode) {
 *   const [prefix, body, sig] = license.trim().split('.');
 *   if (prefix !== 'KG1' || !body || !sig) return null;
 *   if (!verify(null, Buffer.from(`${prefix}.${body}`), PUBLIC_KEY, Buffer.from(sig, 'base64url'))) return null;
 *   const p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
 *   if (p.test || (p.expireTime && Date.parse(p.expireTime) < Date.now())) return null;
 *   if (p.identificationCode && p.identificationCode !== machineCode) return null;
 *   return p; // { instanceId, orderId, productId, skuCode, expireTime, … }
 * }
 * ```
 *
 * The public key comes from the private one:
 * `openssl pkey -in license-signing-key.pem -pubout` (the local runner writes it under `.data/`).
 * Without a key, real calls are refused with `000005` naming the setting; `test` requests are then
 * signed with a throw-away key generated once per process (nobody verifies a probe's license).
 */
export function createSignedLicenseIssuer(options: {
  privateKey?: KeyObject;
  /** Sign test licenses with a throw-away key when no key is configured. */
  test?: boolean;
}): LicenseIssuer {
  let key = options.privateKey;
  return {
    async issue(req) {
      if (!key) {
        if (!options.test || !req.test) {
          throw new ProvisioningRefusedError(
            '000005',
            'license signing key is not configured (LICENSE_SIGNING_KEY)',
          );
        }
        key = generateKeyPairSync('ed25519').privateKey;
      }
      const payload: LicensePayload = {
        v: 1,
        instanceId: req.instanceId,
        orderId: req.orderId,
        issuedAt: new Date(req.issuedAt).toISOString(),
      };
      if (req.productId) payload.productId = req.productId;
      if (req.skuCode) payload.skuCode = req.skuCode;
      if (req.customerId) payload.customerId = req.customerId;
      if (req.expireTime !== undefined) payload.expireTime = new Date(req.expireTime).toISOString();
      if (req.identificationCode) payload.identificationCode = req.identificationCode;
      if (req.test) payload.test = true;
      const signed = `${LICENSE_PREFIX}.${Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')}`;
      return `${signed}.${sign(null, Buffer.from(signed, 'ascii'), key).toString('base64url')}`;
    },
  };
}

/**
 * Checks a default license against the public key and returns its payload, or undefined when the
 * format or the signature is wrong. Expiry, `test` and the machine code are the caller's checks.
 */
export function verifyLicense(license: string, publicKey: KeyObject): LicensePayload | undefined {
  const [prefix, body, signature] = license.trim().split('.');
  if (prefix !== LICENSE_PREFIX || !body || !signature) return undefined;
  const ok = verify(
    null,
    Buffer.from(`${prefix}.${body}`, 'ascii'),
    publicKey,
    Buffer.from(signature, 'base64url'),
  );
  if (!ok) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LicensePayload;
  } catch {
    return undefined;
  }
}
