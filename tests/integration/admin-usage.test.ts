/**
 * `koogallery-admin usage` (#11) against `npm start` as a seller runs it: no settings but the data
 * folder, so the CLI finds the running embedded store and open-API stand-in by itself; then the
 * function's settings given explicitly. Runs the CLI's own entry point in process.
 */
import { randomBytes } from 'node:crypto';
import { main } from '../../lib/admin/cli';
import type { AdminIo } from '../../lib/admin/command';
import { resolveAdminSettings } from '../../lib/admin/settings';
import { readRuntimeFile } from '../../lib/local/runtime-file';
import { sendSigned } from '../helpers/service';
import { removeDataDir, type SpawnedService, spawnService } from '../helpers/spawned-service';

let svc: SpawnedService;
beforeAll(async () => {
  svc = await spawnService({ env: { LOG_LEVEL: 'warn' } });
}, 60_000);
afterAll(async () => {
  await svc?.kill('SIGTERM');
  if (svc) await removeDataDir(svc.dataDir);
});

/** Runs the CLI with `env`; returns its exit status and output. */
async function admin(args: string[], env: Record<string, string> = { DATA_DIR: svc.dataDir }) {
  let stdout = '';
  let stderr = '';
  const io: AdminIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
    cwd: process.cwd(),
    now: () => Date.now(),
    settings: () => resolveAdminSettings(env, process.cwd()),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const hourAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString().slice(0, 13);

async function buyOnDemand(): Promise<string> {
  const orderId = `MOCKONDEMAND-${randomBytes(5).toString('hex')}`;
  const a = await sendSigned(svc.url, svc.accessKey, {
    activity: 'newInstance',
    orderId,
    orderLineId: `${orderId}-000001`,
    businessId: 'b',
  });
  expect(a.json.resultCode).toBe('000000');
  return a.json.instanceId as string;
}

async function standInRecords(): Promise<{
  records: { metering_sn: string }[];
  received: Record<string, number>;
}> {
  const found = readRuntimeFile(svc.dataDir);
  if (found.kind !== 'running') throw new Error(`no runtime file: ${found.kind}`);
  const endpoint = found.runtime.settings.KOOGALLERY_API_ENDPOINT as string;
  const res = await fetch(`${endpoint}/__stand-in/usage/records`);
  return (await res.json()) as {
    records: { metering_sn: string }[];
    received: Record<string, number>;
  };
}

describe('koogallery-admin usage against npm start (#11)', () => {
  it('records, lists and pushes with the store and stand-in of the running npm start', async () => {
    const instanceId = await buyOnDemand();
    const [h1, h2] = [hourAgo(3), hourAgo(2)];

    const rec1 = await admin([
      'usage',
      'record',
      '--instance',
      instanceId,
      '--hour',
      h1,
      '--value',
      '1.5',
    ]);
    const rec2 = await admin([
      'usage',
      'record',
      '--instance',
      instanceId,
      '--hour',
      h2,
      '--value',
      '2',
      '--json',
    ]);
    const again = await admin([
      'usage',
      'record',
      '--instance',
      instanceId,
      '--hour',
      h2,
      '--value',
      '2.0',
    ]);
    const listed = await admin(['usage', 'list', '--instance', instanceId]);
    const pushed = await admin(['usage', 'push', '--json']);
    const second = await admin(['usage', 'push']);
    const after = await admin(['usage', 'list', '--instance', instanceId, '--json']);

    expect(rec1).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^recorded: instance .* value 1\.5, metering_sn u/),
    });
    expect(JSON.parse(rec2.stdout)).toMatchObject({
      outcome: 'recorded',
      value: '2',
      state: 'recorded',
    });
    expect(again.stdout).toMatch(/already recorded with the same value/);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${h1}\\s+1\\.5\\s+recorded\\s+u`));
    expect(listed.stdout).toMatch(/total 3\.5 \(queryInstance usageValue\)/);
    const report = JSON.parse(pushed.stdout);
    expect(report).toMatchObject({ ok: true, ran: true, accepted: 2, failed: 0 });
    expect(pushed.code).toBe(0);
    expect(second.stdout).toMatch(/^0 recorded hours not yet accepted; 0 calls/);
    expect(second.stderr).toMatch(/settings from the npm start running from/);
    const list = JSON.parse(after.stdout);
    expect(list.hours.map((h: { state: string }) => h.state)).toEqual(['accepted', 'accepted']);
    expect(list.total).toBe('3.5');
    const standIn = await standInRecords();
    const sns = report.records.map((r: { meteringSn: string }) => r.meteringSn);
    // The column is metering_sn in the JSON too, as #11 names it.
    expect(list.hours.map((h: { metering_sn: string }) => h.metering_sn).sort()).toEqual(
      [...sns].sort(),
    );
    expect(sns.map((sn: string) => standIn.received[sn])).toEqual([1, 1]);
  });

  it('prints a refusal with its reason and exits 1', async () => {
    const instanceId = await buyOnDemand();

    const future = await admin([
      'usage',
      'record',
      '--instance',
      instanceId,
      '--hour',
      hourAgo(-3),
      '--value',
      '1',
    ]);
    const unknown = await admin([
      'usage',
      'record',
      '--instance',
      'nope',
      '--hour',
      hourAgo(2),
      '--value',
      '1',
    ]);

    expect(future).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/refused \(future-hour\): .*in the future/),
    });
    expect(unknown).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/refused \(unknown-instance\)/),
    });
  });

  it('uses the function settings when TABLE_NAME and DYNAMODB_ENDPOINT are given', async () => {
    const found = readRuntimeFile(svc.dataDir);
    if (found.kind !== 'running') throw new Error('npm start published no runtime file');
    const instanceId = await buyOnDemand();

    const run = await admin(['usage', 'list', '--instance', instanceId], {
      ...(found.runtime.settings as Record<string, string>),
    });

    expect(run).toMatchObject({
      code: 0,
      stdout: `no usage recorded for instance ${instanceId}\n`,
    });
  });

  it.each<[string, string[], RegExp]>([
    ['no command', [], /^$/],
    ['an unknown command', ['nope'], /unknown command "nope": use instances, .*usage/],
    ['no subcommand', ['usage'], /^$/],
    [
      'an unknown subcommand',
      ['usage', 'delete'],
      /unknown usage subcommand "delete": use record, list or push/,
    ],
    [
      'record without --instance',
      ['usage', 'record', '--hour', '2026-01-01T00', '--value', '1'],
      /needs --instance/,
    ],
    [
      'record without --hour',
      ['usage', 'record', '--instance', 'i', '--value', '1'],
      /needs --hour <yyyy-MM-ddTHH>/,
    ],
    [
      'a malformed --hour',
      ['usage', 'record', '--instance', 'i', '--hour', '2026-01-01 10', '--value', '1'],
      /--hour: hour must be a UTC hour written yyyy-MM-ddTHH/,
    ],
    [
      'record without --value',
      ['usage', 'record', '--instance', 'i', '--hour', '2026-01-01T00'],
      /needs --value/,
    ],
    [
      'five decimals',
      ['usage', 'record', '--instance', 'i', '--hour', '2026-01-01T00', '--value', '1.00001'],
      /--value: .*at most 4/,
    ],
    [
      'a zero value',
      ['usage', 'record', '--instance', 'i', '--hour', '2026-01-01T00', '--value', '0'],
      /--value: value must be greater than 0/,
    ],
    [
      'an unknown option',
      ['usage', 'list', '--instance', 'i', '--bogus'],
      /Unknown option '--bogus'/,
    ],
    [
      'push with --instance',
      ['usage', 'push', '--instance', 'i'],
      /usage push takes no --instance/,
    ],
    ['list without --instance', ['usage', 'list'], /needs --instance/],
  ])('refuses %s with exit status 2 and a clear message', async (_name, args, message) => {
    const run = await admin(args);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('says how to find a store when no npm start runs and no settings are given', async () => {
    const run = await admin(['usage', 'list', '--instance', 'i'], {
      DATA_DIR: '/nonexistent-koogallery',
    });

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /no npm start runs from this folder .* Start it with `npm start`.*set TABLE_NAME/,
    );
  });
});
