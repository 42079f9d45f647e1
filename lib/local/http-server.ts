import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../app';
import { type HttpRequest, lowerHeaders, parseQuery } from '../http';

/** A running local HTTP front for the app. */
export interface LocalHttpServer {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  port: number;
  server: Server;
  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void>;
}

/**
 * Reads a body up to `limit + 1` bytes: enough for the app to see it is too large and refuse it
 * before parsing, without buffering an arbitrarily large upload.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return;
      const room = limit + 1 - size;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(part);
      size += part.length;
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Turns a node:http request into the app's request. */
export async function fromNodeRequest(
  req: IncomingMessage,
  maxBodyBytes: number,
): Promise<HttpRequest> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: q < 0 ? url : url.slice(0, q),
    rawQuery,
    query: parseQuery(rawQuery),
    headers: lowerHeaders(req.headers),
    body: await readBody(req, maxBodyBytes),
  };
}

/**
 * Serves the app on 127.0.0.1 (any path, any method), as `npm start` and the tests do.
 *
 * @example const server = await startLocalHttpServer(app, { port: 0, maxBodyBytes: 65536 });
 */
export async function startLocalHttpServer(
  app: App,
  options: { port: number; maxBodyBytes: number; onError?: (error: unknown) => void },
): Promise<LocalHttpServer> {
  const server = createServer((req, res) => {
    fromNodeRequest(req, options.maxBodyBytes)
      .then((request) => app(request))
      .then((response) => {
        res.writeHead(response.statusCode, {
          ...response.headers,
          'Content-Length': String(Buffer.byteLength(response.body)),
        });
        res.end(response.body);
      })
      .catch((error: unknown) => {
        options.onError?.(error);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end();
      });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `port ${options.port} on 127.0.0.1 is in use: set PORT to a free port (or 0 for any)`,
            )
          : error,
      );
    });
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
