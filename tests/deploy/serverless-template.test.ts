/**
 * `npx serverless package` works offline and without credentials, and the CloudFormation it
 * generates keeps the security and durability properties issue 5 asks for (#5).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SECRET_CONFIG_KEYS } from '../../lib/config';
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
async function packageStage(stage: string, outDir: string, params: string[] = []): Promise<Json> {
  await run(
    process.execPath,
    [
      require.resolve('osls/bin/serverless.js'),
      'package',
      '--stage',
      stage,
      '--package',
      outDir,
      ...params.map((p) => `--param=${p}`),
    ],
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

/** The statements of one role (`ProductionRole`, `UsagePushRole`), or of every role and policy. */
function statementsOf(template: Json, role?: string): Statement[] {
  const out: Statement[] = [];
  const resources =
    role === undefined ? Object.values<Json>(template.Resources) : [template.Resources[role]];
  for (const resource of resources) {
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

/**
 * Every secret setting: read from SSM Parameter Store at cold start, never in the template. The
 * table's own keys are not among them on AWS: the function's role reaches DynamoDB.
 */
const TABLE_KEYS: ReadonlySet<string> = new Set([
  'DYNAMODB_ACCESS_KEY_ID',
  'DYNAMODB_SECRET_ACCESS_KEY',
]);
const SECRET_SETTINGS = [...SECRET_CONFIG_KEYS].filter((key) => !TABLE_KEYS.has(key));

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
    // dev also shows the alarm e-mail parameter at work (#13).
    dev = await packageStage('dev', devDir, ['alarmEmail=ops@example.com']);
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

  /** Checks a role's statements: no wildcard, each service on its own resources only, exact actions. */
  function expectRole(role: string, logGroup: string, actions: string[], parameters: string[]) {
    const statements = statementsOf(prod, role);
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
          JSON.stringify(getAtt) === JSON.stringify([logGroup, 'Arn']) ||
          (typeof sub === 'string' && SSM_PARAMETER.test(sub));
        expect({ resource, allowed }).toEqual({ resource, allowed: true });
      }
    }
    expect([...byService.keys()].sort()).toEqual(['dynamodb', 'logs', 'ssm']);
    expect(statements.flatMap((s) => asArray(s.Action)).sort()).toEqual([...actions].sort());
    for (const s of byService.get('dynamodb') ?? []) {
      expect(s.Resource).toEqual([{ 'Fn::GetAtt': ['StateTable', 'Arn'] }]);
    }
    for (const s of byService.get('logs') ?? []) {
      expect(s.Resource).toEqual([{ 'Fn::GetAtt': [logGroup, 'Arn'] }]);
    }
    const granted = (byService.get('ssm') ?? []).flatMap((s) =>
      asArray(s.Resource as Json[]).map((r) => String(r['Fn::Sub']).split('/').pop()),
    );
    expect(granted.sort()).toEqual([...parameters].sort());
  }

  it('grants the production function no wildcard action and nothing beyond the table, its log group and its secret parameters', () => {
    expectRole(
      'ProductionRole',
      'ProductionLogGroup',
      [
        'dynamodb:BatchGetItem',
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'ssm:GetParameters',
      ],
      [...SECRET_SETTINGS],
    );
    expect(prod.Resources.ProductionLambdaFunction.Properties.Role).toEqual({
      'Fn::GetAtt': ['ProductionRole', 'Arn'],
    });
  });

  it('grants the usage push only the scan, batch read, write and audit append on the table, its log group and the three parameters that sign a push (#11, #13)', () => {
    expectRole(
      'UsagePushRole',
      'UsagePushLogGroup',
      [
        'dynamodb:BatchGetItem',
        'dynamodb:PutItem',
        'dynamodb:Scan',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'ssm:GetParameters',
      ],
      ['KOOGALLERY_ACCESS_KEY', 'HUAWEICLOUD_AK', 'HUAWEICLOUD_SK'],
    );
    // Only these two roles exist: no generated role with broader rights.
    const roles = Object.entries<Json>(prod.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .map(([name]) => name);
    expect(roles.sort()).toEqual(['ProductionRole', 'UsagePushRole']);
  });

  it('schedules the usage push hourly from the same package, with its own role and no other secret names (#11)', () => {
    const fn = prod.Resources.UsagePushLambdaFunction.Properties;
    expect(fn.Handler).toBe('functions/usage-push/handler.handler');
    expect(fn.Code.S3Key).toMatch(/\/production\.zip$/);
    expect(fn.Role).toEqual({ 'Fn::GetAtt': ['UsagePushRole', 'Arn'] });
    expect(fn.Timeout).toBe(300);
    const rules = Object.values<Json>(prod.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules.map((r) => r.Properties.ScheduleExpression)).toEqual(['rate(1 hour)']);
    expect(JSON.stringify(rules[0]?.Properties.Targets)).toContain('UsagePushLambdaFunction');
    const names = Object.keys(fn.Environment.Variables).filter((k) => k.endsWith('_SSM_PARAMETER'));
    expect(names.sort()).toEqual([
      'HUAWEICLOUD_AK_SSM_PARAMETER',
      'HUAWEICLOUD_SK_SSM_PARAMETER',
      'KOOGALLERY_ACCESS_KEY_SSM_PARAMETER',
    ]);
  });

  it('allows exactly the DynamoDB calls the store adapters and the cold-start check make', () => {
    // dynamoose method -> DynamoDB action; a new kind of call in an adapter must show up in IAM.
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
    const source = ['dynamoose-store.ts', 'dynamoose-usage-store.ts', 'dynamoose-audit-store.ts']
      .map((f) => readFileSync(join(ROOT, 'lib', 'store', f), 'utf8'))
      .join('\n');
    const used = calls.filter(([pattern]) => pattern.test(source)).map(([, action]) => action);
    const check = readFileSync(join(ROOT, 'lib', 'startup-check.ts'), 'utf8');
    if (check.includes('verifyTable')) used.push('dynamodb:DescribeTable');
    const granted = statementsOf(prod)
      .flatMap((s) => asArray(s.Action))
      .filter((a) => a.startsWith('dynamodb:'));
    // Scan serves listInstances (operator tools with their own credentials, #14) and the usage
    // push (its own role, #11): the function answering KooGallery never lists, so its role may not.
    expect([...new Set(granted)].sort()).toEqual([...new Set(used)].sort());
    const production = statementsOf(prod, 'ProductionRole').flatMap((s) => asArray(s.Action));
    expect(production).not.toContain('dynamodb:Scan');
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
    const granted = statementsOf(prod, 'ProductionRole')
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

  it('routes POST and GET on / and on the seller path, POST usage reports, and everything else, to the function (#9, #11)', () => {
    const routes = Object.values<Json>(prod.Resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => r.Properties.RouteKey)
      .sort();
    // $default: any other method or path gets the function's signed refusal, not the gateway's 404.
    expect(routes).toEqual([
      '$default',
      'GET /',
      'GET /koogallery',
      'POST /',
      'POST /koogallery',
      'POST /koogallery/usage',
      'POST /usage',
    ]);
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
      'functions/usage-push/handler.js',
      'functions/usage-push/handler.js.map',
    ]);
  });

  it('sends every alarm to one SNS topic, subscribing an e-mail only when alarmEmail is set (#13)', () => {
    const topics = Object.entries<Json>(prod.Resources).filter(
      ([, r]) => r.Type === 'AWS::SNS::Topic',
    );
    expect(topics.map(([name]) => name)).toEqual(['AlarmTopic']);
    const subscription = prod.Resources.AlarmEmailSubscription;
    expect(subscription.Condition).toBe('HasAlarmEmail');
    expect(subscription.Properties).toMatchObject({
      Protocol: 'email',
      TopicArn: { Ref: 'AlarmTopic' },
    });
    // Unset (prod): the condition compares "" with "" and the subscription is not created.
    expect(JSON.stringify(prod.Conditions.HasAlarmEmail)).toContain('"Fn::Equals":["",""]');
    expect(dev.Resources.AlarmEmailSubscription.Properties.Endpoint).toBe('ops@example.com');
    expect(JSON.stringify(dev.Conditions.HasAlarmEmail)).toContain('ops@example.com');
    const alarms = Object.values<Json>(prod.Resources).filter(
      (r) => r.Type === 'AWS::CloudWatch::Alarm',
    );
    expect(alarms.length).toBeGreaterThanOrEqual(8);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
      expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
    }
    expect(prod.Outputs.AlarmTopicArn.Value).toEqual({ Ref: 'AlarmTopic' });
  });

  it('takes metrics from the call lines, per activity and result code (#13)', () => {
    const filters = Object.values<Json>(prod.Resources).filter(
      (r) => r.Type === 'AWS::Logs::MetricFilter',
    );
    const byMetric = new Map(
      filters.map((f) => [
        f.Properties.MetricTransformations[0].MetricName as string,
        f.Properties,
      ]),
    );
    const calls = byMetric.get('Calls');
    expect(calls?.FilterPattern).toBe('{ $.message = "call" }');
    expect(calls?.LogGroupName).toEqual({ Ref: 'ProductionLogGroup' });
    expect(calls?.MetricTransformations[0].Dimensions).toEqual([
      { Key: 'activity', Value: '$.activity' },
      { Key: 'resultCode', Value: '$.resultCode' },
    ]);
    expect(calls?.MetricTransformations[0].MetricNamespace).toBe(
      'KooGallery/koogallery-production/prod',
    );
    expect(byMetric.get('InternalErrors')?.FilterPattern).toContain('$.resultCode = "000005"');
    expect(byMetric.get('FailedTestCalls')?.FilterPattern).toBe(
      '{ $.message = "call" && $.test IS TRUE && $.resultCode != "000000" }',
    );
    expect(byMetric.get('PurchasesPendingOverAnHour')?.FilterPattern).toContain(
      '$.pendingForMs > 3600000',
    );
    const usage = byMetric.get('UsageRecordsNearLimit');
    expect(usage?.LogGroupName).toEqual({ Ref: 'UsagePushLogGroup' });
    expect(usage?.FilterPattern).toContain('usage record near the 21-day window');
    // README's "Alarm on … outsideWindow > 0" (#11).
    const outside = byMetric.get('UsageRecordsOutsideWindow');
    expect(outside?.LogGroupName).toEqual({ Ref: 'UsagePushLogGroup' });
    expect(outside?.FilterPattern).toBe('{ $.message = "usage push" && $.outsideWindow > 0 }');
    expect(outside?.MetricTransformations[0].MetricValue).toBe('$.outsideWindow');
  });

  it('alarms on any 000005, any failed test call, a purchase pending over an hour, usage near the 21-day limit, function errors and throttles (#13)', () => {
    const alarms = Object.values<Json>(prod.Resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => r.Properties);
    const on = (namespace: string, metric: string, fn?: string) =>
      alarms.filter(
        (a) =>
          (a.Namespace === namespace ||
            (namespace === 'ours' && a.Namespace.startsWith('KooGallery/'))) &&
          a.MetricName === metric &&
          (fn === undefined ||
            JSON.stringify(a.Dimensions) ===
              JSON.stringify([{ Name: 'FunctionName', Value: { Ref: fn } }])),
      );
    for (const metric of [
      'InternalErrors',
      'FailedTestCalls',
      'PurchasesPendingOverAnHour',
      'UsageRecordsNearLimit',
      'UsageRecordsOutsideWindow',
    ]) {
      const [alarm] = on('ours', metric);
      expect({ metric, threshold: alarm?.Threshold, op: alarm?.ComparisonOperator }).toEqual({
        metric,
        threshold: 1,
        op: 'GreaterThanOrEqualToThreshold',
      });
    }
    for (const fn of ['ProductionLambdaFunction', 'UsagePushLambdaFunction']) {
      expect(on('AWS/Lambda', 'Errors', fn)).toHaveLength(1);
      expect(on('AWS/Lambda', 'Throttles', fn)).toHaveLength(1);
    }
  });

  it('creates the custom domain only when a domain and certificate are given', () => {
    expect(prod.Resources.CustomDomain.Condition).toBe('HasCustomDomain');
    expect(prod.Resources.CustomDomainMapping.Condition).toBe('HasCustomDomain');
    expect(JSON.stringify(prod.Conditions.HasCustomDomain)).toContain('"Fn::Equals":["",""]');
  });
});

describe('serverless.yml custom domain params (#14)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sls-domain-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const certificate = 'arn:aws:acm:ap-southeast-1:123456789012:certificate/abc';

  it.each([
    ['customDomain', 'certificateArn', ['customDomain=api.example.com']],
    ['certificateArn', 'customDomain', [`certificateArn=${certificate}`]],
  ])(
    'refuses to package with %s but no %s, instead of leaving execute-api open',
    async (given, missing, params) => {
      const failure = await packageStage('dev', dir, params).then(
        (): { stdout?: string; stderr?: string } => ({ stdout: 'packaged' }),
        (error: { stdout?: string; stderr?: string }) => error,
      );

      const output = `${failure.stdout ?? ''}${failure.stderr ?? ''}`;
      expect(output).toContain(`${given} is set but ${missing} is empty: give both`);
      expect(readdirSync(dir)).not.toContain('cloudformation-template-update-stack.json');
    },
    150_000,
  );

  it('creates the domain and closes execute-api with both', async () => {
    const template = await packageStage('dev', dir, [
      'customDomain=api.example.com',
      `certificateArn=${certificate}`,
    ]);

    const condition = JSON.stringify(template.Conditions.HasCustomDomain);
    expect(condition).toContain('api.example.com');
    expect(condition).toContain(certificate);
    expect(condition).not.toContain('"Fn::Equals":["",""]');
    expect(template.Resources.HttpApi.Properties.DisableExecuteApiEndpoint).toEqual({
      'Fn::If': ['HasCustomDomain', true, false],
    });
  }, 150_000);
});
