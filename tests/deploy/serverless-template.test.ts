/**
 * `npx serverless package` works offline and without credentials, and the CloudFormation it
 * generates keeps the security and durability properties issue 5 asks for (#5).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTableInput, KEY_ATTRIBUTE, TTL_ATTRIBUTE } from '../../lib/store/table-schema';
import { readZip } from '../../scripts/zip';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

// biome-ignore lint/suspicious/noExplicitAny: generated CloudFormation is untyped JSON, read by shape
type Json = Record<string, any>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Packages one stage into a temporary directory and returns its CloudFormation template. */
async function packageStage(stage: string, outDir: string): Promise<Json> {
  await run(
    process.execPath,
    [require.resolve('osls/bin/serverless.js'), 'package', '--stage', stage, '--package', outDir],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        // No credentials and no network: nothing may try the instance metadata service or AWS.
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: '',
        SLS_TELEMETRY_DISABLED: '1',
      },
      timeout: 150_000,
    },
  );
  return JSON.parse(
    readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
}

function asArray<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}

function statementsOf(template: Json): Statement[] {
  const out: Statement[] = [];
  for (const resource of Object.values<Json>(template.Resources)) {
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of resource.Properties.Policies ?? []) {
        out.push(...policy.PolicyDocument.Statement);
      }
      expect(resource.Properties.ManagedPolicyArns ?? []).toEqual([]);
    }
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      out.push(...resource.Properties.PolicyDocument.Statement);
    }
  }
  return out;
}

/** Every secret setting: read from SSM Parameter Store at cold start, never in the template. */
const SECRET_SETTINGS = [
  'KOOGALLERY_ACCESS_KEY',
  'KOOGALLERY_PREVIOUS_ACCESS_KEY',
  'HUAWEICLOUD_AK',
  'HUAWEICLOUD_SK',
  'CREDENTIALS_KEY',
  'CREDENTIALS_PREVIOUS_KEY',
  'KOOGALLERY_V1_ACCESS_KEY',
  'KOOGALLERY_LICENSE_ACCESS_KEY',
  'LICENSE_SIGNING_KEY',
  'PROVISIONER_WEBHOOK_SECRET',
  'PROVISIONER_WEBHOOK_PREVIOUS_SECRET',
] as const;

const SSM_PARAMETER =
  /^arn:\$\{AWS::Partition\}:ssm:\$\{AWS::Region\}:\$\{AWS::AccountId\}:parameter\/koogallery-production\/prod\/[A-Z0-9_]+$/;

describe('serverless.yml packaged for prod', () => {
  let prod: Json;
  let dev: Json;
  let outDir: string;
  let devDir: string;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'sls-prod-'));
    devDir = mkdtempSync(join(tmpdir(), 'sls-dev-'));
    prod = await packageStage('prod', outDir);
    dev = await packageStage('dev', devDir);
  }, 300_000);

  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(devDir, { recursive: true, force: true });
  });

  it('declares the table with the key schema of lib/store/table-schema.ts', () => {
    const table = prod.Resources.StateTable;
    const expected = createTableInput('any');
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties.KeySchema).toEqual(expected.KeySchema);
    expect(table.Properties.AttributeDefinitions).toEqual(expected.AttributeDefinitions);
    expect(table.Properties.KeySchema).toEqual([{ AttributeName: KEY_ATTRIBUTE, KeyType: 'HASH' }]);
    expect(table.Properties.GlobalSecondaryIndexes).toBeUndefined();
    expect(table.Properties.LocalSecondaryIndexes).toBeUndefined();
  });

  it('bills on demand, keeps point-in-time recovery, deletion protection and TTL', () => {
    const p = prod.Resources.StateTable.Properties;
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(p.DeletionProtectionEnabled).toBe(true);
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
  });

  it('retains the table on stack deletion and on replacement', () => {
    expect(prod.Resources.StateTable.DeletionPolicy).toBe('Retain');
    expect(prod.Resources.StateTable.UpdateReplacePolicy).toBe('Retain');
  });

  it('gives each stage its own table', () => {
    const prodName = prod.Resources.StateTable.Properties.TableName;
    const devName = dev.Resources.StateTable.Properties.TableName;
    expect(prodName).toContain('prod');
    expect(devName).toContain('dev');
    expect(prodName).not.toBe(devName);
    expect(prodName).not.toContain('.');
    const fn = prod.Resources.ProductionLambdaFunction.Properties;
    expect(fn.Environment.Variables.TABLE_NAME).toBe(prodName);
  });

  it('grants no wildcard action and nothing beyond the table, its log group and the secret parameters', () => {
    const statements = statementsOf(prod);
    expect(statements.length).toBeGreaterThan(0);
    const byService = new Map<string, Statement[]>();
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      for (const action of asArray(s.Action)) {
        expect(action).not.toContain('*');
        const service = action.split(':')[0] ?? '';
        byService.set(service, [...(byService.get(service) ?? []), s]);
      }
      for (const resource of asArray(s.Resource as unknown)) {
        expect(resource).not.toBe('*');
        const sub = (resource as Json)['Fn::Sub'];
        const getAtt = (resource as Json)['Fn::GetAtt'];
        const allowed =
          JSON.stringify(getAtt) === JSON.stringify(['StateTable', 'Arn']) ||
          JSON.stringify(getAtt) === JSON.stringify(['ProductionLogGroup', 'Arn']) ||
          (typeof sub === 'string' && SSM_PARAMETER.test(sub));
        expect({ resource, allowed }).toEqual({ resource, allowed: true });
      }
    }
    expect([...byService.keys()].sort()).toEqual(['dynamodb', 'logs', 'ssm']);
    const actions = statements.flatMap((s) => asArray(s.Action)).sort();
    expect(actions).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'ssm:GetParameters',
      ].sort(),
    );
    // Each service's actions apply to its own resource only.
    for (const s of byService.get('dynamodb') ?? []) {
      expect(s.Resource).toEqual([{ 'Fn::GetAtt': ['StateTable', 'Arn'] }]);
    }
    for (const s of byService.get('logs') ?? []) {
      expect(s.Resource).toEqual([{ 'Fn::GetAtt': ['ProductionLogGroup', 'Arn'] }]);
    }
    for (const s of byService.get('ssm') ?? []) {
      for (const r of asArray(s.Resource as Json[])) expect(r['Fn::Sub']).toMatch(SSM_PARAMETER);
    }
    expect(prod.Resources.ProductionLambdaFunction.Properties.Role).toEqual({
      'Fn::GetAtt': ['ProductionRole', 'Arn'],
    });
  });

  it('allows exactly the DynamoDB calls the store adapter and the cold-start check make', () => {
    // dynamoose method -> DynamoDB action; a new kind of call in the adapter must show up in IAM.
    const calls: Array<[RegExp, string]> = [
      [/\.get\(/, 'dynamodb:GetItem'],
      [/\.batchGet\(/, 'dynamodb:BatchGetItem'],
      [/\.(save|create)\(/, 'dynamodb:PutItem'],
      [/\.update\(|UpdateItem/, 'dynamodb:UpdateItem'],
      [/\.delete\(|DeleteItem/, 'dynamodb:DeleteItem'],
      [/\.batchPut\(|\.batchDelete\(|BatchWriteItem/, 'dynamodb:BatchWriteItem'],
      [/\.query\(/, 'dynamodb:Query'],
      [/\.scan\(/, 'dynamodb:Scan'],
    ];
    const source = readFileSync(join(ROOT, 'lib', 'store', 'dynamoose-store.ts'), 'utf8');
    const used = calls.filter(([pattern]) => pattern.test(source)).map(([, action]) => action);
    const check = readFileSync(join(ROOT, 'lib', 'startup-check.ts'), 'utf8');
    if (check.includes('verifyTable')) used.push('dynamodb:DescribeTable');
    const granted = statementsOf(prod)
      .flatMap((s) => asArray(s.Action))
      .filter((a) => a.startsWith('dynamodb:'));
    // Scan serves listInstances only, which operator tools call with their own credentials
    // (`npm run credentials:reseal`, #14): the function never lists, so its role may not.
    const called = used.filter((a) => a !== 'dynamodb:Scan');
    expect(granted.sort()).toEqual([...new Set(called)].sort());
    for (const dir of ['scenarios', 'front-ends']) {
      for (const file of readdirSync(join(ROOT, 'lib', dir))) {
        expect({
          file,
          lists: /listInstances/.test(readFileSync(join(ROOT, 'lib', dir, file), 'utf8')),
        }).toEqual({ file, lists: false });
      }
    }
  });

  it('names secret parameters in the environment and never holds a secret value', () => {
    const vars: Record<string, string> =
      prod.Resources.ProductionLambdaFunction.Properties.Environment.Variables;
    for (const secret of SECRET_SETTINGS) {
      expect(vars[secret]).toBeUndefined();
      expect(vars[`${secret}_SSM_PARAMETER`]).toBe(`/koogallery-production/prod/${secret}`);
    }
    expect(JSON.stringify(prod)).not.toMatch(/\{\{resolve:ssm|"\$\{ssm:/);
  });

  it('lets the role read exactly the secret parameters the environment names (#14)', () => {
    const vars: Record<string, string> =
      prod.Resources.ProductionLambdaFunction.Properties.Environment.Variables;
    const named = Object.keys(vars)
      .filter((k) => k.endsWith('_SSM_PARAMETER'))
      .map((k) => k.slice(0, -'_SSM_PARAMETER'.length))
      .sort();
    const granted = statementsOf(prod)
      .filter((st) => asArray(st.Action).includes('ssm:GetParameters'))
      .flatMap((st) => asArray(st.Resource as Json[]))
      .map((r) => String(r['Fn::Sub']).split('/').pop())
      .sort();
    expect(named).toEqual([...SECRET_SETTINGS].sort());
    expect(granted).toEqual(named);
  });

  it('throttles the HTTP API stage with the rate and burst params (#14)', () => {
    const stage = prod.Resources.HttpApiStage.Properties;
    expect(stage.StageName).toBe('$default');
    expect(stage.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
  });

  it('disables the default execute-api endpoint whenever the custom domain is configured (#14)', () => {
    expect(prod.Resources.HttpApi.Properties.DisableExecuteApiEndpoint).toEqual({
      'Fn::If': ['HasCustomDomain', true, false],
    });
    // HasCustomDomain is also what creates the domain and maps it to the API.
    expect(prod.Resources.CustomDomainMapping.Properties.ApiId).toEqual({ Ref: 'HttpApi' });
  });

  it('routes POST and GET on / and on the seller path, and everything else, to the function (#9)', () => {
    const routes = Object.values<Json>(prod.Resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => r.Properties.RouteKey)
      .sort();
    // $default: any other method or path gets the function's signed refusal, not the gateway's 404.
    expect(routes).toEqual(['$default', 'GET /', 'GET /koogallery', 'POST /', 'POST /koogallery']);
  });

  it('runs Node.js 24 from the esbuild artifact, with log retention (#9)', () => {
    const fn = prod.Resources.ProductionLambdaFunction.Properties;
    expect(fn.Runtime).toBe('nodejs24.x');
    expect(fn.Handler).toBe('functions/production/handler.handler');
    expect(prod.Resources.ProductionLogGroup.Properties.RetentionInDays).toBe(365);
    expect(dev.Resources.ProductionLogGroup.Properties.RetentionInDays).toBe(30);
    expect(fn.Code.S3Key).toMatch(/\/production\.zip$/);
    const files = readZip(readFileSync(join(ROOT, 'dist', 'aws', 'production.zip')));
    expect([...files.keys()].sort()).toEqual([
      'functions/production/handler.js',
      'functions/production/handler.js.map',
    ]);
  });

  it('creates the custom domain only when a domain and certificate are given', () => {
    expect(prod.Resources.CustomDomain.Condition).toBe('HasCustomDomain');
    expect(prod.Resources.CustomDomainMapping.Condition).toBe('HasCustomDomain');
    expect(JSON.stringify(prod.Conditions.HasCustomDomain)).toContain('"Fn::Equals":["",""]');
  });
});
