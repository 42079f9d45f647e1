import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalEnvironment, WEBHOOK_SECRET_FILE } from '../../../lib/local/local-environment';
import { eventIdFor } from '../../../lib/provisioner/webhook-provisioner';
import { SIGNATURE_HEADER, signPayload } from '../../../lib/signed-payload';
import { type CliIo, EXIT, main } from '../../../lib/sim/cli';

/** Runs `serve-webhook` until `stop()`; resolves `url` once it listens. */
function serve(args: string[], cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  let stop: () => void = () => undefined;
  let listening: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => {
    listening = resolve;
  });
  const io: CliIo = {
    stdout: { write: (t: string) => out.push(t) },
    stderr: {
      write: (t: string) => {
        err.push(t);
        const m = /listening on (http:\/\/\S+)/.exec(t);
        if (m) listening(m[1] as string);
      },
    },
    env,
    cwd,
    untilStopped: () =>
      new Promise<void>((resolve) => {
        stop = resolve;
      }),
  };
  const exit = main(['serve-webhook', ...args], io);
  return {
    url,
    exit,
    stop: () => stop(),
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

async function deliver(url: string, secret: string, type: string, instanceId: string) {
  const body = JSON.stringify({
    id: eventIdFor(type as 'instance.provision', instanceId, 'O/L'),
    type,
    createdAt: new Date().toISOString(),
    test: false,
    data: { instanceId, orderId: 'O', orderLineId: 'L' },
  });
  const res = await fetch(url, {
    method: 'POST',
    headers: { [SIGNATURE_HEADER]: signPayload([secret], body, Date.now()) },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('koogallery-sim serve-webhook (#12)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'serve-webhook-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a secret in DATA_DIR, verifies, prints each event and fails the first n deliveries', async () => {
    const run = serve(['--fail-times', '1'], dir);
    const url = await run.url;
    const secret = readFileSync(join(dir, '.data', WEBHOOK_SECRET_FILE), 'utf8').trim();

    const first = await deliver(url, secret, 'instance.provision', 'inst-a');
    const second = await deliver(url, secret, 'instance.provision', 'inst-a');
    const forged = await deliver(url, 'whsec_forged_0123456789abcdef', 'instance.provision', 'x');
    run.stop();

    expect(await run.exit).toBe(EXIT.OK);
    expect(first.status).toBe(500);
    expect(second).toMatchObject({
      status: 200,
      json: { frontEndUrl: expect.stringMatching(/^https:\/\//), password: expect.any(String) },
    });
    expect(forged.status).toBe(401);
    expect(run.out()).toMatch(
      /instance\.provision evt_[0-9a-f]{32} delivery 1: signature ok -> HTTP 500/,
    );
    expect(run.out()).toMatch(/delivery 2: signature ok -> HTTP 200 data=\{"instanceId":"inst-a"/);
    expect(run.out()).toMatch(/signature REFUSED \(no v1 signature matches/);
    expect(run.err()).toContain(`PROVISIONER_WEBHOOK_URL=${url} npm start`);
    expect(`${run.out()}${run.err()}`).not.toContain(secret);
    expect(run.out()).not.toContain(second.json.password as string);
  });

  it('keeps its secret owner-only: DATA_DIR 0700 (narrowed if older), the file 0600 (#14)', async () => {
    // A fresh data folder, then one an older version left readable to others.
    for (const older of [false, true]) {
      const data = join(dir, older ? 'older' : 'fresh');
      if (older) {
        mkdirSync(data, { mode: 0o755 });
        chmodSync(data, 0o755);
        writeFileSync(join(data, WEBHOOK_SECRET_FILE), 'whsec_kept_0123456789abcdef\n');
        chmodSync(join(data, WEBHOOK_SECRET_FILE), 0o644);
      }
      const run = serve([], dir, { DATA_DIR: data });
      await run.url;
      run.stop();

      expect(await run.exit).toBe(EXIT.OK);
      expect(statSync(data).mode & 0o777).toBe(0o700);
      expect(statSync(join(data, WEBHOOK_SECRET_FILE)).mode & 0o777).toBe(0o600);
      if (older) {
        expect(readFileSync(join(data, WEBHOOK_SECRET_FILE), 'utf8').trim()).toBe(
          'whsec_kept_0123456789abcdef',
        );
      }
    }
  });

  it('refuses with the configured code for the chosen event types only', async () => {
    const secret = 'whsec_env_0123456789abcdef';
    const run = serve(
      [
        '--answer',
        'refuse',
        '--code',
        '000102',
        '--message',
        'e-mail in use',
        '--only',
        'instance.provision',
      ],
      dir,
      { PROVISIONER_WEBHOOK_SECRET: secret },
    );
    const url = await run.url;

    const refused = await deliver(url, secret, 'instance.provision', 'inst-b');
    const renewed = await deliver(url, secret, 'instance.renew', 'inst-b');
    run.stop();

    expect(await run.exit).toBe(EXIT.OK);
    expect(refused).toEqual({
      status: 422,
      json: { resultCode: '000102', resultMsg: 'e-mail in use' },
    });
    expect(renewed.status).toBe(200);
    expect(run.err()).toContain('secret: from PROVISIONER_WEBHOOK_SECRET');
  });

  it('refuses a bad --answer, --code or --only with a usage error', async () => {
    for (const args of [
      ['--answer', 'maybe'],
      ['--code', '000200'],
      ['--only', 'provision'],
    ]) {
      const run = serve(args, dir);
      expect(await run.exit).toBe(EXIT.USAGE);
      expect(run.err()).toMatch(/koogallery-sim: --(answer|code|only)/);
    }
  });

  it('gives npm start the same secret when PROVISIONER_WEBHOOK_URL is set without one', async () => {
    const run = serve([], dir);
    await run.url;
    run.stop();
    await run.exit;
    const secret = readFileSync(join(dir, '.data', WEBHOOK_SECRET_FILE), 'utf8').trim();
    const settings: Record<string, string> = {
      PROVISIONER_WEBHOOK_URL: 'http://127.0.0.1:4000/',
      // Keeps the local environment from starting the embedded store and the stand-in.
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:1',
      HUAWEICLOUD_AK: 'ak',
      KOOGALLERY_ACCESS_KEY: 'key',
      LICENSE_SIGNING_KEY: 'pem',
      KOOGALLERY_LICENSE_ACCESS_KEY: 'lic',
    };

    const local = await startLocalEnvironment({
      dataDir: join(dir, '.data'),
      lookup: (k) => settings[k],
    });
    await local.close();

    expect(local.lookup('PROVISIONER_WEBHOOK_SECRET')).toBe(secret);
    expect(local.notes.join('\n')).toContain(WEBHOOK_SECRET_FILE);
  });
});
