/**
 * koogallery-sim end to end (#3, #4): the service started as `npm start` starts it (free port,
 * temporary data folder, no access key, so it generates one per interface type), then `probe` and
 * `lifecycle` run through the CLI's own entry point, as a seller runs them, in every protocol the
 * function serves: SaaS V2.0, SaaS V1.0, License 2.0 and License 1.0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const LISTENING = /KooGallery production interface listening on (http:\/\/127\.0\.0\.1:\d+\/)/;
const START_TIMEOUT_MS = 30_000;
const CLI_TIMEOUT_MS = 60_000;

/** The environment without anything that would point the service or the CLI elsewhere. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'KOOGALLERY_ACCESS_KEY',
    'KOOGALLERY_PREVIOUS_ACCESS_KEY',
    'KOOGALLERY_V1_ACCESS_KEY',
    'KOOGALLERY_LICENSE_ACCESS_KEY',
    'LICENSE_SIGNING_KEY',
    'V1_TIMESTAMP_WINDOW_SECONDS',
    'SIGNATURE_WINDOW_SECONDS',
    'KOOGALLERY_URL',
    'KOOGALLERY_API_ENDPOINT',
    'HUAWEICLOUD_AK',
    'HUAWEICLOUD_SK',
    'CREDENTIALS_KEY',
    'CREDENTIALS_PREVIOUS_KEY',
    'DYNAMODB_ENDPOINT',
    'TABLE_NAME',
    'NO_COLOR',
  ]) {
    delete env[name];
  }
  return { ...env, ...extra };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/koogallery-sim.js …` and collects its output (killed after a bounded time). */
function sim(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'koogallery-sim.js'), ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/**
 * Asserts that a SaaS lifecycle printed its order, every step and invariant ok (the `lines` among
 * them), a passing verdict, and never the key.
 */
function expectStoryPassed(run: Run, lines: RegExp[]): void {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/one real order \(CSSIM\w+, no testFlag\)/);
  for (const line of [
    ...lines,
    /^ok +one instanceId per order/m,
    /^ok +nothing after release but 000000 for repeats/m,
    /^ok +000003 for an unknown instance/m,
    /steps passed in [\d.]+ s: PASS$/m,
  ]) {
    expect(run.stdout).toMatch(line);
  }
  expect(run.stdout).not.toMatch(/^FAIL/m);
  expect(run.stdout).not.toContain(key);
}

let service: ChildProcess | undefined;
let serviceOutput = '';
let dataDir: string;
let url: string;
let key: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'koogallery-sim-e2e-'));
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'start.js')], {
    cwd: ROOT,
    env: cleanEnv({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  service = child;
  url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`service did not print its listening line in time:\n${serviceOutput}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      serviceOutput += chunk.toString('utf8');
      const m = LISTENING.exec(serviceOutput);
      if (m?.[1]) {
        clearTimeout(timer);
        done(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`service exited with ${code} before listening:\n${serviceOutput}`));
    });
  });
  key = readFileSync(join(dataDir, 'access-key'), 'utf8').trim();
}, START_TIMEOUT_MS + 5_000);

afterAll(async () => {
  const child = service;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 15_000);

describe('koogallery-sim against the service as npm start runs it', () => {
  it('finds the development key the service generated in its data folder', () => {
    expect(key.length).toBeGreaterThanOrEqual(16);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it(
    'passes probe with the period suite, reading the key from the data folder',
    async () => {
      // Arrange: no --key and no KOOGALLERY_ACCESS_KEY, so the CLI reads <DATA_DIR>/access-key
      const env = cleanEnv({ DATA_DIR: dataDir });

      // Act
      const run = await sim(['probe', '--url', url, '--repeat', '2'], env);

      // Assert
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(
        'period (包周期) suite, 11 saved cases, each 2× in random order',
      );
      for (const id of ['purchase', 'query', 'renewal', 'freeze', 'unfreeze', 'release']) {
        expect(run.stdout).toMatch(
          new RegExp(`^${id} +\\w+ +\\d+ +\\d+ +000000×\\d+ .* pass$`, 'm'),
        );
      }
      expect(run.stdout).toMatch(/24 of 24 calls passed in [\d.]+ s: PASS/);
      expect(run.stdout).not.toContain(key);
    },
    CLI_TIMEOUT_MS,
  );

  it.each([
    ['onetime', 3],
    ['ondemand', 9],
  ])(
    'passes probe --suite %s --json with every case passing',
    async (suite, cases) => {
      const run = await sim(
        ['probe', '--suite', suite, '--repeat', '2', '--json', '--url', url, '--key', key],
        cleanEnv({}),
      );

      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as {
        ok: boolean;
        cases: { id: string; runs: number; passed: number }[];
        order: string[];
      };
      expect(report.ok).toBe(true);
      expect(report.cases).toHaveLength(cases);
      for (const c of report.cases) expect(c.passed).toBe(c.runs);
      expect(report.order).toHaveLength(cases * 2);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'passes lifecycle: every step and every observable invariant',
    async () => {
      // Arrange / Act
      const run = await sim(['lifecycle', '--url', url], cleanEnv({ KOOGALLERY_ACCESS_KEY: key }));

      // Assert
      expectStoryPassed(run, [
        /^ok +\d+ +purchase signed with a wrong key +newInstance +000001/m,
        /^ok +\d+ +purchase with a stale timestamp .*000001/m,
        /^ok +\d+ +query an unknown instance +queryInstance +000003/m,
        /^ok +\d+ +purchase, 20 retries at once \(new businessId each\) +newInstance +(000000|000004)(,\d+)*×20/m,
        /^ok +\d+ +the first purchase request replayed \(same nonce\) +newInstance +000001/m,
        /^ok +\d+ +query until ready .*credentials userName encrypted/m,
        /^ok +\d+ +renewal R1 delivered late, after R2 +refreshInstance +000000/m,
        /^ok +\d+ +unfreeze delivered before any freeze/m,
        /^ok +\d+ +release delivered again +releaseInstance +000000/m,
        /^ok +\d+ +purchase delivered again after release +newInstance +000000/m,
        /^ok +000001 for a wrong key, a stale timestamp, a replayed nonce/m,
      ]);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'fails with exit code 1 and says what to do when the key is wrong',
    async () => {
      const run = await sim(
        ['send', 'queryInstance', '--url', url, '--key', 'not-the-service-key'],
        cleanEnv({}),
      );

      expect(run.code).toBe(1);
      expect(run.stdout).toContain('unexpected-result-code: resultCode 000001');
      expect(run.stdout).toMatch(/fix: .*--key/);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'passes probe --protocol v1 with the V1.0 period suite, the V1.0 key being the V2.0 one',
    async () => {
      // Arrange: no key given; npm start's V1.0 key falls back to its V2.0 key in <DATA_DIR>/access-key
      const env = cleanEnv({ DATA_DIR: dataDir });

      // Act
      const run = await sim(['probe', '--protocol', 'v1', '--url', url, '--repeat', '2'], env);

      // Assert
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('SaaS V1.0 period (包周期) suite, 9 saved cases');
      for (const [id, activity] of [
        ['purchase', 'newInstance'],
        ['renewal', 'refreshInstance'],
        ['expiry', 'expireInstance'],
        ['release', 'releaseInstance'],
        ['upgrade \\(O\\)', 'upgrade'],
        ['freeze \\(O\\)', 'instanceStatus'],
        ['query \\(O\\)', 'queryInstance'],
      ]) {
        expect(run.stdout).toMatch(
          new RegExp(`^${id} +${activity} +\\d+ +\\d+ +000000×\\d+ .* pass$`, 'm'),
        );
      }
      expect(run.stdout).toMatch(/19 of 19 calls passed in [\d.]+ s: PASS/);
      expect(run.stdout).not.toContain(key);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'passes probe --protocol license with the License 2.0 key from the data folder',
    async () => {
      const licenseKey = readFileSync(join(dataDir, 'license-access-key'), 'utf8').trim();

      const run = await sim(
        ['probe', '--protocol', 'license', '--url', url],
        cleanEnv({ DATA_DIR: dataDir, KOOGALLERY_ACCESS_KEY: key }),
      );

      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('License 2.0 (授权码) suite, 5 saved cases');
      for (const [id, activity] of [
        ['renewal', 'refreshLicenseCode'],
        ['renewal refund', 'refreshLicenseCode'],
        ['freeze', 'updateLicenseCodeStatus'],
        ['unfreeze', 'updateLicenseCodeStatus'],
        ['release', 'releaseLicenseCode'],
      ]) {
        expect(run.stdout).toMatch(new RegExp(`^${id} +${activity} +2 +2 +000000×2 .* pass$`, 'm'));
      }
      expect(run.stdout).toMatch(/10 of 10 calls passed in [\d.]+ s: PASS/);
      expect(run.stdout).not.toContain(licenseKey);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'fails probe --protocol license signed with the V2.0 key: a wrong key family is refused',
    async () => {
      const run = await sim(
        ['probe', '--protocol', 'license', '--url', url, '--repeat', '1', '--json', '--key', key],
        cleanEnv({}),
      );

      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as { ok: boolean; cases: { codes: object }[] };
      expect(report.ok).toBe(false);
      for (const c of report.cases) expect(c.codes).toEqual({ '000001': 1 });
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "passes probe --protocol license-v1, verifying each license with the data folder's public key",
    async () => {
      const run = await sim(
        ['probe', '--protocol', 'license-v1', '--url', url, '--json'],
        cleanEnv({ DATA_DIR: dataDir }),
      );

      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as {
        ok: boolean;
        cases: { activity: string; runs: number; passed: number }[];
      };
      expect(report.ok).toBe(true);
      expect(report.cases.map((c) => c.activity)).toEqual([
        'getLicense',
        'refreshLicense',
        'expireLicense',
        'releaseLicense',
      ]);
      for (const c of report.cases) expect(c.passed).toBe(c.runs);
      const send = await sim(
        ['send', 'getLicense', '--protocol', 'license-v1', '--url', url],
        cleanEnv({ DATA_DIR: dataDir }),
      );
      expect(send.code).toBe(0);
      expect(send.stdout).toMatch(
        /^license +verifies offline with the public key; .*marked test$/m,
      );
      expect(send.stdout).toContain('"license":"[masked]"');
      expect(send.stdout).not.toContain('KG1.');
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'passes lifecycle --protocol v1: every step and every observable invariant',
    async () => {
      const run = await sim(
        ['lifecycle', '--protocol', 'v1', '--url', url],
        cleanEnv({ KOOGALLERY_V1_ACCESS_KEY: key }),
      );

      expectStoryPassed(run, [
        /^ok +\d+ +newInstance signed with a wrong key +newInstance +000001/m,
        /^ok +\d+ +newInstance with a stale timeStamp \(25 h old\) .*000001/m,
        /^ok +\d+ +releaseInstance for an unknown instance +releaseInstance +000003/m,
        /^ok +\d+ +newInstance ×20 at once \(new businessId each\) +newInstance +(000000|000004)(,\d+)*×20/m,
        /^ok +\d+ +first purchase request replayed \(same authToken\) +newInstance +000001/m,
        /^ok +\d+ +newInstance re-sent until delivered .*credentials userName encrypted/m,
        /^ok +\d+ +expireInstance delivered late, after the renewals +expireInstance +000000/m,
        /^ok +\d+ +renewal R1 delivered late, after R2 +refreshInstance +000000/m,
        /^ok +\d+ +releaseInstance delivered again +releaseInstance +000000/m,
        /^ok +\d+ +newInstance delivered again after release +newInstance +000000/m,
        /^ok +000001 for a wrong key, a stale timeStamp, a replayed authToken/m,
      ]);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'passes lifecycle --protocol license: one fresh license code from first notification to release',
    async () => {
      const run = await sim(
        ['lifecycle', '--protocol', 'license', '--url', url, '--json'],
        cleanEnv({ DATA_DIR: dataDir }),
      );

      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as {
        ok: boolean;
        protocol: string;
        license: string;
        steps: { title: string; ok: boolean; got: string[] }[];
        invariants: { name: string; ok?: boolean }[];
      };
      expect(report).toMatchObject({ ok: true, protocol: 'license' });
      expect(report.license).toMatch(/^PLSIM\w+$/);
      const got = (prefix: string) => report.steps.find((s) => s.title.startsWith(prefix))?.got;
      expect(got('renewal R1 signed with a wrong key')).toEqual(['000001']);
      expect(got('renewal R1 with a stale timestamp')).toEqual(['000001']);
      expect(got('first notification (renewal R1) ×20')).toEqual(Array(20).fill('000000'));
      expect(got('the first delivery replayed (same nonce)')).toEqual(['000001']);
      expect(got('a new renewal R4 arriving after release')).toEqual(['000000']);
      for (const s of report.steps) expect(s).toMatchObject({ ok: true });
      const invariant = (name: string) => report.invariants.find((i) => i.name === name)?.ok;
      expect(invariant('nothing after release but 000000 for repeats')).toBe(true);
      expect(invariant('000001 for a wrong key, a stale timestamp, a replayed nonce')).toBe(true);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'passes lifecycle --protocol license-v1: one license per order, re-issued once per renewal',
    async () => {
      const run = await sim(
        ['lifecycle', '--protocol', 'license-v1', '--url', url],
        cleanEnv({ DATA_DIR: dataDir }),
      );

      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /^ok +\d+ +getLicense re-sent until delivered .*license verified offline/m,
      );
      expect(run.stdout).toMatch(/^ok +one license per order until a renewal/m);
      expect(run.stdout).toMatch(/^ok +expiry moved once per renewal order/m);
      expect(run.stdout).toMatch(/^ok +000003 for an unknown instance/m);
      expect(run.stdout).not.toMatch(/^FAIL/m);
      expect(run.stdout).not.toContain('KG1.');
    },
    CLI_TIMEOUT_MS,
  );
});
