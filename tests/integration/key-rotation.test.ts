/**
 * Rotating the access key, then the at-rest key, exactly as the README says, across restarts of
 * `npm start` on one DATA_DIR (#14): every instance created before keeps answering queryInstance
 * 000000 with the credentials it was given, because the at-rest key (`CREDENTIALS_KEY`, kept in
 * `<DATA_DIR>/credentials-key` by the local runner) does not depend on the access key, and values
 * sealed under the previous at-rest key are re-sealed under the new one when read.
 */
import { createCipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { credentialsKeyId } from '../../lib/credentials-vault';
import { decryptCredential } from '../../lib/protocol/credential-cipher';
import { runReseal } from '../../scripts/reseal-credentials';
import { type Answer, sendSigned, sendV1Signed, startTestService } from '../helpers/service';
import {
  LOCAL_TABLE,
  makeDataDir,
  removeDataDir,
  type SpawnedService,
  spawnService,
} from '../helpers/spawned-service';
import { scanTable } from '../helpers/table-scan';

const BASE_ENV = { LOG_LEVEL: 'info' };
const orderOf = () => `CS${randomBytes(6).toString('hex').toUpperCase()}`;

/** Where a service listens. */
type Target = Pick<SpawnedService, 'url'>;

/** One instance and the credentials it was delivered (decrypted), to compare after each step. */
interface Delivered {
  instanceId: string;
  test: boolean;
  userName: string;
  password: string;
}

async function purchaseV2(svc: Target, key: string, test: boolean): Promise<string> {
  const orderId = orderOf();
  const answer = await sendSigned(svc.url, key, {
    activity: 'newInstance',
    businessId: 'b1',
    orderId,
    orderLineId: `${orderId}-000001`,
    testFlag: test ? '1' : '0',
  });
  expect(answer.json.resultCode).toBe('000000');
  return answer.json.instanceId as string;
}

async function purchaseV1(svc: Target, key: string): Promise<string> {
  const answer = await sendV1Signed(svc.url, key, {
    activity: 'newInstance',
    businessId: 'b1',
    customerId: 'c1',
    orderId: orderOf(),
    productId: 'P1',
    testFlag: '0',
  });
  expect(answer.json.resultCode).toBe('000000');
  return answer.json.instanceId as string;
}

/** queryInstance for one instance; its credentials decrypted with `key` (the key that signed). */
async function query(
  svc: Target,
  key: string,
  instanceId: string,
  test: boolean,
): Promise<{ answer: Answer; userName?: string; password?: string }> {
  const answer = await sendSigned(svc.url, key, {
    activity: 'queryInstance',
    instanceId,
    testFlag: test ? '1' : '0',
  });
  const info = (answer.json.info as Array<{ appInfo: Record<string, string> }> | undefined)?.[0];
  if (!info) return { answer };
  return {
    answer,
    userName: decryptCredential(info.appInfo.userName as string, key),
    password: decryptCredential(info.appInfo.password as string, key),
  };
}

/** Every instance answers 000000 with the very credentials it was delivered. */
async function expectReadable(svc: Target, key: string, all: Delivered[]): Promise<void> {
  for (const d of all) {
    const got = await query(svc, key, d.instanceId, d.test);
    expect({ id: d.instanceId, code: got.answer.json.resultCode }).toEqual({
      id: d.instanceId,
      code: '000000',
    });
    expect({ userName: got.userName, password: got.password }).toEqual({
      userName: d.userName,
      password: d.password,
    });
  }
}

/** The key id each instance's sealed delivery info names, as stored. */
async function sealedKeyIds(svc: SpawnedService): Promise<Map<string, string>> {
  const snapshot = await scanTable(svc.storeEndpoint, LOCAL_TABLE);
  return new Map(
    snapshot.instances
      .filter((r) => r.sealedAppInfo)
      .map((r) => [r.instanceId, (r.sealedAppInfo as string).split('.')[1] as string]),
  );
}

describe('access key and at-rest key rotation across restarts of npm start (#14)', () => {
  let dataDir: string;
  let svc: SpawnedService | undefined;
  const restart = async (env: Record<string, string>): Promise<SpawnedService> => {
    await svc?.kill('SIGTERM');
    svc = await spawnService({ dataDir, env: { ...BASE_ENV, ...env } });
    return svc;
  };
  beforeAll(async () => {
    dataDir = await makeDataDir();
  });
  afterAll(async () => {
    await svc?.kill('SIGTERM');
    await removeDataDir(dataDir);
  });

  it('keeps every older instance readable through both rotations, re-sealing on read', async () => {
    // Arrange: the first start generates its access key and its own at-rest key.
    const first = await restart({});
    const k1 = first.accessKey;
    const c1 = (await readFile(join(dataDir, 'credentials-key'), 'utf8')).trim();
    expect(Buffer.from(c1, 'base64')).toHaveLength(32);
    const ids = {
      real: await purchaseV2(first, k1, false),
      test: await purchaseV2(first, k1, true),
      v1: await purchaseV1(first, k1),
      // Two instances nobody reads during the at-rest rotation.
      unreadReal: await purchaseV2(first, k1, false),
      unreadTest: await purchaseV2(first, k1, true),
    };
    const delivered: Record<keyof typeof ids, Delivered> = {} as never;
    for (const [name, instanceId] of Object.entries(ids)) {
      const test = name === 'test' || name === 'unreadTest';
      const got = await query(first, k1, instanceId, test);
      expect(got.answer.json.resultCode).toBe('000000');
      delivered[name as keyof typeof ids] = {
        instanceId,
        test,
        userName: got.userName as string,
        password: got.password as string,
      };
    }
    const all = Object.values(delivered);
    const read = [delivered.real, delivered.test, delivered.v1];

    // Act + Assert 1: access key rotation, as the README says: the new key current, the old one
    // previous; then the previous one dropped once KooGallery signs with the new one.
    const k2 = randomBytes(24).toString('base64url');
    await expectReadable(
      await restart({ KOOGALLERY_ACCESS_KEY: k2, KOOGALLERY_PREVIOUS_ACCESS_KEY: k1 }),
      k2,
      all,
    );
    await expectReadable(await restart({ KOOGALLERY_ACCESS_KEY: k2 }), k2, all);

    // Act + Assert 2: at-rest key rotation: the new key current, the old one previous; what is
    // read is re-sealed under the new key, what is not read keeps the old one.
    const c2 = randomBytes(32).toString('base64');
    const rotating = await restart({
      KOOGALLERY_ACCESS_KEY: k2,
      CREDENTIALS_KEY: c2,
      CREDENTIALS_PREVIOUS_KEY: c1,
    });
    await expectReadable(rotating, k2, read);
    const idC1 = credentialsKeyId(Buffer.from(c1, 'base64'));
    const idC2 = credentialsKeyId(Buffer.from(c2, 'base64'));
    const stored = await sealedKeyIds(rotating);
    expect(read.map((d) => stored.get(d.instanceId))).toEqual([idC2, idC2, idC2]);
    expect([ids.unreadReal, ids.unreadTest].map((id) => stored.get(id))).toEqual([idC1, idC1]);
    expect(rotating.output()).toContain('credentials re-sealed under the current at-rest key');

    // Act + Assert 3: the previous at-rest key dropped: re-sealed values still open.
    const dropped = await restart({ KOOGALLERY_ACCESS_KEY: k2, CREDENTIALS_KEY: c2 });
    await expectReadable(dropped, k2, read);

    // A value sealed under the dropped key: the test instance still answers 000000 (synthesized
    // delivery info, so a probe never fails), the real one is refused, and the log names the
    // setting to restore instead of an opaque error.
    const probe = await query(dropped, k2, ids.unreadTest, true);
    expect(probe.answer.json.resultCode).toBe('000000');
    const stranded = await query(dropped, k2, ids.unreadReal, false);
    expect(stranded.answer.json.resultCode).toBe('000005');
    expect(stranded.answer.text).not.toContain('CREDENTIALS');
    const log = dropped.output();
    expect(log).toContain('"errorName":"SealedValueError"');
    expect(log).toContain(
      `at-rest key ${idC1}, which is not configured: set CREDENTIALS_PREVIOUS_KEY`,
    );

    // Restoring the previous key, as the log says, brings it back (and re-seals it).
    await expectReadable(
      await restart({
        KOOGALLERY_ACCESS_KEY: k2,
        CREDENTIALS_KEY: c2,
        CREDENTIALS_PREVIOUS_KEY: c1,
      }),
      k2,
      [delivered.unreadReal],
    );
  }, 180_000);
});

/**
 * How versions before `CREDENTIALS_KEY` was required sealed delivery info when it was unset: AES-256-GCM
 * under HKDF-SHA256(access key, "koogallery-credentials", "appInfo-v1"), written out here so the
 * test does not share the vault's code.
 */
function legacySeal(accessKey: string, info: Record<string, string>): string {
  const key = Buffer.from(
    hkdfSync('sha256', accessKey, 'koogallery-credentials', 'appInfo-v1', 32),
  );
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(info), 'utf8'), cipher.final()]);
  const id = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return [
    'v1',
    id,
    iv.toString('base64'),
    data.toString('base64'),
    cipher.getAuthTag().toString('base64'),
  ].join('.');
}

describe('delivery info sealed under the legacy access-key-derived key (#14)', () => {
  it('opens it, answers the stored credentials and re-seals it under CREDENTIALS_KEY', async () => {
    // Arrange: an instance whose delivery info an earlier version sealed with the access key.
    const svc = await startTestService();
    try {
      const instanceId = await purchaseV2(svc, svc.accessKey, false);
      const record = await svc.store.getInstance('real', instanceId);
      if (!record) throw new Error('purchase stored nothing');
      const legacy = {
        frontEndUrl: 'https://legacy.example.com/',
        userName: 'old-admin',
        password: 'Old-Pa55',
      };
      const next = {
        ...record,
        version: record.version + 1,
        sealedAppInfo: legacySeal(svc.accessKey, legacy),
      };
      expect(await svc.store.updateInstance(next)).toBe('written');

      // Act
      const got = await query(svc, svc.accessKey, instanceId, false);

      // Assert: the legacy value is answered, then stored under the current key.
      expect(got.answer.json.resultCode).toBe('000000');
      expect({ userName: got.userName, password: got.password }).toEqual({
        userName: 'old-admin',
        password: 'Old-Pa55',
      });
      const after = await svc.store.getInstance('real', instanceId);
      expect(after?.sealedAppInfo?.split('.')[1]).toBe(
        credentialsKeyId(svc.deps.config.credentialsKey),
      );
      expect(after?.version).toBe(next.version + 1);
      expect(svc.deps.vault.open(after?.sealedAppInfo as string)).toEqual(legacy);
    } finally {
      await svc.close();
    }
  });
});

describe('npm run credentials:reseal (#14)', () => {
  it('re-seals every value left under the previous at-rest key, so the previous key can go', async () => {
    // Arrange: instances sealed under the service's key C1, never read again.
    const svc = await startTestService();
    try {
      const ids = [
        await purchaseV2(svc, svc.accessKey, false),
        await purchaseV2(svc, svc.accessKey, false),
        await purchaseV2(svc, svc.accessKey, true),
      ];
      const { config } = svc.deps;
      const c1 = config.credentialsKey.toString('base64');
      const c2 = randomBytes(32).toString('base64');
      const env: Record<string, string> = {
        KOOGALLERY_ACCESS_KEY: svc.accessKey,
        HUAWEICLOUD_AK: config.huaweiCloud.ak,
        HUAWEICLOUD_SK: config.huaweiCloud.sk,
        TABLE_NAME: config.tableName,
        DYNAMODB_ENDPOINT: config.dynamodbEndpoint as string,
        DYNAMODB_REGION: config.dynamodbRegion,
        DYNAMODB_ACCESS_KEY_ID: 'test',
        DYNAMODB_SECRET_ACCESS_KEY: 'test',
        FRONTEND_URL_TEMPLATE: config.provisioner.frontEndUrlTemplate,
        CREDENTIALS_KEY: c2,
      };
      const run = async (extra: Record<string, string>) => {
        const lines: string[] = [];
        const code = await runReseal(
          { ...env, ...extra },
          {
            out: (l) => lines.push(l),
            err: (l) => lines.push(l),
          },
        );
        return { code, text: lines.join('\n') };
      };
      const sealedUnder = async () =>
        (
          await Promise.all(
            ids.map((id, i) => svc.store.getInstance(i === 2 ? 'test' : 'real', id)),
          )
        ).map((r) => r?.sealedAppInfo?.split('.')[1]);
      const idC1 = credentialsKeyId(Buffer.from(c1, 'base64'));
      const idC2 = credentialsKeyId(Buffer.from(c2, 'base64'));

      // Act + Assert: without the previous key it changes nothing and says what to set.
      const missing = await run({});
      expect(missing.code).toBe(1);
      expect(missing.text).toContain('3 unopenable');
      expect(missing.text).toContain(
        `at-rest key ${idC1}, which is not configured: set CREDENTIALS_PREVIOUS_KEY`,
      );
      expect(await sealedUnder()).toEqual([idC1, idC1, idC1]);

      // With it, everything is re-sealed under the new key, and a second run finds nothing to do.
      const rotated = await run({ CREDENTIALS_PREVIOUS_KEY: c1 });
      expect(rotated.code).toBe(0);
      expect(rotated.text).toContain('done: 3 re-sealed');
      expect(rotated.text).toContain('CREDENTIALS_PREVIOUS_KEY can be removed');
      expect(await sealedUnder()).toEqual([idC2, idC2, idC2]);
      const again = await run({});
      expect(again.code).toBe(0);
      expect(again.text).toMatch(/done: 0 re-sealed, 0 changed meanwhile, \d+ already current/);
      expect(again.text).not.toContain(c1);
      expect(again.text).not.toContain(c2);
    } finally {
      await svc.close();
    }
  });
});
