import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { runTableCreate } from '../../scripts/table-create';
import { startTestDynalite, type TestDynalite } from '../helpers/dynalite';

describe('npm run table:create', () => {
  let dynamo: TestDynalite;

  beforeAll(async () => {
    dynamo = await startTestDynalite();
  });

  afterAll(async () => {
    await dynamo.close();
  });

  function run(env: Record<string, string>) {
    const out: string[] = [];
    const err: string[] = [];
    const code = runTableCreate(
      { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', ...env },
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    return code.then((exitCode) => ({ exitCode, out, err }));
  }

  it('creates a missing table and succeeds again when it exists', async () => {
    const env = { TABLE_NAME: `cli-${randomUUID()}`, DYNAMODB_ENDPOINT: dynamo.endpoint };

    const first = await run(env);
    const second = await run(env);

    expect(first).toMatchObject({ exitCode: 0, err: [] });
    expect(first.out.at(-1)).toMatch(/is ready \(created, on-demand billing/);
    expect(second).toMatchObject({ exitCode: 0, err: [] });
    expect(second.out.at(-1)).toMatch(/is ready \(already existed/);
  });

  it('fails, naming the key, when the table exists with another key schema', async () => {
    const tableName = `cli-wrong-${randomUUID()}`;
    await dynamo.client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );

    const result = await run({ TABLE_NAME: tableName, DYNAMODB_ENDPOINT: dynamo.endpoint });

    expect(result.exitCode).toBe(1);
    expect(result.err.join('\n')).toContain('has hash key "id"; expected "pk"');
  });

  it('fails with what to set when TABLE_NAME is missing or has a dot', async () => {
    const missing = await run({ DYNAMODB_ENDPOINT: dynamo.endpoint });
    const dotted = await run({ TABLE_NAME: 'a.b.c', DYNAMODB_ENDPOINT: dynamo.endpoint });

    expect(missing.exitCode).toBe(1);
    expect(missing.err).toEqual([expect.stringContaining('TABLE_NAME is not set')]);
    expect(dotted.exitCode).toBe(1);
    expect(dotted.err).toEqual([expect.stringContaining('GeminiDB does not accept')]);
  });

  it('fails with network advice and no secret when the endpoint is down', async () => {
    const result = await run({
      TABLE_NAME: 'koogallery-state',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:1',
      AWS_SECRET_ACCESS_KEY: 'super-secret-value',
    });

    expect(result.exitCode).toBe(1);
    expect(result.err.join('\n')).toMatch(/check DYNAMODB_ENDPOINT/);
    expect([...result.out, ...result.err].join('\n')).not.toContain('super-secret-value');
  });

  it('names the variables to set when no credentials exist at all, as a newcomer runs it (#9)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'no-aws-home-'));
    const root = join(__dirname, '..', '..');
    try {
      // A user with no ~/.aws and no AWS variables, pointing it at a local dynalite.
      const result = await promisify(execFile)(
        process.execPath,
        ['-r', './scripts/register.js', 'scripts/table-create.ts'],
        {
          cwd: root,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: home,
            AWS_EC2_METADATA_DISABLED: 'true',
            TABLE_NAME: `cli-${randomUUID()}`,
            DYNAMODB_ENDPOINT: dynamo.endpoint,
          },
        },
      ).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('set DYNAMODB_ACCESS_KEY_ID and DYNAMODB_SECRET_ACCESS_KEY');
      expect(result.stderr).toContain(
        'DYNAMODB_ACCESS_KEY_ID=local DYNAMODB_SECRET_ACCESS_KEY=local npm run table:create',
      );
      expect(result.stderr).not.toContain('Could not load credentials from any providers');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 30_000);
});
