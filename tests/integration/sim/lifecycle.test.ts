import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bodySign } from '../../../lib/protocol/body-sign';
import { type CliIo, EXIT, main } from '../../../lib/sim/cli';
import { runLifecycle } from '../../../lib/sim/lifecycle';
import type { Protocol } from '../../../lib/sim/protocols';
import { refusingEndpoint } from '../../helpers/refusing-endpoint';

const KEY = 'sim-lifecycle-test-key-0123456789';

async function params(req: IncomingMessage): Promise<Record<string, unknown>> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method === 'GET') return Object.fromEntries(url.searchParams.entries());
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

/**
 * A production interface that answers every well-formed call 000000, checks no signature, knows
 * no instance and mints a new instanceId for every purchase: each answer passes the debugger's
 * checks, and only the story's own expectations can catch it.
 */
async function forgetfulAnswer(req: IncomingMessage): Promise<Record<string, unknown>> {
  const p = await params(req);
  received.push(p);
  const ok = { resultCode: '000000', resultMsg: 'success' };
  const appInfo = { frontEndUrl: 'https://tenant.example.com/' };
  const mint = () => {
    const id = randomUUID();
    minted.add(id);
    return id;
  };
  if (p.activity === 'newInstance') return { ...ok, instanceId: mint(), appInfo };
  if (p.activity === 'getLicense') return { ...ok, instanceId: mint(), license: randomUUID() };
  if (p.activity === 'queryInstance') {
    return { ...ok, info: [{ instanceId: p.instanceId, appInfo }] };
  }
  return ok;
}

let server: Server;
let url: string;
/** Every request received, as parsed parameters. */
const received: Record<string, unknown>[] = [];
/** The instanceIds the server made up: they differ from run to run whatever the seed. */
const minted = new Set<string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    forgetfulAnswer(req).then(
      (body) => {
        const text = JSON.stringify(body);
        res.writeHead(200, {
          'Content-Type': 'application/json;charset=UTF-8',
          'Body-Sign': bodySign(KEY, text),
        });
        res.end(text);
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
});

function invariant(report: { invariants: { name: string; ok?: boolean }[] }, prefix: string) {
  return report.invariants.find((i) => i.name.startsWith(prefix))?.ok;
}

describe('runLifecycle, against a service that forgets every order', () => {
  it.each<Protocol>(['v2', 'v1', 'license-v1'])(
    '%s: fails the story, naming each broken invariant',
    async (protocol) => {
      // Arrange
      const target = { url, key: KEY, protocol };

      // Act
      const report = await runLifecycle({ target, concurrency: 3, pollAttempts: 2 });

      // Assert
      expect(report.ok).toBe(false);
      expect(invariant(report, 'one instanceId per order')).toBe(false);
      expect(invariant(report, '000003 for an unknown instance')).toBe(false);
      expect(invariant(report, '000001 for a wrong key')).toBe(false);
      expect(invariant(report, 'nothing after release but 000000')).toBe(true);
      const burst = report.steps.find((s) => s.got.length === 3);
      expect(burst?.problems.map((p) => p.message)).toContainEqual(
        expect.stringMatching(/^3 different instanceIds for one order/),
      );
      const wrongKey = report.steps[0];
      expect(wrongKey?.title).toMatch(/signed with a wrong key/);
      expect(wrongKey?.ok).toBe(false);
      expect(wrongKey?.problems[0]?.message).toBe('expected 000001, got 000000 (success)');
    },
  );

  it('license: fails the story on the refusals it should have made', async () => {
    const target = { url, key: KEY, protocol: 'license' as const };

    const report = await runLifecycle({ target, concurrency: 3 });

    expect(report.ok).toBe(false);
    expect(invariant(report, '000001 for a wrong key')).toBe(false);
    expect(invariant(report, 'nothing after release but 000000')).toBe(true);
    expect(invariant(report, '000003 for an unknown license code')).toBeUndefined();
  });
});

describe('runLifecycle --seed (#10)', () => {
  /** What one story sent, without what only the clock or the server chose. */
  async function story(protocol: Protocol, seed: number) {
    received.length = 0;
    const report = await runLifecycle({
      target: { url, key: KEY, protocol },
      concurrency: 3,
      pollAttempts: 2,
      seed,
    });
    const sent = received.map(({ authToken, timeStamp, ...p }) =>
      JSON.stringify(p)
        .replace(/"instanceId":"([^"]+)"/g, (m, id: string) =>
          minted.has(id) ? '"instanceId":"<minted>"' : m,
        )
        .replace(/(CSSIM|PLSIM)\d{12}/g, '$1<stamp>')
        .replace(/\d{14,}/g, '<time>'),
    );
    const titles = report.steps.map((s) => s.title.replace(/\d{14,}/g, '<time>'));
    return { report, titles, sent: sent.sort() };
  }

  it.each<Protocol>(['v2', 'v1', 'license'])(
    '%s: the same seed sends the same steps in the same order with the same generated ids',
    async (protocol) => {
      // Act
      const first = await story(protocol, 7);
      const again = await story(protocol, 7);
      const other = await story(protocol, 8);

      // Assert
      expect(first.report.seed).toBe(7);
      expect(again.titles).toEqual(first.titles);
      expect(again.sent).toEqual(first.sent);
      expect(other.report.seed).toBe(8);
      expect(other.sent).not.toEqual(first.sent);
    },
  );

  it('ondemand: the same seed buys a new order each run, with the same cases in the same order (#11)', async () => {
    const hooks = { secret: 'sim-usage-secret-0123456789abcdef' };
    const run = async () => {
      received.length = 0;
      const report = await runLifecycle(
        { target: { url, key: KEY }, pollAttempts: 2, seed: 7 },
        hooks,
      );
      const stamp = (text: string) => text.replace(/MOCKONDEMAND-\d{15}/g, 'MOCKONDEMAND-<time>');
      return {
        report,
        titles: report.steps.map((s) => stamp(s.title)),
        orderIds: received.map((p) => p.orderId).filter((id) => id !== undefined),
        businessIds: received.map((p) => p.businessId).filter((id) => id !== undefined),
      };
    };

    const first = await run();
    const again = await run();

    expect(first.report.orderId).toMatch(/^MOCKONDEMAND-\d{15}[0-9a-f]{10}$/);
    expect(again.report.orderId).not.toBe(first.report.orderId);
    expect(first.orderIds).toContain(first.report.orderId);
    expect(again.orderIds).not.toContain(first.report.orderId);
    expect(again.report.orderId.slice(-10)).toBe(first.report.orderId.slice(-10));
    expect(again.businessIds).toEqual(first.businessIds);
    expect(again.titles).toEqual(first.titles);
    expect(first.titles.length).toBeGreaterThan(3);
  });

  it('redelivers after release in an order drawn from the seed', async () => {
    const afterRelease = (titles: string[]) =>
      titles
        .slice(titles.indexOf('release') + 1)
        .filter((t) => t.endsWith('again after release') || t.startsWith('release delivered'));
    const orders = new Set<string>();

    for (const seed of [1, 2, 3, 4, 5, 6]) {
      orders.add(afterRelease((await story('v2', seed)).titles).join(' | '));
    }

    expect(orders.size).toBeGreaterThan(1);
  });
});

describe('runLifecycle against an address where nothing listens (#9)', () => {
  it('stops at the first connection failure with one message', async () => {
    // Arrange: a port that was free a moment ago
    const endpoint = await refusingEndpoint();
    const steps: string[] = [];

    // Act
    const report = await runLifecycle({
      target: { url: `${endpoint}/`, key: KEY },
      onStep: (step) => steps.push(step.title),
      seed: 1,
    });

    // Assert
    expect(report.ok).toBe(false);
    expect(steps).toEqual([]);
    expect(report.steps).toEqual([]);
    expect(report.unreachable).toMatch(
      new RegExp(`^cannot reach ${endpoint.replace(/\./g, '\\.')}/: .*ECONNREFUSED.*Check --url`),
    );
  });
});

describe('koogallery-sim lifecycle against an address where nothing listens (#9, #11)', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'sim-unreachable-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it.each(['period', 'ondemand'])(
    '--suite %s stops with one message, exit 1, no "unexpected error"',
    async (suite) => {
      const target = `${await refusingEndpoint()}/`;
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = {
        stdout: { write: (t: string) => out.push(t) },
        stderr: { write: (t: string) => err.push(t) },
        env: { USAGE_REPORT_SECRET: 'sim-usage-secret-0123456789abcdef', NO_COLOR: '1' },
        cwd,
        untilStopped: () => Promise.resolve(),
      };

      const code = await main(
        ['lifecycle', '--suite', suite, '--url', target, '--key', KEY, '--seed', '7'],
        io,
      );

      expect(code).toBe(EXIT.FAILED);
      expect(err.join('')).toMatch(
        /^koogallery-sim: cannot reach http:\/\/127\.0\.0\.1:\d+\/: .*ECONNREFUSED.*Check --url/,
      );
      expect(err.join('')).not.toContain('unexpected error');
      expect(err.join('')).not.toContain('sim-usage-secret');
    },
  );
});
