import { loadConfig } from '../../../lib/config';
import { buildDeps } from '../../../lib/deps';
import { type HttpRequest, SECURITY_HEADERS } from '../../../lib/http';
import { silentLogger } from '../../../lib/log';
import {
  handleUsageReport,
  isUsageRoute,
  withUsageReports,
} from '../../../lib/metering/usage-route';
import {
  formatUnits,
  kooUsageTime,
  meteringSn,
  statisticalTime,
} from '../../../lib/metering/usage-values';
import { signPayload, verifyPayload } from '../../../lib/signed-payload';
import { signUsageReport } from '../../../lib/sim/lifecycle-ondemand';
import { createMemoryStore } from '../../../lib/store/memory-store';
import { createMemoryUsageStore } from '../../../lib/store/memory-usage-store';
import { addInstance, manualClock } from './fixtures';

const SETTINGS: Record<string, string> = {
  KOOGALLERY_ACCESS_KEY: 'key',
  HUAWEICLOUD_AK: 'ak',
  HUAWEICLOUD_SK: 'sk',
  TABLE_NAME: 'koogallery-test',
  FRONTEND_URL_TEMPLATE: 'https://{shortId}.example.com/',
  CREDENTIALS_KEY: '0f'.repeat(32),
  USAGE_REPORT_SECRET: 'current-secret-0123',
  USAGE_REPORT_PREVIOUS_SECRET: 'previous-secret-0123',
};

function depsWith(settings: Record<string, string | undefined> = {}) {
  const clock = manualClock();
  const all = { ...SETTINGS, ...settings };
  return buildDeps(
    loadConfig((k) => all[k]),
    {
      store: createMemoryStore(),
      usage: createMemoryUsageStore(),
      clock,
      log: silentLogger,
    },
  );
}

function request(
  body: unknown,
  options: { secret?: string; method?: string; at?: number } = {},
): HttpRequest {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    method: options.method ?? 'POST',
    path: '/koogallery/usage',
    rawQuery: '',
    query: {},
    headers: {
      'x-koogallery-signature': signPayload(
        [options.secret ?? 'current-secret-0123'],
        text,
        options.at ?? manualClock().now(),
      ),
    },
    body: Buffer.from(text),
  };
}

describe('the usage report route (#11)', () => {
  it('refuses a short or orphaned report secret at cold start, without quoting it', () => {
    const load = (extra: Record<string, string | undefined>) => () =>
      loadConfig((k) => ({ ...SETTINGS, ...extra })[k]);

    expect(load({ USAGE_REPORT_SECRET: 'short' })).toThrow(
      /USAGE_REPORT_SECRET must be at least 16 characters/,
    );
    expect(load({ USAGE_REPORT_SECRET: 'short' })).not.toThrow(/"short"/);
    expect(load({ USAGE_REPORT_SECRET: undefined })).toThrow(
      /PREVIOUS_SECRET is set without USAGE_REPORT_SECRET/,
    );
  });

  it('takes the path suffix /usage only', () => {
    expect(['/usage', '/koogallery/usage', '/a/b/usage'].map(isUsageRoute)).toEqual([
      true,
      true,
      true,
    ]);
    expect(['/', '/koogallery', '/usage/x', '/usages'].map(isUsageRoute)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('records with the previous secret while rotating', async () => {
    const deps = depsWith();
    const instanceId = await addInstance(deps.store, 'ON_DEMAND');

    const answer = await handleUsageReport(
      deps,
      request(
        { instanceId, hour: '2026-11-29T11', value: '1' },
        { secret: 'previous-secret-0123' },
      ),
    );

    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body).results[0]).toMatchObject({ outcome: 'recorded', value: '1' });
    expect(answer.headers).toEqual({
      'Content-Type': 'application/json;charset=UTF-8',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    });
  });

  it.each<
    [
      string,
      Parameters<typeof request>[1] & {
        body?: unknown;
        settings?: Record<string, string | undefined>;
      },
      number,
      RegExp,
    ]
  >([
    ['a GET', { method: 'GET' }, 405, /POST/],
    [
      'an unconfigured secret',
      { settings: { USAGE_REPORT_SECRET: undefined, USAGE_REPORT_PREVIOUS_SECRET: undefined } },
      503,
      /USAGE_REPORT_SECRET/,
    ],
    ['another secret', { secret: 'guess' }, 401, /no v1 signature matches/],
    ['a signature 10 minutes old', { at: manualClock().now() - 600_000 }, 401, /tolerance/],
    ['a body that is not JSON', { body: 'nope' }, 400, /not JSON/],
    ['an empty records list', { body: { records: [] } }, 400, /1 to 100/],
    [
      '101 records',
      { body: { records: Array.from({ length: 101 }, () => ({})) } },
      400,
      /1 to 100/,
    ],
  ])('answers %s with its status and a clear error', async (_name, options, status, error) => {
    const deps = depsWith(options.settings);

    const answer = await handleUsageReport(
      deps,
      request(options.body ?? { instanceId: 'i', hour: '2026-11-29T11', value: '1' }, options),
    );

    expect(answer.statusCode).toBe(status);
    expect(JSON.parse(answer.body).error).toMatch(error);
    expect(answer.headers).toMatchObject(SECURITY_HEADERS);
  });

  it('sends every other path to the KooGallery app', async () => {
    const deps = depsWith();
    const app = withUsageReports(deps, async () => ({
      statusCode: 200,
      headers: {},
      body: 'koogallery',
    }));

    const answer = await app({ ...request({}), path: '/koogallery' });

    expect(answer.body).toBe('koogallery');
  });
});

describe("the simulator's own report signature (#11)", () => {
  it('is the one the function verifies, written independently', () => {
    const body = '{"instanceId":"i","hour":"2026-11-29T10","value":"1"}';
    const at = Date.UTC(2026, 10, 29, 12);

    expect(signUsageReport('s3cret', body, at)).toBe(signPayload(['s3cret'], body, at));
    expect(verifyPayload(signUsageReport('s3cret', body, at), body, ['s3cret'], at)).toEqual({
      ok: true,
      timestampMs: Math.floor(at / 1000) * 1000,
    });
  });
});

describe('usage values (#11)', () => {
  it('formats units exactly, sums beyond 2^53 included', () => {
    expect([1, 10_000, 12_345, 125_000, 99_999_999_9999].map(formatUnits)).toEqual([
      '0.0001',
      '1',
      '1.2345',
      '12.5',
      '99999999.9999',
    ]);
    expect(formatUnits(2n ** 60n)).toBe('115292150460684.6976');
  });

  it('formats KooGallery times and a stable, bounded metering_sn', () => {
    const ms = Date.UTC(2026, 10, 29, 10, 5, 6, 7);
    expect(kooUsageTime(ms)).toBe('20261129T100506Z');
    expect(statisticalTime(ms)).toBe('20261129100506007');
    expect(meteringSn('i-1', '2026112910')).toBe(meteringSn('i-1', '2026112910'));
    expect(meteringSn('i-1', '2026112910')).not.toBe(meteringSn('i-1', '2026112911'));
    expect(meteringSn('x'.repeat(64), '2026112910').length).toBeLessThanOrEqual(64);
  });
});
