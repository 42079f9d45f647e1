/**
 * `koogallery-sim`: KooGallery's seller-center debugger and twice-daily probe, run from the seller's
 * own machine against a local service or a deployed HTTPS URL (issue #3).
 */
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startOpenApiStandIn } from '../local/open-api-stand-in';
import { call, signedRequest, type Target } from './client';
import { apiGatewayV2Event, curlCommand, functionGraphEvent } from './events';
import { ANSWER_TIMEOUT_MS, redactBody } from './judge';
import { runLifecycle } from './lifecycle';
import { runProbe } from './probe';
import {
  displayUrl,
  makeStyle,
  renderExchange,
  renderLifecycleHeader,
  renderLifecycleSummary,
  renderProbe,
  renderStep,
} from './report';
import { ACTIVITIES, exampleBody, isActivity, isSuiteKind, SUITE_KINDS } from './suites';

/** Where the CLI writes and what it reads from its surroundings; the process's by default. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Resolves when the user asks a long-running command to stop (Ctrl-C). */
  untilStopped: () => Promise<void>;
}

/** The default URL: the local service that `npm start` runs. */
export const DEFAULT_URL = 'http://127.0.0.1:3000/';

/** Exit codes: everything passed, something failed, the command line or setup is wrong. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

const USAGE = `koogallery-sim: KooGallery's debugger and probe, run against your production interface

usage: koogallery-sim <command> [options]

commands
  event <activity>     print a freshly signed event for \`serverless invoke local --path\`
                       (API Gateway v2; --platform functiongraph for FunctionGraph's APIG trigger;
                       --curl for a curl command line). Valid for 60 s.
  send <activity>      send one signed request and judge the answer like the seller-center debugger
  probe                replay a product's saved cases (testFlag "1"), each repeated, in random order
  lifecycle            the whole story of one fresh real order, with duplicates, replays and faults
  serve-openapi        run the local stand-in for KooGallery's Query Order and usage-push APIs

activities: ${ACTIVITIES.join(', ')}

options
  --url <url>          the production interface address (env KOOGALLERY_URL; default ${DEFAULT_URL})
  --key <key>          its access key (env KOOGALLERY_ACCESS_KEY; default: .data/access-key, which
                       \`npm start\` writes when it generates a development key)
  --field name=value   set a body field (event, send); name.sub=value nests, name:=<json> sets JSON,
                       a bare name removes the field; repeatable
  --real               send without testFlag (a real call) instead of testFlag "1" (event, send)
  --expect <code>      the result code that passes (send; default 000000; repeatable)
  --suite <kind>       probe suite: ${Object.values(SUITE_KINDS).join(', ')} (default period)
  --repeat <n>         probe: times each case is replayed (default 2, at most 100)
  --timeout <ms>       longest acceptable answer time (default ${ANSWER_TIMEOUT_MS})
  --platform <p>       event: aws (default) or functiongraph
  --curl               event: print a curl command line instead of an event
  --port <n>           serve-openapi: port to listen on (default: a free port)
  --json               machine-readable output
  -h, --help           this help

exit status: 0 when every check passed, 1 when one failed, 2 for a usage or setup error

examples
  npx koogallery-sim probe --suite period --repeat 3
  npx koogallery-sim lifecycle
  npx koogallery-sim send queryInstance --field instanceId=<id>
  npx koogallery-sim probe --url https://www.example.com/saasproduce --key "$KOOGALLERY_ACCESS_KEY"
`;

class UsageError extends Error {}

const OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  field: { type: 'string', short: 'f', multiple: true },
  real: { type: 'boolean' },
  expect: { type: 'string', multiple: true },
  suite: { type: 'string' },
  repeat: { type: 'string' },
  timeout: { type: 'string' },
  platform: { type: 'string' },
  curl: { type: 'boolean' },
  port: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

function integer(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/** Where the access key comes from: the option, the environment, or the local service's key file. */
export function resolveKey(values: { key?: string }, env: CliIo['env'], cwd: string): string {
  const given = values.key ?? env.KOOGALLERY_ACCESS_KEY;
  if (given !== undefined && given.trim() !== '') return given.trim();
  const file = join(resolve(cwd, env.DATA_DIR ?? '.data'), 'access-key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key !== '') return key;
  }
  throw new UsageError(
    `no access key: pass --key <key> or set KOOGALLERY_ACCESS_KEY to the access key bound to the production address (seller center > Application Tools > Key Management). For a local \`npm start\` without a key, run this from the repository folder after starting it once: it keeps its development key in ${file}.`,
  );
}

function resolveUrl(values: Values, env: CliIo['env']): string {
  const raw = values.url ?? env.KOOGALLERY_URL ?? DEFAULT_URL;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`--url is not a URL: "${raw}"; e.g. https://www.example.com/saasproduce`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new UsageError(`--url must be http:// or https://, got "${raw}"`);
  }
  return u.toString();
}

function setPath(body: Record<string, unknown>, path: string, value: unknown, remove: boolean) {
  const keys = path.split('.');
  let node: Record<string, unknown> = body;
  for (const k of keys.slice(0, -1)) {
    const next = node[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1] as string;
  if (remove) delete node[last];
  else node[last] = value;
}

/** Applies `--field` settings (`a=b`, `a.b=c`, `a:=<json>`, bare `a` removes) to a body. */
export function applyFields(
  body: Record<string, unknown>,
  fields: readonly string[],
): Record<string, unknown> {
  for (const field of fields) {
    const json = /^([A-Za-z0-9_.]+):=(.*)$/s.exec(field);
    const text = /^([A-Za-z0-9_.]+)=(.*)$/s.exec(field);
    if (json) {
      let value: unknown;
      try {
        value = JSON.parse(json[2] as string);
      } catch {
        throw new UsageError(`--field ${json[1]}:= needs JSON after ":=", got ${json[2]}`);
      }
      setPath(body, json[1] as string, value, false);
    } else if (text) {
      setPath(body, text[1] as string, text[2], false);
    } else if (/^[A-Za-z0-9_.]+$/.test(field)) {
      setPath(body, field, undefined, true);
    } else {
      throw new UsageError(
        `--field expects name=value, name:=<json> or a bare name to remove it, got "${field}"`,
      );
    }
  }
  return body;
}

function activityArg(positionals: string[], command: string): (typeof ACTIVITIES)[number] {
  const activity = positionals[1];
  if (activity === undefined || !isActivity(activity)) {
    throw new UsageError(
      `${command} needs an activity${activity ? `, not "${activity}"` : ''}: one of ${ACTIVITIES.join(', ')}`,
    );
  }
  return activity;
}

function requestBody(values: Values, positionals: string[], command: string) {
  const activity = activityArg(positionals, command);
  const body = exampleBody(activity, Date.now());
  if (values.real) delete body.testFlag;
  return applyFields(body, values.field ?? []);
}

function target(values: Values, io: CliIo): Target {
  return {
    url: resolveUrl(values, io.env),
    key: resolveKey(values, io.env, io.cwd),
    timeoutMs: integer(values.timeout, 'timeout', ANSWER_TIMEOUT_MS, 1, 600_000),
  };
}

function print(io: CliIo, text: string) {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

async function eventCommand(values: Values, positionals: string[], io: CliIo): Promise<number> {
  const body = requestBody(values, positionals, 'event');
  const url = resolveUrl(values, io.env);
  const key = resolveKey(values, io.env, io.cwd);
  const req = signedRequest(url, key, body);
  const platform = values.platform ?? 'aws';
  if (platform !== 'aws' && platform !== 'functiongraph') {
    throw new UsageError(`--platform is aws or functiongraph, got "${platform}"`);
  }
  if (values.curl) {
    print(io, curlCommand(req));
  } else {
    const event = platform === 'functiongraph' ? functionGraphEvent(req) : apiGatewayV2Event(req);
    print(io, JSON.stringify(event, null, 2));
  }
  io.stderr.write(
    `signed ${body.activity as string} for ${displayUrl(req.url).split('?')[0]}; valid for 60 s (the timestamp window) and once (the nonce)\n`,
  );
  return EXIT.OK;
}

async function sendCommand(values: Values, positionals: string[], io: CliIo): Promise<number> {
  const body = requestBody(values, positionals, 'send');
  const expect = values.expect ?? ['000000'];
  for (const code of expect) {
    if (!/^\d{6}$/.test(code))
      throw new UsageError(`--expect takes a 6-digit result code, got "${code}"`);
  }
  const ex = await call(target(values, io), body, { expect });
  if (values.json) {
    print(
      io,
      JSON.stringify(
        {
          ok: ex.verdict.ok,
          request: { url: displayUrl(ex.request.url), body: ex.body },
          response: {
            status: ex.response.status,
            contentType: ex.response.headers['content-type'],
            bodySign: ex.response.headers['body-sign'],
            elapsedMs: Math.round(ex.response.elapsedMs),
            body: ex.verdict.json ? redactBody(ex.verdict.json) : ex.response.body.toString('utf8'),
            ...(ex.response.error !== undefined ? { error: ex.response.error } : {}),
          },
          resultCode: ex.verdict.resultCode,
          findings: ex.verdict.findings,
          credentials: ex.verdict.credentials,
        },
        null,
        2,
      ),
    );
  } else {
    print(io, renderExchange(ex, makeStyle(color(io))));
  }
  return ex.verdict.ok ? EXIT.OK : EXIT.FAILED;
}

function color(io: CliIo): boolean {
  return io.stdout.isTTY === true && io.env.NO_COLOR === undefined;
}

async function probeCommand(values: Values, io: CliIo): Promise<number> {
  const kind = values.suite ?? 'period';
  if (!isSuiteKind(kind)) {
    throw new UsageError(
      `--suite is one of ${Object.values(SUITE_KINDS).join(', ')}, got "${kind}"`,
    );
  }
  const repeat = integer(values.repeat, 'repeat', 2, 1, 100);
  const t = target(values, io);
  const report = await runProbe({ target: t, kind, repeat });
  print(
    io,
    values.json
      ? JSON.stringify(report, null, 2)
      : renderProbe(report, t.url, makeStyle(color(io))),
  );
  return report.ok ? EXIT.OK : EXIT.FAILED;
}

async function lifecycleCommand(values: Values, io: CliIo): Promise<number> {
  const t = target(values, io);
  const style = makeStyle(color(io));
  const report = await runLifecycle({
    target: t,
    onStart: (orderId) => {
      if (!values.json) print(io, renderLifecycleHeader(orderId, t.url, style));
    },
    onStep: (step) => {
      if (!values.json) print(io, renderStep(step, style));
    },
  });
  print(io, values.json ? JSON.stringify(report, null, 2) : renderLifecycleSummary(report, style));
  return report.ok ? EXIT.OK : EXIT.FAILED;
}

/** A development AK/SK pair shaped like Huawei Cloud's (20 upper-case alphanumerics, 40 alphanumerics). */
export function devCredentials(): { ak: string; sk: string } {
  const pick = (alphabet: string, n: number) =>
    Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');
  const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return {
    ak: pick(upper, 20),
    sk: pick(`${upper}abcdefghijklmnopqrstuvwxyz`, 40),
  };
}

async function serveOpenApiCommand(values: Values, io: CliIo): Promise<number> {
  const port = integer(values.port, 'port', 0, 0, 65535);
  const fromEnv = io.env.HUAWEICLOUD_AK !== undefined && io.env.HUAWEICLOUD_SK !== undefined;
  const { ak, sk } = fromEnv
    ? { ak: io.env.HUAWEICLOUD_AK as string, sk: io.env.HUAWEICLOUD_SK as string }
    : devCredentials();
  let accessKey: string | undefined;
  try {
    accessKey = resolveKey(values, io.env, io.cwd);
  } catch {
    accessKey = undefined;
  }
  const standIn = await startOpenApiStandIn({ ak, sk, port, ...(accessKey ? { accessKey } : {}) });
  if (values.json) {
    print(
      io,
      JSON.stringify({ endpoint: standIn.endpoint, ak, ...(fromEnv ? {} : { sk }) }, null, 2),
    );
  } else {
    print(
      io,
      [
        `KooGallery open-API stand-in (Query Order, usage push) listening on ${standIn.endpoint}`,
        fromEnv
          ? `AK/SK: from HUAWEICLOUD_AK / HUAWEICLOUD_SK (AK ${ak})`
          : `development AK: ${ak}\ndevelopment SK: ${sk}`,
        '',
        'point the function at it:',
        `  KOOGALLERY_API_ENDPOINT=${standIn.endpoint} HUAWEICLOUD_AK=${ak} HUAWEICLOUD_SK=${fromEnv ? '"$HUAWEICLOUD_SK"' : sk} npm start`,
        'Ctrl-C stops it.',
      ].join('\n'),
    );
  }
  await io.untilStopped();
  await standIn.close();
  return EXIT.OK;
}

function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    untilStopped: () =>
      new Promise((done) => {
        process.once('SIGINT', () => done());
        process.once('SIGTERM', () => done());
      }),
  };
}

/**
 * Runs the CLI with `argv` (the arguments after the script name) and resolves to the exit code.
 *
 * @example process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    const command = positionals[0];
    if (values.help || command === undefined || command === 'help') {
      print(io, USAGE);
      return command === undefined && !values.help ? EXIT.USAGE : EXIT.OK;
    }
    switch (command) {
      case 'event':
        return await eventCommand(values, positionals, io);
      case 'send':
        return await sendCommand(values, positionals, io);
      case 'probe':
        return await probeCommand(values, io);
      case 'lifecycle':
        return await lifecycleCommand(values, io);
      case 'serve-openapi':
        return await serveOpenApiCommand(values, io);
      default:
        throw new UsageError(
          `unknown command "${command}": use event, send, probe, lifecycle or serve-openapi (--help)`,
        );
    }
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.stderr.write(`koogallery-sim: ${(err as Error).message}\n`);
      return EXIT.USAGE;
    }
    io.stderr.write(
      `koogallery-sim: unexpected error: ${err instanceof Error ? err.message : String(err)}\nplease report it with the command line you ran\n`,
    );
    return EXIT.FAILED;
  }
}
