import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createDynamooseUsageStore } from '../../lib/store/dynamoose-usage-store';
import { startTestDynalite, TEST_DYNAMO, type TestDynalite } from '../helpers/dynalite';
import { describeUsageStoreContract, makeHour } from './usage-store.contract';

let dynamo: TestDynalite;

beforeAll(async () => {
  dynamo = await startTestDynalite();
});

afterAll(async () => {
  await dynamo.close();
});

const storeOn = () =>
  createDynamooseUsageStore({
    tableName: dynamo.tableName,
    endpoint: dynamo.endpoint,
    ...TEST_DYNAMO,
  });

describeUsageStoreContract('dynamoose usage store on dynalite', storeOn);

describe('createDynamooseUsageStore (#11)', () => {
  it('keeps an hour under USAGE#<instance>#<hour> with top-level state and a TTL once accepted', async () => {
    const store = storeOn();
    const hour = makeHour();
    await store.createHour(hour);
    const key = { pk: { S: `USAGE#${hour.instanceId}#${hour.hour}` } };
    const read = () =>
      dynamo.client.send(
        new GetItemCommand({ TableName: dynamo.tableName, Key: key, ConsistentRead: true }),
      );

    const before = (await read()).Item;
    await store.markAccepted(hour, 1_700_000_100_000, 1_702_000_000_001);
    const after = (await read()).Item;

    expect(before).toMatchObject({ state: { S: 'RECORDED' }, units: { N: '12345' } });
    expect(before?.expiresAt).toBeUndefined();
    expect(after).toMatchObject({ state: { S: 'ACCEPTED' }, expiresAt: { N: '1702000001' } });
  });
});
