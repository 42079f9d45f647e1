/**
 * The data folder's key files (lib/local/data-files.ts): created owner-only with the asked size and
 * encoding, read back and narrowed, never replaced when they cannot be read (#14).
 */
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOrCreateKey } from '../../lib/local/data-files';

describe('readOrCreateKey', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'data-files-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const mode = async (path: string) => (await stat(path)).mode & 0o777;

  it('creates a key of the asked size and encoding in an owner-only folder, then reads it back', async () => {
    const file = join(dir, 'nested', 'credentials-key');

    const created = await readOrCreateKey(file, { bytes: 32, encoding: 'base64' });
    const again = await readOrCreateKey(file, { bytes: 32, encoding: 'base64' });

    expect(created.generated).toBe(true);
    expect(Buffer.from(created.value, 'base64')).toHaveLength(32);
    expect(again).toEqual({ value: created.value, generated: false });
    expect(await mode(join(dir, 'nested'))).toBe(0o700);
    expect(await mode(file)).toBe(0o600);
    // The default: 24 bytes as base64url.
    const plain = await readOrCreateKey(join(dir, 'access-key'));
    expect(Buffer.from(plain.value, 'base64url')).toHaveLength(24);
  });

  it('narrows an existing key file to 0600 and keeps its value', async () => {
    const file = join(dir, 'credentials-key');
    await writeFile(file, 'kept-value\n');
    await chmod(file, 0o644);

    expect(await readOrCreateKey(file)).toEqual({ value: 'kept-value', generated: false });
    expect(await mode(file)).toBe(0o600);
  });

  it('fills an empty file, 0600', async () => {
    const file = join(dir, 'access-key');
    await writeFile(file, '');
    await chmod(file, 0o644);

    const key = await readOrCreateKey(file);

    expect(key.generated).toBe(true);
    expect((await readFile(file, 'utf8')).trim()).toBe(key.value);
    expect(await mode(file)).toBe(0o600);
  });

  it('throws, replacing nothing, when the key cannot be read', async () => {
    const file = join(dir, 'access-key');
    await mkdir(file);

    await expect(readOrCreateKey(file)).rejects.toThrow(/EISDIR/);
    expect((await stat(file)).isDirectory()).toBe(true);
  });
});
