import type { Deps } from '../../lib/deps';
import { SignatureError } from '../../lib/errors';
import type { Provisioner } from '../../lib/provisioner/provisioner';
import { guardDeps, recordReplayToken } from '../../lib/replay-guard';
import type { InstanceRecord } from '../../lib/store/instance-store';
import { createMemoryStore } from '../../lib/store/memory-store';

const record: InstanceRecord = {
  namespace: 'real',
  instanceId: 'i-1',
  status: 'ACTIVE',
  version: 1,
  orderId: 'o',
  orderLineId: 'o-1',
  protocol: 'v2',
  entitlement: {},
  appliedOrders: [],
  createdAt: 1,
  updatedAt: 1,
};

function setup() {
  const store = createMemoryStore();
  const calls: string[] = [];
  const provisioner = {
    provision: async () => {
      calls.push('provision');
      return { frontEndUrl: 'https://x' };
    },
  } as unknown as Provisioner;
  const issuer = { issue: async () => 'license' };
  const deps = {
    store,
    provisioner,
    testProvisioner: provisioner,
    licenseIssuer: issuer,
    testLicenseIssuer: issuer,
  } as unknown as Deps;
  return { store, calls, deps };
}

const token = {
  family: 'v2',
  nonce: 'n-1',
  expiresAtMs: Date.now() + 60_000,
  reason: 'replayed nonce',
};

describe('recordReplayToken', () => {
  it('resolves for a new token and rejects a replay with 000001', async () => {
    const store = createMemoryStore();
    await expect(recordReplayToken(store, token)).resolves.toBeUndefined();
    await expect(recordReplayToken(store, token)).rejects.toBeInstanceOf(SignatureError);
  });
});

describe('guardDeps', () => {
  it('lets reads through before the token is recorded, and holds writes until it is', async () => {
    const { store, deps } = setup();
    await store.createInstance(record);
    let recorded: () => void = () => undefined;
    const guarded = guardDeps(
      deps,
      new Promise<void>((r) => {
        recorded = r;
      }),
    );

    expect(await guarded.store.getInstance('real', 'i-1')).toMatchObject({ instanceId: 'i-1' });
    let written = false;
    const write = guarded.store.updateInstance({ ...record, version: 2 }).then((o) => {
      written = true;
      return o;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(written).toBe(false);
    recorded();
    expect(await write).toBe('written');
  });

  it('never writes nor reaches the provisioner when the token was a replay', async () => {
    const { store, calls, deps } = setup();
    const replay = Promise.reject(new SignatureError('replayed nonce'));
    replay.catch(() => undefined);
    const guarded = guardDeps(deps, replay);

    await expect(guarded.store.createInstance(record)).rejects.toBeInstanceOf(SignatureError);
    await expect(
      guarded.provisioner.provision({
        instanceId: 'i',
        test: false,
        orderId: 'o',
        orderLineId: 'l',
        entitlement: {},
      }),
    ).rejects.toBeInstanceOf(SignatureError);
    await expect(guarded.licenseIssuer.issue({} as never)).rejects.toBeInstanceOf(SignatureError);
    expect(calls).toEqual([]);
    expect(await store.getInstance('real', 'i-1')).toBeUndefined();
  });
});
