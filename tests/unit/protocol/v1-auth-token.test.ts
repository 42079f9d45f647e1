import { signRequest, verifyRequestSignature } from '../../../lib/protocol/request-signature';
import {
  decodeV1Query,
  formatV1Timestamp,
  parseV1Timestamp,
  v1AuthToken,
  v1ReplayNonce,
  verifyV1AuthToken,
} from '../../../lib/protocol/v1-auth-token';
import { loadVectors } from '../../helpers/vectors';

const vectors = loadVectors();
const WINDOW = 10 * 60_000;

/** Epoch ms of a vector's own timeStamp: verification "now" sits exactly on the signed time. */
const at = (v: { params: Record<string, string> }): number =>
  parseV1Timestamp(v.params.timeStamp as string) as number;

/** The vector's query with its authToken written raw (`+ / =`), as some doc examples show. */
const rawTokenQuery = (v: { query: string; authToken: string }): string =>
  v.query.replace(/authToken=[^&]*/, `authToken=${v.authToken}`);

describe('v1AuthToken', () => {
  it.each(vectors.v1AuthToken.map((v) => [v.params.activity, v]))(
    'reproduces the independent %s vector',
    (_name, v) => {
      expect(v1AuthToken(v.accessKey, v.params)).toBe(v.authToken);
    },
  );

  it('ignores an authToken parameter when signing', () => {
    const v = vectors.v1AuthToken[0] as (typeof vectors.v1AuthToken)[number];
    expect(v1AuthToken(v.accessKey, { ...v.params, authToken: 'anything' })).toBe(v.authToken);
  });
});

describe('verifyV1AuthToken', () => {
  it.each(vectors.v1AuthToken.map((v) => [v.params.activity, v]))(
    'accepts the %s vector with the token percent-encoded (%2B %2F %3D)',
    (_name, v) => {
      expect(v.query).toMatch(/%2B|%2F/);
      const verdict = verifyV1AuthToken(v.query, [v.accessKey], at(v), WINDOW);
      expect(verdict).toMatchObject({ ok: true, key: v.accessKey, params: v.params });
    },
  );

  it.each(vectors.v1AuthToken.map((v) => [v.params.activity, v]))(
    'accepts the %s vector with the token sent raw (+ / =)',
    (_name, v) => {
      const raw = rawTokenQuery(v);
      expect(raw).toMatch(/[+/]/);
      const verdict = verifyV1AuthToken(raw, [v.accessKey], at(v), WINDOW);
      expect(verdict).toMatchObject({ ok: true, params: v.params, token: v.authToken });
    },
  );

  it('accepts a value signed with a literal "+" and sent raw (the second decoding)', () => {
    const params = { activity: 'newInstance', email: 'Ab+Cd/Ef==', timeStamp: '20240101000000000' };
    const token = v1AuthToken('k', params);
    const query = `activity=newInstance&email=Ab+Cd/Ef==&timeStamp=20240101000000000&authToken=${encodeURIComponent(token)}`;
    const verdict = verifyV1AuthToken(query, ['k'], Date.UTC(2024, 0, 1), WINDOW);
    expect(verdict).toMatchObject({ ok: true, params });
  });

  it('accepts a token computed without the empty-valued parameters', () => {
    const params = { activity: 'refreshInstance', orderAmount: '', timeStamp: '20240101000000000' };
    const token = v1AuthToken('k', params, { skipEmpty: true });
    expect(token).not.toBe(v1AuthToken('k', params));
    const query = `activity=refreshInstance&orderAmount=&timeStamp=20240101000000000&authToken=${encodeURIComponent(token)}`;
    expect(verifyV1AuthToken(query, ['k'], Date.UTC(2024, 0, 1), WINDOW).ok).toBe(true);
  });

  it('accepts a literal "+" sent raw in a token computed without the empty-valued parameters', () => {
    const params = {
      activity: 'newInstance',
      email: 'Ab+Cd',
      orderAmount: '',
      timeStamp: '20240101000000000',
    };
    const token = v1AuthToken('k', params, { skipEmpty: true });
    const query = `activity=newInstance&email=Ab+Cd&orderAmount=&timeStamp=20240101000000000&authToken=${encodeURIComponent(token)}`;
    expect(verifyV1AuthToken(query, ['k'], Date.UTC(2024, 0, 1), WINDOW)).toMatchObject({
      ok: true,
      params,
    });
  });

  it('accepts the second of two keys and names it', () => {
    const v = vectors.v1AuthToken[0] as (typeof vectors.v1AuthToken)[number];
    const verdict = verifyV1AuthToken(v.query, ['other', v.accessKey], at(v), WINDOW);
    expect(verdict).toMatchObject({ ok: true, key: v.accessKey });
  });

  it('refuses a wrong key, a changed parameter, and missing or malformed inputs', () => {
    const v = vectors.v1AuthToken[0] as (typeof vectors.v1AuthToken)[number];
    const now = at(v);
    const check = (query: string, keys = [v.accessKey], when = now) =>
      verifyV1AuthToken(query, keys, when, WINDOW);
    expect(check(v.query, ['wrong-key'])).toEqual({ ok: false, reason: 'authToken mismatch' });
    expect(check(v.query.replace('testFlag=1', 'testFlag=0'))).toEqual({
      ok: false,
      reason: 'authToken mismatch',
    });
    expect(check(v.query.replace(/&authToken=.*/, ''))).toEqual({
      ok: false,
      reason: 'missing authToken',
    });
    expect(check(v.query.replace(/&timeStamp=\d+/, ''))).toEqual({
      ok: false,
      reason: 'missing timeStamp',
    });
    expect(check(v.query.replace(/timeStamp=\d+/, 'timeStamp=2020-07-27'))).toEqual({
      ok: false,
      reason: 'malformed timeStamp',
    });
    expect(check(v.query.replace(/timeStamp=\d+/, 'timeStamp=20201327073711903'))).toEqual({
      ok: false,
      reason: 'malformed timeStamp',
    });
    expect(check(v.query, [])).toEqual({ ok: false, reason: 'no key configured' });
  });

  it('accepts a timeStamp inside the window and refuses one outside it, either side', () => {
    const v = vectors.v1AuthToken[0] as (typeof vectors.v1AuthToken)[number];
    const signed = at(v);
    expect(verifyV1AuthToken(v.query, [v.accessKey], signed + WINDOW, WINDOW).ok).toBe(true);
    expect(verifyV1AuthToken(v.query, [v.accessKey], signed - WINDOW, WINDOW).ok).toBe(true);
    for (const now of [signed + WINDOW + 1, signed - WINDOW - 1]) {
      expect(verifyV1AuthToken(v.query, [v.accessKey], now, WINDOW)).toEqual({
        ok: false,
        reason: 'stale timeStamp',
      });
    }
  });
});

describe('V1.0 helpers', () => {
  it('reads and writes timeStamp as UTC yyyyMMddHHmmssSSS', () => {
    expect(parseV1Timestamp('20200727073711903')).toBe(Date.UTC(2020, 6, 27, 7, 37, 11, 903));
    expect(formatV1Timestamp(Date.UTC(2020, 6, 27, 7, 37, 11, 903))).toBe('20200727073711903');
    expect(parseV1Timestamp('1680508066618')).toBeUndefined();
  });

  it('decodes "+" as a space only in form mode', () => {
    expect(decodeV1Query('a=x+y%2B', true)).toEqual({ a: 'x y+' });
    expect(decodeV1Query('a=x+y%2B', false)).toEqual({ a: 'x+y+' });
  });

  it('derives a fixed hex nonce from a token', () => {
    expect(v1ReplayNonce('FIaUsAv+LB3p5EjpM+pVtISRkJRCxr0FOl56db12uTg=')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('License 2.0 request signature', () => {
  it('reproduces the releaseLicenseCode vector and verifies it', () => {
    const v = vectors.saasV2RequestSignature.find((s) => s.body.includes('LicenseCode'));
    expect(v).toBeDefined();
    if (!v) return;
    const body = Buffer.from(v.body, 'utf8');
    expect(signRequest(v.accessKey, v.nonce, v.timestamp, body)).toBe(v.signature);
    const verdict = verifyRequestSignature(
      { signature: v.signature, timestamp: v.timestamp, nonce: v.nonce, body },
      [v.accessKey],
      Number(v.timestamp),
      60_000,
    );
    expect(verdict).toMatchObject({ ok: true, key: v.accessKey });
  });
});

describe('verifyV1AuthToken parameter boundaries (#14)', () => {
  const key = 'boundary-key';
  const timeStamp = '20240101000000000';
  const now = parseV1Timestamp(timeStamp) as number;
  const query = (pairs: string[], token: string) =>
    [...pairs, `timeStamp=${timeStamp}`, `authToken=${encodeURIComponent(token)}`].join('&');

  it('refuses a token replayed over a value holding "&k=v" (it signs like two parameters)', () => {
    const token = v1AuthToken(key, { productId: 'P1', testFlag: '1', timeStamp });

    const split = verifyV1AuthToken(
      query(['productId=P1', 'testFlag=1'], token),
      [key],
      now,
      WINDOW,
    );
    const folded = verifyV1AuthToken(
      query(['productId=P1%26testFlag%3D1'], token),
      [key],
      now,
      WINDOW,
    );

    expect(split.ok).toBe(true);
    expect(folded).toEqual({ ok: false, reason: 'ambiguous parameter boundaries' });
  });

  it('refuses a name holding "=" or "&", and accepts "&" followed by no "="', () => {
    const verdict = (params: Record<string, string>) => {
      const token = v1AuthToken(key, { ...params, timeStamp });
      const pairs = Object.entries(params).map(
        ([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`,
      );
      return verifyV1AuthToken(query(pairs, token), [key], now, WINDOW);
    };

    expect(verdict({ 'a=b': 'c' }).ok).toBe(false);
    expect(verdict({ 'a&b': 'c' }).ok).toBe(false);
    expect(verdict({ customerName: 'Johnson & Johnson', padded: 'YQ==' }).ok).toBe(true);
  });
});
