/**
 * `npm start` runs the usage push on its own every USAGE_PUSH_INTERVAL_SECONDS (#11): a reported
 * hour reaches the stand-in without anyone running `koogallery-admin usage push`. A bad interval
 * stops the start with a message naming the setting.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pushIntervalSeconds } from '../../lib/local/main';
import { readRuntimeFile } from '../../lib/local/runtime-file';
import { signPayload } from '../../lib/signed-payload';
import { sendSigned } from '../helpers/service';
import {
  makeDataDir,
  removeDataDir,
  type SpawnedService,
  spawnService,
} from '../helpers/spawned-service';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

describe('npm start pushes usage on an interval (#11)', () => {
  let svc: SpawnedService;
  beforeAll(async () => {
    svc = await spawnService({ env: { LOG_LEVEL: 'warn', USAGE_PUSH_INTERVAL_SECONDS: '10' } });
  }, 60_000);
  afterAll(async () => {
    await svc?.kill('SIGTERM');
    if (svc) await removeDataDir(svc.dataDir);
  });

  it('sends a reported hour to the stand-in by itself', async () => {
    const orderId = `MOCKONDEMAND-${Date.now()}`;
    const bought = await sendSigned(svc.url, svc.accessKey, {
      activity: 'newInstance',
      orderId,
      orderLineId: `${orderId}-000001`,
      businessId: 'b',
    });
    const instanceId = bought.json.instanceId as string;
    const secret = readFileSync(join(svc.dataDir, 'usage-report-secret'), 'utf8').trim();
    const body = JSON.stringify({
      instanceId,
      hour: new Date(Date.now() - 7_200_000).toISOString().slice(0, 13),
      value: '3',
    });
    const reported = await fetch(new URL('/usage', svc.url), {
      method: 'POST',
      headers: { 'X-KooGallery-Signature': signPayload([secret], body, Date.now()) },
      body,
    });
    const found = readRuntimeFile(svc.dataDir);
    if (found.kind !== 'running') throw new Error('no runtime file');
    const endpoint = found.runtime.settings.KOOGALLERY_API_ENDPOINT as string;

    // Bounded wait for the next interval run: at most 4 intervals.
    let received: { instance_id: string }[] = [];
    for (let i = 0; i < 80 && !received.some((r) => r.instance_id === instanceId); i++) {
      await new Promise((r) => setTimeout(r, 500));
      received = (
        (await (await fetch(`${endpoint}/__stand-in/usage/records`)).json()) as {
          records: { instance_id: string }[];
        }
      ).records;
    }

    expect(reported.status).toBe(200);
    expect(received.filter((r) => r.instance_id === instanceId)).toEqual([
      expect.objectContaining({ instance_id: instanceId, usage_value: '3' }),
    ]);
  }, 60_000);
});

describe('USAGE_PUSH_INTERVAL_SECONDS (#11)', () => {
  it('defaults to an hour and takes 0 (never) or 10 to 86400 seconds', () => {
    expect([undefined, '', '0', '10', '86400'].map(pushIntervalSeconds)).toEqual([
      3600, 3600, 0, 10, 86_400,
    ]);
    for (const bad of ['5', '86401', '1.5', 'hourly', '-1']) {
      expect(() => pushIntervalSeconds(bad)).toThrow(
        /USAGE_PUSH_INTERVAL_SECONDS must be a whole number of seconds from 10 to 86400, or 0/,
      );
    }
  });

  it('stops npm start with a message naming the setting', async () => {
    const dataDir = await makeDataDir();
    try {
      const error = await run(process.execPath, [join(ROOT, 'bin', 'start.js')], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          PORT: '0',
          DATA_DIR: dataDir,
          USAGE_PUSH_INTERVAL_SECONDS: 'hourly',
        },
        timeout: 30_000,
      }).catch((e: { code?: number; stderr?: string }) => e);

      expect(error).toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/USAGE_PUSH_INTERVAL_SECONDS must be/),
      });
    } finally {
      await removeDataDir(dataDir);
    }
  });
});
