import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback endpoint where nothing listens: a port taken, then given back. */
export async function refusingEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** An endpoint that accepts connections and reads requests but never answers any. */
export interface SilentEndpoint {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** How many requests reached it (none was answered). */
  readonly requests: number;
  /** Drops the held connections and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a 127.0.0.1 server that holds every request without answering, so a client sees the
 * connection succeed and then its own timeout (#9).
 */
export async function silentEndpoint(): Promise<SilentEndpoint> {
  let requests = 0;
  const server = createServer(() => {
    requests += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
