/**
 * The service exactly as `npm start` runs it: `node bin/start.js` in a child process with PORT=0 and
 * a DATA_DIR, found through the line it prints, its dev key read from `<DATA_DIR>/access-key` and its
 * embedded store's endpoint read from the note it writes to stderr. Loopback only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/;
const EMBEDDED = /embedded store: (http:\/\/127\.0\.0\.1:\d+)/;
/** The table the local runner creates (lib/local/local-environment.ts). */
export const LOCAL_TABLE = 'koogallery-local';

/** A running `npm start` process. */
export interface SpawnedService {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** The SaaS V2.0 access key the process generated (or was given). */
  accessKey: string;
  /** The embedded dynalite's endpoint, to read the table directly. */
  storeEndpoint: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far (its log lines included). */
  output(): string;
  /** Sends `signal` and waits for the process to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Options of {@link spawnService}. */
export interface SpawnOptions {
  /** Reuse a data directory (a restart); a fresh temporary one otherwise. */
  dataDir?: string;
  /** Extra environment (LOG_LEVEL, PROVISIONING_LEASE_SECONDS…). */
  env?: Record<string, string>;
  /** How long to wait for the listening line (default 30 s). */
  startTimeoutMs?: number;
}

/** A temporary DATA_DIR; remove it with {@link removeDataDir}. */
export function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'koogallery-data-'));
}

/** Removes a DATA_DIR made by {@link makeDataDir}. */
export async function removeDataDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * Spawns `node bin/start.js` and resolves once it listens.
 *
 * @example
 * const svc = await spawnService({ env: { LOG_LEVEL: 'warn' } });
 * await sendSigned(svc.url, svc.accessKey, body);
 * await svc.kill('SIGTERM');
 */
export async function spawnService(options: SpawnOptions = {}): Promise<SpawnedService> {
  const dataDir = options.dataDir ?? (await makeDataDir());
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_OPTIONS: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    PORT: '0',
    DATA_DIR: dataDir,
    ...options.env,
  };
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'start.js')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  child.stdout?.setEncoding('utf8').on('data', (c: string) => chunks.push(c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => chunks.push(c));
  const output = () => chunks.join('');

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let url: string | undefined;
  let storeEndpoint: string | undefined;
  // Bounded: one check every 25 ms until the deadline.
  while (Date.now() < deadline && !exited) {
    const text = output();
    url = LISTENING.exec(text)?.[1];
    storeEndpoint = EMBEDDED.exec(text)?.[1];
    if (url && storeEndpoint) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  if (!url || !storeEndpoint) {
    if (!exited) child.kill('SIGKILL');
    throw new Error(`npm start did not come up; its output was:\n${output().slice(-2000)}`);
  }
  const accessKey = (await readFile(join(dataDir, 'access-key'), 'utf8')).trim();
  return {
    url,
    accessKey,
    storeEndpoint,
    dataDir,
    child,
    output,
    async kill(signal) {
      if (!exited) child.kill(signal);
      await exit;
    },
  };
}

/**
 * Runs `node bin/start.js` on `dataDir` for a start that is expected to fail: resolves with its
 * exit code and output once it exits (it is killed, and the promise rejects, if it comes up or
 * has not exited within `timeoutMs`).
 */
export function runServiceToExit(
  dataDir: string,
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'start.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_OPTIONS: '',
        AWS_EC2_METADATA_DISABLED: 'true',
        PORT: '0',
        DATA_DIR: dataDir,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: string[] = [];
    const fail = (why: string) => {
      child.kill('SIGKILL');
      reject(new Error(`${why}; its output was:\n${chunks.join('').slice(-2000)}`));
    };
    const timer = setTimeout(() => fail('npm start did not exit'), timeoutMs);
    const collect = (c: string) => {
      chunks.push(c);
      if (LISTENING.test(chunks.join(''))) fail('npm start came up');
    };
    child.stdout?.setEncoding('utf8').on('data', collect);
    child.stderr?.setEncoding('utf8').on('data', collect);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: chunks.join('') });
    });
  });
}
