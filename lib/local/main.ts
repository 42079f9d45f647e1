import { createApp } from '../app';
import { loadConfig } from '../config';
import { buildDeps } from '../deps';
import { describeError } from '../errors';
import { startLocalHttpServer } from './http-server';
import { startLocalEnvironment } from './local-environment';

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
  const server = await startLocalHttpServer(createApp(deps), {
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
  process.stdout.write(`KooGallery production interface listening on ${server.url}\n`);
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping (finishing open requests)…\n`);
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
