/**
 * `npm run test:load`: the full load run (1,000 orders, 20,000 requests, 64 connections unless
 * LOAD_ORDERS, LOAD_REQUESTS, LOAD_CONCURRENCY say otherwise) against a spawned `npm start`.
 * Prints throughput and latencies; exits 1 when any check fails. `--json` prints the report as JSON.
 */
import { removeDataDir, spawnService } from '../helpers/spawned-service';
import { formatLoadReport, loadFailures, loadOptionsFromEnv, runLoad } from './load-runner';

async function main(argv: string[]): Promise<number> {
  // The AWS SDK warns about Node 20 on every client; development runs on Node 20.19 or later.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const options = loadOptionsFromEnv(process.env, {
    orders: 1000,
    requests: 20_000,
    concurrency: 64,
    maxMs: 10 * 60_000,
  });
  options.onProgress = (sent, target, elapsedMs) =>
    process.stderr.write(
      `load: ${sent} of about ${target} requests sent in ${(elapsedMs / 1000).toFixed(0)} s\n`,
    );
  process.stderr.write(
    `load: ${options.orders} orders, ${options.requests} requests, ${options.concurrency} connections against npm start (seed ${options.seed})\n`,
  );
  const svc = await spawnService();
  try {
    const report = await runLoad(svc, options);
    const failures = loadFailures(report);
    if (argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify({ ...report, failures }, null, 2)}\n`);
    } else {
      process.stdout.write(`${formatLoadReport(report)}\n`);
      process.stdout.write(
        failures.length === 0
          ? 'PASS: every answer HTTP 200, no 000005, one instance per order, every renewal applied once, every release released\n'
          : `FAIL:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`,
      );
    }
    if (failures.length > 0) process.stderr.write(errorDigest(svc.output()));
    return failures.length === 0 ? 0 : 1;
  } finally {
    await svc.kill('SIGTERM');
    await removeDataDir(svc.dataDir);
  }
}

/**
 * What the service logged about its `000005` answers and other errors, grouped by cause (the log
 * lines hold no secret or body), so a failed run says where to look.
 */
function errorDigest(output: string): string {
  const causes = new Map<string, number>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.level !== 'error' && entry.resultCode !== '000005') continue;
      const cause = [
        entry.message,
        entry.activity,
        entry.errorName,
        entry.errorMessage ?? entry.detail,
      ]
        .filter((v) => v !== undefined)
        .join(' | ')
        .slice(0, 300);
      causes.set(cause, (causes.get(cause) ?? 0) + 1);
    } catch {
      // not a log line
    }
  }
  const top = [...causes].sort((a, b) => b[1] - a[1]).slice(0, 8);
  if (top.length === 0) return 'service log: no error lines\n';
  return `service log, errors by cause:\n${top.map(([c, n]) => `  ${n}x ${c}`).join('\n')}\n`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `load run failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
