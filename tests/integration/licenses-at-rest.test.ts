/**
 * Licenses do not outlive their release (#14): through the real HTTP server and a real dynalite,
 * License 1.0 licenses and License 2.0 codes are sealed at rest, dropped on release, and never
 * delivered again.
 */
import { randomBytes } from 'node:crypto';
import { instanceIdFor, licenseInstanceIdFor } from '../../lib/ids';
import { formatKooTime } from '../../lib/protocol/koo-time';
import { verifyLicense } from '../../lib/provisioner/license-issuer';
import { startTestService, type TestService } from '../helpers/service';
import { scanTable } from '../helpers/table-scan';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.close();
});

/** Every item of the table, raw, as one string: what a dump or a backup would show. */
async function tableDump(): Promise<string> {
  const snapshot = await scanTable(svc.dynalite.endpoint, svc.dynalite.tableName);
  return [...snapshot.raw.values()].join('\n');
}

function getLicense(orderId: string): Record<string, string> {
  return {
    activity: 'getLicense',
    businessId: randomBytes(8).toString('hex'),
    customerId: 'cust-1',
    orderId,
    productId: 'OFFI-LICENSE',
    skuCode: 'sku-1',
    chargingMode: '1',
    expireTime: formatKooTime(Date.now() + 30 * 86_400_000),
  };
}

describe('License 1.0 licenses at rest (#14)', () => {
  it('keeps the license sealed, drops it on releaseLicense and never delivers it again', async () => {
    const orderId = `CS${randomBytes(6).toString('hex').toUpperCase()}`;
    const instanceId = instanceIdFor('real', orderId, `${orderId}-000001`);

    const issued = await svc.sendV1(getLicense(orderId));
    const license = issued.json.license as string;
    expect(verifyLicense(license, svc.licensePublicKey)?.instanceId).toBe(instanceId);
    expect(await tableDump()).not.toContain(license);

    const released = await svc.sendV1({ activity: 'releaseLicense', instanceId, orderId });
    const again = await svc.sendV1(getLicense(orderId));

    expect(released.json.resultCode).toBe('000000');
    expect(again.json).toEqual({
      resultCode: '000000',
      resultMsg: 'success (license was released)',
      instanceId,
    });
    const stored = await svc.store.getInstance('real', instanceId);
    expect(stored?.status).toBe('RELEASED');
    expect(stored?.extra?.sealedLicense).toBeUndefined();
    expect(stored?.extra?.license).toBeUndefined();
  });
});

describe('License 2.0 codes at rest (#14)', () => {
  it('keeps the code sealed and drops it on releaseLicenseCode', async () => {
    const code = `PL${randomBytes(6).toString('hex').toUpperCase()}`;
    const instanceId = licenseInstanceIdFor(code);

    const renewed = await svc.sendLicense({
      activity: 'refreshLicenseCode',
      scene: 'RENEWAL',
      orderId: 'CSR1',
      orderLineId: 'CSR1-000001',
      license: code,
      productId: 'OFFI-LIC2',
      expireTime: '20300101000000',
    });
    expect(renewed.json.resultCode).toBe('000000');
    const dump = await tableDump();
    expect(dump).toContain(instanceId);
    expect(dump).not.toContain(code);

    const released = await svc.sendLicense({ activity: 'releaseLicenseCode', license: code });

    expect(released.json.resultCode).toBe('000000');
    const stored = await svc.store.getInstance('real', instanceId);
    expect(stored?.status).toBe('RELEASED');
    expect(stored?.extra).toEqual({});
  });
});
