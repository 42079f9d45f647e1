import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LogFields } from '../../lib/log';
import {
  checkTableOnce,
  resetTableChecks,
  TABLE_CHECK_SETTING,
  tableCheckEnabled,
} from '../../lib/startup-check';
import { startTestDynalite, TEST_DYNAMO, type TestDynalite } from '../helpers/dynalite';

function recordingLog() {
  const lines: Array<{ level: string; message: string; fields?: LogFields }> = [];
  return {
    lines,
    error: (message: string, fields?: LogFields) => lines.push({ level: 'error', message, fields }),
    debug: (message: string, fields?: LogFields) => lines.push({ level: 'debug', message, fields }),
  };
}

describe('checkTableOnce', () => {
  let db: TestDynalite;

  beforeAll(async () => {
    db = await startTestDynalite();
  });
  afterAll(async () => {
    await db.close();
  });
  beforeEach(() => resetTableChecks());

  it('passes silently for the state table and describes it only once per container', async () => {
    const log = recordingLog();
    db.takeRequestCount();

    const first = await checkTableOnce(db.client, db.tableName, log);
    const second = await checkTableOnce(db.client, db.tableName, log);

    expect(first).toEqual([]);
    expect(second).toBe(first);
    expect(db.takeRequestCount()).toBe(1);
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('logs one clear error when the table does not exist', async () => {
    const log = recordingLog();

    const problems = await checkTableOnce(db.client, 'no-such-table', log);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('npm run table:create');
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatchObject({
      level: 'error',
      fields: { tableName: 'no-such-table', problems },
    });
  });

  it('logs an error instead of throwing when the endpoint is unreachable', async () => {
    const log = recordingLog();
    const client = new DynamoDBClient({
      ...TEST_DYNAMO,
      endpoint: 'http://127.0.0.1:9',
      maxAttempts: 1,
    });

    const problems = await checkTableOnce(client, 'unreachable-table', log);
    client.destroy();

    expect(problems.length).toBeGreaterThan(0);
    expect(log.lines.map((l) => l.level)).toEqual(['error']);
  });
});

describe('tableCheckEnabled', () => {
  it('is on for true, 1 or yes and off otherwise', () => {
    const at = (value?: string) =>
      tableCheckEnabled((k) => (k === TABLE_CHECK_SETTING ? value : undefined));
    expect([at('true'), at('1'), at('YES'), at('false'), at(undefined), at('')]).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
