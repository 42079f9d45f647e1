import { createServer } from 'node:http';
import * as net from 'node:net';

describe('unit tests start no server (#10)', () => {
  it('refuses to listen, naming where such a test belongs', () => {
    const server = net.createServer();

    expect(() => server.listen(0, '127.0.0.1')).toThrow(/tests\/integration\//);
    expect(server.listening).toBe(false);
  });

  it('refuses an HTTP server too (a receiver, a local environment, dynalite)', () => {
    const server = createServer();

    expect(() => server.listen(0, '127.0.0.1')).toThrow(/must not \(#10\)/);
    expect(server.listening).toBe(false);
  });
});
