/** `koogallery-sim serve-openapi`: it listens, so it runs here, not under tests/unit (#10). */
import { tmpdir } from 'node:os';
import { createQueryOrderClient } from '../../../lib/open-api/query-order-client';
import { type CliIo, EXIT, main } from '../../../lib/sim/cli';

function io(overrides: Partial<CliIo> = {}, onWrite: () => void = () => undefined) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: {
      write: (t: string) => {
        out.push(t);
        onWrite();
      },
    },
    stderr: { write: (t: string) => err.push(t) },
    env: {},
    cwd: tmpdir(),
    untilStopped: () => Promise.resolve(),
    ...overrides,
  };
  return { io: value, out: () => out.join(''), err: () => err.join('') };
}

describe('koogallery-sim serve-openapi', () => {
  it('serves Query Order with the AK/SK it prints, until stopped', async () => {
    // Arrange: the stand-in is queried before the command is told to stop
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((done) => {
      stop = done;
    });
    let wrote: () => void = () => undefined;
    const written = new Promise<void>((done) => {
      wrote = done;
    });
    const t = io({ untilStopped: () => stopped }, wrote);

    // Act: the command prints once its stand-in listens
    const running = main(['serve-openapi', '--json'], t.io);
    await Promise.race([written, running]);
    if (!t.out()) throw new Error(`serve-openapi printed nothing: ${t.err()}`);
    const printed = JSON.parse(t.out()) as { endpoint: string; ak: string; sk: string };
    const orders = createQueryOrderClient({ ...printed, timeoutMs: 2000, attempts: 1 });
    const order = await orders.queryOrder('MOCKPERIODYEARNEW');
    stop();

    // Assert
    expect(printed.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(printed.ak).toMatch(/^[A-Z0-9]{20}$/);
    expect(order.orderId).toBe('MOCKPERIODYEARNEW');
    expect(await running).toBe(EXIT.OK);
  });

  it('does not print an SK given through HUAWEICLOUD_SK', async () => {
    const t = io({ env: { HUAWEICLOUD_AK: 'GIVENAK', HUAWEICLOUD_SK: 'given-secret-value' } });

    const code = await main(['serve-openapi'], t.io);

    expect(code).toBe(EXIT.OK);
    expect(t.out()).toContain('from HUAWEICLOUD_AK / HUAWEICLOUD_SK');
    expect(t.out()).not.toContain('given-secret-value');
  });
});
