import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQueryOrderClient } from '../../../lib/open-api/query-order-client';
import { verifyRequestSignature } from '../../../lib/protocol/request-signature';
import { applyFields, type CliIo, EXIT, main, resolveKey } from '../../../lib/sim/cli';
import {
  buildSuite,
  caseBody,
  MissingInstanceError,
  purchases,
  SUITE_KINDS,
} from '../../../lib/sim/suites';

const KEY = 'cli-test-access-key-0123456789';

function io(overrides: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    env: {},
    cwd: tmpdir(),
    untilStopped: () => Promise.resolve(),
    ...overrides,
  };
  return { io: value, out: () => out.join(''), err: () => err.join('') };
}

/** Checks the request signature of an event's query string over its body, as the function does. */
function verifies(query: Record<string, string>, body: string): boolean {
  return verifyRequestSignature(
    {
      signature: query.signature,
      timestamp: query.timestamp,
      nonce: query.nonce,
      body: Buffer.from(body, 'utf8'),
    },
    [KEY],
    Date.now(),
    60_000,
  ).ok;
}

describe('koogallery-sim event', () => {
  it('prints an API Gateway v2 event whose signature verifies over its body', async () => {
    // Arrange
    const t = io();

    // Act
    const code = await main(
      ['event', 'releaseInstance', '--key', KEY, '--field', 'instanceId=abc'],
      t.io,
    );

    // Assert
    expect(code).toBe(EXIT.OK);
    const event = JSON.parse(t.out());
    expect(event.version).toBe('2.0');
    expect(event.requestContext.http.method).toBe('POST');
    expect(JSON.parse(event.body)).toEqual({
      activity: 'releaseInstance',
      instanceId: 'abc',
      testFlag: '1',
    });
    expect(verifies(event.queryStringParameters, event.body)).toBe(true);
    expect(event.rawQueryString).toContain(`nonce=${event.queryStringParameters.nonce}`);
    expect(t.err()).toContain('valid for 60 s');
  });

  it('prints a FunctionGraph APIG event with a base64 body and lower-case headers', async () => {
    const t = io();

    const code = await main(
      ['event', 'queryInstance', '--platform', 'functiongraph', '--key', KEY, '--real'],
      t.io,
    );

    expect(code).toBe(EXIT.OK);
    const event = JSON.parse(t.out());
    expect(event.isBase64Encoded).toBe(true);
    const body = Buffer.from(event.body, 'base64').toString('utf8');
    expect(JSON.parse(body).testFlag).toBeUndefined();
    expect(Object.keys(event.headers).every((h) => h === h.toLowerCase())).toBe(true);
    expect(verifies(event.queryStringParameters, body)).toBe(true);
  });

  it('prints a curl command line with the body single-quoted', async () => {
    const t = io();

    const code = await main(
      ['event', 'newInstance', '--curl', '--key', KEY, '--url', 'https://isv.example.com/produce'],
      t.io,
    );

    expect(code).toBe(EXIT.OK);
    expect(t.out()).toMatch(
      /^curl -sS -i -X POST 'https:\/\/isv\.example\.com\/produce\?signature=[0-9A-F]{64}&timestamp=\d{13}&nonce=[0-9A-F]{64}' -H 'Content-Type: application\/json;charset=utf8' -H 'Accept: application\/json' --data-raw '\{"activity":"newInstance",/,
    );
  });
});

describe('applyFields', () => {
  it('sets strings, nested paths and JSON values, and removes bare names', () => {
    const body = applyFields({ activity: 'x', testFlag: '1' }, [
      'instanceId=a=b',
      'productInfo.skuCode=s1',
      'productInfo.linearValue:=20',
      'testFlag',
    ]);

    expect(body).toEqual({
      activity: 'x',
      instanceId: 'a=b',
      productInfo: { skuCode: 's1', linearValue: 20 },
    });
  });

  it('refuses JSON that does not parse, through main with exit code 2', async () => {
    const t = io();

    const code = await main(['send', 'newInstance', '--key', KEY, '--field', 'a:={'], t.io);

    expect(code).toBe(EXIT.USAGE);
    expect(t.err()).toContain('needs JSON after ":="');
  });
});

describe('resolveKey', () => {
  it('prefers --key, then KOOGALLERY_ACCESS_KEY, then <DATA_DIR>/access-key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-key-'));
    try {
      writeFileSync(join(dir, 'access-key'), 'from-file\n');

      expect(resolveKey({ key: 'from-option' }, { KOOGALLERY_ACCESS_KEY: 'from-env' }, dir)).toBe(
        'from-option',
      );
      expect(resolveKey({}, { KOOGALLERY_ACCESS_KEY: 'from-env' }, dir)).toBe('from-env');
      expect(resolveKey({}, { DATA_DIR: dir }, '/')).toBe('from-file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says how to get a key when there is none', async () => {
    const t = io({ cwd: mkdtempSync(join(tmpdir(), 'sim-nokey-')) });

    const code = await main(['probe'], t.io);

    expect(code).toBe(EXIT.USAGE);
    expect(t.err()).toMatch(/no access key: pass --key <key> or set KOOGALLERY_ACCESS_KEY/);
    expect(t.err()).toContain('npm start');
  });
});

describe('koogallery-sim usage errors', () => {
  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['send', 'bogus', '--key', KEY], 'send needs an activity, not "bogus"'],
    [['probe', '--suite', 'weekly', '--key', KEY], '--suite is one of period, onetime, ondemand'],
    [['probe', '--repeat', '0', '--key', KEY], '--repeat must be a whole number from 1 to 100'],
    [['probe', '--nope'], "Unknown option '--nope'"],
  ])('exits 2 for %j and says why', async (argv, message) => {
    const t = io();

    const code = await main(argv, t.io);

    expect(code).toBe(EXIT.USAGE);
    expect(t.err()).toContain(message);
  });

  it('prints the help with exit code 0 for --help', async () => {
    const t = io();

    expect(await main(['--help'], t.io)).toBe(EXIT.OK);
    expect(t.out()).toContain('usage: koogallery-sim <command> [options]');
  });
});

describe('koogallery-sim serve-openapi', () => {
  it('serves Query Order with the AK/SK it prints, until stopped', async () => {
    // Arrange: the stand-in is queried before the command is told to stop
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((done) => {
      stop = done;
    });
    const t = io({ untilStopped: () => stopped });

    // Act
    const running = main(['serve-openapi', '--json'], t.io);
    let printed: { endpoint: string; ak: string; sk: string } | undefined;
    for (let i = 0; i < 100 && printed === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      if (t.out()) printed = JSON.parse(t.out());
    }
    if (printed === undefined) throw new Error('serve-openapi printed nothing');
    const orders = createQueryOrderClient({ ...printed, timeoutMs: 2000, attempts: 1 });
    const order = await orders.queryOrder('MOCKPERIODYEARNEW');
    stop();

    // Assert
    expect(printed.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(printed.ak).toMatch(/^[A-Z0-9]{20}$/);
    expect(order.orderId).toBe('MOCKPERIODYEARNEW');
    expect(await running).toBe(EXIT.OK);
  });

  it('does not print an SK given through HUAWEICLOUD_SK', async () => {
    const t = io({ env: { HUAWEICLOUD_AK: 'GIVENAK', HUAWEICLOUD_SK: 'given-secret-value' } });

    const code = await main(['serve-openapi'], t.io);

    expect(code).toBe(EXIT.OK);
    expect(t.out()).toContain('from HUAWEICLOUD_AK / HUAWEICLOUD_SK');
    expect(t.out()).not.toContain('given-secret-value');
  });
});

describe('saved-case suites', () => {
  it.each(Object.values(SUITE_KINDS))('%s: every case is a test call on a MOCK order', (kind) => {
    // Arrange
    const suite = buildSuite(kind, Date.UTC(2025, 0, 1));
    const ids = new Map(purchases(suite).map((p) => [p.id, `id-${p.id}`]));

    // Act
    const bodies = suite.cases.map((c) => caseBody(c, ids));

    // Assert
    expect(new Set(suite.cases.map((c) => c.id)).size).toBe(suite.cases.length);
    for (const body of bodies) {
      expect(body.testFlag).toBe('1');
      if (body.orderId !== undefined) expect(body.orderId).toMatch(/^MOCK[A-Z]+$/);
      if (body.orderLineId !== undefined) expect(body.orderLineId).toBe(`${body.orderId}-000001`);
    }
    expect(bodies.some((b) => b.activity === 'newInstance')).toBe(true);
    expect(bodies.some((b) => b.activity === 'releaseInstance')).toBe(true);
  });

  it('has the period product every activity, expiry as yyyyMMddHHmmss', () => {
    const suite = buildSuite('period', Date.UTC(2025, 0, 1));

    expect(new Set(suite.cases.map((c) => c.activity)).size).toBe(7);
    const renewal = suite.cases.find((c) => c.id === 'renewal');
    expect(renewal?.fields.expireTime).toBe('20260205000000');
  });

  it('refuses to build a case whose purchase gave no instanceId', () => {
    const suite = buildSuite('onetime', 0);
    const release = suite.cases.find((c) => c.activity === 'releaseInstance');
    if (release === undefined) throw new Error('no release case');

    expect(() => caseBody(release, new Map())).toThrow(MissingInstanceError);
  });
});
