/** One scenario unit test's world: memory store behind a fault injector, test clock, recording provisioners. */
import type { Deps } from '../../../lib/deps';
import type { OrderClient } from '../../../lib/open-api/order-client';
import type { Provisioner } from '../../../lib/provisioner/provisioner';
import { createMemoryStore } from '../../../lib/store/memory-store';
import { type FaultyStore, faultyStore } from './faulty-store';
import { type ContextOptions, recordingProvisioner, scenarioContext } from './scenario-context';
import { fakeOrders, type UnitDeps, unitDeps } from './unit-deps';

/** Options of {@link scenarioSetup}. */
export interface SetupOptions {
  /** Replaces methods of the real (non-test) provisioner. */
  provisioner?: Partial<Provisioner>;
  /** Replaces methods of the test provisioner. */
  testProvisioner?: Partial<Provisioner>;
  orders?: OrderClient['queryOrder'];
  overrides?: Partial<Deps>;
  settings?: Record<string, string>;
}

/** Builds the world; `context` makes a fresh call context in it. */
export function scenarioSetup(o: SetupOptions = {}) {
  const faulty: FaultyStore = faultyStore(createMemoryStore());
  const orders = fakeOrders(o.orders);
  const u: UnitDeps = unitDeps({ store: faulty.store, orders, ...o.overrides }, o.settings);
  const provisioner = recordingProvisioner(u.deps.provisioner, o.provisioner);
  const testProvisioner = recordingProvisioner(u.deps.testProvisioner, o.testProvisioner);
  u.deps.provisioner = provisioner;
  u.deps.testProvisioner = testProvisioner;
  return {
    ...u,
    faulty,
    store: faulty.inner,
    orders,
    provisioner,
    testProvisioner,
    context: (c: ContextOptions = {}) => scenarioContext(u, c),
  };
}
