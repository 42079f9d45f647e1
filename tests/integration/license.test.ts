import { randomBytes } from 'node:crypto';
import { instanceIdFor, licenseInstanceIdFor } from '../../lib/ids';
import { verifyBodySign } from '../../lib/protocol/body-sign';
import { formatKooTime } from '../../lib/protocol/koo-time';
import { verifyLicense } from '../../lib/provisioner/license-issuer';
import { startTestService, type TestService } from '../helpers/service';
import { shuffle } from '../helpers/shuffle';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.close();
});

const orderOf = () => `CS${randomBytes(6).toString('hex').toUpperCase()}`;
const codeOf = () => `PL${randomBytes(6).toString('hex').toUpperCase()}`;
const extendParams = (pairs: Record<string, string>) =>
  Buffer.from(
    JSON.stringify(Object.entries(pairs).map(([name, value]) => ({ name, value }))),
  ).toString('base64');

function getLicense(orderId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    activity: 'getLicense',
    businessId: randomBytes(8).toString('hex'),
    customerId: 'cust-1',
    orderId,
    productId: 'OFFI-LICENSE',
    skuCode: 'sku-1',
    chargingMode: '1',
    expireTime: formatKooTime(Date.now() - 60_000),
    saasExtendParams: extendParams({ identificationCode: 'MACHINE-42' }),
    ...extra,
  };
}

describe('License 1.0 through HTTP', () => {
  it('issues one verifiable license per order, then expires, renews (re-issuing) and releases', async () => {
    const orderId = orderOf();

    const first = await svc.sendV1(getLicense(orderId));
    expect(
      verifyBodySign(first.headers.get('body-sign') ?? undefined, svc.v1AccessKey, first.text),
    ).toEqual({ ok: true });
    expect(Object.keys(first.json)).toEqual(['resultCode', 'resultMsg', 'license', 'instanceId']);
    const instanceId = instanceIdFor('real', orderId, `${orderId}-000001`);
    expect(first.json).toMatchObject({ resultCode: '000000', instanceId });
    const license = first.json.license as string;
    const payload = verifyLicense(license, svc.licensePublicKey);
    expect(payload).toMatchObject({
      instanceId,
      orderId,
      productId: 'OFFI-LICENSE',
      skuCode: 'sku-1',
      identificationCode: 'MACHINE-42',
    });
    expect(payload?.test).toBeUndefined();
    expect(verifyLicense(`${license.slice(0, -4)}AAAA`, svc.licensePublicKey)).toBeUndefined();

    // Every retry, concurrent or not, gets the same license.
    const retries = await Promise.all([1, 2, 3].map(() => svc.sendV1(getLicense(orderId))));
    for (const r of retries) expect(r.json).toMatchObject({ resultCode: '000000', license });

    const expire = { activity: 'expireLicense', instanceId, orderId };
    expect((await svc.sendV1(expire)).json.resultCode).toBe('000000');
    expect((await svc.store.getInstance('real', instanceId))?.status).toBe('FROZEN');

    const refresh = {
      activity: 'refreshLicense',
      instanceId,
      orderId: `${orderId}R`,
      expireTime: '20991231235959',
    };
    expect((await svc.sendV1(refresh)).json.resultCode).toBe('000000');
    expect((await svc.sendV1(refresh)).json.resultCode).toBe('000000');
    const renewed = await svc.store.getInstance('real', instanceId);
    expect(renewed).toMatchObject({
      status: 'ACTIVE',
      expireTime: Date.UTC(2099, 11, 31, 23, 59, 59),
    });
    // The re-entry answers the license re-issued for the renewed period.
    const reentry = await svc.sendV1(getLicense(orderId));
    const current = reentry.json.license as string;
    expect(current).not.toBe(license);
    expect(verifyLicense(current, svc.licensePublicKey)?.expireTime).toBe(
      '2099-12-31T23:59:59.000Z',
    );

    const release = { activity: 'releaseLicense', instanceId, orderId };
    expect((await svc.sendV1(release)).json.resultCode).toBe('000000');
    expect((await svc.sendV1(release)).json.resultCode).toBe('000000');
    expect((await svc.store.getInstance('real', instanceId))?.status).toBe('RELEASED');
  });

  it('answers every saved debug case 000000 in random order, twice, with a test license', async () => {
    const orderId = 'MOCKLICENSENEW';
    const instanceId = instanceIdFor('test', orderId, `${orderId}-000001`);
    const t = { testFlag: '1' };
    const cases: Record<string, string>[] = [
      { ...getLicense(orderId), ...t },
      {
        activity: 'refreshLicense',
        instanceId,
        orderId: 'MOCKLR',
        expireTime: '20301231235959',
        ...t,
      },
      { activity: 'expireLicense', instanceId, orderId, ...t },
      { activity: 'releaseLicense', instanceId, orderId, ...t },
    ];
    for (let round = 0; round < 2; round++) {
      for (const params of shuffle(cases)) {
        const answer = await svc.sendV1(params);
        expect({ a: params.activity, r: answer.json.resultCode }).toEqual({
          a: params.activity,
          r: '000000',
        });
        if (params.activity === 'getLicense') {
          expect(verifyLicense(answer.json.license as string, svc.licensePublicKey)?.test).toBe(
            true,
          );
        }
      }
    }
    expect(await svc.store.getInstance('real', instanceId)).toBeUndefined();
  });
});

describe('License 2.0 through HTTP', () => {
  const refresh = (license: string, n: number, expireTime: string, scene = 'RENEWAL') => ({
    activity: 'refreshLicenseCode',
    scene,
    orderId: `CSR${n}`,
    orderLineId: `CSR${n}-000001`,
    license,
    productId: 'OFFI-LIC2',
    expireTime,
  });

  it('tracks a license code from its first notification to its release, idempotently', async () => {
    const code = codeOf();
    const instanceId = licenseInstanceIdFor(code);

    // The first notification about a code KooGallery created is a renewal: it creates the record.
    const first = await svc.sendLicense(refresh(code, 1, '20300101000000'));
    expect(first.json).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect(
      verifyBodySign(first.headers.get('body-sign') ?? undefined, svc.licenseAccessKey, first.text),
    ).toEqual({ ok: true });
    const created = await svc.store.getInstance('real', instanceId);
    expect(created).toMatchObject({
      status: 'ACTIVE',
      protocol: 'license-v2',
      expireTime: Date.UTC(2030, 0, 1),
    });
    // Sealed at rest like credentials (#14).
    expect(svc.deps.vault.openText(created?.extra?.sealedLicenseCode ?? '')).toBe(code);
    // Logs name the derived id, never the code.
    expect(svc.logs.join('\n')).not.toContain(code);

    // KooGallery's retries (up to 60, re-signed) apply nothing twice.
    for (let i = 0; i < 5; i++) {
      expect((await svc.sendLicense(refresh(code, 1, '20300101000000'))).json.resultCode).toBe(
        '000000',
      );
    }
    expect((await svc.store.getInstance('real', instanceId))?.version).toBe(created?.version);

    // A renewal refund sets the earlier expiry it carries.
    const refund = refresh(code, 2, '20290101000000', 'UNSUBSCRIBE_RENEWAL_PERIOD');
    expect((await svc.sendLicense(refund)).json.resultCode).toBe('000000');
    expect((await svc.store.getInstance('real', instanceId))?.expireTime).toBe(
      Date.UTC(2029, 0, 1),
    );

    for (const status of ['FREEZE', 'FREEZE', 'UNFREEZE', 'FREEZE']) {
      const answer = await svc.sendLicense({
        activity: 'updateLicenseCodeStatus',
        license: code,
        status,
      });
      expect(answer.json.resultCode).toBe('000000');
    }
    expect((await svc.store.getInstance('real', instanceId))?.status).toBe('FROZEN');

    const release = {
      activity: 'releaseLicenseCode',
      license: code,
      orderId: 'CS1',
      orderLineId: 'CS1-000001',
    };
    expect((await svc.sendLicense(release)).json.resultCode).toBe('000000');
    expect((await svc.sendLicense(release)).json.resultCode).toBe('000000');
    // A late renewal after the release changes nothing and is not retried forever.
    expect((await svc.sendLicense(refresh(code, 3, '20400101000000'))).json.resultCode).toBe(
      '000000',
    );
    expect(await svc.store.getInstance('real', instanceId)).toMatchObject({
      status: 'RELEASED',
      expireTime: Date.UTC(2029, 0, 1),
    });
  });

  it('creates one record when the first notifications about a code arrive concurrently', async () => {
    const code = codeOf();
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map(() => svc.sendLicense(refresh(code, 1, '20300101000000'))),
    );
    for (const a of answers) {
      expect(a.json.resultCode).toBe('000000');
      expect(a.json.resultMsg).not.toMatch(/released/);
    }
    const record = await svc.store.getInstance('real', licenseInstanceIdFor(code));
    expect(record).toMatchObject({ status: 'ACTIVE', expireTime: Date.UTC(2030, 0, 1) });
    expect(record?.appliedOrders).toEqual(['CSR1/CSR1-000001']);
  });

  it('answers 000000 to every notification in any order, real or test, and ends released', async () => {
    for (const testFlag of ['0', '1']) {
      const code = codeOf();
      const calls = [
        refresh(code, 1, '20300101000000'),
        { activity: 'updateLicenseCodeStatus', license: code, status: 'FREEZE' },
        { activity: 'updateLicenseCodeStatus', license: code, status: 'UNFREEZE' },
        { activity: 'releaseLicenseCode', license: code, orderId: 'CS1', orderLineId: 'CS1-1' },
      ].map((c) => ({ ...c, testFlag }));
      for (let round = 0; round < 2; round++) {
        for (const body of shuffle(calls)) {
          expect({ a: body.activity, r: (await svc.sendLicense(body)).json.resultCode }).toEqual({
            a: body.activity,
            r: '000000',
          });
        }
      }
      const namespace = testFlag === '1' ? 'test' : 'real';
      expect((await svc.store.getInstance(namespace, licenseInstanceIdFor(code)))?.status).toBe(
        'RELEASED',
      );
    }
  });
});
