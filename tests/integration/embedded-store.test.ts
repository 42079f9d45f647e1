import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedStore } from '../../lib/local/embedded-store';
import { createDynamooseStore } from '../../lib/store/dynamoose-store';
import { NAMESPACE } from '../../lib/store/instance-store';
import { makeRecord } from '../contract/instance-store.contract';

describe('startEmbeddedStore', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'embedded-store-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only and keeps the state under dataDir across restarts', async () => {
    const tableName = 'koogallery-local';
    const record = makeRecord();
    const first = await startEmbeddedStore({ dataDir, tableName });
    await createDynamooseStore({ tableName, ...first }).createInstance(record);
    await first.close();

    const second = await startEmbeddedStore({ dataDir, tableName });
    try {
      const stored = await createDynamooseStore({ tableName, ...second }).getInstance(
        NAMESPACE.REAL,
        record.instanceId,
      );

      expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(stored).toEqual(record);
    } finally {
      await second.close();
    }
  });

  it('starts in memory without dataDir, and close can be called twice', async () => {
    const embedded = await startEmbeddedStore({ tableName: 'koogallery-memory' });
    const store = createDynamooseStore({ tableName: 'koogallery-memory', ...embedded });

    const outcome = await store.recordNonce('v2', 'n-1', Date.now());
    await embedded.close();

    expect(outcome).toBe('written');
    await expect(embedded.close()).resolves.toBeUndefined();
  });

  it('refuses a port that is already in use with a message saying what to do', async () => {
    const taken = await startEmbeddedStore({ tableName: 'koogallery-taken' });
    try {
      const port = Number(new URL(taken.endpoint).port);

      await expect(startEmbeddedStore({ port, tableName: 'koogallery-taken' })).rejects.toThrow(
        /in use: choose another port or 0/,
      );
    } finally {
      await taken.close();
    }
  });
});
