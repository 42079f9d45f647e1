/**
 * The life of one fresh real License 2.0 license code (around-v2.md §2.2). KooGallery creates the
 * code and sends no purchase: the first notification about it is a renewal, delivered here many
 * times at once, then replayed, retried, overtaken by a later renewal, refunded, frozen and
 * unfrozen out of order, released, and delivered again after the release, as 60 retries two
 * minutes apart can do. License 2.0 answers carry nothing but the result code, so the story checks
 * result codes; what the service stored is not observable through the protocol.
 */
import { randomBytes } from 'node:crypto';
import { call, type Exchange, type SignedRequest } from './client';
import {
  codeOf,
  DAY_MS,
  freshOrderId,
  type Invariant,
  type LifecycleOptions,
  type LifecycleReport,
  Story,
} from './lifecycle-story';
import { licenseRefreshFields, mockLine, utcStamp } from './suites';

const STALE_BY_MS = 5 * 60_000;

/** A fresh, never-seen license code in KooGallery's style (`PL…`). */
export function freshLicenseCode(nowMs: number): string {
  return `PLSIM${utcStamp(nowMs).slice(2, 14)}${randomBytes(4).toString('hex').toUpperCase()}`;
}

/**
 * Runs the License 2.0 story of one fresh real license code and returns every step and invariant.
 *
 * @example
 * const report = await runLicenseLifecycle({ target: { url, key: licenseKey, protocol: 'license' } });
 */
export async function runLicenseLifecycle(options: LifecycleOptions): Promise<LifecycleReport> {
  const started = Date.now();
  const { target } = options;
  const story = new Story(target, options.onStep);
  const license = freshLicenseCode(started);
  const orderId = freshOrderId(started);
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
  await story.one('renewal R1 signed with a wrong key', renew(1, e1), {
    expect: ['000001'],
    signWith: `wrong-${randomBytes(12).toString('hex')}`,
  });
  await story.one('renewal R1 with a stale timestamp (5 min old)', renew(1, e1), {
    expect: ['000001'],
    timestampMs: Date.now() - STALE_BY_MS,
  });

  // The first notification about the code, delivered many times at once.
  const concurrency = options.concurrency ?? 20;
  const burst = await Promise.all(
    Array.from({ length: concurrency }, () => call(target, renew(1, e1))),
  );
  story.record(`first notification (renewal R1) ×${concurrency} at once`, burst, ['000000']);
  await story.one('the first delivery replayed (same nonce)', burst[0]?.body ?? {}, {
    expect: ['000001'],
    replay: burst[0]?.request as SignedRequest,
  });
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

  // Release, then every earlier delivery again, and a late new renewal: nothing but 000000.
  await story.one('release', release());
  const afterRelease = [
    await story.one('release delivered again', release()),
    await story.one('renewal R2 delivered again after release', renew(2, e2)),
    await story.one('renewal refund R3 delivered again after release', refund()),
    await story.one('freeze delivered again after release', status('FREEZE')),
    await story.one('unfreeze delivered again after release', status('UNFREEZE')),
    await story.one('a new renewal R4 arriving after release', renew(4, started + 365 * DAY_MS)),
  ];

  // A code nobody has heard of: 000003 is documented, but 2.0 sends no purchase.
  const unknown = await story.one(
    'freeze a never-seen license code',
    {
      activity: 'updateLicenseCodeStatus',
      license: freshLicenseCode(Date.now()),
      status: 'FREEZE',
    },
    { expect: ['000000', '000003'], note: (ex) => `answered ${codeOf(ex)}` },
  );
  return finish(story, license, orderId, burst, afterRelease, unknown, started);
}

function finish(
  story: Story,
  license: string,
  orderId: string,
  burst: Exchange[],
  afterRelease: Exchange[],
  unknown: Exchange,
  started: number,
): LifecycleReport {
  const stepOk = (title: string) => story.steps.find((s) => s.title.startsWith(title))?.ok === true;
  const unknownCode = codeOf(unknown);
  const invariants: Invariant[] = [
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
    {
      name: 'nothing after release but 000000 for repeats',
      ok: afterRelease.every((ex) => codeOf(ex) === '000000'),
      detail: `repeats after release answered ${afterRelease.map(codeOf).join(', ')}`,
    },
    {
      name: '000003 for an unknown license code',
      ok: unknownCode === '000003' ? true : unknownCode === '000000' ? undefined : false,
      detail:
        unknownCode === '000000'
          ? 'answered 000000: the service takes the first notification about a code as its creation (2.0 sends no purchase), so 000003 never applies'
          : `answered ${unknownCode}`,
    },
    {
      name: '000001 for a wrong key, a stale timestamp, a replayed nonce',
      ok:
        stepOk('renewal R1 signed with a wrong key') &&
        stepOk('renewal R1 with a stale timestamp') &&
        stepOk('the first delivery replayed (same nonce)'),
      detail: 'each refused before anything changed',
    },
  ];
  return {
    ok: story.steps.every((s) => s.ok) && invariants.every((i) => i.ok !== false),
    protocol: 'license',
    orderId,
    license,
    steps: story.steps,
    invariants,
    totalMs: Date.now() - started,
  };
}
