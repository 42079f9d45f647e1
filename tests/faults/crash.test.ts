import { createSignedClient } from '../helpers/signed-client';
import {
  LOCAL_TABLE,
  makeDataDir,
  removeDataDir,
  type SpawnedService,
  spawnService,
} from '../helpers/spawned-service';
import { scanTable } from '../helpers/table-scan';
import { expectConverged, ordersOf, purchaseOf } from './purchases';

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
    const orders = ordersOf(30, 'KILL');
    const first = await spawnService({ dataDir, env: ENV });
    const client = createSignedClient(first.url, first.accessKey, 16);
    let answered = 0;
    const burst = orders.flatMap((o) =>
      [0, 1].map(() =>
        client.send(purchaseOf(o)).then((a) => (answered += a.status === 200 ? 1 : 0)),
      ),
    );

    // Act: SIGKILL once part of the burst has been answered, then restart on the same data.
    for (let i = 0; i < 500 && answered < 10; i++) await new Promise((r) => setTimeout(r, 10));
    await first.kill('SIGKILL');
    await Promise.all(burst);
    client.close();
    const restarted = await spawnService({ dataDir, env: ENV });
    svc = restarted;
    const again = createSignedClient(restarted.url, restarted.accessKey, 16);

    // Assert: the same key after the restart, the kill came mid-burst, and KooGallery's retries
    // leave one sealed ACTIVE instance per order.
    expect(restarted.accessKey).toBe(first.accessKey);
    expect(answered).toBeLessThan(orders.length * 2);
    await expectConverged(again, () => scanTable(restarted.storeEndpoint, LOCAL_TABLE), orders);
    again.close();
  }, 90_000);
});
