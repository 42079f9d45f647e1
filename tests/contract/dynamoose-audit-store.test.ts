import { randomUUID } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '../../lib/errors';
import { createDynamooseAuditStore } from '../../lib/store/dynamoose-audit-store';
import { startTestDynalite, TEST_DYNAMO, type TestDynalite } from '../helpers/dynalite';
import { describeAuditStoreContract, makeEntry, T0 } from './audit-store.contract';

let dynamo: TestDynalite;

beforeAll(async () => {
  dynamo = await startTestDynalite();
});

afterAll(async () => {
  await dynamo.close();
});

const storeOn = (tableName = dynamo.tableName) =>
  createDynamooseAuditStore({ tableName, endpoint: dynamo.endpoint, ...TEST_DYNAMO });

describeAuditStoreContract('dynamoose audit store on dynalite', () => storeOn());

describe('createDynamooseAuditStore (#13)', () => {
  it('files an entry as e_<id> in AUDIT#I#<instance>#<day> with day and a TTL in epoch seconds', async () => {
    const instanceId = `i-${randomUUID()}`;
    const entry = makeEntry({ instanceId });

    await storeOn().appendEntry({ kind: 'instance', id: instanceId }, entry, 1_800_000_000_001);

    const { Item } = await dynamo.client.send(
      new GetItemCommand({
        TableName: dynamo.tableName,
        Key: { pk: { S: `AUDIT#I#${instanceId}#20261129` } },
        ConsistentRead: true,
      }),
    );
    expect(Item?.day).toEqual({ S: '20261129' });
    expect(Item?.expiresAt).toEqual({ N: '1800000001' });
    expect(JSON.parse(Item?.[`e_${entry.id}`]?.S ?? '{}')).toEqual(entry);
  });

  it('appends with one request and reads 150 days with two', async () => {
    const store = storeOn();
    const id = `i-${randomUUID()}`;
    dynamo.takeRequestCount();

    await store.appendEntry({ kind: 'instance', id }, makeEntry({ time: T0 }), T0);
    const appendTrips = dynamo.takeRequestCount();
    const days = Array.from({ length: 150 }, (_, d) =>
      new Date(T0 - d * 86_400_000).toISOString().slice(0, 10).replace(/-/g, ''),
    );
    const read = await store.readEntries({ kind: 'instance', id }, days);

    expect(appendTrips).toBe(1);
    expect(dynamo.takeRequestCount()).toBe(2);
    expect(read).toHaveLength(1);
  });

  it('rejects with StoreUnavailableError naming table:create when the table is missing', async () => {
    const store = storeOn(`missing-${randomUUID()}`);

    const error = await store
      .appendEntry({ kind: 'unattributed' }, makeEntry(), T0)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/table:create/);
  });
});
