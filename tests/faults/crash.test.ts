import { randomBytes } from 'node:crypto';
import { instanceIdFor } from '../../lib/ids';
import { createSignedClient, retryUntilSuccess } from '../helpers/signed-client';
import {
  LOCAL_TABLE,
  makeDataDir,
  removeDataDir,
  type SpawnedService,
  spawnService,
} from '../helpers/spawned-service';
import { scanTable } from '../helpers/table-scan';

// A claim left by the killed process is taken over once its lease expires: 5 s here.
const ENV = { PROVISIONING_LEASE_SECONDS: '5', LOG_LEVEL: 'warn' };

describe('npm start killed with SIGKILL during a burst of purchases (#6)', () => {
  let dataDir: string;
  let svc: SpawnedService | undefined;
  beforeAll(async () => {
    dataDir = await makeDataDir();
  });
  afterAll(async () => {
    await svc?.kill('SIGTERM');
    await removeDataDir(dataDir);
  });

  it('converges to one sealed instance per order after a restart on the same DATA_DIR', async () => {
    // Arrange: a burst of purchases, each sent twice at once.
    const orders = Array.from(
      { length: 30 },
      (_, i) => `KILL${randomBytes(4).toString('hex')}${i}`,
    );
    const purchase = (o: string) => ({
      activity: 'newInstance',
      orderId: o,
      orderLineId: `${o}-000001`,
      businessId: 'b',
    });
    const first = await spawnService({ dataDir, env: ENV });
    const client = createSignedClient(first.url, first.accessKey, 16);
    let answered = 0;
    const burst = orders.flatMap((o) =>
      [0, 1].map(() =>
        client.send(purchase(o)).then((a) => (answered += a.status === 200 ? 1 : 0)),
      ),
    );

    // Act: SIGKILL once part of the burst has been answered, then restart on the same data.
    for (let i = 0; i < 500 && answered < 10; i++) await new Promise((r) => setTimeout(r, 10));
    await first.kill('SIGKILL');
    await Promise.all(burst);
    client.close();
    svc = await spawnService({ dataDir, env: ENV });
    const again = createSignedClient(svc.url, svc.accessKey, 16);
    const finals = await Promise.all(
      orders.map((o) => retryUntilSuccess(() => again.send(purchase(o)), 60, 250)),
    );

    // Assert: every order answered 000000, one ACTIVE instance with credentials each, readable.
    expect(svc.accessKey).toBe(first.accessKey);
    expect(answered).toBeLessThan(orders.length * 2);
    expect(finals.map((f) => f[0]?.resultCode)).toEqual(orders.map(() => '000000'));
    const real = (await scanTable(svc.storeEndpoint, LOCAL_TABLE)).instances.filter(
      (r) => r.namespace === 'real',
    );
    const ids = orders.map((o) => instanceIdFor('real', o, `${o}-000001`)).sort();
    expect(real.map((r) => r.instanceId).sort()).toEqual(ids);
    expect(real.every((r) => r.status === 'ACTIVE' && r.sealedAppInfo !== undefined)).toBe(true);
    for (const id of ids) {
      expect((await again.send({ activity: 'queryInstance', instanceId: id })).resultCode).toBe(
        '000000',
      );
    }
    again.close();
  }, 90_000);
});
