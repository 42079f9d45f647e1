import type { InstanceRecord } from '../store/instance-store';
import type { ScenarioContext } from './scenario';

/**
 * License material at rest (#14): a License 1.0 license and a License 2.0 code are secrets a buyer
 * paid for, so they are sealed with the vault like delivery info (`extra.sealedLicense`,
 * `extra.sealedLicenseCode`) and dropped when the license is released. Records written before
 * kept them in plain text (`extra.license`, `extra.licenseCode`): those are still read, sealed
 * when next read (`getLicense`, any License 2.0 notification, `npm run credentials:reseal`), and
 * dropped on release too. A value sealed under a previous at-rest key is sealed again under the
 * current one on the same occasions, as delivery info is.
 */
export const LICENSE_MATERIAL_KEYS = [
  'sealedLicense',
  'license',
  'sealedLicenseCode',
  'licenseCode',
] as const;

/** `extra` without any license material (what a release keeps). */
export function withoutLicenseMaterial(
  extra: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (!extra) return extra;
  const out = { ...extra };
  for (const key of LICENSE_MATERIAL_KEYS) delete out[key];
  return out;
}

/** The License 1.0 license a record holds, opened; undefined when it holds none (or was released). */
export function storedLicense(
  ctx: ScenarioContext<'vault'>,
  record: InstanceRecord | undefined,
): string | undefined {
  const sealed = record?.extra?.sealedLicense;
  if (sealed) return ctx.ports.vault.openText(sealed);
  return record?.extra?.license;
}

/** Each plain-text key of license material and the key of its sealed form. */
const SEALED_FORMS = [
  ['license', 'sealedLicense'],
  ['licenseCode', 'sealedLicenseCode'],
] as const;

/**
 * `extra` with its license material sealed under the current at-rest key: a plain-text value
 * (stored before #14) sealed, a value sealed under a previous key (`CREDENTIALS_PREVIOUS_KEY`)
 * sealed again. Undefined when nothing needs it. Throws `SealedValueError` when no configured key
 * opens a value.
 */
export function resealedLicenseMaterial(
  ctx: ScenarioContext<'vault'>,
  extra: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (!extra) return undefined;
  const { vault } = ctx.ports;
  const out = { ...extra };
  let changed = false;
  for (const [plainKey, sealedKey] of SEALED_FORMS) {
    const plain = out[plainKey];
    const sealed = out[sealedKey];
    if (plain !== undefined) {
      if (sealed === undefined) out[sealedKey] = vault.sealText(plain);
      delete out[plainKey];
      changed = true;
    } else if (sealed !== undefined && vault.needsReseal(sealed)) {
      out[sealedKey] = vault.sealText(vault.openText(sealed));
      changed = true;
    }
  }
  return changed ? out : undefined;
}

/** `extra` holding `license` sealed, issued for the record's current expiry (no plain copy left). */
export function withSealedLicense(
  ctx: ScenarioContext<'vault'>,
  record: InstanceRecord,
  license: string,
): Record<string, string> {
  const { license: _plain, ...rest } = record.extra ?? {};
  return {
    ...rest,
    sealedLicense: ctx.ports.vault.sealText(license),
    licenseExpireTime: String(record.expireTime ?? ''),
  };
}
