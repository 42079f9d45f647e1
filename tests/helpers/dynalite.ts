/**
 * A real dynalite for store tests: in memory, on 127.0.0.1 and a free port, with a uniquely named
 * state table created through `ensureTable` (the production path).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { ensureTable } from '../../lib/store/table-schema';

/** Region and placeholder credentials for clients of a test dynalite (it checks none). */
export const TEST_DYNAMO = {
  region: 'local',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
} as const;

/** A running test dynalite. */
export interface TestDynalite {
  endpoint: string;
  /** A table named for this start only, already ACTIVE. */
  tableName: string;
  /** A raw SDK client on this dynalite, for assertions on stored items. */
  client: DynamoDBClient;
  /** HTTP requests dynalite received since the last call (the count is then reset). */
  takeRequestCount(): number;
  close(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1:0 and ensures a uniquely named table on it. */
export async function startTestDynalite(): Promise<TestDynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  let requests = 0;
  server.on('request', () => {
    requests += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tableName = `test-${randomUUID()}`;
  const client = new DynamoDBClient({ endpoint, ...TEST_DYNAMO });
  await ensureTable({ client, tableName });
  requests = 0;
  return {
    endpoint,
    tableName,
    client,
    takeRequestCount() {
      const count = requests;
      requests = 0;
      return count;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        client.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
