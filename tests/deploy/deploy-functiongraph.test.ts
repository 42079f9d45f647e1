/**
 * The Huawei Cloud deploy script builds the documented FunctionGraph requests and is idempotent;
 * the SDK path runs against a local stand-in of the FunctionGraph API on 127.0.0.1 (#5).
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CONFIG_KEYS, parseAtRestKey, SECRET_CONFIG_KEYS } from '../../lib/config';
import {
  type DeployConfig,
  deploy,
  type FunctionGraphPort,
  maskPlan,
  PLAIN_FUNCTION_SETTINGS,
  planDeployment,
  readDeployConfig,
  SECRET_FUNCTION_SETTINGS,
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

describe('readDeployConfig: every setting the function reads', () => {
  const keys = Object.keys(CONFIG_KEYS) as Array<keyof typeof CONFIG_KEYS>;

  it('copies each setting of CONFIG_KEYS, plain ones as user data and secrets encrypted only', () => {
    const secretTargets = Object.values(SECRET_FUNCTION_SETTINGS);
    expect([...PLAIN_FUNCTION_SETTINGS, ...secretTargets].sort()).toEqual([...keys].sort());
    expect([...secretTargets].sort()).toEqual([...SECRET_CONFIG_KEYS].sort());
    expect(PLAIN_FUNCTION_SETTINGS.filter((k) => SECRET_CONFIG_KEYS.has(k))).toEqual([]);

    // Each setting given in the shell (secrets under their shell names) reaches the function.
    const shell: Record<string, string> = { ...ENV };
    const sample = (key: string) =>
      key.startsWith('CREDENTIALS_') && key.endsWith('KEY')
        ? key === 'CREDENTIALS_KEY'
          ? 'ab'.repeat(32)
          : 'cd'.repeat(32)
        : key === 'PROVISIONER_WEBHOOK_URL'
          ? 'https://hooks.example.com/'
          : `v-${key.length}`;
    for (const key of PLAIN_FUNCTION_SETTINGS) shell[key] = sample(key);
    for (const [from, to] of Object.entries(SECRET_FUNCTION_SETTINGS)) shell[from] = sample(to);
    const config = readDeployConfig(shell);
    for (const key of keys) {
      const where = SECRET_CONFIG_KEYS.has(key) ? config.secrets : config.userData;
      const other = SECRET_CONFIG_KEYS.has(key) ? config.userData : config.secrets;
      expect({ key, value: where[key], leaked: other[key] }).toEqual({
        key,
        value: sample(key),
        leaked: undefined,
      });
    }
  });

  it('reads the at-rest key as the function does (64 hex digits or base64 of 32 bytes)', () => {
    for (const [raw, ok] of [
      ['ab'.repeat(32), true],
      [Buffer.alloc(32, 7).toString('base64'), true],
      [Buffer.alloc(32, 0xfb).toString('base64url'), true],
      [Buffer.alloc(31, 7).toString('base64'), false],
      ['zz'.repeat(32), false],
      ['not a key!', false],
    ] as const) {
      expect({ raw, parsed: parseAtRestKey(raw)?.length }).toEqual({
        raw,
        parsed: ok ? 32 : undefined,
      });
      const deploy = () => readDeployConfig({ ...ENV, CREDENTIALS_KEY: raw });
      if (ok) expect(deploy).not.toThrow();
      else expect(deploy).toThrow(/CREDENTIALS_KEY must be 32 bytes/);
    }
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

  it('adds one APIG trigger for GET and one for POST, no other method, without APIG authentication (#14)', () => {
    expect(plan.triggers.map((t) => (t.event_data as { req_method: string }).req_method)).toEqual([
      'GET',
      'POST',
    ]);
    for (const trigger of plan.triggers) {
      expect(trigger).toMatchObject({
        trigger_type_code: 'DEDICATEDGATEWAY',
        event_data: {
          group_id: 'group-4444',
          env_id: 'env-5555',
          path: '/koogallery',
          auth: 'NONE',
          protocol: 'HTTPS',
        },
      });
    }
    expect(JSON.stringify(plan.triggers)).not.toContain('ANY');
  });
});

describe('planDeployment: the usage push (#11)', () => {
  const plan = planDeployment(
    readDeployConfig({
      ...ENV,
      USAGE_REPORT_SECRET: 'secret-report-0123456789',
      PROVISIONER_WEBHOOK_URL: 'https://hooks.example.com/koogallery',
      PROVISIONER_WEBHOOK_SECRET: 'secret-webhook-0123456789',
    }),
    ZIP,
  );

  it('adds a second function from the same zip, handler index.usagePush, with only what a push reads', () => {
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
    const plain = JSON.parse(String(plan.push.create.user_data));
    expect(plain).toMatchObject({ TABLE_NAME: 'koogallery-prod-state' });
    expect(plain.PROVISIONER_WEBHOOK_URL).toBeUndefined();
    expect(plain.FRONTEND_URL_TEMPLATE).toBeUndefined();
    expect(JSON.parse(String(plan.create.encrypted_user_data)).USAGE_REPORT_SECRET).toBe(
      'secret-report-0123456789',
    );
  });

  it('shows the hourly timer trigger and the usage report route in the dry run, secrets masked', () => {
    const dryRun = maskPlan(plan);

    expect(dryRun.push.timer).toEqual({
      trigger_type_code: 'TIMER',
      trigger_status: 'ACTIVE',
      event_data: {
        name: 'koogallery_usage_push',
        schedule_type: 'Rate',
        schedule: '1h',
        user_event: 'usage-push',
      },
    });
    expect(dryRun.usageTrigger).toMatchObject({
      event_data: { path: '/koogallery/usage', req_method: 'POST', auth: 'NONE' },
    });
    expect(JSON.stringify(dryRun)).not.toContain('secret-');
  });
});

/** An in-memory FunctionGraph recording the calls it received; `showKey` false hides secrets. */
function fakePort(
  options: { showKey?: boolean; triggers?: Array<Record<string, unknown>> } = {},
): FunctionGraphPort & {
  calls: string[];
  secrets(): Record<string, string>;
  pushSecrets(): Record<string, string>;
  triggers: Array<Record<string, unknown>>;
  pushTriggers: Array<Record<string, unknown>>;
} {
  // One configuration and trigger list per function: the production one and the usage push (#11).
  const configs = new Map<string, Record<string, unknown>>();
  const triggers = options.triggers ?? [];
  const pushTriggers: Array<Record<string, unknown>> = [];
  const calls: string[] = [];
  const nameOf = (urn: string) => urn.split(':').slice(-2, -1)[0] ?? '';
  const isPush = (urn: string) => nameOf(urn).endsWith('-usage-push');
  const mark = (call: string, urn: string) => calls.push(isPush(urn) ? `push ${call}` : call);
  return {
    calls,
    triggers,
    pushTriggers,
    secrets: () =>
      JSON.parse(String(configs.get('koogallery-production')?.encrypted_user_data ?? '{}')),
    pushSecrets: () =>
      JSON.parse(
        String(configs.get('koogallery-production-usage-push')?.encrypted_user_data ?? '{}'),
      ),
    async showFunction(urn) {
      mark('show', urn);
      const config = configs.get(nameOf(urn));
      if (!config) return undefined;
      return options.showKey === false
        ? { func_name: nameOf(urn) }
        : { func_name: nameOf(urn), encrypted_user_data: config.encrypted_user_data };
    },
    async createFunction(body) {
      const name = String(body.func_name);
      calls.push(name.endsWith('-usage-push') ? 'push create' : 'create');
      configs.set(name, body);
    },
    async updateCode(urn) {
      mark('updateCode', urn);
    },
    async updateConfiguration(urn, body) {
      mark('updateConfiguration', urn);
      configs.set(nameOf(urn), body);
    },
    async listTriggers(urn) {
      mark('listTriggers', urn);
      return [...(isPush(urn) ? pushTriggers : triggers)];
    },
    async createTrigger(urn, body) {
      mark('createTrigger', urn);
      (isPush(urn) ? pushTriggers : triggers).push(body);
    },
    async deleteTrigger(_urn, _type, id) {
      calls.push(`deleteTrigger ${id}`);
      triggers.splice(
        triggers.findIndex((t) => t.trigger_id === id),
        1,
      );
    },
  };
}

describe('deploy', () => {
  const plan = planDeployment(readDeployConfig(ENV), ZIP);

  it('creates on the first run and updates without a second trigger on the next', async () => {
    const port = fakePort();

    const first = await deploy(port, plan);
    const generated = port.secrets().CREDENTIALS_KEY;
    const second = await deploy(port, plan);

    expect(first).toEqual({
      function: 'created',
      trigger: 'created',
      credentialsKey: 'generated',
      usageTrigger: 'created',
      pushFunction: 'created',
      timerTrigger: 'created',
    });
    expect(second).toEqual({
      function: 'updated',
      trigger: 'exists',
      credentialsKey: 'kept',
      usageTrigger: 'exists',
      pushFunction: 'updated',
      timerTrigger: 'exists',
    });
    // GET, POST and POST <path>/usage on the production function; one timer on the push (#11).
    expect(port.calls.filter((c) => c === 'createTrigger')).toHaveLength(3);
    expect(port.calls.filter((c) => c === 'push createTrigger')).toHaveLength(1);
    expect(port.calls.filter((c) => c === 'create')).toHaveLength(1);
    expect(port.calls.filter((c) => c === 'push create')).toHaveLength(1);
    // The push holds only the secrets a push needs: no at-rest key, nothing else (#11).
    expect(Object.keys(port.pushSecrets()).sort()).toEqual([
      'DYNAMODB_ACCESS_KEY_ID',
      'DYNAMODB_SECRET_ACCESS_KEY',
      'HUAWEICLOUD_AK',
      'HUAWEICLOUD_SK',
      'KOOGALLERY_ACCESS_KEY',
    ]);
    // A dedicated 32-byte at-rest key, generated once, kept by the update (#14).
    expect(Buffer.from(generated ?? '', 'base64')).toHaveLength(32);
    expect(port.secrets().CREDENTIALS_KEY).toBe(generated);
    expect(port.secrets().KOOGALLERY_ACCESS_KEY).toBe('secret-access-key');
  });

  it('uses the CREDENTIALS_KEY given in the shell (#14)', async () => {
    const given = 'ab'.repeat(32);
    const port = fakePort();

    const outcome = await deploy(
      port,
      planDeployment(readDeployConfig({ ...ENV, CREDENTIALS_KEY: given }), ZIP),
    );

    expect(outcome.credentialsKey).toBe('given');
    expect(port.secrets().CREDENTIALS_KEY).toBe(given);
    // Rotation: the previous at-rest key travels as a secret too.
    const previous = 'cd'.repeat(32);
    const rotating = readDeployConfig({
      ...ENV,
      CREDENTIALS_KEY: given,
      CREDENTIALS_PREVIOUS_KEY: previous,
    });
    expect(rotating.secrets.CREDENTIALS_PREVIOUS_KEY).toBe(previous);
    expect(() => readDeployConfig({ ...ENV, CREDENTIALS_KEY: 'short' })).toThrow(
      /CREDENTIALS_KEY must be 32 bytes/,
    );
  });

  it('refuses to update, changing nothing, when the deployed key cannot be read back (#14)', async () => {
    const port = fakePort({ showKey: false });
    await deploy(port, plan);
    port.calls.length = 0;

    await expect(deploy(port, plan)).rejects.toThrow(/set CREDENTIALS_KEY in this shell/);

    expect(port.calls).toEqual(['show']);
  });

  it('replaces the ANY trigger of an earlier version with GET and POST (#14)', async () => {
    const port = fakePort({
      triggers: [
        {
          trigger_id: 'old-any',
          trigger_type_code: 'DEDICATEDGATEWAY',
          event_data: { name: 'koogallery_production', req_method: 'ANY' },
        },
      ],
    });

    const outcome = await deploy(port, plan);

    expect(outcome).toMatchObject({ trigger: 'created', replacedAnyTrigger: true });
    expect(port.calls).toContain('deleteTrigger old-any');
    expect(port.triggers.map((t) => (t.event_data as { req_method: string }).req_method)).toEqual([
      'GET',
      'POST',
      'POST',
    ]);
  });

  it('replaces only the code with codeOnly', async () => {
    const port = fakePort();
    await deploy(port, plan);
    port.calls.length = 0;

    const outcome = await deploy(port, plan, { codeOnly: true });

    expect(outcome).toEqual({
      function: 'code-updated',
      trigger: 'skipped',
      pushFunction: 'code-updated',
    });
    expect(port.calls).toEqual(['show', 'updateCode', 'push show', 'push updateCode']);
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
  const existing = new Map<string, string>();
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
        const encrypted = existing.get(name);
        return encrypted !== undefined
          ? reply(200, { func_name: name, encrypted_user_data: encrypted })
          : reply(404, { error_code: 'FSS.1051', error_msg: 'function not found' });
      }
      if (req.method === 'POST' && path.endsWith('/fgs/functions')) {
        if (failCreate) return reply(400, { error_code: 'FSS.0400', error_msg: 'bad request' });
        const body = JSON.parse(text) as { func_name: string; encrypted_user_data: string };
        existing.set(body.func_name, body.encrypted_user_data);
        return reply(200, { func_name: body.func_name });
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

    expect(await deploy(port, plan)).toMatchObject({ function: 'created', trigger: 'created' });
    expect(await deploy(port, plan)).toMatchObject({ function: 'updated', trigger: 'exists' });

    const project = `/v2/${ENV.HUAWEICLOUD_PROJECT_ID}/fgs`;
    const named = (path: string) =>
      path.replace(plan.push.urn, '<push>').replace(plan.urn, '<urn>');
    expect(seen.map((s) => `${s.method} ${named(s.path)}`)).toEqual([
      `GET ${project}/functions/<urn>/config`,
      `POST ${project}/functions`,
      `GET ${project}/triggers/<urn>`,
      `POST ${project}/triggers/<urn>`,
      `POST ${project}/triggers/<urn>`,
      `POST ${project}/triggers/<urn>`,
      `GET ${project}/functions/<push>/config`,
      `POST ${project}/functions`,
      `GET ${project}/triggers/<push>`,
      `POST ${project}/triggers/<push>`,
      `GET ${project}/functions/<urn>/config`,
      `PUT ${project}/functions/<urn>/code`,
      `PUT ${project}/functions/<urn>/config`,
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
    expect(seen[5]?.body).toMatchObject({
      event_data: { path: '/koogallery/usage', req_method: 'POST' },
    });
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

describe('npm run deploy:functiongraph -- --dry-run (#14)', () => {
  it('prints the GET and POST triggers and says CREDENTIALS_KEY will be generated, no secret shown', async () => {
    const run = promisify(execFile);
    const root = join(__dirname, '..', '..');

    const { stdout, stderr } = await run(
      process.execPath,
      ['-r', './scripts/register.js', 'scripts/deploy-functiongraph.ts', '--dry-run'],
      { cwd: root, env: { PATH: process.env.PATH, ...ENV }, timeout: 60_000 },
    );

    const plan = JSON.parse(stdout) as { triggers: Array<{ event_data: { req_method: string } }> };
    expect(plan.triggers.map((t) => t.event_data.req_method)).toEqual(['GET', 'POST']);
    expect(stderr).toContain('CREDENTIALS_KEY is not set: a new function gets a generated one');
    expect(stdout + stderr).not.toContain('secret-');
  });
});
