/**
 * The packages run on their own: `npm run build` bundles both entries, and each zipped bundle,
 * unpacked outside the repository (so no node_modules can help), answers a signed call in a
 * fresh Node process. FunctionGraph's APIG-trigger event (base64 body, lowercase headers) with a
 * FunctionGraph context gets the same answer the Lambda entry gives for the HTTP API event (#5).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { CONFIG_KEYS } from '../../lib/config';
import { buildTablePorts } from '../../lib/deps';
import { type LocalEnvironment, startLocalEnvironment } from '../../lib/local/local-environment';
import { recordUsage } from '../../lib/metering/record-usage';
import { signedRequest } from '../../lib/sim/client';
import { readZip } from '../../scripts/zip';
import { functionGraphApigEvent, httpApiV2Event } from './platform-events';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/** Loads a handler module and calls it once with a platform-shaped context; prints the answer. */
const RUNNER = `
const fs = require('node:fs');
const [mode, modulePath, eventPath, settingsPath, exportName = 'handler'] = process.argv.slice(2);
const event = JSON.parse(fs.readFileSync(eventPath, 'utf8'));
const settings = JSON.parse(fs.readFileSync(settingsPath, 'utf8'));
const started = Date.now();
const lines = [];
let context;
if (mode === 'functiongraph') {
  // FunctionGraph's context (docs/protocol.md#functiongraph): settings arrive through getUserData only.
  const logger = { info: (...a) => lines.push(a.join(' ')), warn: (...a) => lines.push(a.join(' ')),
    error: (...a) => lines.push(a.join(' ')), debug: (...a) => lines.push(a.join(' ')) };
  context = {
    getUserData: (key) => settings[key],
    getRemainingTimeInMilliSeconds: () => 30000 - (Date.now() - started),
    getRequestID: () => 'fg-request-0001',
    getFunctionName: () => 'production',
    getLogger: () => logger,
  };
} else {
  Object.assign(process.env, settings);
  context = {
    awsRequestId: 'lambda-request-0001',
    functionName: 'production',
    getRemainingTimeInMillis: () => 30000 - (Date.now() - started),
  };
}
const handler = require(modulePath)[exportName];
Promise.resolve(handler(event, context)).then(
  (result) => { process.stdout.write('\\nRESULT ' + JSON.stringify(result) + '\\n'); process.exit(0); },
  (error) => { process.stdout.write('\\nERROR ' + String(error && error.stack) + '\\n'); process.exit(1); },
);
`;

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
}

describe('the FunctionGraph and Lambda packages', () => {
  let work: string;
  let local: LocalEnvironment;
  let settings: Record<string, string>;
  let buildOutput: string;
  let fgIndex: string;
  let lambdaHandler: string;
  let step = 0;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'fg-package-'));
    const built = await run('npm', ['run', '--silent', 'build'], { cwd: ROOT, timeout: 120_000 });
    buildOutput = built.stdout;

    for (const [zip, dir] of [
      ['dist/functiongraph.zip', 'functiongraph'],
      ['dist/aws/production.zip', 'aws'],
    ] as const) {
      for (const [name, data] of readZip(readFileSync(join(ROOT, zip)))) {
        const file = join(work, dir, name);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, data);
      }
    }
    fgIndex = join(work, 'functiongraph', 'index.js');
    lambdaHandler = join(work, 'aws', 'functions', 'production', 'handler.js');
    writeFileSync(join(work, 'runner.js'), RUNNER);

    local = await startLocalEnvironment({ dataDir: join(work, 'data'), lookup: () => undefined });
    settings = { RESPONSE_BUDGET_MS: '15000', TABLE_CHECK_ON_START: 'true' };
    for (const key of Object.keys(CONFIG_KEYS)) {
      const value = local.lookup(key);
      if (value !== undefined && settings[key] === undefined) settings[key] = value;
    }
  }, 180_000);

  afterAll(async () => {
    await local?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Runs one call in a fresh Node process, outside the repository. */
  async function invoke(
    mode: 'functiongraph' | 'lambda',
    event: unknown,
    entry?: { module: string; exportName: string },
  ): Promise<Answer> {
    step += 1;
    const eventFile = join(work, `event-${step}.json`);
    const settingsFile = join(work, `settings-${step}.json`);
    writeFileSync(eventFile, JSON.stringify(event));
    writeFileSync(settingsFile, JSON.stringify(settings));
    const modulePath = entry?.module ?? (mode === 'functiongraph' ? fgIndex : lambdaHandler);
    const { stdout } = await run(
      process.execPath,
      [
        join(work, 'runner.js'),
        mode,
        modulePath,
        eventFile,
        settingsFile,
        entry?.exportName ?? 'handler',
      ],
      {
        cwd: work,
        timeout: 60_000,
        // Only what a platform gives every function; the settings travel as user data / env.
        env: {
          PATH: process.env.PATH ?? '',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_EC2_METADATA_DISABLED: 'true',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`no answer from the ${mode} package:\n${stdout}`);
    return JSON.parse(line.slice('RESULT '.length)) as Answer;
  }

  function call(body: Record<string, unknown>) {
    return signedRequest('https://production.example.com/koogallery', local.accessKey.value, body);
  }

  it('prints the size of each package', () => {
    expect(buildOutput).toMatch(/aws: dist\/aws\/production\.zip \d+(\.\d+)? (KiB|MiB)/);
    expect(buildOutput).toMatch(/functiongraph: dist\/functiongraph\.zip \d+(\.\d+)? (KiB|MiB)/);
  });

  it('runs the hourly usage push from each package: FunctionGraph index.usagePush and Lambda usage-push (#11)', async () => {
    const orderId = `MOCKONDEMAND-${Date.now()}`;
    const bought = await invoke(
      'lambda',
      httpApiV2Event(
        call({
          activity: 'newInstance',
          orderId,
          orderLineId: `${orderId}-000001`,
          businessId: 'b',
        }),
      ),
    );
    const instanceId = JSON.parse(bought.body).instanceId as string;
    const ports = buildTablePorts({
      tableName: settings.TABLE_NAME as string,
      endpoint: settings.DYNAMODB_ENDPOINT as string,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await recordUsage(
      { instances: ports.store, usage: ports.usage, clock: { now: () => Date.now() } },
      {
        instanceId,
        hour: new Date(Date.now() - 2 * 3_600_000).toISOString().slice(0, 13),
        value: '4.5',
      },
    );
    const timer = {
      version: 'v1.0',
      time: new Date().toISOString(),
      trigger_type: 'TIMER',
      trigger_name: 'koogallery_usage_push',
      user_event: 'usage-push',
    };

    const viaFunctionGraph = await invoke('functiongraph', timer, {
      module: fgIndex,
      exportName: 'usagePush',
    });
    const viaLambda = await invoke(
      'lambda',
      { source: 'aws.events', 'detail-type': 'Scheduled Event' },
      {
        module: join(work, 'aws', 'functions', 'usage-push', 'handler.js'),
        exportName: 'handler',
      },
    );

    expect(viaFunctionGraph).toMatchObject({ ran: true, accepted: 1, failed: 0 });
    expect(viaLambda).toMatchObject({ ran: true, pending: 0, accepted: 0 });
  }, 120_000);

  it('packages index.js with its source map and no SSM client', () => {
    const files = readZip(readFileSync(join(ROOT, 'dist', 'functiongraph.zip')));
    expect([...files.keys()].sort()).toEqual(['index.js', 'index.js.map']);
    const code = files.get('index.js')?.toString('utf8') ?? '';
    // Plain booleans: a failing toContain would print the whole bundle.
    expect(code.endsWith('//# sourceMappingURL=index.js.map\n')).toBe(true);
    expect(code.includes('GetParametersCommand')).toBe(false);
  });

  it('answers the APIG-trigger event exactly as the Lambda entry answers the HTTP API event', async () => {
    const purchase = {
      activity: 'newInstance',
      orderId: 'MOCKPERIODYEARNEW',
      orderLineId: 'MOCKPERIODYEARNEW-000001',
      customerId: 'deploy-test-customer',
      businessId: 'deploy-test-business',
      testFlag: '1',
    };
    // Two deliveries of one purchase (fresh nonce each): the second is the idempotent replay.
    const viaLambda = await invoke('lambda', httpApiV2Event(call(purchase)));
    const viaFunctionGraph = await invoke('functiongraph', functionGraphApigEvent(call(purchase)));

    expect(viaLambda.statusCode).toBe(200);
    expect(JSON.parse(viaLambda.body)).toMatchObject({ resultCode: '000000' });
    expect(viaLambda.headers['Body-Sign']).toMatch(/^sign_type="HMAC-SHA256", signature= "/);
    expect(viaFunctionGraph).toEqual({
      statusCode: viaLambda.statusCode,
      isBase64Encoded: false,
      headers: viaLambda.headers,
      body: viaLambda.body,
    });
  }, 120_000);

  it('reads a real order through the AK/SK-signed Query Order from inside each package', async () => {
    // A real (not test) purchase of an order the stand-in only answers when the bundled signer's
    // APIG signature verifies: anything else would be 000004 (order not readable).
    const orderId = `CSDEPLOY${Date.now()}`;
    const purchase = {
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-000001`,
      businessId: 'b',
    };
    const viaLambda = await invoke('lambda', httpApiV2Event(call(purchase)));
    const viaFunctionGraph = await invoke('functiongraph', functionGraphApigEvent(call(purchase)));
    expect(JSON.parse(viaLambda.body)).toMatchObject({ resultCode: '000000' });
    expect(JSON.parse(viaFunctionGraph.body)).toEqual(JSON.parse(viaLambda.body));
  }, 120_000);

  it('refuses a tampered base64 body on FunctionGraph as the Lambda entry does', async () => {
    const query = { activity: 'queryInstance', instanceId: 'no-such-instance', testFlag: '1' };
    const fgEvent = functionGraphApigEvent(call(query));
    fgEvent.body = Buffer.from(JSON.stringify({ ...query, instanceId: 'other' })).toString(
      'base64',
    );
    const lambdaEvent = httpApiV2Event(call(query));
    lambdaEvent.body = JSON.stringify({ ...query, instanceId: 'other' });

    const viaFunctionGraph = await invoke('functiongraph', fgEvent);
    const viaLambda = await invoke('lambda', lambdaEvent);

    expect(JSON.parse(viaFunctionGraph.body)).toMatchObject({ resultCode: '000001' });
    expect(viaFunctionGraph.body).toBe(viaLambda.body);
    expect(viaFunctionGraph.headers).toEqual(viaLambda.headers);
  }, 120_000);
});
