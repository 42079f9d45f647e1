/**
 * `koogallery-sim lifecycle --suite ondemand` end to end (#11): `npm start` as a seller runs it,
 * then the simulator's own entry point, which buys a pay-per-use order, reports usage through the
 * signed route, checks usageInfo, pushes through the running store and reads the stand-in.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { removeDataDir, type SpawnedService, spawnService } from '../helpers/spawned-service';

const ROOT = join(__dirname, '..', '..');

let svc: SpawnedService;
beforeAll(async () => {
  svc = await spawnService({ env: { LOG_LEVEL: 'warn' } });
}, 60_000);
afterAll(async () => {
  await svc?.kill('SIGTERM');
  if (svc) await removeDataDir(svc.dataDir);
});

function sim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: svc.dataDir, NO_COLOR: '1' };
  for (const name of [
    'USAGE_REPORT_SECRET',
    'KOOGALLERY_ACCESS_KEY',
    'TABLE_NAME',
    'DYNAMODB_ENDPOINT',
  ]) {
    delete env[name];
  }
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'koogallery-sim.js'), ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('koogallery-sim lifecycle --suite ondemand against npm start (#11)', () => {
  it('passes every step and invariant, the push included', async () => {
    const run = await sim(['lifecycle', '--suite', 'ondemand', '--url', svc.url]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/one real order \(MOCKONDEMAND-\w+, no testFlag\)/);
    expect(run.stdout).toMatch(/ok +\d+ +query: usageInfo sums the two hours .*"usageValue":3\.75/);
    expect(run.stdout).toMatch(
      /ok +each hour pushed once: the stand-in received the two metering_sn 1 and 1/,
    );
    expect(run.stdout).toMatch(/14 of 14 steps passed .*PASS/);
  }, 90_000);

  it('refuses another suite for the lifecycle with a clear message', async () => {
    const run = await sim(['lifecycle', '--suite', 'onetime', '--url', svc.url]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/lifecycle --suite is period \(default\) or ondemand/);
  });
});
