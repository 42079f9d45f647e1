/**
 * The local HTTP server against slow and oversized senders (#14): a client that trickles its
 * headers or its body is cut off by the header and request timeouts, and an upload larger than
 * the body limit is refused (signed `000002`) without being read to its end. Through the real
 * server, the real app and dynalite, over raw sockets.
 */
import { connect, type Socket } from 'node:net';
import { verifyBodySign } from '../../lib/protocol/body-sign';
import { startTestService, type TestService } from '../helpers/service';

/** A raw connection that collects what the server sends and notes when it closes. */
interface Conn {
  socket: Socket;
  received(): string;
  /** Resolves once the server has closed the connection. */
  closed: Promise<void>;
  /** Resolves once `text` appears in what was received. */
  waitFor(text: string): Promise<void>;
}

/** Every connection opened, destroyed after each test whatever happened. */
const opened: Socket[] = [];

function open(url: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const socket = connect(Number(target.port), target.hostname);
    opened.push(socket);
    const chunks: Buffer[] = [];
    const waiters: { text: string; done: () => void }[] = [];
    const received = () => Buffer.concat(chunks).toString('latin1');
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      for (const w of waiters) if (received().includes(w.text)) w.done();
    });
    // Writes after the server closed fail with EPIPE/ECONNRESET: that is what is tested.
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () =>
      resolve({
        socket,
        received,
        closed,
        waitFor: (text) =>
          new Promise<void>((done) => {
            if (received().includes(text)) done();
            else waiters.push({ text, done });
          }),
      }),
    );
    socket.once('error', reject);
  });
}

describe('the local HTTP server against slow and oversized senders (#14)', () => {
  let svc: TestService;

  beforeAll(async () => {
    svc = await startTestService({
      server: { headersTimeoutMs: 300, requestTimeoutMs: 600, timeoutCheckIntervalMs: 50 },
    });
  });

  afterEach(() => {
    for (const socket of opened.splice(0)) socket.destroy();
  });

  afterAll(async () => {
    await svc.close();
  });

  it('closes a connection whose headers never finish', async () => {
    const conn = await open(svc.url);

    conn.socket.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n');
    await conn.closed;

    expect(conn.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(conn.received()).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/);
  });

  it('closes a connection whose body never finishes', async () => {
    const conn = await open(svc.url);

    conn.socket.write(
      'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100\r\n\r\n{"activity":',
    );
    await conn.closed;

    expect(conn.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(conn.received()).toMatch(/\r\nCache-Control: no-store\r\n/);
  });

  it('refuses an oversized upload, signed, before it ends, and closes the connection', async () => {
    const limit = svc.deps.config.maxBodyBytes;
    const declared = limit * 100;
    const conn = await open(svc.url);

    // Declares 100 times the limit, sends a little more than the limit, then holds the rest.
    conn.socket.write(
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`,
    );
    conn.socket.write('x'.repeat(limit + 1024));
    await conn.waitFor('"}');
    await conn.closed;

    const raw = conn.received();
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toMatch(/\r\nConnection: close\r\n/i);
    expect(JSON.parse(body)).toMatchObject({ resultCode: '000002' });
    const sign = /\r\nBody-Sign: (.*)\r\n/i.exec(`${head}\r\n`)?.[1];
    expect(verifyBodySign(sign, svc.accessKey, body)).toEqual({ ok: true });
  });
});
