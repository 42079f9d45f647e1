/**
 * The Python example receiver (examples/webhook-receiver-python/receiver.py), run with the
 * machine's python3: signed events delivered to it directly, then a purchase through the real
 * service with it as the webhook (#12).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { decryptCredential } from '../../lib/protocol/credential-cipher';
import { eventIdFor } from '../../lib/provisioner/webhook-provisioner';
import { SIGNATURE_HEADER, signPayload } from '../../lib/signed-payload';
import { startTestService } from '../helpers/service';

const RECEIVER = join(__dirname, '..', '..', 'examples', 'webhook-receiver-python', 'receiver.py');
const SECRET = `whsec_py_${randomBytes(16).toString('hex')}`;
const PREVIOUS = `whsec_py_old_${randomBytes(16).toString('hex')}`;

interface Python {
  url: string;
  lines: string[];
  close(): Promise<void>;
}

function requirePython(): void {
  const probe = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'python3 is required to test examples/webhook-receiver-python (install Python 3.8 or later and put python3 on PATH)',
    );
  }
}

/** Starts the receiver on a free port on 127.0.0.1 and waits for its "listening on" line. */
async function startPython(env: Record<string, string>): Promise<Python> {
  const child: ChildProcess = spawn('python3', [RECEIVER], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.on('line', (line) => {
      lines.push(line);
      const m = /^listening on (http:\/\/\S+)$/.exec(line);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) =>
      reject(new Error(`receiver.py exited with ${code} before listening: ${stderr.trim()}`)),
    );
  });
  return {
    url,
    lines,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function deliver(
  url: string,
  event: Record<string, unknown>,
  options: { secrets?: string[]; nowMs?: number; tamper?: boolean } = {},
) {
  const body = JSON.stringify(event);
  const signature = signPayload(options.secrets ?? [SECRET], body, options.nowMs ?? Date.now());
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: signature },
    body: options.tamper ? body.replace('instance', 'instancE') : body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function provisionEvent(instanceId: string, skuCode = 'sku-basic') {
  return {
    id: eventIdFor('instance.provision', instanceId, 'ORDER/ORDER-1'),
    type: 'instance.provision',
    createdAt: new Date().toISOString(),
    test: false,
    data: { instanceId, orderId: 'ORDER', orderLineId: 'ORDER-1', skuCode },
  };
}

describe('the Python example receiver (#12)', () => {
  let py: Python;

  beforeAll(async () => {
    requirePython();
    py = await startPython({
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_PREVIOUS_SECRET: PREVIOUS,
      SOLD_OUT_SKUS: 'sku-sold-out',
    });
  });
  afterAll(async () => {
    await py?.close();
  });

  it('accepts a signed provision once and answers a retry with the same credentials', async () => {
    const event = provisionEvent(`py-${randomBytes(4).toString('hex')}`);

    const first = await deliver(py.url, event);
    const retry = await deliver(py.url, event);

    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      frontEndUrl: expect.stringMatching(/^https:\/\//),
      userName: expect.any(String),
      password: expect.any(String),
    });
    expect(retry).toEqual(first);
    expect(py.lines).toContain(
      `accepted instance.provision ${event.id} instance ${event.data.instanceId}`,
    );
  });

  it('accepts a delivery signed with the previous secret alone while rotating', async () => {
    const answer = await deliver(py.url, provisionEvent('py-rotating'), { secrets: [PREVIOUS] });

    expect(answer.status).toBe(200);
  });

  it('refuses a wrong secret, a changed body and a timestamp over 5 minutes old', async () => {
    const event = provisionEvent('py-refused');

    const wrong = await deliver(py.url, event, { secrets: ['whsec_not_the_right_one_at_all'] });
    const tampered = await deliver(py.url, event, { tamper: true });
    const stale = await deliver(py.url, event, { nowMs: Date.now() - 6 * 60 * 1000 });
    const recent = await deliver(py.url, event, { nowMs: Date.now() - 4 * 60 * 1000 });

    expect([wrong.status, tampered.status, stale.status]).toEqual([401, 401, 401]);
    expect(recent.status).toBe(200);
  });

  it('refuses a sold-out SKU with 000106', async () => {
    const answer = await deliver(py.url, provisionEvent('py-sold-out', 'sku-sold-out'));

    expect(answer).toEqual({
      status: 422,
      json: { resultCode: '000106', resultMsg: 'sold out in this region' },
    });
  });

  it('serves as the webhook of the real service: its credentials reach queryInstance', async () => {
    const svc = await startTestService({
      settings: { PROVISIONER_WEBHOOK_URL: py.url, PROVISIONER_WEBHOOK_SECRET: SECRET },
    });
    try {
      const orderId = `CS${randomBytes(6).toString('hex').toUpperCase()}`;
      const created = await svc.send({
        activity: 'newInstance',
        orderId,
        orderLineId: `${orderId}-000001`,
        businessId: 'b1',
      });
      const instanceId = created.json.instanceId as string;
      const query = await svc.send({ activity: 'queryInstance', instanceId });
      const freeze = await svc.send({
        activity: 'updateInstanceStatus',
        instanceId,
        status: 'FREEZE',
      });

      expect(created.json.resultCode).toBe('000000');
      expect(query.json.resultCode).toBe('000000');
      const appInfo = (query.json.info as { appInfo: Record<string, string> }[])[0]?.appInfo;
      expect(decryptCredential(appInfo?.userName as string, svc.accessKey)).toMatch(/^admin-/);
      expect(decryptCredential(appInfo?.password as string, svc.accessKey)).toMatch(/^\S{20}$/);
      expect(freeze.json.resultCode).toBe('000000');
      expect(py.lines.some((l) => l.startsWith('accepted instance.freeze evt_'))).toBe(true);
    } finally {
      await svc.close();
    }
  });
});
