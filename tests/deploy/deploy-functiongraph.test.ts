/**
 * The Huawei Cloud deploy script builds the documented FunctionGraph requests and is idempotent;
 * the SDK path runs against a local stand-in of the FunctionGraph API on 127.0.0.1 (#5).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type DeployConfig,
  deploy,
  type FunctionGraphPort,
  maskPlan,
  planDeployment,
  readDeployConfig,
  sdkPort,
} from '../../scripts/deploy-functiongraph';

const ENV = {
  HUAWEICLOUD_REGION: 'ap-southeast-1',
  HUAWEICLOUD_PROJECT_ID: '0123456789abcdef0123456789abcdef',
  FG_AGENCY: 'fgs-vpc-access',
  FG_VPC_ID: 'vpc-1111',
  FG_SUBNET_ID: 'subnet-2222',
  APIG_INSTANCE_ID: 'apig-3333',
  APIG_GROUP_ID: 'group-4444',
  APIG_ENV_ID: 'env-5555',
  TABLE_NAME: 'koogallery-prod-state',
  DYNAMODB_ENDPOINT: 'http://192.168.0.10:8000',
  FRONTEND_URL_TEMPLATE: 'https://app.example.com/t/{shortId}',
  KOOGALLERY_ACCESS_KEY: 'secret-access-key',
  HUAWEICLOUD_AK: 'secret-ak',
  HUAWEICLOUD_SK: 'secret-sk',
  GEMINIDB_AK: 'secret-geminidb-ak',
  GEMINIDB_SK: 'secret-geminidb-sk',
};
const ZIP = Buffer.from('PK\u0005\u0006 not really a zip');

describe('readDeployConfig', () => {
  it('names every missing setting at once', () => {
    const error = (() => {
      try {
        readDeployConfig({ HUAWEICLOUD_REGION: 'ap-southeast-1' });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected an error');
    })();
    for (const key of ['HUAWEICLOUD_PROJECT_ID', 'FG_AGENCY', 'FG_VPC_ID', 'APIG_GROUP_ID']) {
      expect(error.message).toContain(key);
    }
    expect(error.message).toContain('KOOGALLERY_ACCESS_KEY is missing (secret)');
    expect(error.message).toContain('GEMINIDB_SK is missing (secret)');
  });
});

describe('readDeployConfig with codeOnly', () => {
  it('needs neither the function settings nor the secrets', () => {
    const { KOOGALLERY_ACCESS_KEY, GEMINIDB_SK, TABLE_NAME, ...rest } = ENV;

    const config = readDeployConfig(rest, { codeOnly: true });

    expect([KOOGALLERY_ACCESS_KEY, GEMINIDB_SK, TABLE_NAME]).not.toContain(undefined);
    expect(config.secrets.KOOGALLERY_ACCESS_KEY).toBeUndefined();
    expect(() => readDeployConfig(rest)).toThrow(/TABLE_NAME is missing/);
  });
});

describe('readDeployConfig with the webhook provisioner (#12)', () => {
  it('puts the URL in user data and the secrets in encrypted user data only', () => {
    const plan = planDeployment(
      readDeployConfig({
        ...ENV,
        PROVISIONER_WEBHOOK_URL: 'https://hooks.example.com/koogallery',
        PROVISIONER_WEBHOOK_SECRET: 'secret-webhook-current',
        PROVISIONER_WEBHOOK_PREVIOUS_SECRET: 'secret-webhook-previous',
      }),
      ZIP,
    );

    const plain = JSON.parse(String(plan.configuration.user_data));
    const secret = JSON.parse(String(plan.configuration.encrypted_user_data));
    expect(plain.PROVISIONER_WEBHOOK_URL).toBe('https://hooks.example.com/koogallery');
    expect(JSON.stringify(plain)).not.toContain('secret-webhook');
    expect(secret).toMatchObject({
      PROVISIONER_WEBHOOK_SECRET: 'secret-webhook-current',
      PROVISIONER_WEBHOOK_PREVIOUS_SECRET: 'secret-webhook-previous',
    });
    expect(JSON.stringify(maskPlan(plan))).not.toContain('secret-webhook');
  });

  it('refuses the URL without its secret, naming it', () => {
    expect(() =>
      readDeployConfig({ ...ENV, PROVISIONER_WEBHOOK_URL: 'https://hooks.example.com/' }),
    ).toThrow(/PROVISIONER_WEBHOOK_SECRET is missing \(secret\)/);
  });
});

describe('planDeployment', () => {
  const config = readDeployConfig(ENV);
  const plan = planDeployment(config, ZIP);

  it('creates a Node.js 20 function with handler index.handler, VPC access and the agency', () => {
    expect(plan.urn).toBe(
      'urn:fss:ap-southeast-1:0123456789abcdef0123456789abcdef:function:default:koogallery-production:latest',
    );
    expect(plan.create).toMatchObject({
      func_name: 'koogallery-production',
      runtime: 'Node.js20.15',
      handler: 'index.handler',
      code_type: 'zip',
      xrole: 'fgs-vpc-access',
      func_vpc: { vpc_id: 'vpc-1111', subnet_id: 'subnet-2222' },
      func_code: { file: ZIP.toString('base64') },
    });
  });

  it('keeps secrets out of plain user data and in encrypted user data', () => {
    const plain = JSON.parse(String(plan.configuration.user_data));
    const secret = JSON.parse(String(plan.configuration.encrypted_user_data));
    expect(plain).toMatchObject({
      TABLE_NAME: 'koogallery-prod-state',
      DYNAMODB_ENDPOINT: 'http://192.168.0.10:8000',
      TABLE_CHECK_ON_START: 'true',
    });
    expect(JSON.stringify(plain)).not.toContain('secret-');
    expect(secret).toEqual({
      KOOGALLERY_ACCESS_KEY: 'secret-access-key',
      HUAWEICLOUD_AK: 'secret-ak',
      HUAWEICLOUD_SK: 'secret-sk',
      DYNAMODB_ACCESS_KEY_ID: 'secret-geminidb-ak',
      DYNAMODB_SECRET_ACCESS_KEY: 'secret-geminidb-sk',
    });
    expect(JSON.stringify(maskPlan(plan))).not.toContain('secret-');
  });

  it('adds an APIG trigger on the dedicated gateway without APIG authentication', () => {
    expect(plan.trigger).toMatchObject({
      trigger_type_code: 'DEDICATEDGATEWAY',
      event_data: {
        group_id: 'group-4444',
        env_id: 'env-5555',
        path: '/koogallery',
        req_method: 'ANY',
        auth: 'NONE',
        protocol: 'HTTPS',
      },
    });
  });
});

describe('planDeployment: the usage push (#11)', () => {
  const plan = planDeployment(
    readDeployConfig({ ...ENV, USAGE_REPORT_SECRET: 'secret-report' }),
    ZIP,
  );

  it('adds a second function from the same zip, handler index.usagePush, with only the secrets a push needs', () => {
    expect(plan.push.create).toMatchObject({
      func_name: 'koogallery-production-usage-push',
      handler: 'index.usagePush',
      timeout: 300,
      runtime: 'Node.js20.15',
      func_vpc: { vpc_id: 'vpc-1111', subnet_id: 'subnet-2222' },
    });
    expect(plan.push.create.func_code).toEqual(plan.create.func_code);
    expect(Object.keys(JSON.parse(String(plan.push.create.encrypted_user_data))).sort()).toEqual([
      'DYNAMODB_ACCESS_KEY_ID',
      'DYNAMODB_SECRET_ACCESS_KEY',
      'HUAWEICLOUD_AK',
      'HUAWEICLOUD_SK',
      'KOOGALLERY_ACCESS_KEY',
    ]);
    expect(JSON.parse(String(plan.create.encrypted_user_data)).USAGE_REPORT_SECRET).toBe(
      'secret-report',
    );
  });

  it('shows the hourly timer trigger and the usage report route in the dry run, secrets masked', () => {
    const dryRun = JSON.stringify(maskPlan(plan));

    expect(maskPlan(plan).push.timer).toEqual({
      trigger_type_code: 'TIMER',
      trigger_status: 'ACTIVE',
      event_data: {
        name: 'koogallery_usage_push',
        schedule_type: 'Rate',
        schedule: '1h',
        user_event: 'usage-push',
      },
    });
    expect(plan.usageTrigger).toMatchObject({
      event_data: { path: '/koogallery/usage', req_method: 'POST', auth: 'NONE' },
    });
    expect(dryRun).not.toContain('secret-');
  });
});

/** An in-memory FunctionGraph recording the calls it received. */
function fakePort(): FunctionGraphPort & { calls: string[] } {
  const functions = new Set<string>();
  const triggers = new Map<string, Array<Record<string, unknown>>>();
  const calls: string[] = [];
  const nameOf = (urn: string) => urn.split(':').slice(-2, -1)[0] ?? '';
  return {
    calls,
    async showFunction(urn) {
      calls.push('show');
      return functions.has(nameOf(urn)) ? { func_name: nameOf(urn) } : undefined;
    },
    async createFunction(body) {
      calls.push('create');
      functions.add(String(body.func_name));
    },
    async updateCode() {
      calls.push('updateCode');
    },
    async updateConfiguration() {
      calls.push('updateConfiguration');
    },
    async listTriggers(urn) {
      calls.push('listTriggers');
      return triggers.get(urn) ?? [];
    },
    async createTrigger(urn, body) {
      calls.push('createTrigger');
      triggers.set(urn, [...(triggers.get(urn) ?? []), body]);
    },
  };
}

describe('deploy', () => {
  const plan = planDeployment(readDeployConfig(ENV), ZIP);

  it('creates on the first run and updates without a second trigger on the next', async () => {
    const port = fakePort();

    const first = await deploy(port, plan);
    const second = await deploy(port, plan);

    expect(first).toEqual({
      function: 'created',
      trigger: 'created',
      usageTrigger: 'created',
      pushFunction: 'created',
      timerTrigger: 'created',
    });
    expect(second).toEqual({
      function: 'updated',
      trigger: 'exists',
      usageTrigger: 'exists',
      pushFunction: 'updated',
      timerTrigger: 'exists',
    });
    expect(port.calls.filter((c) => c === 'createTrigger')).toHaveLength(3);
    expect(port.calls.filter((c) => c === 'create')).toHaveLength(2);
  });

  it('replaces only the code with codeOnly', async () => {
    const port = fakePort();
    await deploy(port, plan);
    port.calls.length = 0;

    const outcome = await deploy(port, plan, { codeOnly: true });

    expect(outcome).toEqual({
      function: 'code-updated',
      trigger: 'skipped',
      usageTrigger: 'skipped',
      pushFunction: 'code-updated',
      timerTrigger: 'skipped',
    });
    expect(port.calls).toEqual(['show', 'updateCode', 'show', 'updateCode']);
  });
});

interface Seen {
  method: string;
  path: string;
  body: unknown;
  authorization: string;
}

describe('sdkPort (official SDK against a local FunctionGraph stand-in)', () => {
  let server: Server;
  let config: DeployConfig;
  const seen: Seen[] = [];
  const existing = new Set<string>();
  let failCreate = false;
  const triggers = new Map<string, unknown[]>();

  const read = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve) => {
      let data = '';
      req.on('data', (c) => {
        data += c;
      });
      req.on('end', () => resolve(data));
    });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const text = await read(req);
      const path = decodeURIComponent(req.url ?? '');
      seen.push({
        method: req.method ?? '',
        path,
        body: text ? JSON.parse(text) : undefined,
        authorization: String(req.headers.authorization ?? ''),
      });
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const name = /:function:[^:]+:([^:]+):latest/.exec(path)?.[1] ?? '';
      if (req.method === 'GET' && path.endsWith('/config')) {
        return existing.has(name)
          ? reply(200, { func_name: name })
          : reply(404, { error_code: 'FSS.1051', error_msg: 'function not found' });
      }
      if (req.method === 'POST' && path.endsWith('/fgs/functions')) {
        if (failCreate) return reply(400, { error_code: 'FSS.0400', error_msg: 'bad request' });
        const created = String((JSON.parse(text) as { func_name: string }).func_name);
        existing.add(created);
        return reply(200, { func_name: created });
      }
      if (req.method === 'GET' && path.includes('/fgs/triggers/')) {
        return reply(200, triggers.get(name) ?? []);
      }
      if (req.method === 'POST' && path.includes('/fgs/triggers/')) {
        triggers.set(name, [...(triggers.get(name) ?? []), JSON.parse(text) as object]);
        return reply(200, { trigger_id: 't-1' });
      }
      return reply(200, {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    config = readDeployConfig({ ...ENV, FG_ENDPOINT: `http://127.0.0.1:${port}` });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends signed create, list and trigger requests, then updates on the second run', async () => {
    const plan = planDeployment(config, ZIP);
    const port = sdkPort(config, 'DEPLOYERAK', 'deployer-sk');

    expect(await deploy(port, plan)).toMatchObject({
      function: 'created',
      trigger: 'created',
      timerTrigger: 'created',
    });
    expect(await deploy(port, plan)).toMatchObject({
      function: 'updated',
      trigger: 'exists',
      timerTrigger: 'exists',
    });

    const project = `/v2/${ENV.HUAWEICLOUD_PROJECT_ID}/fgs`;
    const named = (path: string) =>
      path.replace(plan.push.urn, '<push>').replace(plan.urn, '<urn>');
    expect(seen.map((s) => `${s.method} ${named(s.path)}`)).toEqual([
      `GET ${project}/functions/<urn>/config`,
      `POST ${project}/functions`,
      `GET ${project}/triggers/<urn>`,
      `POST ${project}/triggers/<urn>`,
      `GET ${project}/triggers/<urn>`,
      `POST ${project}/triggers/<urn>`,
      `GET ${project}/functions/<push>/config`,
      `POST ${project}/functions`,
      `GET ${project}/triggers/<push>`,
      `POST ${project}/triggers/<push>`,
      `GET ${project}/functions/<urn>/config`,
      `PUT ${project}/functions/<urn>/code`,
      `PUT ${project}/functions/<urn>/config`,
      `GET ${project}/triggers/<urn>`,
      `GET ${project}/triggers/<urn>`,
      `GET ${project}/functions/<push>/config`,
      `PUT ${project}/functions/<push>/code`,
      `PUT ${project}/functions/<push>/config`,
      `GET ${project}/triggers/<push>`,
    ]);
    for (const s of seen) expect(s.authorization).toMatch(/^SDK-HMAC-SHA256 Access=DEPLOYERAK,/);
    expect(seen[1]?.body).toMatchObject({
      func_name: 'koogallery-production',
      runtime: 'Node.js20.15',
      handler: 'index.handler',
      func_vpc: { vpc_id: 'vpc-1111', subnet_id: 'subnet-2222' },
    });
    expect(seen[3]?.body).toMatchObject({ trigger_type_code: 'DEDICATEDGATEWAY' });
    expect(seen[7]?.body).toMatchObject({ handler: 'index.usagePush', timeout: 300 });
    expect(seen[9]?.body).toMatchObject({
      trigger_type_code: 'TIMER',
      event_data: { schedule_type: 'Rate', schedule: '1h' },
    });
  });

  it('fails without printing the request body, whose user data holds the secrets', async () => {
    failCreate = true;
    existing.clear();
    const printed: string[] = [];
    const capture = (chunk: unknown) => {
      printed.push(String(chunk));
      return true;
    };
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    const logs = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation((...args: unknown[]) => {
        printed.push(args.map(String).join(' '));
      }),
    );
    let error: unknown;
    try {
      await deploy(sdkPort(config, 'DEPLOYERAK', 'deployer-sk'), planDeployment(config, ZIP));
    } catch (e) {
      error = e;
    } finally {
      for (const spy of [out, err, ...logs]) spy.mockRestore();
      failCreate = false;
    }

    expect(error).toMatchObject({ httpStatusCode: 400, errorCode: 'FSS.0400' });
    expect(printed.join('\n')).not.toContain('secret-');
  });
});
