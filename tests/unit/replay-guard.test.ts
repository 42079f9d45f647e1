import { portsFor } from '../../lib/deps';
import { SignatureError } from '../../lib/errors';
import type { Ports } from '../../lib/ports';
import type { Provisioner } from '../../lib/provisioner/provisioner';
import { type GateTable, guardPorts, PORT_GATES, recordReplayToken } from '../../lib/replay-guard';
import type { InstanceRecord } from '../../lib/store/instance-store';
import { createMemoryStore } from '../../lib/store/memory-store';
import { unitDeps } from './helpers/unit-deps';

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
  const ports = {
    store,
    provisioner,
    licenseIssuer: issuer,
    orders: { queryOrder: async () => ({ orderId: 'o', orderLine: [] }) },
    vault: { seal: () => 'sealed', open: () => ({ frontEndUrl: 'https://x' }) },
    usage: { getTotals: async () => [] },
  } as unknown as Ports;
  return { store, calls, ports };
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

describe('guardPorts', () => {
  it('lets reads through before the token is recorded, and holds writes until it is', async () => {
    const { store, ports } = setup();
    await store.createInstance(record);
    let recorded: () => void = () => undefined;
    const guarded = guardPorts(
      ports,
      new Promise<void>((r) => {
        recorded = r;
      }),
    );

    expect(await guarded.store.getInstance('real', 'i-1')).toMatchObject({ instanceId: 'i-1' });
    let written = false;
    const write = guarded.store.updateInstance({ ...record, version: 2 }).then((o: string) => {
      written = true;
      return o;
    });
    // The memory store answers within a few turns of the event loop: let it, then look.
    for (let i = 0; i < 5; i++) await new Promise(setImmediate);
    expect(written).toBe(false);
    recorded();
    expect(await write).toBe('written');
  });

  it('never writes nor reaches the provisioner when the token was a replay', async () => {
    const { store, calls, ports } = setup();
    const replay = Promise.reject(new SignatureError('replayed nonce'));
    replay.catch(() => undefined);
    const guarded = guardPorts(ports, replay);

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

describe('PORT_GATES', () => {
  it('classifies every method of every port, and gates every method that writes (#10)', () => {
    const ports = portsFor(unitDeps().deps, false);
    for (const [name, gates] of Object.entries(PORT_GATES)) {
      const port = ports[name as keyof Ports] as unknown as Record<string, unknown>;
      expect(port).toBeDefined();
      expect(Object.keys(gates).sort()).toEqual(
        Object.keys(port)
          .filter((m) => typeof port[m] === 'function')
          .sort(),
      );
    }
    expect(PORT_GATES.store.createInstance).toBe('write');
    expect(PORT_GATES.store.updateInstance).toBe('write');
    expect(PORT_GATES.licenseIssuer.issue).toBe('write');
    expect(PORT_GATES.orders.queryOrder).toBe('read');
    const kinds = Object.values(PORT_GATES).flatMap((gates) => Object.values(gates));
    expect([...new Set(kinds)].sort()).toEqual(['read', 'write']);
  });

  it('lets read methods of a gated port through at once, even when the token is a replay', async () => {
    const { store, ports } = setup();
    await store.createInstance(record);
    const replay = Promise.reject(new SignatureError('replayed nonce'));
    replay.catch(() => undefined);
    const guarded = guardPorts(ports, replay);

    expect(await guarded.store.getInstance('real', 'i-1')).toMatchObject({ version: 1 });
    expect(await guarded.orders.queryOrder('o')).toMatchObject({ orderId: 'o' });
    expect(guarded.vault.seal({ frontEndUrl: 'https://x' })).toBe('sealed');
  });
});

describe('the gate table type (#10)', () => {
  it('does not compile without a row for every port and every method', () => {
    const { vault: _vault, ...withoutVault } = PORT_GATES;
    // @ts-expect-error: a port of Ports without its row
    const missingPort: GateTable = withoutVault;
    const missingMethod: GateTable = {
      ...PORT_GATES,
      // @ts-expect-error: a store method (updateInstance) left unclassified
      store: {
        getInstance: 'read',
        getInstances: 'read',
        createInstance: 'write',
        recordNonce: 'write',
      },
    };

    expect(Object.keys(missingPort)).not.toContain('vault');
    expect(Object.keys(missingMethod.store)).not.toContain('updateInstance');
  });
});

describe('portsFor', () => {
  it('gives a test call the test provisioner and issuer, a real call the real ones', () => {
    const { deps } = unitDeps();

    const real = portsFor(deps, false);
    const test = portsFor(deps, true);

    expect(real.provisioner).toBe(deps.provisioner);
    expect(real.licenseIssuer).toBe(deps.licenseIssuer);
    expect(test.provisioner).toBe(deps.testProvisioner);
    expect(test.licenseIssuer).toBe(deps.testLicenseIssuer);
    expect(test.store).toBe(deps.store);
  });
});
