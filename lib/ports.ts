import type { CredentialsVault } from './credentials-vault';
import type { OrderClient } from './open-api/order-client';
import type { LicenseIssuer } from './provisioner/license-issuer';
import type { Provisioner } from './provisioner/provisioner';
import type { InstanceStore } from './store/instance-store';
import type { UsageStore } from './store/usage-store';

/**
 * The ports one call's scenario may reach, already chosen for the call: a `testFlag` "1" call gets
 * the test provisioner and the test license issuer (`portsFor` in `lib/deps.ts`), and every method
 * that writes waits for the call's replay token (`PORT_GATES` in `lib/replay-guard.ts`).
 *
 * Adding a port takes three edits, each checked by the compiler: a member here, its row in
 * `PORT_GATES` (naming which of its methods write), and where `lib/deps.ts` builds and chooses it.
 * A scenario names the ports it uses in its context's type, e.g. `ScenarioContext<'store' | 'provisioner'>`.
 */
export interface Ports {
  /** Instance records (the replay nonces are recorded by the app, not by scenarios). */
  store: InstanceStore;
  /** The seller's provisioner, or the test one for a test call. */
  provisioner: Provisioner;
  /** The License 1.0 issuer, or the test one for a test call. */
  licenseIssuer: LicenseIssuer;
  /** KooGallery's Query Order API. */
  orders: OrderClient;
  /** Seals and opens delivery info at rest. */
  vault: CredentialsVault;
  /**
   * Usage totals of metered instances, for `queryInstance`'s `usageInfo` (#11). Read only:
   * usage is written by the seller's reports and the push job, never by KooGallery's calls.
   */
  usage: Pick<UsageStore, 'getTotals'>;
}
