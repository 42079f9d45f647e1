/**
 * What a newcomer meets running `npm start` (#9, #14): its data folder is private, a second
 * `npm start` on the same folder says so and exits, and the embedded store (no TTL) sweeps the
 * nonce items that have expired. Through `npm start` itself, or the local environment, the real
 * HTTP server and the real embedded store.
 */
import { chmod, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApp } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { buildDeps } from '../../lib/deps';
import { startLocalHttpServer } from '../../lib/local/http-server';
import { startLocalEnvironment } from '../../lib/local/local-environment';
import { sendSigned } from '../helpers/service';
import {
  LOCAL_TABLE,
  makeDataDir,
  removeDataDir,
  runServiceToExit,
  spawnService,
} from '../helpers/spawned-service';
import { scanTable } from '../helpers/table-scan';

/** Every folder and file under `dir` (itself included) with its permission bits. */
async function modes(dir: string): Promise<{ path: string; dir: boolean; mode: number }[]> {
  const out = [{ path: dir, dir: true, mode: (await stat(dir)).mode & 0o777 }];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    out.push({ path, dir: entry.isDirectory(), mode: (await stat(path)).mode & 0o777 });
  }
  return out;
}

describe('npm start and its data folder', () => {
  it('creates the data folder and everything in it for its owner only (#14)', async () => {
    const svc = await spawnService();
    try {
      const tree = await modes(svc.dataDir);

      expect(tree.filter((e) => !e.dir).length).toBeGreaterThan(3);
      expect(tree.filter((e) => e.dir && e.mode !== 0o700)).toEqual([]);
      expect(tree.filter((e) => !e.dir && e.mode !== 0o600)).toEqual([]);
    } finally {
      await svc.kill('SIGTERM');
      await removeDataDir(svc.dataDir);
    }
  }, 60_000);

  it('narrows a data folder and key an older version left readable to others (#14)', async () => {
    const dataDir = await makeDataDir();
    await chmod(dataDir, 0o755);
    await writeFile(join(dataDir, 'access-key'), 'an-older-development-key\n', { mode: 0o644 });
    const svc = await spawnService({ dataDir });
    try {
      expect(svc.accessKey).toBe('an-older-development-key');
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(dataDir, 'access-key'))).mode & 0o777).toBe(0o600);
    } finally {
      await svc.kill('SIGTERM');
      await removeDataDir(dataDir);
    }
  }, 60_000);

  it('narrows an at-rest key file left readable to others, keeping its value (#14)', async () => {
    const dataDir = await makeDataDir();
    const kept = Buffer.alloc(32, 9).toString('base64');
    await writeFile(join(dataDir, 'credentials-key'), `${kept}\n`, { mode: 0o644 });
    await chmod(join(dataDir, 'credentials-key'), 0o644);

    const local = await startLocalEnvironment({ dataDir, lookup: () => undefined });
    try {
      expect(local.lookup('CREDENTIALS_KEY')).toBe(kept);
      expect((await stat(join(dataDir, 'credentials-key'))).mode & 0o777).toBe(0o600);
    } finally {
      await local.close();
      await removeDataDir(dataDir);
    }
  }, 60_000);

  it('refuses a second npm start on the same folder, saying how to use DATA_DIR (#9)', async () => {
    const first = await spawnService();
    try {
      const second = await runServiceToExit(first.dataDir);

      expect(second.code).not.toBe(0);
      expect(second.output).toContain(
        `another \`npm start\` is using the data folder ${first.dataDir}`,
      );
      expect(second.output).toContain('DATA_DIR=');
      expect(second.output).not.toContain('Database is closed');
      // The first one still serves.
      const answer = await sendSigned(first.url, first.accessKey, {
        activity: 'queryInstance',
        instanceId: 'still-serving',
        testFlag: '1',
      });
      expect(answer.json.resultCode).toBe('000000');
    } finally {
      await first.kill('SIGTERM');
      await removeDataDir(first.dataDir);
    }
  }, 60_000);
});

describe('the embedded store without TTL (#14)', () => {
  it('sweeps expired nonce items, now and periodically, and keeps live ones', async () => {
    const dataDir = await makeDataDir();
    let now = Date.now();
    const clock = { now: () => now };
    const local = await startLocalEnvironment({
      dataDir,
      lookup: () => undefined,
      clock,
      nonceSweepIntervalMs: 25,
    });
    const deps = buildDeps(loadConfig(local.lookup));
    const server = await startLocalHttpServer(createApp(deps), {
      port: 0,
      maxBodyBytes: deps.config.maxBodyBytes,
    });
    const endpoint = local.lookup('DYNAMODB_ENDPOINT') as string;
    const nonces = async () => (await scanTable(endpoint, LOCAL_TABLE)).nonceCount;
    const call = () =>
      sendSigned(server.url, local.accessKey.value, {
        activity: 'queryInstance',
        instanceId: 'sweep-test',
        testFlag: '1',
      });
    try {
      // Three calls now; then the sweep 10 minutes on (past twice the 60 s window).
      for (let i = 0; i < 3; i++) expect((await call()).json.resultCode).toBe('000000');
      expect(await nonces()).toBe(3);
      now += 10 * 60_000;
      const swept = await local.sweepNonces?.();
      expect(swept).toBe(3);
      expect(await nonces()).toBe(0);

      // A fresh nonce stays; once expired, the periodic sweep takes it without being asked.
      now = Date.now();
      expect((await call()).json.resultCode).toBe('000000');
      expect(await nonces()).toBe(1);
      expect(await local.sweepNonces?.()).toBe(0);
      now += 10 * 60_000;
      // Bounded: the 25 ms sweep has at most 10 s to run.
      for (let i = 0; i < 400 && (await nonces()) > 0; i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(await nonces()).toBe(0);
    } finally {
      await server.close();
      await deps.background.drain();
      await local.close();
      await removeDataDir(dataDir);
    }
  }, 60_000);
});
