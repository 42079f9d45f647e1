/**
 * A scenario context over unit-test dependencies: the call's ports chosen by the test flag as the
 * app chooses them, a clock the test moves (and that `sleep` moves, so waiting takes no real
 * time), and the annotations the call's log line would carry.
 */
import { portsFor, scenarioContextOf } from '../../../lib/deps';
import type { LogFields } from '../../../lib/log';
import type { Provisioner } from '../../../lib/provisioner/provisioner';
import type { ScenarioContext } from '../../../lib/scenarios/scenario';
import type { InstanceRecord } from '../../../lib/store/instance-store';
import type { UnitDeps } from './unit-deps';

/** Options of {@link scenarioContext}. */
export interface ContextOptions {
  test?: boolean;
  /** The request's signed time; now by default. */
  requestTimestampMs?: number;
  /** Time left to answer; 3000 ms by default. */
  budgetMs?: number;
}

/**
 * A context and the log fields the scenario annotated: built by the app's own `scenarioContextOf`,
 * with the test's clock, and a `sleep` that moves that clock instead of waiting.
 */
export function scenarioContext(
  u: UnitDeps,
  o: ContextOptions = {},
): { ctx: ScenarioContext; annotations: LogFields } {
  const annotations: LogFields = {};
  const built = scenarioContextOf(
    { ...u.deps, clock: u.clock },
    portsFor(u.deps, o.test ?? false),
    {
      requestTimestampMs: o.requestTimestampMs ?? u.clock.now(),
      deadline: u.clock.now() + (o.budgetMs ?? 3000),
      annotate: (fields) => Object.assign(annotations, fields),
    },
  );
  const ctx: ScenarioContext = { ...built, sleep: async (ms) => u.clock.advance(ms) };
  return { ctx, annotations };
}

/** A provisioner call as recorded. */
export interface ProvisionerCall {
  method: keyof Provisioner;
  instanceId: string;
}

/**
 * Wraps `inner` so every call is recorded (method and instance) and any method may be replaced.
 */
export function recordingProvisioner(
  inner: Provisioner,
  replace: Partial<Provisioner> = {},
): Provisioner & { calls: ProvisionerCall[] } {
  const calls: ProvisionerCall[] = [];
  const idOf = (arg: unknown): string => {
    const a = arg as { instanceId?: string; instance?: InstanceRecord };
    return a.instanceId ?? a.instance?.instanceId ?? '';
  };
  const wrap = <K extends keyof Provisioner>(method: K): Provisioner[K] =>
    (async (arg: never) => {
      calls.push({ method, instanceId: idOf(arg) });
      const fn = (replace[method] ?? inner[method]) as (a: never) => Promise<unknown>;
      return fn(arg);
    }) as Provisioner[K];
  return {
    calls,
    provision: wrap('provision'),
    renew: wrap('renew'),
    freeze: wrap('freeze'),
    unfreeze: wrap('unfreeze'),
    release: wrap('release'),
    upgrade: wrap('upgrade'),
    checkChange: wrap('checkChange'),
  };
}

/** A stored record with defaults for what a test does not care about. */
export function record(over: Partial<InstanceRecord> & { instanceId: string }): InstanceRecord {
  return {
    namespace: 'real',
    status: 'ACTIVE',
    version: 1,
    orderId: 'O-1',
    orderLineId: 'O-1-000001',
    protocol: 'v2',
    entitlement: { productId: 'P-1' },
    appliedOrders: ['O-1/O-1-000001'],
    createdAt: 1,
    updatedAt: 1,
    ...over,
  };
}
