import type { Deps } from './deps';
import { SignatureError } from './errors';
import type { ReplayToken } from './front-ends/front-end';
import type { LicenseIssuer } from './provisioner/license-issuer';
import type { Provisioner } from './provisioner/provisioner';
import type { InstanceStore } from './store/instance-store';

/**
 * Records a request's replay token (one conditional write) and resolves once it is known to be
 * new; rejects with `SignatureError` (`000001`) for a replay, or with the store's error.
 */
export async function recordReplayToken(store: InstanceStore, token: ReplayToken): Promise<void> {
  const outcome = await store.recordNonce(token.family, token.nonce, token.expiresAtMs);
  if (outcome === 'conflict') throw new SignatureError(token.reason);
}

/** Wraps `fn` so that it runs only once `ready` has resolved (and never when it rejects). */
function after<A extends unknown[], R>(
  ready: Promise<void>,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    await ready;
    return fn(...args);
  };
}

function guardProvisioner(p: Provisioner, ready: Promise<void>): Provisioner {
  return {
    provision: after(ready, (r) => p.provision(r)),
    renew: after(ready, (r) => p.renew(r)),
    freeze: after(ready, (i) => p.freeze(i)),
    unfreeze: after(ready, (i) => p.unfreeze(i)),
    release: after(ready, (i) => p.release(i)),
    upgrade: after(ready, (r) => p.upgrade(r)),
    checkChange: after(ready, (r) => p.checkChange(r)),
  };
}

/**
 * The dependencies a scenario sees while its replay token is being recorded: reads go ahead at
 * once (so the token's write and the first read share one round trip of latency), while every
 * write to the store and every call to the seller's provisioner or license issuer waits until the
 * token is known to be new. A replay therefore changes nothing, whatever the scenario does.
 */
export function guardDeps(deps: Deps, recorded: Promise<void>): Deps {
  const store: InstanceStore = {
    getInstance: (ns, id) => deps.store.getInstance(ns, id),
    getInstances: (ns, ids) => deps.store.getInstances(ns, ids),
    createInstance: after(recorded, (r) => deps.store.createInstance(r)),
    updateInstance: after(recorded, (r) => deps.store.updateInstance(r)),
    recordNonce: (f, n, e) => deps.store.recordNonce(f, n, e),
  };
  const issuer = (i: LicenseIssuer): LicenseIssuer => ({
    issue: after(recorded, (r) => i.issue(r)),
  });
  return {
    ...deps,
    store,
    provisioner: guardProvisioner(deps.provisioner, recorded),
    testProvisioner: guardProvisioner(deps.testProvisioner, recorded),
    licenseIssuer: issuer(deps.licenseIssuer),
    testLicenseIssuer: issuer(deps.testLicenseIssuer),
  };
}
