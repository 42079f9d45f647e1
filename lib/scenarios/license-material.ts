import type { InstanceRecord } from '../store/instance-store';
import type { ScenarioContext } from './scenario';

/**
 * License material at rest (#14): a License 1.0 license and a License 2.0 code are secrets a buyer
 * paid for, so they are sealed with the vault like delivery info (`extra.sealedLicense`,
 * `extra.sealedLicenseCode`) and dropped when the license is released. Records written before
 * kept them in plain text (`extra.license`, `extra.licenseCode`): those are still read, sealed
 * when next read (`getLicense`, any License 2.0 notification), and dropped on release too.
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
