import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { App } from '../app';
import { type HttpRequest, lowerHeaders, parseQuery, SECURITY_HEADERS } from '../http';

/** A running local HTTP front for the app. */
export interface LocalHttpServer {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  port: number;
  server: Server;
  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void>;
}

/** Options of {@link startLocalHttpServer}. */
export interface LocalHttpServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Bodies longer than this are refused by the app; the server reads at most one byte more. */
  maxBodyBytes: number;
  onError?: (error: unknown) => void;
  /** Time a client has to send the request line and headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Time a client has to send the whole request, body included (default 30 s). */
  requestTimeoutMs?: number;
  /** How often those two limits are checked (default 1 s). */
  timeoutCheckIntervalMs?: number;
}

/** Defaults of the timeouts: KooGallery sends small bodies at once; a slow sender is not it. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** A request body as read: at most `limit + 1` bytes, and whether the sender had more. */
interface ReadBody {
  body: Buffer;
  /** True when the body exceeded the limit and the rest was left unread. */
  overLimit: boolean;
}

/**
 * Reads a body up to `limit + 1` bytes: enough for the app to see it is too large and refuse it
 * before parsing. Past that it stops reading (#14): the rest of an oversized upload is never
 * pulled off the wire, and the connection is closed after the refusal.
 */
function readBody(req: IncomingMessage, limit: number): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onEnd = (): void => resolve({ body: Buffer.concat(chunks), overLimit: false });
    const onData = (chunk: Buffer): void => {
      const room = limit + 1 - size;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(part);
      size += part.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        req.pause();
        resolve({ body: Buffer.concat(chunks), overLimit: true });
      }
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}

/** Turns a node:http request and its body into the app's request. */
function toHttpRequest(req: IncomingMessage, body: Buffer): HttpRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: q < 0 ? url : url.slice(0, q),
    rawQuery,
    query: parseQuery(rawQuery),
    headers: lowerHeaders(req.headers),
    body,
  };
}

/** Status lines for what node:http itself refuses before a request reaches the app. */
const CLIENT_ERRORS: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
};

/**
 * Answers what cannot become a request for the app (a malformed request line or header, headers
 * too large, a request not received within the timeouts): a bare status with the security headers
 * and no body, then the connection is closed. No `Server` banner, no detail of the parse error.
 */
function answerClientError(
  error: NodeJS.ErrnoException,
  socket: Duplex,
  answered: WeakSet<Duplex>,
): void {
  // As node:http does by default: answer only when no answer has started on this connection.
  if (error.code !== 'ECONNRESET' && socket.writable && !answered.has(socket)) {
    const status = CLIENT_ERRORS[error.code ?? ''] ?? '400 Bad Request';
    const headers = Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.write(
      `HTTP/1.1 ${status}\r\n${headers.join('')}Content-Length: 0\r\nConnection: close\r\n\r\n`,
    );
  }
  socket.destroy();
}

/**
 * Serves the app on 127.0.0.1 (any path, any method), as `npm start` and the tests do. Every
 * answer carries the security headers and no `Server` or `X-Powered-By` banner; slow senders are
 * cut off by the header and request timeouts, and an oversized body is not read to its end.
 *
 * @example const server = await startLocalHttpServer(app, { port: 0, maxBodyBytes: 65536 });
 */
export async function startLocalHttpServer(
  app: App,
  options: LocalHttpServerOptions,
): Promise<LocalHttpServer> {
  /** Connections whose current answer has started: a late client error must not write into it. */
  const answered = new WeakSet<Duplex>();
  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: options.timeoutCheckIntervalMs ?? TIMEOUT_CHECK_INTERVAL_MS,
    },
    (req, res) => {
      res.once('finish', () => answered.delete(req.socket));
      let overLimit = false;
      readBody(req, options.maxBodyBytes)
        .then((read) => {
          overLimit = read.overLimit;
          return app(toHttpRequest(req, read.body));
        })
        .then((response) => {
          answered.add(req.socket);
          res.writeHead(response.statusCode, {
            ...response.headers,
            ...SECURITY_HEADERS,
            'Content-Length': String(Buffer.byteLength(response.body)),
            // The unread rest of an oversized upload must not be taken for the next request.
            ...(overLimit ? { Connection: 'close' } : {}),
          });
          res.end(response.body);
        })
        .catch((error: unknown) => {
          options.onError?.(error);
          answered.add(req.socket);
          if (!res.headersSent) {
            res.writeHead(500, { ...SECURITY_HEADERS, 'Content-Length': '0', Connection: 'close' });
          }
          res.end();
        });
    },
  );
  server.keepAliveTimeout = 5000;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(error, socket, answered),
  );
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
