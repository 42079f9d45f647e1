import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { CreateTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '../../lib/errors';
import { createDynamooseStore } from '../../lib/store/dynamoose-store';
import { NAMESPACE, STATUS } from '../../lib/store/instance-store';
import { ensureTable, verifyTable } from '../../lib/store/table-schema';
import { startTestDynalite, TEST_DYNAMO, type TestDynalite } from '../helpers/dynalite';
import { describeInstanceStoreContract, makeRecord } from './instance-store.contract';

let dynamo: TestDynalite;

beforeAll(async () => {
  dynamo = await startTestDynalite();
});

afterAll(async () => {
  await dynamo.close();
});

function storeOn(target: { endpoint: string; tableName: string }, requestTimeoutMs?: number) {
  return createDynamooseStore({
    tableName: target.tableName,
    endpoint: target.endpoint,
    ...TEST_DYNAMO,
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
  });
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server on 127.0.0.1 that accepts connections and never answers (a black hole). */
async function startBlackHole(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describeInstanceStoreContract('dynamoose store on dynalite', () => storeOn(dynamo));

describe('createDynamooseStore', () => {
  it('stores a nonce item with a numeric expiresAt in epoch seconds', async () => {
    const store = storeOn(dynamo);
    const nonce = randomUUID();

    await store.recordNonce('v2', nonce, 1_700_000_000_001);

    const { Item } = await dynamo.client.send(
      new GetItemCommand({
        TableName: dynamo.tableName,
        Key: { pk: { S: `NONCE#v2#${nonce}` } },
        ConsistentRead: true,
      }),
    );
    expect(Item?.expiresAt).toEqual({ N: '1700000001' });
  });

  it('keeps status, version, namespace, instanceId and expireTime as top-level attributes', async () => {
    const store = storeOn(dynamo);
    const record = makeRecord({ status: STATUS.ACTIVE, expireTime: 1_800_000_000_000 });

    await store.createInstance(record);

    const { Item } = await dynamo.client.send(
      new GetItemCommand({
        TableName: dynamo.tableName,
        Key: { pk: { S: `INSTANCE#real#${record.instanceId}` } },
        ConsistentRead: true,
      }),
    );
    expect(Item).toMatchObject({
      namespace: { S: 'real' },
      instanceId: { S: record.instanceId },
      status: { S: 'ACTIVE' },
      version: { N: '1' },
      expireTime: { N: '1800000000000' },
    });
    expect(JSON.parse(Item?.data?.S ?? '{}')).toMatchObject({ orderId: record.orderId });
  });

  it('makes one request per method call', async () => {
    const store = storeOn(dynamo);
    const record = makeRecord();
    const counts: number[] = [];
    dynamo.takeRequestCount();

    for (const call of [
      () => store.createInstance(record),
      () => store.createInstance(record),
      () => store.getInstance(NAMESPACE.REAL, record.instanceId),
      () => store.getInstances(NAMESPACE.REAL, [record.instanceId, 'missing-1', 'missing-2']),
      () => store.updateInstance({ ...record, version: 2 }),
      () => store.recordNonce('v2', randomUUID(), Date.now()),
    ]) {
      await call();
      counts.push(dynamo.takeRequestCount());
    }

    expect(counts).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('keeps stores on different endpoints apart in one process', async () => {
    const other = await startTestDynalite();
    try {
      const here = storeOn(dynamo);
      const there = storeOn(other);
      const record = makeRecord();

      await here.createInstance(record);
      const hereAgain = storeOn(dynamo);

      expect(await there.getInstance(NAMESPACE.REAL, record.instanceId)).toBeUndefined();
      expect(await hereAgain.getInstance(NAMESPACE.REAL, record.instanceId)).toEqual(record);
      expect(await there.createInstance(record)).toBe('written');
    } finally {
      await other.close();
    }
  });

  it('rejects with StoreUnavailableError within 3 s when nothing listens on the endpoint', async () => {
    const endpoint = `http://127.0.0.1:${await deadPort()}`;
    const store = createDynamooseStore({
      tableName: 'any-table',
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'super-secret-value' },
    });
    const started = Date.now();

    const error = await store.getInstance(NAMESPACE.REAL, 'i-1').catch((e: unknown) => e);

    expect(Date.now() - started).toBeLessThan(3000);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toContain(endpoint);
    expect((error as Error).message).toContain('DYNAMODB_ENDPOINT');
    expect((error as Error).message).not.toContain('super-secret-value');
  });

  it('rejects with StoreUnavailableError after two request timeouts on a black-holed endpoint', async () => {
    const hole = await startBlackHole();
    try {
      const store = createDynamooseStore({
        tableName: 'any-table',
        endpoint: hole.endpoint,
        ...TEST_DYNAMO,
        requestTimeoutMs: 300,
      });
      const started = Date.now();

      const error = await store.createInstance(makeRecord()).catch((e: unknown) => e);

      expect(Date.now() - started).toBeLessThan(2000);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/did not answer in time/);
    } finally {
      await hole.close();
    }
  });

  it('rejects with StoreUnavailableError naming table:create when the table is missing', async () => {
    const store = storeOn({ endpoint: dynamo.endpoint, tableName: `missing-${randomUUID()}` });

    const error = await store.recordNonce('v2', randomUUID(), Date.now()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/does not exist.*table:create/);
  });
});

describe('ensureTable and verifyTable', () => {
  it('ensureTable is idempotent and reports that dynalite has no TTL support', async () => {
    const warnings: string[] = [];
    const log = { info: () => undefined, warn: (message: string) => warnings.push(message) };

    const again = await ensureTable({ client: dynamo.client, tableName: dynamo.tableName, log });

    expect(again).toEqual({ created: false, ttl: 'unsupported' });
    expect(warnings).toEqual([expect.stringContaining('TTL could not be enabled')]);
    expect(await verifyTable({ client: dynamo.client, tableName: dynamo.tableName })).toEqual([]);
  });

  it('ensureTable creates a missing table on demand', async () => {
    const tableName = `created-${randomUUID()}`;

    const result = await ensureTable({ client: dynamo.client, tableName });

    expect(result).toEqual({ created: true, billing: 'on-demand', ttl: 'unsupported' });
    expect(await verifyTable({ client: dynamo.client, tableName })).toEqual([]);
  });

  it('verifyTable reports a missing table', async () => {
    const problems = await verifyTable({
      client: dynamo.client,
      tableName: `missing-${randomUUID()}`,
    });

    expect(problems).toEqual([expect.stringMatching(/does not exist.*table:create/)]);
  });

  it('verifyTable and ensureTable report a table with the wrong key schema', async () => {
    const tableName = `wrong-${randomUUID()}`;
    await dynamo.client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [
          { AttributeName: 'id', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'id', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));

    const problems = await verifyTable({ client: dynamo.client, tableName });

    expect(problems).toEqual([
      expect.stringContaining('has hash key "id"; expected "pk"'),
      expect.stringContaining('has a sort key "sk"'),
    ]);
    await expect(ensureTable({ client: dynamo.client, tableName })).rejects.toThrow(
      /expected "pk"/,
    );
  });

  it('verifyTable refuses a table name GeminiDB does not accept', async () => {
    const problems = await verifyTable({ client: dynamo.client, tableName: 'koogallery.state' });

    expect(problems).toEqual([expect.stringContaining('contains "."')]);
  });
});
