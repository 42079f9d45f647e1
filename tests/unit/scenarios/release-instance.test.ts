import { InstanceNotFoundError } from '../../../lib/errors';
import { release } from '../../../lib/scenarios/release-instance';
import { record } from '../helpers/scenario-context';
import { scenarioSetup } from '../helpers/scenario-setup';

describe('release (release-instance.ts)', () => {
  it('releases the tenant and keeps a tombstone without credentials', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i', sealedAppInfo: 'sealed' }));
    const { ctx, annotations } = w.context();

    const result = await release(
      { test: false, instanceId: 'i', orderId: 'X', orderLineId: 'X-1' },
      ctx,
    );

    expect(result).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect(annotations).toMatchObject({ instanceId: 'i', orderId: 'X' });
    const stored = await w.store.getInstance('real', 'i');
    expect(stored).toMatchObject({
      status: 'RELEASED',
      appliedOrders: ['O-1/O-1-000001', 'X/X-1'],
    });
    expect(stored?.sealedAppInfo).toBeUndefined();
    expect(w.provisioner.calls).toEqual([{ method: 'release', instanceId: 'i' }]);
  });

  it('keeps the instance and records why when the provisioner fails to release it (#12)', async () => {
    const w = scenarioSetup({
      provisioner: { release: async () => Promise.reject(new Error('tenant locked')) },
    });
    await w.store.createInstance(record({ instanceId: 'i', sealedAppInfo: 'sealed' }));

    await expect(release({ test: false, instanceId: 'i' }, w.context().ctx)).rejects.toThrow(
      'tenant locked',
    );

    expect(await w.store.getInstance('real', 'i')).toMatchObject({
      status: 'ACTIVE',
      sealedAppInfo: 'sealed',
      lastError: 'release: the provisioner failed',
    });
  });

  it('drops license material, sealed or plain, and keeps the rest of extra (#14)', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(
      record({
        instanceId: 'i',
        protocol: 'license-v1',
        extra: { sealedLicense: 's', license: 'PLAIN', identificationCode: 'M-1' },
      }),
    );

    await release({ test: false, instanceId: 'i' }, w.context().ctx);

    expect((await w.store.getInstance('real', 'i'))?.extra).toEqual({ identificationCode: 'M-1' });
  });

  it('drops a license a tombstone written before #14 still holds, answering as done', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(
      record({ instanceId: 'i', status: 'RELEASED', extra: { licenseCode: 'PL-OLD' } }),
    );

    const again = await release({ test: false, instanceId: 'i' }, w.context().ctx);

    expect(again.resultMsg).toBe('success (already released)');
    expect(await w.store.getInstance('real', 'i')).toMatchObject({ version: 2, extra: {} });
    expect(w.provisioner.calls).toEqual([]);
  });

  it('remembers a release naming the purchase order once, not twice (#14)', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i' }));

    await release(
      { test: false, instanceId: 'i', orderId: 'O-1', orderLineId: 'O-1-000001' },
      w.context().ctx,
    );

    expect((await w.store.getInstance('real', 'i'))?.appliedOrders).toEqual(['O-1/O-1-000001']);
  });

  it('answers a repeated release as done', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i' }));
    await release({ test: false, instanceId: 'i' }, w.context().ctx);

    const again = await release({ test: false, instanceId: 'i' }, w.context().ctx);

    expect(again.resultMsg).toBe('success (already released)');
    expect(w.provisioner.calls).toHaveLength(1);
    expect((await w.store.getInstance('real', 'i'))?.appliedOrders).toEqual(['O-1/O-1-000001']);
  });

  it('releases an instance still being provisioned and tells the provisioner, so a tenant made by an attempt that never answered is undone (#12)', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(
      record({ instanceId: 'p', status: 'PROVISIONING', lease: { token: 't', until: 1e15 } }),
    );

    await release({ test: false, instanceId: 'p' }, w.context().ctx);

    const stored = await w.store.getInstance('real', 'p');
    expect(stored?.status).toBe('RELEASED');
    expect(stored?.lease).toBeUndefined();
    expect(w.provisioner.calls).toEqual([{ method: 'release', instanceId: 'p' }]);
  });

  it('answers 000003 for a real instance that never existed and 000000 for a test one', async () => {
    const w = scenarioSetup();

    await expect(
      release({ test: false, instanceId: 'none' }, w.context().ctx),
    ).rejects.toBeInstanceOf(InstanceNotFoundError);
    const test = await release({ test: true, instanceId: 'none' }, w.context({ test: true }).ctx);

    expect(test.resultCode).toBe('000000');
  });
});
