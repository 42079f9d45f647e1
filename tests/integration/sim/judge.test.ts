import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { bodySign } from '../../../lib/protocol/body-sign';
import { encryptCredential } from '../../../lib/protocol/credential-cipher';
import { verifyRequestSignature } from '../../../lib/protocol/request-signature';
import { verifyV1AuthToken } from '../../../lib/protocol/v1-auth-token';
import { createSignedLicenseIssuer } from '../../../lib/provisioner/license-issuer';
import { call, type Target } from '../../../lib/sim/client';
import { type CapturedResponse, FINDINGS, judge, redactBody } from '../../../lib/sim/judge';
import { loadVectors } from '../../helpers/vectors';

const KEY = 'sim-judge-test-key-0123456789';
const OTHER_KEY = 'some-other-key';
const INSTANCE_ID = '3f2b6c1e-5d4a-4b8f-9e7d-1a2b3c4d5e6f';
const PASSWORD = 'Clear-Text-Pa55word!';
const USER = 'admin-3f2b6c1e';

interface Answer {
  body: unknown;
  status?: number;
  type?: string | null;
  sign?: 'ok' | 'none' | 'other-key' | 'malformed';
  /** The name the Body-Sign header is sent under (default the exact `Body-Sign`). */
  signHeader?: string;
  delayMs?: number;
}

const ok = (extra: Record<string, unknown> = {}) => ({
  resultCode: '000000',
  resultMsg: 'success',
  ...extra,
});
const appInfo = (overrides: Record<string, unknown> = {}, key = KEY) => ({
  frontEndUrl: 'https://tenant.example.com/',
  userName: encryptCredential(USER, key),
  password: encryptCredential(PASSWORD, key),
  ...overrides,
});

/** A production interface broken in one way per path. */
const ANSWERS: Record<string, Answer> = {
  '/ok': { body: ok({ instanceId: INSTANCE_ID }) },
  '/no-body-sign': { body: ok({ instanceId: INSTANCE_ID }), sign: 'none' },
  '/body-sign-wrong-case': { body: ok({ instanceId: INSTANCE_ID }), signHeader: 'Body-sign' },
  '/body-sign-lower-case': { body: ok({ instanceId: INSTANCE_ID }), signHeader: 'body-sign' },
  '/body-sign-other-key': { body: ok({ instanceId: INSTANCE_ID }), sign: 'other-key' },
  '/body-sign-malformed': { body: ok({ instanceId: INSTANCE_ID }), sign: 'malformed' },
  '/wrong-content-type': { body: ok({ instanceId: INSTANCE_ID }), type: 'text/html' },
  '/no-content-type': { body: ok({ instanceId: INSTANCE_ID }), type: null },
  '/http-500': { body: ok({ instanceId: INSTANCE_ID }), status: 500 },
  '/slow': { body: ok({ instanceId: INSTANCE_ID }), delayMs: 300 },
  '/long-result-msg': { body: ok({ instanceId: INSTANCE_ID, resultMsg: 'x'.repeat(256) }) },
  '/long-instance-id': { body: ok({ instanceId: 'i'.repeat(65) }) },
  '/wrong-result-code': {
    body: { resultCode: '000005', resultMsg: 'internal error', instanceId: INSTANCE_ID },
  },
  '/numeric-result-code': {
    body: { resultCode: 0, resultMsg: 'success', instanceId: INSTANCE_ID },
  },
  '/no-result-msg': { body: { resultCode: '000000', instanceId: INSTANCE_ID } },
  '/not-json': { body: 'OK' },
  '/no-instance-id': { body: ok() },
  '/non-ascii': { body: ok({ instanceId: INSTANCE_ID, resultMsg: '成功' }) },
  '/query-ok': {
    body: ok({ encryptType: '1', info: [{ instanceId: INSTANCE_ID, appInfo: appInfo() }] }),
  },
  '/query-long-url': {
    body: ok({
      encryptType: '1',
      info: [
        {
          instanceId: INSTANCE_ID,
          appInfo: appInfo({ frontEndUrl: `https://t.example.com/${'a'.repeat(500)}` }),
        },
      ],
    }),
  },
  '/query-credentials-other-key': {
    body: ok({
      encryptType: '1',
      info: [{ instanceId: INSTANCE_ID, appInfo: appInfo({}, OTHER_KEY) }],
    }),
  },
  '/query-no-info': { body: ok() },
  '/query-no-info-instance-id': {
    body: ok({ info: [{ appInfo: { frontEndUrl: 'https://t.example.com/' } }] }),
  },
  '/query-usage-incomplete': {
    body: ok({
      info: [{ instanceId: INSTANCE_ID, usageInfo: [{ usageValue: 12.5 }] }],
    }),
  },
};

/** SaaS V1.0 `newInstance` answers: the delivery is in the answer itself. */
const V1_ANSWERS: Record<string, Answer> = {
  '/v1-ok': { body: ok({ instanceId: INSTANCE_ID, encryptType: '1', appInfo: appInfo() }) },
  '/v1-no-app-info': { body: ok({ instanceId: INSTANCE_ID }) },
  '/v1-no-front-end-url': {
    body: ok({ instanceId: INSTANCE_ID, encryptType: '1', appInfo: appInfo({ frontEndUrl: '' }) }),
  },
  '/v1-no-instance-id': { body: ok({ encryptType: '1', appInfo: appInfo() }) },
  '/v1-credentials-other-key': {
    body: ok({ instanceId: INSTANCE_ID, encryptType: '1', appInfo: appInfo({}, OTHER_KEY) }),
  },
};
Object.assign(ANSWERS, V1_ANSWERS);

const seen: { path: string; signatureOk: boolean; v1TokenOk?: boolean }[] = [];

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const body = await readBody(req);
  const verdict = verifyRequestSignature(
    {
      signature: url.searchParams.get('signature') ?? undefined,
      timestamp: url.searchParams.get('timestamp') ?? undefined,
      nonce: url.searchParams.get('nonce') ?? undefined,
      body,
    },
    [KEY],
    Date.now(),
    60_000,
  );
  const v1 = verifyV1AuthToken(url.search.slice(1), [KEY], Date.now(), 600_000);
  seen.push({ path: url.pathname, signatureOk: verdict.ok, v1TokenOk: v1.ok });
  const answer = ANSWERS[url.pathname] ?? {
    body: { resultCode: '000002', resultMsg: 'no such path' },
  };
  if (answer.delayMs) await sleep(answer.delayMs);
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const headers: Record<string, string> = {};
  if (answer.type !== null)
    headers['Content-Type'] = answer.type ?? 'application/json;charset=UTF-8';
  const sign = answer.sign ?? 'ok';
  if (sign === 'ok') headers[answer.signHeader ?? 'Body-Sign'] = bodySign(KEY, text);
  if (sign === 'other-key') headers['Body-Sign'] = bodySign(OTHER_KEY, text);
  if (sign === 'malformed')
    headers['Body-Sign'] = `sign_type=HMAC-SHA256, signature=${'A'.repeat(44)}`;
  res.writeHead(answer.status ?? 200, headers);
  res.end(text);
}

let server: Server;
let base: string;

const LICENSE_KEYS = generateKeyPairSync('ed25519');
const FORGER_KEYS = generateKeyPairSync('ed25519');
const LICENSE_ORDER = 'MOCKLICENSEV1NEW';

/** License 1.0 `getLicense` answers, with licenses from the default issuer (async, so built first). */
async function addLicenseAnswers(): Promise<void> {
  const issuer = createSignedLicenseIssuer({ privateKey: LICENSE_KEYS.privateKey });
  const forger = createSignedLicenseIssuer({ privateKey: FORGER_KEYS.privateKey });
  const request = {
    instanceId: INSTANCE_ID,
    test: true,
    orderId: LICENSE_ORDER,
    expireTime: Date.UTC(2030, 0, 1),
    issuedAt: Date.now(),
  };
  const answer = (license: string) => ({ body: ok({ license, instanceId: INSTANCE_ID }) });
  ANSWERS['/license-ok'] = answer(await issuer.issue(request));
  ANSWERS['/license-forged'] = answer(await forger.issue(request));
  ANSWERS['/license-not-test'] = answer(await issuer.issue({ ...request, test: false }));
  ANSWERS['/license-other-instance'] = answer(
    await issuer.issue({ ...request, instanceId: 'another-instance' }),
  );
  ANSWERS['/license-missing'] = { body: ok({ instanceId: INSTANCE_ID }) };
}

beforeAll(async () => {
  await addLicenseAnswers();
  server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
});

const purchase = { activity: 'newInstance', orderId: 'MOCKPERIODYEARNEW', testFlag: '1' };
const query = { activity: 'queryInstance', instanceId: INSTANCE_ID, testFlag: '1' };

async function findingsFor(
  path: string,
  body: Record<string, unknown> = purchase,
  target: Partial<Target> = {},
) {
  const ex = await call({ url: `${base}${path}`, key: KEY, ...target }, body);
  return { names: ex.verdict.findings.map((f) => f.name), ex };
}

describe('judge, against a deliberately broken production interface', () => {
  it('passes a correct answer and signs requests the server can verify', async () => {
    // Arrange / Act
    const { names, ex } = await findingsFor('/ok');

    // Assert
    expect(names).toEqual([]);
    expect(ex.verdict.ok).toBe(true);
    expect(ex.verdict.resultCode).toBe('000000');
    expect(seen.find((s) => s.path === '/ok')?.signatureOk).toBe(true);
  });

  it.each([
    ['/no-body-sign', FINDINGS.BODY_SIGN_MISSING],
    ['/body-sign-wrong-case', FINDINGS.BODY_SIGN_HEADER_CASE],
    ['/body-sign-lower-case', FINDINGS.BODY_SIGN_HEADER_CASE],
    ['/body-sign-other-key', FINDINGS.BODY_SIGN_MISMATCH],
    ['/body-sign-malformed', FINDINGS.BODY_SIGN_MALFORMED],
    ['/wrong-content-type', FINDINGS.CONTENT_TYPE],
    ['/no-content-type', FINDINGS.CONTENT_TYPE],
    ['/http-500', FINDINGS.HTTP_STATUS],
    ['/long-result-msg', FINDINGS.FIELD_TOO_LONG],
    ['/long-instance-id', FINDINGS.FIELD_TOO_LONG],
    ['/wrong-result-code', FINDINGS.UNEXPECTED_RESULT_CODE],
    ['/numeric-result-code', FINDINGS.RESULT_CODE_MALFORMED],
    ['/no-result-msg', FINDINGS.RESULT_MSG_MISSING],
    ['/no-instance-id', FINDINGS.INSTANCE_ID_MISSING],
    ['/non-ascii', FINDINGS.NON_ASCII],
  ])('reports %s as exactly %s', async (path, name) => {
    // Arrange / Act
    const { names, ex } = await findingsFor(path);

    // Assert
    expect(names).toEqual([name]);
    expect(ex.verdict.ok).toBe(false);
    for (const f of ex.verdict.findings) expect(f.fix.length).toBeGreaterThan(10);
  });

  it('reports a body that is not JSON as body-not-json', async () => {
    const { names } = await findingsFor('/not-json');

    expect(names).toContain(FINDINGS.BODY_NOT_JSON);
    expect(names).not.toContain(FINDINGS.BODY_SIGN_MISMATCH);
  });

  it('reports an answer slower than the limit as too-slow, and nothing else', async () => {
    // Arrange: a 100 ms limit instead of KooGallery's 5 s, against a 300 ms answer
    const target = { timeoutMs: 100 };

    // Act
    const { names, ex } = await findingsFor('/slow', purchase, target);

    // Assert
    expect(names).toEqual([FINDINGS.TOO_SLOW]);
    expect(ex.response.elapsedMs).toBeGreaterThanOrEqual(250);
  });

  it('names the over-long field and its limit', async () => {
    const { ex } = await findingsFor('/long-result-msg');

    expect(ex.verdict.findings[0]?.message).toBe(
      'resultMsg is 256 characters, at most 255 allowed',
    );
  });

  it('says the resultCode received and the one expected', async () => {
    const { ex } = await findingsFor('/wrong-result-code');

    expect(ex.verdict.findings[0]?.message).toMatch(/resultCode 000005 .*expected 000000/);
  });

  it('accepts another result code when it is the expected one', async () => {
    const ex = await call({ url: `${base}/wrong-result-code`, key: KEY }, purchase, {
      expect: ['000005'],
    });

    expect(ex.verdict.ok).toBe(true);
  });

  it('decrypts queryInstance credentials and shows them only masked', async () => {
    // Arrange / Act
    const { names, ex } = await findingsFor('/query-ok', query);

    // Assert
    expect(names).toEqual([]);
    expect(ex.verdict.credentials.map((c) => [c.field, c.form])).toEqual([
      ['userName', 'encrypted'],
      ['password', 'encrypted'],
    ]);
    const shown = JSON.stringify(ex.verdict.credentials);
    expect(shown).not.toContain(PASSWORD);
    expect(shown).not.toContain(USER);
    expect(shown).toContain(`(${PASSWORD.length} chars)`);
  });

  it.each([
    ['/query-long-url', FINDINGS.FIELD_TOO_LONG],
    ['/query-no-info', FINDINGS.INFO_MISSING],
    ['/query-no-info-instance-id', FINDINGS.INFO_INSTANCE_ID_MISSING],
    ['/query-usage-incomplete', FINDINGS.USAGE_FIELD_MISSING],
  ])('reports queryInstance %s as exactly %s', async (path, name) => {
    const { names } = await findingsFor(path, query);

    expect(names).toEqual([name]);
  });

  it('reports each credential that does not decrypt with the key as credentials-unreadable', async () => {
    const { names, ex } = await findingsFor('/query-credentials-other-key', query);

    expect(names).toEqual([FINDINGS.CREDENTIALS_UNREADABLE, FINDINGS.CREDENTIALS_UNREADABLE]);
    expect(ex.verdict.findings.map((f) => f.message)).toEqual([
      expect.stringContaining('info[0].appInfo.userName does not decrypt'),
      expect.stringContaining('info[0].appInfo.password does not decrypt'),
    ]);
    expect(ex.verdict.credentials).toEqual([]);
  });

  it('reports a refused connection as unreachable, with what to check', async () => {
    // Arrange: a port that was just free
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));

    // Act
    const ex = await call({ url: `http://127.0.0.1:${port}/`, key: KEY }, purchase);

    // Assert
    expect(ex.verdict.findings.map((f) => f.name)).toEqual([FINDINGS.UNREACHABLE]);
    expect(ex.verdict.findings[0]?.fix).toMatch(/--url/);
  });
});

describe('judge, on known answers', () => {
  const captured = (body: string, header: string): CapturedResponse => ({
    status: 200,
    headers: { 'content-type': 'application/json', 'body-sign': header },
    body: Buffer.from(body, 'utf8'),
    elapsedMs: 1,
  });

  it.each(loadVectors().bodySign)(
    'accepts the independent Body-Sign vector for key "$accessKey"',
    (v) => {
      const verdict = judge({ activity: 'queryInstance', body: {} }, captured(v.body, v.header), {
        key: v.accessKey,
        expect: ['000000', '000001'],
      });

      const names = verdict.findings.map((f) => f.name);
      expect(names).not.toContain(FINDINGS.BODY_SIGN_MISMATCH);
      expect(names).not.toContain(FINDINGS.BODY_SIGN_MALFORMED);
    },
  );

  it('accepts a Body-Sign without the space after "signature=" (the V1 demos emit both)', () => {
    const v = loadVectors().bodySign[0];
    if (v === undefined) throw new Error('no Body-Sign vector');
    const header = v.header.replace('signature= "', 'signature="');

    const verdict = judge({ activity: 'newInstance', body: {} }, captured(v.body, header), {
      key: v.accessKey,
    });

    expect(verdict.ok).toBe(true);
  });
});

describe('judge, on SaaS V1.0 and License answers', () => {
  const v1Purchase = {
    activity: 'newInstance',
    orderId: 'MOCKV1PERIODNEW',
    businessId: 'b-1',
    customerId: 'c-1',
    productId: 'p-1',
    testFlag: '1',
  };
  const getLicense = { ...v1Purchase, activity: 'getLicense', orderId: LICENSE_ORDER };

  it('sends V1.0 as a GET whose authToken verifies, and passes a full newInstance delivery', async () => {
    // Arrange / Act
    const { names, ex } = await findingsFor('/v1-ok', v1Purchase, { protocol: 'v1' });

    // Assert
    expect(names).toEqual([]);
    expect(ex.request.method).toBe('GET');
    expect(ex.request.body).toBe('');
    expect(seen.filter((x) => x.path === '/v1-ok').map((x) => x.v1TokenOk)).toEqual([true]);
    expect(ex.verdict.credentials.map((c) => [c.field, c.form])).toEqual([
      ['userName', 'encrypted'],
      ['password', 'encrypted'],
    ]);
    expect(JSON.stringify(ex.verdict.credentials)).not.toContain(PASSWORD);
  });

  it.each([
    ['/v1-no-app-info', [FINDINGS.FRONT_END_URL_MISSING]],
    ['/v1-no-front-end-url', [FINDINGS.FRONT_END_URL_MISSING]],
    ['/v1-no-instance-id', [FINDINGS.INSTANCE_ID_MISSING]],
    [
      '/v1-credentials-other-key',
      [FINDINGS.CREDENTIALS_UNREADABLE, FINDINGS.CREDENTIALS_UNREADABLE],
    ],
  ])('reports the V1.0 newInstance answer %s as %j', async (path, expected) => {
    const { names } = await findingsFor(path, v1Purchase, { protocol: 'v1' });

    expect(names).toEqual(expected);
  });

  it('asks appInfo of a V1.0 newInstance only: the same answer passes in V2.0', async () => {
    const v1 = await findingsFor('/v1-no-app-info', v1Purchase, { protocol: 'v1' });
    const v2 = await findingsFor('/v1-no-app-info', purchase);

    expect(v1.names).toEqual([FINDINGS.FRONT_END_URL_MISSING]);
    expect(v2.names).toEqual([]);
  });

  it('sends License 2.0 as a V2.0-style signed POST', async () => {
    const body = { activity: 'releaseLicenseCode', license: 'PLSIMTEST', testFlag: '1' };

    const { names, ex } = await findingsFor('/no-instance-id', body, { protocol: 'license' });

    expect(names).toEqual([]);
    expect(ex.request.method).toBe('POST');
    expect(seen.filter((x) => x.path === '/no-instance-id').pop()?.signatureOk).toBe(true);
  });

  it('verifies a License 1.0 license offline with the public key, and never shows it', async () => {
    // Arrange
    const target = { protocol: 'license-v1' as const, licensePublicKey: LICENSE_KEYS.publicKey };

    // Act
    const { names, ex } = await findingsFor('/license-ok', getLicense, target);

    // Assert
    expect(names).toEqual([]);
    expect(ex.verdict.license).toEqual({
      verified: true,
      expireTime: '2030-01-01T00:00:00.000Z',
      test: true,
    });
    expect(JSON.stringify(redactBody(ex.verdict.json))).not.toContain('KG1.');
  });

  it('accepts a license it cannot verify when no public key is given', async () => {
    const { names, ex } = await findingsFor('/license-forged', getLicense, {
      protocol: 'license-v1',
    });

    expect(names).toEqual([]);
    expect(ex.verdict.license).toEqual({ verified: undefined });
  });

  it.each([
    ['/license-forged', FINDINGS.LICENSE_INVALID],
    ['/license-not-test', FINDINGS.LICENSE_INVALID],
    ['/license-other-instance', FINDINGS.LICENSE_INVALID],
    ['/license-missing', FINDINGS.LICENSE_MISSING],
  ])('reports the getLicense answer %s as exactly %s', async (path, name) => {
    const { names } = await findingsFor(path, getLicense, {
      protocol: 'license-v1',
      licensePublicKey: LICENSE_KEYS.publicKey,
    });

    expect(names).toEqual([name]);
  });
});

describe('judge, when the key is likely wrong (#9)', () => {
  const refused = (signWith: string, resultCode = '000001'): CapturedResponse => {
    const text = JSON.stringify({ resultCode, resultMsg: 'authentication failed' });
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'body-sign': bodySign(signWith, text) },
      body: Buffer.from(text, 'utf8'),
      elapsedMs: 1,
    };
  };

  it('says first that the key may be wrong when a refused answer does not verify with it', () => {
    // Arrange: the service signs with its own key; the simulator was given another one
    const res = refused(OTHER_KEY);

    // Act
    const verdict = judge({ activity: 'queryInstance', body: {} }, res, { key: KEY });

    // Assert
    const [first, ...rest] = verdict.findings;
    expect(first?.name).toBe(FINDINGS.BODY_SIGN_MISMATCH);
    expect(first?.message).toMatch(/^the access key may be wrong/);
    expect(first?.fix).toMatch(/^pass the key bound to the production address.*--key/);
    expect(rest.map((f) => f.name)).toEqual([FINDINGS.UNEXPECTED_RESULT_CODE]);
  });

  it('blames the Body-Sign of an accepted call, whose key the service verified', () => {
    const verdict = judge({ activity: 'queryInstance', body: {} }, refused(OTHER_KEY, '000003'), {
      key: KEY,
      expect: ['000003'],
    });

    expect(verdict.findings.map((f) => f.name)).toEqual([FINDINGS.BODY_SIGN_MISMATCH]);
    expect(verdict.findings[0]?.message).toBe(
      'Body-Sign does not match the body bytes under this access key',
    );
  });
});
