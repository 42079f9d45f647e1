import { InProgressError, InstanceNotFoundError } from '../../../lib/errors';
import { expire } from '../../../lib/scenarios/expire-instance';
import { changeStatus } from '../../../lib/scenarios/update-instance-status';
import { record } from '../helpers/scenario-context';
import { scenarioSetup } from '../helpers/scenario-setup';

describe('changeStatus (update-instance-status.ts)', () => {
  it('freezes an active instance and records the signed time of the change', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i' }));
    const signedAt = w.clock.now() - 5_000;

    const result = await changeStatus(
      { test: false, instanceId: 'i', freeze: true },
      w.context({ requestTimestampMs: signedAt }).ctx,
    );

    expect(result).toEqual({ resultCode: '000000', resultMsg: 'success' });
    expect(await w.store.getInstance('real', 'i')).toMatchObject({
      status: 'FROZEN',
      statusChangedAt: signedAt,
      version: 2,
    });
    expect(w.provisioner.calls).toEqual([{ method: 'freeze', instanceId: 'i' }]);
  });

  it('unfreezes a frozen instance', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i', status: 'FROZEN' }));

    await changeStatus({ test: false, instanceId: 'i', freeze: false }, w.context().ctx);

    expect(await w.store.getInstance('real', 'i')).toMatchObject({ status: 'ACTIVE' });
    expect(w.provisioner.calls).toEqual([{ method: 'unfreeze', instanceId: 'i' }]);
  });

  it('answers a change to the current state without calling the provisioner', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i' }));

    const result = await changeStatus(
      { test: false, instanceId: 'i', freeze: false },
      w.context().ctx,
    );

    expect(result.resultMsg).toBe('success (already in that state)');
    expect(w.provisioner.calls).toEqual([]);
  });

  it('ignores a change signed before the last applied one', async () => {
    const w = scenarioSetup();
    const last = w.clock.now();
    await w.store.createInstance(
      record({ instanceId: 'i', status: 'FROZEN', statusChangedAt: last }),
    );

    const result = await changeStatus(
      { test: false, instanceId: 'i', freeze: false },
      w.context({ requestTimestampMs: last - 1 }).ctx,
    );

    expect(result.resultMsg).toBe('success (stale status change ignored)');
    expect(await w.store.getInstance('real', 'i')).toMatchObject({ status: 'FROZEN' });
  });

  it('answers a freeze of a released instance as done and an unfreeze as 000003', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i', status: 'RELEASED' }));

    const frozen = await changeStatus(
      { test: false, instanceId: 'i', freeze: true },
      w.context().ctx,
    );
    const unfrozen = changeStatus({ test: false, instanceId: 'i', freeze: false }, w.context().ctx);

    expect(frozen.resultMsg).toBe('success (instance was released)');
    await expect(unfrozen).rejects.toBeInstanceOf(InstanceNotFoundError);
  });

  it('answers 000003 for a real instance that never existed and 000000 for a test one', async () => {
    const w = scenarioSetup();

    const real = changeStatus({ test: false, instanceId: 'none', freeze: true }, w.context().ctx);
    const test = await changeStatus(
      { test: true, instanceId: 'none', freeze: true },
      w.context({ test: true }).ctx,
    );

    await expect(real).rejects.toBeInstanceOf(InstanceNotFoundError);
    expect(test.resultCode).toBe('000000');
  });

  it('answers 000004 for a real instance still being provisioned, 000000 for a test one', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'p', status: 'PROVISIONING' }));
    await w.store.createInstance(
      record({ namespace: 'test', instanceId: 'p', status: 'PROVISIONING' }),
    );
    await w.store.createInstance(
      record({ namespace: 'test', instanceId: 'r', status: 'RELEASED' }),
    );

    const real = changeStatus({ test: false, instanceId: 'p', freeze: true }, w.context().ctx);
    const test = await changeStatus(
      { test: true, instanceId: 'p', freeze: true },
      w.context({ test: true }).ctx,
    );
    const released = await changeStatus(
      { test: true, instanceId: 'r', freeze: false },
      w.context({ test: true }).ctx,
    );

    await expect(real).rejects.toBeInstanceOf(InProgressError);
    expect(test.resultCode).toBe('000000');
    expect(released.resultCode).toBe('000000');
  });

  it('decides again after a concurrent change and gives up with 000004 after six conflicts', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i' }));
    w.faulty.on('updateInstance', 'every', { kind: 'conflict' });

    const result = changeStatus({ test: false, instanceId: 'i', freeze: true }, w.context().ctx);

    await expect(result).rejects.toThrow('the instance is changing concurrently, retry later');
    expect(w.faulty.count.updateInstance).toBe(6);
    expect(w.faulty.count.getInstance).toBe(6);
  });
});

describe('expire (expire-instance.ts)', () => {
  it('freezes an instance whose expiry has passed', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i', expireTime: w.clock.now() - 1 }));

    const result = await expire({ test: false, instanceId: 'i' }, w.context().ctx);

    expect(result.resultCode).toBe('000000');
    expect(await w.store.getInstance('real', 'i')).toMatchObject({ status: 'FROZEN' });
  });

  it('leaves an instance renewed beyond now alone', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i', expireTime: w.clock.now() + 1 }));
    const { ctx, annotations } = w.context();

    const result = await expire({ test: false, instanceId: 'i' }, ctx);

    expect(result.resultMsg).toBe('success (renewed since; not expired)');
    expect(annotations.instanceId).toBe('i');
    expect(await w.store.getInstance('real', 'i')).toMatchObject({ status: 'ACTIVE' });
  });

  it('answers the expiry of a released instance as done', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(
      record({ instanceId: 'i', status: 'RELEASED', expireTime: w.clock.now() + 1 }),
    );

    const result = await expire({ test: false, instanceId: 'i' }, w.context().ctx);

    expect(result.resultMsg).toBe('success (instance was released)');
  });
});

describe('a failing provisioner step (instance-writes.ts, #12)', () => {
  it('records a generic reason for a foreign error (its message may hold a secret) and keeps the status', async () => {
    const w = scenarioSetup({
      provisioner: {
        freeze: async () => {
          throw new Error('password=hunter2 rejected by https://saas.example');
        },
      },
    });
    await w.store.createInstance(record({ instanceId: 'i' }));

    await expect(
      changeStatus({ test: false, instanceId: 'i', freeze: true }, w.context().ctx),
    ).rejects.toThrow('hunter2');

    expect(await w.store.getInstance('real', 'i')).toMatchObject({
      status: 'ACTIVE',
      lastError: 'freeze: the provisioner failed',
    });
  });

  it('records nothing for a refusal that is not a provisioner call (an instance still provisioning keeps its own lastError)', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(
      record({ instanceId: 'p', status: 'PROVISIONING', lastError: 'order unreadable' }),
    );

    await expect(
      changeStatus({ test: false, instanceId: 'p', freeze: true }, w.context().ctx),
    ).rejects.toBeInstanceOf(InProgressError);

    expect(await w.store.getInstance('real', 'p')).toMatchObject({
      version: 1,
      lastError: 'order unreadable',
    });
  });

  it("answers the step's failure even when the store cannot record it", async () => {
    const w = scenarioSetup({
      provisioner: { unfreeze: async () => Promise.reject(new InProgressError('receiver down')) },
    });
    await w.store.createInstance(record({ instanceId: 'i', status: 'FROZEN' }));
    w.faulty.on('updateInstance', 'every', { kind: 'fail', error: new Error('store down') });

    await expect(
      changeStatus({ test: false, instanceId: 'i', freeze: false }, w.context().ctx),
    ).rejects.toThrow('receiver down');

    expect(w.faulty.count.updateInstance).toBe(1);
    expect(await w.store.getInstance('real', 'i')).toMatchObject({ status: 'FROZEN', version: 1 });
  });

  it('is cleared by the next successful write of the instance', async () => {
    const w = scenarioSetup();
    await w.store.createInstance(record({ instanceId: 'i', lastError: 'renew: failed before' }));

    await changeStatus({ test: false, instanceId: 'i', freeze: true }, w.context().ctx);

    const stored = await w.store.getInstance('real', 'i');
    expect(stored?.status).toBe('FROZEN');
    expect(stored?.lastError).toBeUndefined();
  });
});
