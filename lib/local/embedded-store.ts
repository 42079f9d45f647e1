/**
 * A DynamoDB-compatible store inside this process, for running the function on one machine: dynalite
 * on 127.0.0.1 (never on other interfaces: it checks no credentials), with the state table ensured.
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { Level } from 'level';
import { ensureTable, type TableLog } from '../store/table-schema';

/** A running embedded store: point the dynamoose store at `endpoint` with `region` and `credentials`. */
export interface EmbeddedStore {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Any region works; dynalite ignores it. */
  region: string;
  /** Placeholder credentials: dynalite checks none, but the SDK signs every request. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Stops the server and closes its database (persisted when `dataDir` was given). */
  close(): Promise<void>;
}

/** Another process (another `npm start`) holds the store's data folder. */
export class DataDirInUseError extends Error {
  constructor(readonly dataDir: string) {
    super(`the embedded store's data folder ${dataDir} is in use by another process`);
    this.name = 'DataDirInUseError';
  }
}

/**
 * Opens and closes the LevelDB in `dataDir` once, to find out whether another process holds its
 * lock: dynalite would otherwise fail later, outside any caller's reach ("Database is closed").
 */
async function assertDataDirFree(dataDir: string): Promise<void> {
  const probe = new Level(dataDir);
  try {
    await probe.open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') throw new DataDirInUseError(dataDir);
    throw error;
  }
  await probe.close();
}

const LOCAL_REGION = 'local';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * Starts dynalite on 127.0.0.1 (`port` 0 or absent picks a free port), persistent under `dataDir`
 * when given (in memory otherwise), and ensures the state table `tableName` exists. Throws
 * {@link DataDirInUseError} when another process holds `dataDir`.
 *
 * @example
 * const embedded = await startEmbeddedStore({ dataDir: '.data', tableName: 'koogallery-local' });
 * const store = createDynamooseStore({ tableName: 'koogallery-local', ...embedded });
 */
export async function startEmbeddedStore(options: {
  dataDir?: string;
  port?: number;
  tableName: string;
  log?: TableLog;
}): Promise<EmbeddedStore> {
  const { dataDir, port = 0, tableName, log } = options;
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await assertDataDirFree(dataDir);
  }
  const server = dynalite({
    ...(dataDir === undefined ? {} : { path: dataDir }),
    createTableMs: 0,
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `port ${port} on 127.0.0.1 is in use: choose another port or 0 for any free one`,
            )
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      // Clients keep connections alive; without this, close would wait for them to time out.
      server.closeAllConnections();
    });
    return closing;
  };

  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    await ensureTable({ client, tableName, ...(log ? { log } : {}) });
  } catch (error) {
    await close();
    throw error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    region: LOCAL_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
    close,
  };
}
