/**
 * What KooGallery's pre-listing vulnerability scan sees (#9): every answer carries
 * `X-Content-Type-Options: nosniff` and `Cache-Control: no-store`, no `Server` or `X-Powered-By`
 * banner, and no method, path or header gets anything but a signed `000001`/`000002` that echoes
 * nothing it was sent. Through the real local HTTP server, the real app and dynalite.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { verifyBodySign } from '../../lib/protocol/body-sign';
import { startTestService, type TestService } from '../helpers/service';

/** One answer as a scanner reads it off the wire. */
interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one request with node:http (any method, any path, any header) and reads the answer. */
function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    // node:http frames no body of a GET, DELETE, OPTIONS or TRACE unless told its length.
    const framed =
      body === undefined
        ? headers
        : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
    const req = request(
      { host: target.hostname, port: target.port, method, path, headers: framed, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Writes raw bytes on a fresh connection and returns everything the server sends before closing. */
function sendRaw(url: string, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const socket = connect(Number(target.port), target.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

describe('the answers a vulnerability scan sees (#9)', () => {
  let svc: TestService;
  let keys: string[];

  beforeAll(async () => {
    svc = await startTestService();
    keys = [svc.accessKey, svc.v1AccessKey, svc.licenseAccessKey];
  });

  afterAll(async () => {
    await svc.close();
  });

  function expectSecurityHeaders(headers: RawAnswer['headers']): void {
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['cache-control']).toBe('no-store');
    expect(headers.server).toBeUndefined();
    expect(headers['x-powered-by']).toBeUndefined();
  }

  /** A refusal signed with one of the service's keys, that repeats nothing of `sent`. */
  function expectSignedRefusal(answer: RawAnswer, sent: string[] = []): void {
    expect(answer.status).toBe(200);
    expectSecurityHeaders(answer.headers);
    expect(answer.headers['content-type']).toBe('application/json;charset=UTF-8');
    const json = JSON.parse(answer.body) as { resultCode: string; resultMsg: string };
    expect(['000001', '000002']).toContain(json.resultCode);
    const sign = String(answer.headers['body-sign']);
    expect(keys.some((k) => verifyBodySign(sign, k, answer.body).ok)).toBe(true);
    for (const s of sent) expect(answer.body.includes(s)).toBe(false);
  }

  it('sends the headers on a success too', async () => {
    const answer = await svc.send({
      activity: 'queryInstance',
      instanceId: 'scan-test-instance',
      testFlag: '1',
    });

    expect(answer.json.resultCode).toBe('000000');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('server')).toBeNull();
    expect(answer.headers.get('x-powered-by')).toBeNull();
  });

  it.each(['POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND'])(
    'answers an unsigned %s with a signed refusal and the headers',
    async (method) => {
      const answer = await send(svc.url, method, '/', { 'Content-Type': 'application/json' }, '{}');

      expectSignedRefusal(answer);
    },
  );

  it('answers HEAD with the headers and a Body-Sign, and no body', async () => {
    const answer = await send(svc.url, 'HEAD', '/');

    expect(answer.status).toBe(200);
    expectSecurityHeaders(answer.headers);
    expect(answer.headers['body-sign']).toMatch(/^sign_type="HMAC-SHA256", signature= "/);
    expect(answer.body).toBe('');
  });

  it.each([
    '/../../etc/passwd',
    '/.env',
    '/admin/config.php',
    '/%00%ff',
    '/<script>alert(1)</script>',
    `/${'a'.repeat(4000)}`,
    '/?activity=newInstance&authToken=x&timeStamp=1',
    '/?signature=1%27%20OR%20%271%27=%271&timestamp=1&nonce=1',
  ])('answers an odd path (%#) with a signed refusal that echoes nothing', async (path) => {
    const post = await send(svc.url, 'POST', path, {}, '{"activity":"newInstance"}');
    const get = await send(svc.url, 'GET', path);

    expectSignedRefusal(post, [path.slice(1, 60)]);
    expectSignedRefusal(get, [path.slice(1, 60)]);
  });

  it.each<Record<string, string>>([
    { 'X-Forwarded-For': '<script>alert(1)</script>' },
    { 'Content-Type': 'text/xml' },
    { 'Content-Type': 'application/x-www-form-urlencoded' },
    { Cookie: 'session=../../etc/passwd' },
    { 'User-Agent': "' OR 1=1 --" },
    { Host: 'evil.example.com' },
    { 'X-HTTP-Method-Override': 'DELETE' },
    { Accept: 'text/html' },
  ])('answers odd headers %p with a signed refusal that echoes nothing', async (headers) => {
    const answer = await send(svc.url, 'POST', '/', headers, '<xml/>');

    expectSignedRefusal(answer, Object.values(headers));
  });

  it('refuses an oversized body and malformed JSON, signed', async () => {
    const big = await send(svc.url, 'POST', '/', {}, 'x'.repeat(70_000));
    const malformed = await svc.send('{"activity":');

    expectSignedRefusal(big);
    expect(malformed.json.resultCode).toBe('000002');
    expect(malformed.headers.get('x-content-type-options')).toBe('nosniff');
    expect(malformed.headers.get('cache-control')).toBe('no-store');
  });

  it('answers what cannot be parsed as HTTP with a bare status, the headers and no banner', async () => {
    const badHeader = await sendRaw(
      svc.url,
      'GET / HTTP/1.1\r\nHost: x\r\nBad\u0001Header: 1\r\n\r\n',
    );
    const badLine = await sendRaw(svc.url, 'NOT-HTTP\r\n\r\n');
    const hugeHeader = await sendRaw(
      svc.url,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );

    for (const [raw, status] of [
      [badHeader, '400'],
      [badLine, '400'],
      [hugeHeader, '431'],
    ] as const) {
      expect(raw.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
      expect(raw).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/);
      expect(raw).toMatch(/\r\nCache-Control: no-store\r\n/);
      expect(raw).not.toMatch(/\r\n(Server|X-Powered-By):/i);
      expect(raw.endsWith('\r\n\r\n')).toBe(true);
    }
  });
});
