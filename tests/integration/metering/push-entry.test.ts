/**
 * The scheduled usage push function (`createUsagePushHandler`) against a real dynalite and the
 * open-API stand-in: its store clients are built once per container, not once per invocation.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { type OpenApiStandIn, startOpenApiStandIn } from '../../../lib/local/open-api-stand-in';
import { silentLogger } from '../../../lib/log';
import { createUsagePushHandler } from '../../../lib/metering/push-entry';
import { ensureTable } from '../../../lib/store/table-schema';
import { TEST_DYNAMO } from '../../helpers/dynalite';

describe('the usage push function (#11)', () => {
  let server: ReturnType<typeof dynalite>;
  let standIn: OpenApiStandIn;
  let settings: Record<string, string>;
  let connections = 0;

  beforeAll(async () => {
    server = dynalite({ createTableMs: 0 });
    server.on('connection', () => {
      connections++;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const tableName = `test-${randomUUID()}`;
    const client = new DynamoDBClient({ endpoint, ...TEST_DYNAMO });
    await ensureTable({ client, tableName });
    client.destroy();
    standIn = await startOpenApiStandIn({ ak: 'TESTAK0123456789ABCD', sk: 'test-sk-0123' });
    settings = {
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: endpoint,
      DYNAMODB_REGION: TEST_DYNAMO.region,
      DYNAMODB_ACCESS_KEY_ID: TEST_DYNAMO.credentials.accessKeyId,
      DYNAMODB_SECRET_ACCESS_KEY: TEST_DYNAMO.credentials.secretAccessKey,
      HUAWEICLOUD_AK: 'TESTAK0123456789ABCD',
      HUAWEICLOUD_SK: 'test-sk-0123',
      KOOGALLERY_ACCESS_KEY: 'test-access-key',
      KOOGALLERY_API_ENDPOINT: standIn.endpoint,
    };
  });

  afterAll(async () => {
    await standIn.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  it('reads its settings and builds its store clients once, then reuses them for every run', async () => {
    let lookups = 0;
    const handler = createUsagePushHandler(
      async () => {
        lookups++;
        return (key) => settings[key];
      },
      { log: silentLogger },
    );

    const first = await handler({}, {});
    const afterFirst = connections;
    const second = await handler({}, {});
    const third = await handler({}, {});

    expect([first, second, third].map((s) => s.ran)).toEqual([true, true, true]);
    expect(lookups).toBe(1);
    expect(afterFirst).toBeGreaterThan(0);
    // One connection pool, kept alive between runs: no new connections for the later runs.
    expect(connections).toBe(afterFirst);
  });

  it('reads the settings again after a failed start', async () => {
    let calls = 0;
    const handler = createUsagePushHandler(
      async () => {
        calls++;
        return (key) =>
          calls === 1 && key === 'KOOGALLERY_API_ENDPOINT' ? 'ftp://nope' : settings[key];
      },
      { log: silentLogger },
    );

    await expect(handler({}, {})).rejects.toThrow(/KOOGALLERY_API_ENDPOINT must be https:\/\//);
    expect((await handler({}, {})).ran).toBe(true);
  });
});
