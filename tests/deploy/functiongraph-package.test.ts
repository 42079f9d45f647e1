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
import { type BundleAnswer, runBundle } from '../helpers/bundle-runner';
import { functionGraphApigEvent, httpApiV2Event } from './platform-events';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

describe('the FunctionGraph and Lambda packages', () => {
  let work: string;
  let local: LocalEnvironment;
  let settings: Record<string, string>;
  let buildOutput: string;
  let fgIndex: string;
  let lambdaHandler: string;

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

  /** Runs one call in a fresh Node process (this one's Node), outside the repository. */
  async function invoke(mode: 'functiongraph' | 'lambda', event: unknown): Promise<BundleAnswer> {
    const modulePath = mode === 'functiongraph' ? fgIndex : lambdaHandler;
    const { answer } = await runBundle({
      node: process.execPath,
      mode,
      modulePath,
      event,
      settings,
      work,
    });
    return answer;
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

    const push = async (
      mode: 'functiongraph' | 'lambda',
      modulePath: string,
      exportName: string,
      event: unknown,
    ) =>
      (
        await runBundle({
          node: process.execPath,
          mode,
          modulePath,
          event,
          settings,
          work,
          exportName,
        })
      ).answer as unknown;

    const viaFunctionGraph = await push('functiongraph', fgIndex, 'usagePush', timer);
    const viaLambda = await push(
      'lambda',
      join(work, 'aws', 'functions', 'usage-push', 'handler.js'),
      'handler',
      { source: 'aws.events', 'detail-type': 'Scheduled Event' },
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
