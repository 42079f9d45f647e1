/**
 * The life of one fresh real License 2.0 license code (docs/protocol.md#license-20). KooGallery creates the
 * code and sends no purchase: the first notification about it is a renewal, delivered here many
 * times at once, then replayed, retried, overtaken by a later renewal, refunded, frozen and
 * unfrozen out of order, released, and delivered again after the release, as 60 retries two
 * minutes apart can do. License 2.0 answers carry nothing but the result code, so the story checks
 * result codes; what the service stored is not observable through the protocol.
 */
import { codeOf, type Exchange } from './client';
import {
  afterReleaseInvariant,
  DAY_MS,
  freshOrderId,
  type Invariant,
  type LifecycleOptions,
  type LifecycleReport,
  type LifecycleStep,
  refusedInvariant,
  STALE_V2,
  type Story,
} from './lifecycle-story';
import type { SeededRandom } from './random';
import { licenseRefreshFields, mockLine, utcStamp } from './suites';

/** A fresh, never-seen license code in KooGallery's style (`PL…`): the time keeps it fresh. */
export function freshLicenseCode(nowMs: number, random: SeededRandom): string {
  return `PLSIM${utcStamp(nowMs).slice(2, 14)}${random.hex(4).toUpperCase()}`;
}

/**
 * Runs the License 2.0 story of one fresh real license code and returns every step and invariant;
 * `runLifecycle` calls it with the story it stops at an unreachable target.
 */
export async function runLicenseLifecycle(
  options: LifecycleOptions,
  story: Story,
): Promise<LifecycleReport> {
  const { started, random } = story;
  const license = freshLicenseCode(started, random);
  const orderId = freshOrderId(started, random);
  options.onStart?.(license);
  const e1 = started + 60 * DAY_MS;
  const e2 = started + 120 * DAY_MS;
  const e3 = started + 90 * DAY_MS;
  const renew = (n: number, expireMs: number) => ({
    activity: 'refreshLicenseCode',
    ...licenseRefreshFields(license, 'RENEWAL', `${orderId}R${n}`, expireMs),
  });
  const refund = () => ({
    activity: 'refreshLicenseCode',
    ...licenseRefreshFields(license, 'UNSUBSCRIBE_RENEWAL_PERIOD', `${orderId}R3`, e3),
  });
  const status = (s: 'FREEZE' | 'UNFREEZE') => ({
    activity: 'updateLicenseCodeStatus',
    license,
    status: s,
  });
  const release = () => ({
    activity: 'releaseLicenseCode',
    license,
    orderId,
    orderLineId: mockLine(orderId),
  });

  // Authentication: nothing may happen for a call that is not KooGallery's.
  const refused = await story.refusals('renewal R1', () => renew(1, e1), STALE_V2);

  // The first notification about the code, delivered many times at once.
  const burst = await story.burst(
    (n) => `first notification (renewal R1) ×${n} at once`,
    () => renew(1, e1),
    ['000000'],
  );
  refused.push(await story.replay('the first delivery replayed (same nonce)', burst[0]));
  await story.one('renewal R1 delivered again', renew(1, e1));
  await story.one(`renewal R2 (expiry ${utcStamp(e2)})`, renew(2, e2));
  await story.one('renewal R1 delivered late, after R2', renew(1, e1));
  await story.one(`renewal refund R3 (expiry back to ${utcStamp(e3)})`, refund());
  await story.one('renewal refund R3 delivered again', refund());

  // Status: an unfreeze arriving before its freeze, then each change delivered twice.
  await story.one('unfreeze delivered before any freeze', status('UNFREEZE'));
  await story.one('freeze', status('FREEZE'));
  await story.one('freeze delivered again', status('FREEZE'));
  await story.one('unfreeze', status('UNFREEZE'));
  await story.one('unfreeze delivered again', status('UNFREEZE'));

  // Release, then every earlier delivery again and a late new renewal, in an order drawn from
  // the seed: nothing but 000000.
  await story.one('release', release());
  const afterRelease = await story.inSeededOrder([
    () => story.one('release delivered again', release()),
    () => story.one('renewal R2 delivered again after release', renew(2, e2)),
    () => story.one('renewal refund R3 delivered again after release', refund()),
    () => story.one('freeze delivered again after release', status('FREEZE')),
    () => story.one('unfreeze delivered again after release', status('UNFREEZE')),
    () => story.one('a new renewal R4 arriving after release', renew(4, started + 365 * DAY_MS)),
  ]);

  // A code nobody has heard of: 000003 is documented, but 2.0 sends no purchase.
  const unknown = await story.one(
    'freeze a never-seen license code',
    {
      activity: 'updateLicenseCodeStatus',
      license: freshLicenseCode(Date.now(), random),
      status: 'FREEZE',
    },
    { expect: ['000000', '000003'], note: (ex) => `answered ${codeOf(ex)}` },
  );
  return story.report('license', orderId, invariants(burst, afterRelease, unknown, refused), {
    license,
  });
}

function invariants(
  burst: Exchange[],
  afterRelease: Exchange[],
  unknown: Exchange,
  refused: LifecycleStep[],
): Invariant[] {
  const unknownCode = codeOf(unknown);
  return [
    {
      name: 'one record per license code',
      ok: burst.every((ex) => codeOf(ex) === '000000') ? undefined : false,
      detail:
        'not observable: License 2.0 answers carry no instance id; ' +
        `the ${burst.length} concurrent first notifications answered ${[...new Set(burst.map(codeOf))].join(', ')}`,
    },
    {
      name: 'renewals applied once',
      ok: undefined,
      detail:
        'not observable: License 2.0 has no query; every renewal, refund and repeat answered as checked above',
    },
    afterReleaseInvariant(afterRelease),
    {
      name: '000003 for an unknown license code',
      ok: unknownCode === '000003' ? true : unknownCode === '000000' ? undefined : false,
      detail:
        unknownCode === '000000'
          ? 'answered 000000: the service takes the first notification about a code as its creation (2.0 sends no purchase), so 000003 never applies'
          : `answered ${unknownCode}`,
    },
    refusedInvariant('000001 for a wrong key, a stale timestamp, a replayed nonce', refused),
  ];
}
