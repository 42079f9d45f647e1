/**
 * Deletes expired nonce items from the embedded store. A deployed table expires them by TTL
 * (`expiresAt`); dynalite has no TTL, so without this a long-running `npm start` keeps every nonce
 * it ever saw (#14). Deleting an expired nonce never reopens a replay: its request is outside the
 * timestamp window by then and is refused on that ground.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { Clock } from '../clock';
import { NONCE_KEY_PREFIX } from '../store/keys';
import { KEY_ATTRIBUTE, TTL_ATTRIBUTE } from '../store/table-schema';

/** A running sweep; {@link NonceSweeper.sweep} also runs one on demand. */
export interface NonceSweeper {
  /** Deletes every nonce item expired at the clock's now; resolves to how many it deleted. */
  sweep(): Promise<number>;
  /** Stops the periodic sweep (a sweep in progress finishes). */
  stop(): void;
}

/** Options of {@link startNonceSweeper}. */
export interface NonceSweeperOptions {
  client: DynamoDBClient;
  tableName: string;
  clock: Clock;
  /** Time between two sweeps. */
  intervalMs: number;
  /** Told about a sweep that failed (the next one tries again). */
  onError?: (error: unknown) => void;
}

/** `#k` is a nonce key and `#t`, its expiry in epoch seconds, is before `:now`. */
const EXPIRED_NONCE = 'begins_with(#k, :prefix) AND #t < :now';

/**
 * Sweeps expired nonce items every `intervalMs` (the timer does not keep the process alive).
 *
 * @example const sweeper = startNonceSweeper({ client, tableName, clock: systemClock, intervalMs: 60_000 });
 */
export function startNonceSweeper(options: NonceSweeperOptions): NonceSweeper {
  const { client, tableName, clock } = options;
  const sweep = async (): Promise<number> => {
    const condition = {
      ExpressionAttributeNames: { '#k': KEY_ATTRIBUTE, '#t': TTL_ATTRIBUTE },
      ExpressionAttributeValues: {
        ':prefix': { S: NONCE_KEY_PREFIX },
        ':now': { N: String(Math.floor(clock.now() / 1000)) },
      },
    };
    let deleted = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: EXPIRED_NONCE,
          ProjectionExpression: '#k',
          ExclusiveStartKey: start,
          ...condition,
        }),
      );
      for (const item of page.Items ?? []) {
        const key = item[KEY_ATTRIBUTE];
        if (!key) continue;
        try {
          // Conditional: only a nonce item, and only while it is still expired.
          await client.send(
            new DeleteItemCommand({
              TableName: tableName,
              Key: { [KEY_ATTRIBUTE]: key },
              ConditionExpression: EXPIRED_NONCE,
              ...condition,
            }),
          );
          deleted += 1;
        } catch (error) {
          if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return deleted;
  };
  let busy = false; // one sweep at a time, however slow the store
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    sweep()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        busy = false;
      });
  }, options.intervalMs);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
