import {
  canonicalQueryString,
  encodeRfc3986,
  formatSdkDate,
  parseQueryString,
  signApigRequest,
  verifyApigRequest,
} from '../../../lib/open-api/aksk-signer';
import vectors from '../../fixtures/vectors.json';

const ORDER_URL = 'https://mkt.myhuaweicloud.com/api/mkp-openapi-public/global/v1/order/query';
const USAGE_URL = 'https://mkt.myhuaweicloud.com/api/mkp-openapi-public/global/v1/isv/usage-data';
const EXAMPLE = { ak: 'AKEXAMPLE', sk: 'SKEXAMPLE' };
const DATE = '20240101T000000Z';
const DATE_MS = Date.UTC(2024, 0, 1);

/** Turns signed headers into what a node:http server sees: lower-case names, url without origin. */
function received(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string,
): Parameters<typeof verifyApigRequest>[0] {
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  const parsed = new URL(url);
  return { method, url: parsed.pathname + parsed.search, headers: lower, body };
}

const secretFor = (ak: string) => (ak === EXAMPLE.ak ? EXAMPLE.sk : undefined);

describe('signApigRequest', () => {
  it.each(vectors.apigAkSk)('reproduces the independent apigAkSk vector ($method)', (vector) => {
    const headers = signApigRequest(
      { method: vector.method, url: vector.url, headers: vector.headers },
      { ak: vector.ak, sk: vector.sk },
    );

    expect(headers.Authorization).toBe(vector.authorization);
    expect(headers['X-Sdk-Date']).toBe(vector.headers['X-Sdk-Date']);
    expect(headers.host).toBe('mkt.myhuaweicloud.com');
  });

  it('reproduces the AKEXAMPLE Query Order vector (docs/protocol.md#apig-signing)', () => {
    const headers = signApigRequest(
      {
        method: 'GET',
        url: `${ORDER_URL}?orderId=CS2207261447AUY4H&orderLineId=CS2207261447AUY4H-000001`,
        headers: { 'content-type': 'application/json' },
      },
      EXAMPLE,
      DATE,
    );

    expect(headers.Authorization).toBe(
      'SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=content-type;host;x-sdk-date, ' +
        'Signature=2848915dd6e8014c6676c934ec4bbe410468e186f5366fdbc6c790446c2ce0f4',
    );
  });

  it('reproduces the AKEXAMPLE usage push vector (docs/protocol.md#apig-signing)', () => {
    const headers = signApigRequest(
      {
        method: 'POST',
        url: USAGE_URL,
        headers: { 'content-type': 'application/json' },
        body: {
          usage_records: [
            { instance_id: 'i1', record_time: '20220809T091000Z', usage_value: '99' },
          ],
        },
      },
      EXAMPLE,
      DATE,
    );

    expect(headers.Authorization).toBe(
      'SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=content-type;host;x-sdk-date, ' +
        'Signature=4ce999535e3c1b71f8a5ce2941cc3d548fdfdc81dbef2e7d3d680ef083ef8800',
    );
  });

  it('signs the query regardless of parameter order in the URL', () => {
    const a = signApigRequest({ method: 'GET', url: `${ORDER_URL}?b=2&a=1` }, EXAMPLE, DATE);
    const b = signApigRequest({ method: 'GET', url: `${ORDER_URL}?a=1&b=2` }, EXAMPLE, DATE);

    expect(a.Authorization).toBe(b.Authorization);
  });

  it('refuses an X-Sdk-Date the SDK would mis-sign', () => {
    expect(() =>
      signApigRequest({ method: 'GET', url: ORDER_URL }, EXAMPLE, '2024-01-01T00:00:00Z'),
    ).toThrow(/X-Sdk-Date/);
  });
});

describe('encodeRfc3986 and canonicalQueryString', () => {
  it('escapes everything but unreserved characters, space as %20', () => {
    expect(encodeRfc3986("a b+c*!'()~._-é")).toBe('a%20b%2Bc%2A%21%27%28%29~._-%C3%A9');
  });

  it('sorts names and repeated values and round-trips through parseQueryString', () => {
    const query = canonicalQueryString({ z: 'last', a: ['2', '1'], m: 'x y' });

    expect(query).toBe('a=1&a=2&m=x%20y&z=last');
    expect(parseQueryString(query)).toEqual({ a: ['1', '2'], m: 'x y', z: 'last' });
  });
});

describe('verifyApigRequest', () => {
  const url = `${ORDER_URL}?orderId=MOCKONDEMAND&orderLineId=MOCKONDEMAND-000001`;
  const body = { usage_records: [{ instance_id: 'i1', usage_value: '1.5' }] };

  it('accepts a signed GET and a signed POST', () => {
    const get = signApigRequest({ method: 'GET', url }, EXAMPLE, DATE);
    const post = signApigRequest(
      { method: 'POST', url: USAGE_URL, headers: { 'content-type': 'application/json' }, body },
      EXAMPLE,
      DATE,
    );

    const getVerdict = verifyApigRequest(received('GET', url, get, ''), {
      secretFor,
      now: DATE_MS,
    });
    const postVerdict = verifyApigRequest(received('POST', USAGE_URL, post, JSON.stringify(body)), {
      secretFor,
      now: DATE_MS + 60_000,
    });

    expect(getVerdict).toEqual({ ok: true, ak: 'AKEXAMPLE' });
    expect(postVerdict).toEqual({ ok: true, ak: 'AKEXAMPLE' });
  });

  it('accepts the independent apigAkSk vector', () => {
    const vector = vectors.apigAkSk[0];
    if (!vector) throw new Error('vector missing');
    const headers = { ...vector.headers, Authorization: vector.authorization };

    const verdict = verifyApigRequest(received(vector.method, vector.url, headers, vector.body), {
      secretFor: (ak) => (ak === vector.ak ? vector.sk : undefined),
      now: DATE_MS,
    });

    expect(verdict).toEqual({ ok: true, ak: vector.ak });
  });

  it('rejects a tampered query', () => {
    const headers = signApigRequest({ method: 'GET', url }, EXAMPLE, DATE);

    const verdict = verifyApigRequest(
      received('GET', url.replace('MOCKONDEMAND-000001', 'MOCKONDEMAND-000002'), headers, ''),
      { secretFor, now: DATE_MS },
    );

    expect(verdict).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('rejects a tampered body', () => {
    const headers = signApigRequest({ method: 'POST', url: USAGE_URL, body }, EXAMPLE, DATE);

    const verdict = verifyApigRequest(
      received('POST', USAGE_URL, headers, JSON.stringify(body).replace('1.5', '15')),
      { secretFor, now: DATE_MS },
    );

    expect(verdict).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('rejects a signature made with the wrong SK', () => {
    const headers = signApigRequest({ method: 'GET', url }, { ak: 'AKEXAMPLE', sk: 'WRONG' }, DATE);

    const verdict = verifyApigRequest(received('GET', url, headers, ''), {
      secretFor,
      now: DATE_MS,
    });

    expect(verdict).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('rejects an unknown AK and a missing Authorization header', () => {
    const headers = signApigRequest({ method: 'GET', url }, { ak: 'OTHER', sk: 'SKEXAMPLE' }, DATE);
    const { Authorization: _dropped, ...unsigned } = headers;

    const unknown = verifyApigRequest(received('GET', url, headers, ''), {
      secretFor,
      now: DATE_MS,
    });
    const missing = verifyApigRequest(received('GET', url, unsigned, ''), {
      secretFor,
      now: DATE_MS,
    });

    expect(unknown).toEqual({ ok: false, reason: 'unknown access key' });
    expect(missing).toEqual({ ok: false, reason: 'missing Authorization header' });
  });

  it('rejects an X-Sdk-Date more than 15 minutes away, in either direction', () => {
    const headers = signApigRequest({ method: 'GET', url }, EXAMPLE, DATE);
    const request = received('GET', url, headers, '');

    const late = verifyApigRequest(request, { secretFor, now: DATE_MS + 15 * 60_000 + 1000 });
    const early = verifyApigRequest(request, { secretFor, now: DATE_MS - 15 * 60_000 - 1000 });
    const edge = verifyApigRequest(request, { secretFor, now: DATE_MS + 14 * 60_000 });

    expect(late).toEqual({ ok: false, reason: 'stale X-Sdk-Date' });
    expect(early).toEqual({ ok: false, reason: 'stale X-Sdk-Date' });
    expect(edge.ok).toBe(true);
  });

  it('rejects a request whose date header changed after signing', () => {
    const headers = signApigRequest({ method: 'GET', url }, EXAMPLE, DATE);

    const verdict = verifyApigRequest(
      received('GET', url, { ...headers, 'X-Sdk-Date': formatSdkDate(DATE_MS + 1000) }, ''),
      { secretFor, now: DATE_MS },
    );

    expect(verdict).toEqual({ ok: false, reason: 'signature mismatch' });
  });
});
