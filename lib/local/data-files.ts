/**
 * The files `npm start` keeps under its data folder (`DATA_DIR`, default `.data`), and how they are
 * read and created: owner-only (folder 0700, files 0600). Node built-ins only, so the simulator
 * (`koogallery-sim serve-webhook`) shares them without loading the store or the AWS SDK.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The SaaS V2.0 (and V1.0) development access key. */
export const ACCESS_KEY_FILE = 'access-key';
/** The at-rest key sealing delivery info (`CREDENTIALS_KEY`). */
export const CREDENTIALS_KEY_FILE = 'credentials-key';
/** The License 2.0 development access key. */
export const LICENSE_ACCESS_KEY_FILE = 'license-access-key';
/** The secret usage reports are signed with (`USAGE_REPORT_SECRET`). */
export const USAGE_REPORT_SECRET_FILE = 'usage-report-secret';
/**
 * The development webhook secret, shared by `koogallery-sim serve-webhook` and `npm start` when
 * `PROVISIONER_WEBHOOK_SECRET` is unset.
 */
export const WEBHOOK_SECRET_FILE = 'webhook-secret';
/** The License 1.0 signing key (Ed25519 PKCS#8 PEM). */
export const LICENSE_SIGNING_KEY_FILE = 'license-signing-key.pem';
/** Its public key, what the seller's software embeds. */
export const LICENSE_PUBLIC_KEY_FILE = 'license-public-key.pem';

/**
 * Creates a folder owner-only (0700), and narrows an existing one: the data folder holds the
 * development keys and every stored credential (#14).
 */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** Reads a file kept private (0600), narrowing one an older version left readable to others. */
export async function readPrivate(file: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  await chmod(file, 0o600);
  return text;
}

/**
 * Reads a key kept in `file` (narrowed to 0600), or, when the file does not exist or is empty,
 * creates `bytes` random bytes there as `encoding` (0600, in a 0700 folder). Any other failure
 * (a file that cannot be read or narrowed) is thrown: a key in use is never replaced.
 */
export async function readOrCreateKey(
  file: string,
  options: { bytes?: number; encoding?: 'base64url' | 'base64' | 'hex' } = {},
): Promise<{ value: string; generated: boolean }> {
  try {
    const value = (await readPrivate(file)).trim();
    if (value) return { value, generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const value = randomBytes(options.bytes ?? 24).toString(options.encoding ?? 'base64url');
  await makePrivateDir(dirname(file));
  await writeFile(file, `${value}\n`, { mode: 0o600 });
  // writeFile keeps the mode of an existing (empty) file.
  await chmod(file, 0o600);
  return { value, generated: true };
}
