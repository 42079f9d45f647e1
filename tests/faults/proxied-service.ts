/**
 * A test service whose store traffic goes through a fault proxy: its own dynalite, the proxy in
 * front of it, and a direct view of the table for judging what was stored.
 */
import { createDynamooseStore } from '../../lib/store/dynamoose-store';
import { startTestDynalite, TEST_DYNAMO, type TestDynalite } from '../helpers/dynalite';
import { startTestService, type TestService } from '../helpers/service';
import { scanTable, type TableSnapshot } from '../helpers/table-scan';

/** A test service plus the dynalite behind its proxied store. */
export interface ProxiedService {
  svc: TestService;
  table: TestDynalite;
  /** Reads the table directly, past the proxy. */
  scan(): Promise<TableSnapshot>;
  close(): Promise<void>;
}

/**
 * Starts dynalite, lets `proxy` put a fault proxy in front of it, and starts the service on the
 * proxy's endpoint, with the production store timeouts (1.5 s per attempt, two attempts).
 */
export async function startProxiedService(
  proxy: (target: string) => Promise<{ endpoint: string; close(): Promise<void> }>,
  settings: Record<string, string> = {},
): Promise<ProxiedService> {
  const table = await startTestDynalite();
  const front = await proxy(table.endpoint);
  const svc = await startTestService({
    settings,
    overrides: {
      store: createDynamooseStore({
        tableName: table.tableName,
        endpoint: front.endpoint,
        region: TEST_DYNAMO.region,
        credentials: TEST_DYNAMO.credentials,
        requestTimeoutMs: 1500,
      }),
    },
  });
  return {
    svc,
    table,
    scan: () => scanTable(table.endpoint, table.tableName),
    close: async () => {
      await svc.close();
      await front.close();
      await table.close();
    },
  };
}
