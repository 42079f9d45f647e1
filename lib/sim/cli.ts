/**
 * `koogallery-sim`: KooGallery's seller-center debugger and twice-daily probe, run from the seller's
 * own machine against a local service or a deployed HTTPS URL (issue #3).
 */
import { createPublicKey, type KeyObject, randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  LICENSE_PUBLIC_KEY_FILE,
  makePrivateDir,
  readOrCreateKey,
  WEBHOOK_SECRET_FILE,
} from '../local/data-files';
import { startOpenApiStandIn } from '../local/open-api-stand-in';
import { call, signFor, type Target } from './client';
import { apiGatewayV2Event, curlCommand, functionGraphEvent } from './events';
import { ANSWER_TIMEOUT_MS, redactBody } from './judge';
import { runLifecycle } from './lifecycle';
import { onDemandHooks } from './lifecycle-ondemand';
import { runProbe } from './probe';
import {
  isProtocol,
  isProtocolActivity,
  PROTOCOL_INFO,
  PROTOCOLS,
  type Protocol,
} from './protocols';
import { freshSeed, MAX_SEED } from './random';
import {
  displayUrl,
  makeStyle,
  renderExchange,
  renderLifecycleHeader,
  renderLifecycleSummary,
  renderProbe,
  renderStep,
} from './report';
import { BODY_DIGEST_READINGS, type BodyDigestReading, isBodyDigestReading } from './signing';
import { activitiesOf, exampleBody, isSuiteKind, SUITE_KINDS, suiteKindsOf } from './suites';
import { DEFAULT_BEHAVIOUR, describeDelivery, startWebhookReceiver } from './webhook-receiver';

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
                       --curl for a curl command line). Valid for 60 s (V1.0: the service's window).
  send <activity>      send one signed request and judge the answer like the seller-center debugger
  probe                replay a product's saved cases (testFlag "1"), each repeated, in random order
  lifecycle            the whole story of one fresh real order (License 2.0: license code), with
                       duplicates, replays and faults; --suite ondemand: a pay-per-use order, usage
                       reports, usageInfo and the push (the report secret from
                       --usage-secret-file <path>, else USAGE_REPORT_SECRET, else
                       .data/usage-report-secret)
  serve-openapi        run the local stand-in for KooGallery's Query Order and usage-push APIs
  serve-webhook        run a local receiver for the webhook provisioner (PROVISIONER_WEBHOOK_URL):
                       verifies each delivery's signature, prints it, answers as configured

protocols (--protocol; event, send, probe, lifecycle)
  v2                   SaaS V2.0 (default): POST JSON, signature/timestamp/nonce on the query
                       activities: ${activitiesOf('v2').join(', ')}
  v1                   SaaS V1.0: GET, every parameter on the query, authToken
                       activities: ${activitiesOf('v1').join(', ')}
  license              License 2.0 (授权码) notifications: POST JSON, V2.0-style signature
                       activities: ${activitiesOf('license').join(', ')}
  license-v1           License 1.0: GET with authToken, like SaaS V1.0
                       activities: ${activitiesOf('license-v1').join(', ')}

options
  --protocol <p>       the interface type to speak: v2 (default), v1, license, license-v1
  --url <url>          the production interface address (env KOOGALLERY_URL; default ${DEFAULT_URL})
  --key <key>          the access key bound to that interface type; by default
                         v2:         KOOGALLERY_ACCESS_KEY, else .data/access-key
                         v1, license-v1: KOOGALLERY_V1_ACCESS_KEY, else KOOGALLERY_ACCESS_KEY,
                                     else .data/access-key (npm start's V1.0 key is its V2.0 key)
                         license:    KOOGALLERY_LICENSE_ACCESS_KEY, else .data/license-access-key
                       (\`npm start\` writes the .data files when it generates development keys)
  --license-public-key <file>
                       license-v1: verify each license offline with this Ed25519 public key (PEM;
                       default .data/license-public-key.pem when it exists)
  --field name=value   set a body field (event, send); name.sub=value nests, name:=<json> sets JSON,
                       a bare name removes the field; repeatable
  --real               a real call: no testFlag (V1.0: testFlag "0") instead of "1" (event, send)
  --expect <code>      the result code that passes (send; default 000000; repeatable)
  --suite <kind>       probe suite: ${Object.values(SUITE_KINDS).join(', ')} (default period; License
                       products have the period suite only)
  --repeat <n>         probe: times each case is replayed (default 2, at most 100)
  --seed <n>           probe, lifecycle: the seed of the random order (probe) and of the generated
                       ids and redelivery order (lifecycle), 0 to ${MAX_SEED}; printed with every
                       run (a fresh one when not given), the same seed replays the same order
  --body-digest <r>    v2, license: the reading of the inner body digest to sign with: hmac
                       (default: HMAC-SHA256 keyed with the access key) or sha256 (plain SHA-256
                       of the body); the service accepts both unless REQUEST_BODY_DIGEST pins one
  --timeout <ms>       longest acceptable answer time (default ${ANSWER_TIMEOUT_MS})
  --platform <p>       event: aws (default) or functiongraph
  --curl               event: print a curl command line instead of an event
  --port <n>           serve-openapi, serve-webhook: port to listen on (default: a free port)
  --answer <a>         serve-webhook: success (default; credentials for instance.provision),
                       refuse (HTTP 422 with --code and --message) or fail (HTTP 500)
  --code <code>        serve-webhook: refusal code, 000100 to 000107 (default 000106 sold out)
  --message <text>     serve-webhook: refusal message
  --delay <ms>         serve-webhook: wait this long before answering each delivery
  --fail-times <n>     serve-webhook: fail the first n deliveries of each event with HTTP 500
  --only <type>        serve-webhook: apply --answer/--delay/--fail-times to this event type only
                       (e.g. instance.provision); repeatable
  --json               machine-readable output
  -h, --help           this help

exit status: 0 when every check passed, 1 when one failed, 2 for a usage or setup error

examples
  npx koogallery-sim probe --suite period --repeat 3
  npx koogallery-sim probe --protocol v1
  npx koogallery-sim probe --protocol license
  npx koogallery-sim lifecycle
  npx koogallery-sim lifecycle --protocol v1
  npx koogallery-sim lifecycle --suite ondemand
  npx koogallery-sim probe --seed 7          (replays the order a run printed as "seed 7")
  npx koogallery-sim send queryInstance --body-digest sha256
  npx koogallery-sim send queryInstance --field instanceId=<id>
  npx koogallery-sim probe --url https://www.example.com/saasproduce --key "$KOOGALLERY_ACCESS_KEY"
  npx koogallery-sim serve-webhook --port 4000 --fail-times 1
`;

class UsageError extends Error {}

const OPTIONS = {
  protocol: { type: 'string' },
  'license-public-key': { type: 'string' },
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  field: { type: 'string', short: 'f', multiple: true },
  real: { type: 'boolean' },
  expect: { type: 'string', multiple: true },
  suite: { type: 'string' },
  repeat: { type: 'string' },
  seed: { type: 'string' },
  'body-digest': { type: 'string' },
  timeout: { type: 'string' },
  platform: { type: 'string' },
  curl: { type: 'boolean' },
  port: { type: 'string' },
  'usage-secret-file': { type: 'string' },
  // Refused with a message: a secret on the command line shows in `ps` and the shell history.
  'usage-secret': { type: 'string' },
  answer: { type: 'string' },
  code: { type: 'string' },
  message: { type: 'string' },
  delay: { type: 'string' },
  'fail-times': { type: 'string' },
  only: { type: 'string', multiple: true },
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

function dataDir(env: CliIo['env'], cwd: string): string {
  return resolve(cwd, env.DATA_DIR ?? '.data');
}

/**
 * Where the key of `protocol`'s interface type comes from: `--key`, then the protocol's
 * environment variables (V1.0 falls back to the V2.0 key, as the function does), then the file
 * where the local service keeps its development key.
 */
export function resolveKey(
  values: { key?: string },
  env: CliIo['env'],
  cwd: string,
  protocol: Protocol = 'v2',
): string {
  const info = PROTOCOL_INFO[protocol];
  const given = [values.key, ...info.keyEnv.map((name) => env[name])].find(
    (v) => v !== undefined && v.trim() !== '',
  );
  if (given !== undefined) return given.trim();
  const file = join(dataDir(env, cwd), info.keyFile);
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key !== '') return key;
  }
  const flag = protocol === 'v2' ? '' : ` --protocol ${protocol}`;
  throw new UsageError(
    `no access key${protocol === 'v2' ? '' : ` for ${info.title}`}: pass --key <key> or set ${info.keyEnv.join(' (or ')}${info.keyEnv.length > 1 ? ')' : ''} to the key bound to the production address for its interface type, ${info.keyType} (seller center > Application Tools > Key Management). For a local \`npm start\` without a key, run this from the repository folder after starting it once: it keeps its development key in ${file}${flag ? ` (the one${flag} uses)` : ''}.`,
  );
}

/**
 * The License 1.0 public key that verifies the default issuer's licenses: `--license-public-key`,
 * else the local service's `.data/license-public-key.pem` when it exists, else none.
 */
export function resolveLicensePublicKey(
  values: { 'license-public-key'?: string },
  env: CliIo['env'],
  cwd: string,
): KeyObject | undefined {
  const given = values['license-public-key'];
  const file =
    given !== undefined ? resolve(cwd, given) : join(dataDir(env, cwd), LICENSE_PUBLIC_KEY_FILE);
  if (given === undefined && !existsSync(file)) return undefined;
  try {
    return createPublicKey(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(
      `--license-public-key: cannot read an Ed25519 public key (PEM) from ${file}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function protocolOf(values: Values): Protocol {
  const p = values.protocol ?? 'v2';
  if (!isProtocol(p)) {
    throw new UsageError(`--protocol is one of ${Object.values(PROTOCOLS).join(', ')}, got "${p}"`);
  }
  return p;
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

function activityArg(positionals: string[], command: string, protocol: Protocol): string {
  const activity = positionals[1];
  if (activity === undefined || !isProtocolActivity(protocol, activity)) {
    const others = (Object.values(PROTOCOLS) as Protocol[]).filter(
      (p) => p !== protocol && activity !== undefined && isProtocolActivity(p, activity),
    );
    const hint =
      others.length > 0
        ? ` (${activity} is ${others.map((p) => `--protocol ${p}`).join(' or ')})`
        : '';
    throw new UsageError(
      `${command} needs an activity${activity ? `, not "${activity}"` : ''}: one of ${activitiesOf(protocol).join(', ')} (${PROTOCOL_INFO[protocol].title})${hint}`,
    );
  }
  return activity;
}

function requestBody(values: Values, positionals: string[], command: string, protocol: Protocol) {
  const activity = activityArg(positionals, command, protocol);
  const body = exampleBody(activity, Date.now(), protocol);
  if (values.real) delete body.testFlag;
  return applyFields(body, values.field ?? []);
}

/** `--body-digest`: the inner-digest reading to sign V2.0-style requests with (default hmac). */
function bodyDigestOf(values: Values, protocol: Protocol): BodyDigestReading {
  const given = values['body-digest'];
  if (given === undefined) return 'hmac';
  if (!isBodyDigestReading(given)) {
    throw new UsageError(
      `--body-digest is ${Object.values(BODY_DIGEST_READINGS).join(' or ')}, got "${given}"`,
    );
  }
  if (PROTOCOL_INFO[protocol].transport !== 'post-signature') {
    throw new UsageError(
      `--body-digest applies to V2.0-style signatures (--protocol v2 or license); ${PROTOCOL_INFO[protocol].title} signs with an authToken`,
    );
  }
  return given;
}

/** `--seed`, or a fresh seed; either way the run prints it. */
function seedOf(values: Values): number {
  return integer(values.seed, 'seed', freshSeed(), 0, MAX_SEED);
}

function target(values: Values, io: CliIo): Target {
  const protocol = protocolOf(values);
  const licensePublicKey =
    protocol === 'license-v1' ? resolveLicensePublicKey(values, io.env, io.cwd) : undefined;
  const bodyDigest = bodyDigestOf(values, protocol);
  return {
    url: resolveUrl(values, io.env),
    key: resolveKey(values, io.env, io.cwd, protocol),
    protocol,
    timeoutMs: integer(values.timeout, 'timeout', ANSWER_TIMEOUT_MS, 1, 600_000),
    ...(licensePublicKey ? { licensePublicKey } : {}),
    ...(bodyDigest !== 'hmac' ? { bodyDigest } : {}),
  };
}

function print(io: CliIo, text: string) {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

async function eventCommand(values: Values, positionals: string[], io: CliIo): Promise<number> {
  const protocol = protocolOf(values);
  const body = requestBody(values, positionals, 'event', protocol);
  const url = resolveUrl(values, io.env);
  const key = resolveKey(values, io.env, io.cwd, protocol);
  const req = signFor(protocol, url, key, body, { bodyDigest: bodyDigestOf(values, protocol) });
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
    req.method === 'GET'
      ? `signed ${PROTOCOL_INFO[protocol].title} ${body.activity as string} for ${displayUrl(req.url).split('?')[0]}; valid within the service's timeStamp window (V1_TIMESTAMP_WINDOW_SECONDS, default 600 s) and once (the authToken)\n`
      : `signed ${PROTOCOL_INFO[protocol].title} ${body.activity as string} for ${displayUrl(req.url).split('?')[0]}; valid for 60 s (the timestamp window) and once (the nonce)\n`,
  );
  return EXIT.OK;
}

async function sendCommand(values: Values, positionals: string[], io: CliIo): Promise<number> {
  const body = requestBody(values, positionals, 'send', protocolOf(values));
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
          protocol: protocolOf(values),
          request: { method: ex.request.method, url: displayUrl(ex.request.url), body: ex.body },
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
          ...(ex.verdict.license ? { license: ex.verdict.license } : {}),
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
  const protocol = protocolOf(values);
  const kind = values.suite ?? 'period';
  const kinds = suiteKindsOf(protocol);
  if (!isSuiteKind(kind) || !kinds.includes(kind)) {
    throw new UsageError(
      `--suite is one of ${kinds.join(', ')}${protocol === 'v2' ? '' : ` for --protocol ${protocol}`}, got "${kind}"`,
    );
  }
  const repeat = integer(values.repeat, 'repeat', 2, 1, 100);
  const t = target(values, io);
  const report = await runProbe({ target: t, kind, repeat, seed: seedOf(values) });
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
  const seed = seedOf(values);
  const suite = values.suite ?? 'period';
  if (suite !== 'period' && !(suite === 'ondemand' && t.protocol === 'v2')) {
    throw new UsageError(
      `lifecycle --suite is period (default) or ondemand (SaaS V2.0 pay-per-use), got "${suite}"`,
    );
  }
  if (values['usage-secret'] !== undefined) {
    throw new UsageError(
      '--usage-secret takes no secret on the command line (ps and the shell history would show it): use --usage-secret-file <path> or set USAGE_REPORT_SECRET',
    );
  }
  // Pay-per-use: usage reports, usageInfo and the push (#11).
  const hooks =
    suite === 'ondemand'
      ? await onDemandHooks(t.url, io.env, io.cwd, values['usage-secret-file'])
      : undefined;
  if (typeof hooks === 'string') throw new UsageError(hooks);
  const report = await runLifecycle(
    {
      target: t,
      seed,
      onStart: (subject) => {
        if (!values.json) print(io, renderLifecycleHeader(subject, t.url, style, t.protocol, seed));
      },
      onStep: (step) => {
        if (!values.json) print(io, renderStep(step, style));
      },
    },
    hooks,
  );
  if (values.json) print(io, JSON.stringify(report, null, 2));
  else if (report.unreachable !== undefined)
    io.stderr.write(`koogallery-sim: ${report.unreachable}\n`);
  else print(io, renderLifecycleSummary(report, style));
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

/**
 * The development webhook secret in the data folder, the file `npm start` also reads when
 * PROVISIONER_WEBHOOK_SECRET is unset; created on first use. The folder is made owner-only, as
 * `npm start` makes it (#14).
 */
async function dataDirWebhookSecret(file: string): Promise<string> {
  await makePrivateDir(dirname(file));
  return (await readOrCreateKey(file)).value;
}

async function serveWebhookCommand(values: Values, io: CliIo): Promise<number> {
  const port = integer(values.port, 'port', 0, 0, 65535);
  const answer = values.answer ?? 'success';
  if (answer !== 'success' && answer !== 'refuse' && answer !== 'fail') {
    throw new UsageError(`--answer is success, refuse or fail, got "${answer}"`);
  }
  const code = values.code ?? DEFAULT_BEHAVIOUR.code;
  if (!/^0001\d\d$/.test(code) || code > '000107') {
    throw new UsageError(`--code is a refusal code from 000100 to 000107, got "${code}"`);
  }
  const only = values.only ?? [];
  for (const type of only) {
    if (!/^instance\.[a-z_]+$/.test(type)) {
      throw new UsageError(`--only takes an event type such as instance.provision, got "${type}"`);
    }
  }
  const fromEnv = [io.env.PROVISIONER_WEBHOOK_SECRET, io.env.PROVISIONER_WEBHOOK_PREVIOUS_SECRET]
    .map((s) => s?.trim())
    .filter((s): s is string => !!s);
  const file = join(dataDir(io.env, io.cwd), WEBHOOK_SECRET_FILE);
  const secrets = fromEnv.length > 0 ? fromEnv : [await dataDirWebhookSecret(file)];
  const receiver = await startWebhookReceiver({
    secrets,
    port,
    behaviour: {
      answer,
      code,
      message: values.message ?? DEFAULT_BEHAVIOUR.message,
      delayMs: integer(values.delay, 'delay', 0, 0, 600_000),
      failTimes: integer(values['fail-times'], 'fail-times', 0, 0, 1000),
      only,
    },
    onDelivery: (d) =>
      print(
        io,
        values.json
          ? JSON.stringify({
              time: new Date().toISOString(),
              event: d.event,
              attempt: d.attempt,
              signature: d.verdict.ok ? 'ok' : d.verdict.reason,
              status: d.status,
            })
          : `${new Date().toISOString()} ${describeDelivery(d)}`,
      ),
  });
  // Progress and instructions on stderr, so --json keeps stdout to one event per line.
  io.stderr.write(
    [
      `webhook receiver listening on ${receiver.url} (answer: ${answer}${only.length ? ` for ${only.join(', ')}` : ''})`,
      fromEnv.length > 0
        ? 'secret: from PROVISIONER_WEBHOOK_SECRET (and PROVISIONER_WEBHOOK_PREVIOUS_SECRET)'
        : `secret: kept in ${file} (npm start reads it when PROVISIONER_WEBHOOK_SECRET is unset)`,
      '',
      'point the function at it (another terminal), then run a lifecycle:',
      `  PROVISIONER_WEBHOOK_URL=${receiver.url} npm start`,
      '  npx koogallery-sim lifecycle',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  await io.untilStopped();
  await receiver.close();
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
      case 'serve-webhook':
        return await serveWebhookCommand(values, io);
      default:
        throw new UsageError(
          `unknown command "${command}": use event, send, probe, lifecycle, serve-openapi or serve-webhook (--help)`,
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
