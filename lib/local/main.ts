import { createApp } from '../app';
import { loadConfig } from '../config';
import { buildDeps, buildUsageClient, type Deps } from '../deps';
import { describeError } from '../errors';
import { pushUsage } from '../metering/push-usage';
import { withUsageReports } from '../metering/usage-route';
import { startLocalHttpServer } from './http-server';
import { startLocalEnvironment } from './local-environment';
import { removeRuntimeFile, writeRuntimeFile } from './runtime-file';

/** Default of USAGE_PUSH_INTERVAL_SECONDS: hourly, like the deployed schedule. */
const DEFAULT_PUSH_INTERVAL_SECONDS = 3600;

/** USAGE_PUSH_INTERVAL_SECONDS: 10 to 86400 seconds, or 0 to run the push job only on demand. */
export function pushIntervalSeconds(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_PUSH_INTERVAL_SECONDS;
  const n = Number(raw);
  if (!Number.isInteger(n) || (n !== 0 && (n < 10 || n > 86_400))) {
    throw new Error(
      `USAGE_PUSH_INTERVAL_SECONDS must be a whole number of seconds from 10 to 86400, or 0 for never, got "${raw}"`,
    );
  }
  return n;
}

/** Runs the usage push job every `seconds` (never when 0); its outcome goes to the log. */
function startPushInterval(deps: Deps, seconds: number): NodeJS.Timeout | undefined {
  if (seconds === 0) return undefined;
  const client = buildUsageClient(deps.config, deps.clock);
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    pushUsage({
      usage: deps.usage,
      client,
      clock: deps.clock,
      ids: deps.ids,
      log: deps.log,
      audit: deps.audit,
    })
      .catch((error: unknown) => deps.log.error('usage push failed', describeError(error)))
      .finally(() => {
        running = false;
      });
  }, seconds * 1000);
  timer.unref();
  return timer;
}

/** How long Ctrl-C waits for background work before stopping anyway. */
const SHUTDOWN_GRACE_MS = 5000;

/**
 * `npm start`: the production handler on http://127.0.0.1:$PORT/ with the local stand-ins.
 * Prints one line saying where it listens; stops cleanly on Ctrl-C (SIGINT) or SIGTERM.
 */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number (0 for any free port), got "${env.PORT}"`);
  }
  const dataDir = env.DATA_DIR || '.data';
  const intervalSeconds = pushIntervalSeconds(env.USAGE_PUSH_INTERVAL_SECONDS);
  // Everything the runner writes (keys, the store's files) is for this user only (#14).
  process.umask(0o077);
  let deps: ReturnType<typeof buildDeps> | undefined;
  const local = await startLocalEnvironment({
    dataDir,
    lookup: (k) => env[k] || undefined,
    onSweepError: (error) =>
      deps?.log.warn('expired nonce sweep failed; the next one retries', describeError(error)),
  });
  deps = buildDeps(loadConfig(local.lookup));
  const server = await startLocalHttpServer(withUsageReports(deps, createApp(deps)), {
    port,
    maxBodyBytes: deps.config.maxBodyBytes,
    onError: (error) => deps.log.error('local server error', describeError(error)),
  });
  for (const note of local.notes) process.stderr.write(`${note}\n`);
  if (local.accessKey.generated || !env.KOOGALLERY_ACCESS_KEY) {
    process.stdout.write(
      `development access key: ${local.accessKey.value} (kept in ${local.accessKey.file})\n`,
    );
  }
  await writeRuntimeFile(dataDir, { pid: process.pid, url: server.url, settings: local.published });
  const pushTimer = startPushInterval(deps, intervalSeconds);
  process.stdout.write(`KooGallery production interface listening on ${server.url}\n`);
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping (finishing open requests)…\n`);
    clearInterval(pushTimer);
    await removeRuntimeFile(dataDir).catch(() => undefined);
    await server.close();
    // Work still running (a slow provisioning) gets a few seconds; a hung one must not keep the
    // process up: its claim expires and the next retry or poll takes it over.
    const drained = await Promise.race([
      deps.background.drain().then(() => true),
      new Promise<boolean>((resolve) =>
        setTimeout(() => resolve(false), SHUTDOWN_GRACE_MS).unref(),
      ),
    ]);
    if (!drained) {
      process.stderr.write(
        `background work still running after ${SHUTDOWN_GRACE_MS} ms; stopping anyway (retries will finish it)\n`,
      );
    }
    await local.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
