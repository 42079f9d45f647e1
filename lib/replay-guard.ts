import { SignatureError } from './errors';
import type { ReplayToken } from './front-ends/front-end';
import type { Ports } from './ports';
import type { InstanceStore } from './store/instance-store';

/**
 * Records a request's replay token (one conditional write) and resolves once it is known to be
 * new; rejects with `SignatureError` (`000001`) for a replay, or with the store's error.
 */
export async function recordReplayToken(store: InstanceStore, token: ReplayToken): Promise<void> {
  const outcome = await store.recordNonce(token.family, token.nonce, token.expiresAtMs);
  if (outcome === 'conflict') throw new SignatureError(token.reason);
}

/** The names of the methods of a port. */
type MethodName<T> = {
  [M in keyof T]-?: T[M] extends (...args: never[]) => unknown ? M : never;
}[keyof T] &
  string;

/**
 * How a port method is gated: `'write'` waits for the replay token; `'read'` (a read, or work with
 * no effect outside the process) goes ahead at once.
 */
export type Gate = 'read' | 'write';

/** How each method of each port is gated (see {@link Gate}). */
export type GateTable = {
  readonly [P in keyof Ports]: { readonly [M in MethodName<Ports[P]>]: Gate };
};

/**
 * Every port method, read or write. Typed by {@link GateTable}: a port added to `Ports`, or a method
 * added to a port, without its row here fails to compile, so no write can skip the replay gate.
 */
export const PORT_GATES: GateTable = {
  store: {
    getInstance: 'read',
    getInstances: 'read',
    createInstance: 'write',
    updateInstance: 'write',
    recordNonce: 'write',
    // Operator tools only (`npm run credentials:reseal`); no scenario lists instances.
    listInstances: 'read',
  },
  provisioner: {
    provision: 'write',
    renew: 'write',
    freeze: 'write',
    unfreeze: 'write',
    release: 'write',
    upgrade: 'write',
    // A seller's check may reserve capacity or call out: gated like the others.
    checkChange: 'write',
  },
  licenseIssuer: { issue: 'write' },
  orders: { queryOrder: 'read' },
  vault: { seal: 'read', open: 'read', needsReseal: 'read', sealText: 'read', openText: 'read' },
  usage: { getTotals: 'read' },
};

/**
 * A port whose `'write'` methods wait for `ready` (and never run when it rejects); its other
 * methods are the port's own, reached through the prototype.
 */
function gatePort<T extends object>(
  port: T,
  gates: { readonly [M in MethodName<T>]: Gate },
  ready: Promise<void>,
): T {
  const gated = Object.create(port) as T;
  const methods = port as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const [name, gate] of Object.entries(gates)) {
    if (gate !== 'write') continue;
    Object.defineProperty(gated, name, {
      value: async (...args: unknown[]) => {
        await ready;
        return (methods[name] as (...a: unknown[]) => Promise<unknown>).apply(port, args);
      },
    });
  }
  return gated;
}

/**
 * The ports a scenario sees while its replay token is being recorded: reads go ahead at once (so
 * the token's write and the first read share one round trip of latency), while every write waits
 * until the token is known to be new ({@link PORT_GATES}). A replay therefore changes nothing,
 * whatever the scenario does.
 *
 * @example const ports = guardPorts(portsFor(deps, command.test), recordReplayToken(deps.store, token));
 */
export function guardPorts(ports: Ports, recorded: Promise<void>): Ports {
  const out = {} as Record<keyof Ports, object>;
  for (const name of Object.keys(PORT_GATES) as (keyof Ports)[]) {
    out[name] = gatePort(ports[name] as object, PORT_GATES[name] as never, recorded);
  }
  return out as Ports;
}
