import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyRequestSignature } from '../../../lib/protocol/request-signature';
import { parseV1Timestamp, verifyV1AuthToken } from '../../../lib/protocol/v1-auth-token';
import {
  applyFields,
  type CliIo,
  EXIT,
  main,
  resolveKey,
  resolveLicensePublicKey,
} from '../../../lib/sim/cli';
import { signedV1Request } from '../../../lib/sim/client';
import {
  LICENSE_ACTIVITIES,
  LICENSE_V1_ACTIVITIES,
  V1_ACTIVITIES,
} from '../../../lib/sim/protocols';
import {
  buildSuite,
  caseBody,
  MissingInstanceError,
  purchases,
  SUITE_KINDS,
  suiteKindsOf,
  TEST_LICENSE_CODE,
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

/** Verifies a V1.0 raw query the way the function does (decoding fallbacks, 600 s window). */
function v1Verifies(rawQuery: string) {
  return verifyV1AuthToken(rawQuery, [KEY], Date.now(), 600_000);
}

describe('koogallery-sim event --protocol v1 and license', () => {
  it('prints a V1.0 API Gateway event: a GET, no body, an authToken over every query parameter', async () => {
    // Arrange
    const t = io();

    // Act
    const code = await main(
      ['event', 'releaseInstance', '--protocol', 'v1', '--key', KEY, '--field', 'instanceId=a b+c'],
      t.io,
    );

    // Assert
    expect(code).toBe(EXIT.OK);
    const event = JSON.parse(t.out());
    expect(event.requestContext.http.method).toBe('GET');
    expect(event.body).toBeUndefined();
    expect(event.headers['content-type']).toBeUndefined();
    const verdict = v1Verifies(event.rawQueryString);
    if (!verdict.ok) throw new Error(`authToken refused: ${verdict.reason}`);
    expect(verdict.params).toEqual({
      activity: 'releaseInstance',
      instanceId: 'a b+c',
      orderId: 'MOCKV1PERIODNEW',
      testFlag: '1',
      timeStamp: expect.stringMatching(/^\d{17}$/),
    });
    // Encoded the way Java's URLEncoder does: a space as '+', a '+' as %2B.
    expect(event.rawQueryString).toContain('instanceId=a+b%2Bc');
    expect(t.err()).toContain('timeStamp window');
  });

  it('stamps timeStamp as UTC yyyyMMddHHmmssSSS, now', () => {
    const before = Date.now();

    const req = signedV1Request('http://127.0.0.1:1/', KEY, { activity: 'queryInstance' });

    const stamped = parseV1Timestamp(req.timestamp) as number;
    expect(req.timestamp).toMatch(/^\d{17}$/);
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(Date.now());
  });

  it('prints a V1.0 curl line: a plain GET with the token percent-encoded', async () => {
    const t = io();

    const code = await main(
      [
        'event',
        'newInstance',
        '--protocol',
        'v1',
        '--curl',
        '--key',
        KEY,
        '--url',
        'https://isv.example.com/produce',
      ],
      t.io,
    );

    expect(code).toBe(EXIT.OK);
    const m =
      /^curl -sS -i '(https:\/\/isv\.example\.com\/produce\?([^']+))' -H 'Accept: application\/json'\n?$/.exec(
        t.out(),
      );
    if (!m) throw new Error(`not a V1.0 curl line: ${t.out()}`);
    const query = m[2] as string;
    expect(query).toMatch(/&authToken=[A-Za-z0-9%]+$/);
    expect(query).not.toMatch(/authToken=[^&]*[+/=]/);
    const verdict = v1Verifies(query);
    expect(verdict.ok).toBe(true);
    if (verdict.ok) {
      expect(verdict.params).toMatchObject({
        activity: 'newInstance',
        chargingMode: '1',
        customerId: expect.any(String),
        businessId: expect.any(String),
      });
    }
  });

  it('prints a V1.0 FunctionGraph event whose decoded query still verifies', async () => {
    const t = io();

    const code = await main(
      ['event', 'expireInstance', '--protocol', 'v1', '--platform', 'functiongraph', '--key', KEY],
      t.io,
    );

    expect(code).toBe(EXIT.OK);
    const event = JSON.parse(t.out());
    expect(event.httpMethod).toBe('GET');
    // FunctionGraph hands over decoded values only; the function re-encodes them.
    const rebuilt = new URLSearchParams(event.queryStringParameters).toString();
    expect(v1Verifies(rebuilt).ok).toBe(true);
  });

  it('signs a License 2.0 event as a V2.0-style POST about the test license code', async () => {
    const t = io();

    const code = await main(
      ['event', 'updateLicenseCodeStatus', '--protocol', 'license', '--key', KEY],
      t.io,
    );

    expect(code).toBe(EXIT.OK);
    const event = JSON.parse(t.out());
    expect(event.requestContext.http.method).toBe('POST');
    expect(JSON.parse(event.body)).toEqual({
      activity: 'updateLicenseCodeStatus',
      license: TEST_LICENSE_CODE,
      status: 'FREEZE',
      testFlag: '1',
    });
    expect(verifies(event.queryStringParameters, event.body)).toBe(true);
  });

  it('names the protocol an activity belongs to when it is not the chosen one', async () => {
    const t = io();

    const code = await main(['send', 'getLicense', '--key', KEY], t.io);

    expect(code).toBe(EXIT.USAGE);
    expect(t.err()).toContain('send needs an activity, not "getLicense"');
    expect(t.err()).toContain('(getLicense is --protocol license-v1)');
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

  it("takes each protocol's key: V1.0 falls back to the V2.0 key, License 2.0 never does", () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-key-'));
    try {
      writeFileSync(join(dir, 'access-key'), 'v2-file\n');
      writeFileSync(join(dir, 'license-access-key'), 'license-file\n');
      const v1Env = { KOOGALLERY_V1_ACCESS_KEY: 'v1-env', KOOGALLERY_ACCESS_KEY: 'v2-env' };

      expect(resolveKey({}, v1Env, dir, 'v1')).toBe('v1-env');
      expect(resolveKey({}, v1Env, dir, 'license-v1')).toBe('v1-env');
      expect(resolveKey({}, { KOOGALLERY_ACCESS_KEY: 'v2-env' }, dir, 'v1')).toBe('v2-env');
      expect(resolveKey({}, { DATA_DIR: dir }, '/', 'v1')).toBe('v2-file');
      expect(resolveKey({}, { ...v1Env, DATA_DIR: dir }, '/', 'license')).toBe('license-file');
      expect(
        resolveKey({}, { ...v1Env, KOOGALLERY_LICENSE_ACCESS_KEY: 'lic-env' }, dir, 'license'),
      ).toBe('lic-env');
      expect(
        resolveKey({ key: 'opt' }, { KOOGALLERY_LICENSE_ACCESS_KEY: 'e' }, dir, 'license'),
      ).toBe('opt');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says which variable and file hold the License 2.0 key when there is none', async () => {
    const t = io({
      cwd: mkdtempSync(join(tmpdir(), 'sim-nokey-')),
      env: { KOOGALLERY_ACCESS_KEY: 'a-v2-key-is-not-a-license-key' },
    });

    const code = await main(['probe', '--protocol', 'license'], t.io);

    expect(code).toBe(EXIT.USAGE);
    expect(t.err()).toMatch(
      /no access key for License 2\.0 \(授权码\): pass --key <key> or set KOOGALLERY_LICENSE_ACCESS_KEY/,
    );
    expect(t.err()).toContain('License授权码交付接口');
    expect(t.err()).toMatch(/license-access-key \(the one --protocol license uses\)/);
  });

  it('reads the License 1.0 public key from the data folder, or none when absent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-pub-'));
    try {
      expect(resolveLicensePublicKey({}, { DATA_DIR: dir }, '/')).toBeUndefined();
      const { publicKey } = generateKeyPairSync('ed25519');
      writeFileSync(
        join(dir, 'license-public-key.pem'),
        publicKey.export({ format: 'pem', type: 'spki' }),
      );

      expect(resolveLicensePublicKey({}, { DATA_DIR: dir }, '/')?.asymmetricKeyType).toBe(
        'ed25519',
      );
      expect(() =>
        resolveLicensePublicKey({ 'license-public-key': join(dir, 'nope.pem') }, {}, '/'),
      ).toThrow(/cannot read an Ed25519 public key/);
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
    [
      ['probe', '--protocol', 'v3', '--key', KEY],
      '--protocol is one of v2, v1, license, license-v1',
    ],
    [
      ['probe', '--protocol', 'license', '--suite', 'onetime', '--key', KEY],
      '--suite is one of period for --protocol license',
    ],
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

describe('saved-case suites of SaaS V1.0 and License', () => {
  const NOW = Date.UTC(2025, 0, 1);

  it.each(suiteKindsOf('v1'))('v1 %s: V1.0 activities only, every one a test call', (kind) => {
    // Arrange
    const suite = buildSuite(kind, NOW, 'v1');
    const ids = new Map(purchases(suite).map((p) => [p.id, `id-${p.id}`]));

    // Act
    const bodies = suite.cases.map((c) => caseBody(c, ids));

    // Assert
    expect(suite.protocol).toBe('v1');
    expect(purchases(suite).map((c) => c.activity)).toEqual(['newInstance']);
    for (const body of bodies) {
      expect(body.testFlag).toBe('1');
      expect(V1_ACTIVITIES).toContain(body.activity);
      if (body.activity !== 'newInstance') expect(body.instanceId).toBe('id-purchase');
    }
    expect(bodies.some((b) => b.activity === 'releaseInstance')).toBe(true);
  });

  it('v1 period: purchase, renewal, expiry and release required; the rest optional', () => {
    const suite = buildSuite('period', NOW, 'v1');

    const required = suite.cases.filter((c) => !c.optional).map((c) => c.activity);
    const optional = suite.cases.filter((c) => c.optional).map((c) => c.activity);

    expect(required).toEqual([
      'newInstance',
      'refreshInstance',
      'expireInstance',
      'releaseInstance',
    ]);
    expect(new Set(optional)).toEqual(
      new Set(['refreshInstance', 'upgrade', 'instanceStatus', 'queryInstance']),
    );
    const purchase = suite.cases[0];
    expect(purchase?.fields).toMatchObject({
      chargingMode: '1',
      periodType: 'month',
      expireTime: '20250131000000',
    });
    const cancelled = suite.cases.find((c) => c.id === 'renewal cancelled');
    expect(Number(cancelled?.fields.orderAmount)).toBeLessThan(0);
  });

  it('license: renewal, renewal refund, freeze, unfreeze and release of one test license code', () => {
    // Arrange / Act
    const suite = buildSuite('period', NOW, 'license');
    const bodies = suite.cases.map((c) => caseBody(c, new Map()));

    // Assert
    expect(purchases(suite)).toEqual([]);
    expect(bodies.map((b) => [b.activity, b.scene ?? b.status ?? ''])).toEqual([
      ['refreshLicenseCode', 'RENEWAL'],
      ['refreshLicenseCode', 'UNSUBSCRIBE_RENEWAL_PERIOD'],
      ['updateLicenseCodeStatus', 'FREEZE'],
      ['updateLicenseCodeStatus', 'UNFREEZE'],
      ['releaseLicenseCode', ''],
    ]);
    for (const body of bodies) {
      expect(body.testFlag).toBe('1');
      expect(body.license).toBe(TEST_LICENSE_CODE);
      expect(LICENSE_ACTIVITIES).toContain(body.activity);
      expect(body.instanceId).toBeUndefined();
      if (body.orderId !== undefined) expect(body.orderLineId).toBe(`${body.orderId}-000001`);
    }
    expect(bodies[0]?.expireTime).toBe('20260205000000');
  });

  it('license-v1: getLicense first, binding a machine code, then renewal, expiry, release', () => {
    const suite = buildSuite('period', NOW, 'license-v1');
    const ids = new Map(purchases(suite).map((p) => [p.id, 'id-license']));

    const bodies = suite.cases.map((c) => caseBody(c, ids));

    expect(bodies.map((b) => b.activity)).toEqual([...LICENSE_V1_ACTIVITIES]);
    const extend = JSON.parse(
      Buffer.from(bodies[0]?.saasExtendParams as string, 'base64').toString('utf8'),
    );
    expect(extend).toEqual([{ name: 'identificationCode', value: expect.any(String) }]);
    for (const body of bodies.slice(1)) expect(body.instanceId).toBe('id-license');
  });

  it('has the period suite only for License products', () => {
    expect(suiteKindsOf('license')).toEqual(['period']);
    expect(suiteKindsOf('license-v1')).toEqual(['period']);
    expect(suiteKindsOf('v1')).toEqual(Object.values(SUITE_KINDS));
  });
});
