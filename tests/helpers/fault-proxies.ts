/**
 * Loopback proxies that put faults between the function and its store (issue 6 item 2):
 * a TCP proxy that delays every chunk, refuses connections or black-holes them, and an HTTP proxy
 * that lets reads through but refuses writes the way a throttled DynamoDB does.
 */
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/** What the TCP proxy does with connections. */
export type TcpProxyMode = 'pass' | 'refuse' | 'blackhole';

/** A running TCP proxy. */
export interface TcpFaultProxy {
  /** `http://127.0.0.1:<port>`, to use as the store endpoint. */
  endpoint: string;
  /** Delays each chunk by this many ms in each direction (order kept). */
  setDelay(ms: number): void;
  /** `refuse` stops listening and resets open connections (ECONNREFUSED / ECONNRESET). */
  setMode(mode: TcpProxyMode): Promise<void>;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * A TCP proxy on 127.0.0.1 in front of `target` (an `http://127.0.0.1:<port>` endpoint).
 *
 * @example const proxy = await startTcpFaultProxy(dynalite.endpoint); proxy.setDelay(300);
 */
export async function startTcpFaultProxy(target: string): Promise<TcpFaultProxy> {
  const to = new URL(target);
  let delayMs = 0;
  let mode: TcpProxyMode = 'pass';
  const sockets = new Set<Socket>();

  const relay = (from: Socket, toSocket: Socket): void => {
    // Each chunk leaves no earlier than the previous one, so a delay never reorders bytes.
    let last = 0;
    from.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole') return;
      const at = Math.max(Date.now() + delayMs, last);
      last = at;
      const wait = at - Date.now();
      if (wait <= 0) toSocket.write(chunk);
      else setTimeout(() => toSocket.destroyed || toSocket.write(chunk), wait);
    });
    from.on('end', () => setTimeout(() => toSocket.end(), Math.max(0, last - Date.now())));
    from.on('error', () => toSocket.destroy());
    from.on('close', () => toSocket.destroy());
  };

  const server = createServer((client) => {
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = connect(Number(to.port), to.hostname);
    sockets.add(client);
    sockets.add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    relay(client, upstream);
    relay(upstream, client);
  });
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    setDelay(ms) {
      delayMs = ms;
    },
    async setMode(next) {
      if (next === mode) return;
      const wasRefusing = mode === 'refuse';
      mode = next;
      if (next === 'refuse') {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      } else if (wasRefusing) {
        await listen(server, port);
      }
    },
    async close() {
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Which writes the HTTP proxy refuses. */
export type WriteRefusal = 'none' | 'all-writes' | 'instance-writes' | 'instance-updates';

/** A running write-refusing proxy. */
export interface WriteRefusingProxy {
  endpoint: string;
  refuse(which: WriteRefusal): void;
  /** PutItem requests refused so far. */
  readonly refused: number;
  close(): Promise<void>;
}

const THROTTLED = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message: 'injected: the table refuses writes',
});

/**
 * An HTTP proxy on 127.0.0.1 in front of a DynamoDB-compatible `target`: every request passes,
 * except PutItem requests that `refuse` selects, which get the throttling error DynamoDB sends
 * (`instance-writes`: instance items only, so nonces still record; `instance-updates`: only the
 * version-guarded updates, i.e. every write after a purchase's claim).
 */
export async function startWriteRefusingProxy(target: string): Promise<WriteRefusingProxy> {
  const to = new URL(target);
  let which: WriteRefusal = 'none';
  let refused = 0;
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1];
      if (op === 'PutItem' && which !== 'none') {
        const text = body.toString('utf8');
        const instance = text.includes('"INSTANCE#');
        const update = instance && /version/.test(text) && !/attribute_not_exists/.test(text);
        if (
          which === 'all-writes' ||
          (which === 'instance-writes' && instance) ||
          (which === 'instance-updates' && update)
        ) {
          refused++;
          res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.0' });
          res.end(THROTTLED);
          return;
        }
      }
      const up = httpRequest(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await listen(server as unknown as Server, 0);
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    refuse(next) {
      which = next;
    },
    get refused() {
      return refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
