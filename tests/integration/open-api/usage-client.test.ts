import { ConfigError } from '../../../lib/errors';
import { type OpenApiStandIn, startOpenApiStandIn } from '../../../lib/local/open-api-stand-in';
import {
  createUsageClient,
  signUsageBody,
  type UsageClientOptions,
  UsagePushError,
  type UsageRecord,
  usageBody,
  validateUsageRecords,
} from '../../../lib/open-api/usage-client';
import { refusingEndpoint, silentEndpoint } from '../../helpers/refusing-endpoint';
import { AK, failure, SK } from './fixtures';

const ACCESS_KEY = 'test-access-key-123';
/** A time one day after the test records' hour. */
const RECORDS_NOW = Date.UTC(2024, 1, 1, 10);

/** The record of the usage push illustration (docs/protocol.md#usage-push), keys deliberately out of order. */
const DOC_RECORD: UsageRecord = {
  usage_value: '99',
  metering_sn: 'sn-0001',
  instance_id: 'i1',
  record_time: '20220809T091000Z',
  end_time: '20220809T090000Z',
  begin_time: '20220809T080000Z',
};

function record(overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    instance_id: 'c0ffee00-0000-8000-8000-000000000001',
    record_time: '20240131T100000Z',
    begin_time: '20240131T090000Z',
    end_time: '20240131T100000Z',
    usage_value: '1.25',
    metering_sn: 'sn-1',
    ...overrides,
  };
}

describe('signUsageBody', () => {
  it('reproduces the usage push illustration vector over the key-sorted body', () => {
    const body = JSON.stringify(usageBody([DOC_RECORD]));

    const signature = signUsageBody(
      ACCESS_KEY,
      '1660036200000',
      '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      body,
    );

    expect(body).toBe(
      '{"usage_records":[{"begin_time":"20220809T080000Z","end_time":"20220809T090000Z",' +
        '"instance_id":"i1","metering_sn":"sn-0001","record_time":"20220809T091000Z","usage_value":"99"}]}',
    );
    expect(signature).toBe('ZPqr+sKhS/ddMNjEW6szwCO1hkdxcYX5SRKqrMt0NZE=');
  });
});

describe('validateUsageRecords', () => {
  it('accepts well-formed records, numbers included', () => {
    expect(
      validateUsageRecords([record(), record({ metering_sn: 'sn-2', usage_value: 3 })]),
    ).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['an empty batch', [], 'usage_records is empty'],
    ['more than 100 records (#11)', Array.from({ length: 101 }, () => record()), 'at most 100'],
    ['a long instance_id', [record({ instance_id: 'i'.repeat(65) })], 'instance_id'],
    ['a long metering_sn', [record({ metering_sn: 's'.repeat(65) })], 'metering_sn'],
    ['an ISO time', [record({ record_time: '2024-01-31T10:00:00Z' })], 'record_time'],
    ['a day that does not exist', [record({ begin_time: '20240230T000000Z' })], 'begin_time'],
    ['begin after end', [record({ begin_time: '20240131T110000Z' })], 'after end_time'],
    ['a zero value', [record({ usage_value: '0' })], 'usage_value'],
    ['five decimals', [record({ usage_value: '1.00001' })], 'usage_value'],
    ['a negative value', [record({ usage_value: -1 })], 'usage_value'],
    ['a repeated metering_sn', [record(), record()], 'repeats'],
  ])('refuses %s', (_name, records, problem) => {
    expect(validateUsageRecords(records).join('; ')).toContain(problem);
  });
});

describe('createUsageClient', () => {
  let standIn: OpenApiStandIn;

  beforeEach(async () => {
    // The records are of 2024-01-31: the stand-in checks KooGallery's 21-day window (#11).
    standIn = await startOpenApiStandIn({
      ak: AK,
      sk: SK,
      accessKey: ACCESS_KEY,
      now: () => RECORDS_NOW,
    });
  });

  afterEach(async () => {
    await standIn.close();
  });

  function client(overrides: Partial<UsageClientOptions> = {}) {
    return createUsageClient({
      endpoint: standIn.endpoint,
      ak: AK,
      sk: SK,
      accessKey: ACCESS_KEY,
      timeoutMs: 1000,
      now: () => RECORDS_NOW,
      ...overrides,
    });
  }

  it('pushes records that the stand-in verifies and records', async () => {
    const records = [record(), record({ metering_sn: 'sn-2', usage_value: 7 })];

    await client({ nonce: () => 'fixed-nonce' }).push(records);

    expect(standIn.usageRecords).toEqual([
      record(),
      record({ metering_sn: 'sn-2', usage_value: '7' }),
    ]);
  });

  it('pushes to KOOGALLERY_API_FALLBACK_ENDPOINT when the primary refuses connections (#9)', async () => {
    const primary = await refusingEndpoint();

    await client({ endpoint: primary, fallbackEndpoint: standIn.endpoint }).push([record()]);

    expect(standIn.usageRecords).toEqual([record()]);
  });

  it('pushes to KOOGALLERY_API_FALLBACK_ENDPOINT when the primary accepts the connection but never answers (#9)', async () => {
    const primary = await silentEndpoint();
    try {
      await client({
        endpoint: primary.endpoint,
        fallbackEndpoint: standIn.endpoint,
        timeoutMs: 200,
      }).push([record()]);

      expect(primary.requests).toBe(1);
      expect(standIn.usageRecords).toEqual([record()]);
    } finally {
      await primary.close();
    }
  });

  it('records a metering_sn once when the same records are pushed again', async () => {
    await client().push([record()]);
    await client().push([record()]);

    expect(standIn.usageRecords).toHaveLength(1);
  });

  it('is refused when the access key differs, without quoting any key', async () => {
    const error = await failure(client({ accessKey: 'another-key' }).push([record()]));

    expect(error).toBeInstanceOf(UsagePushError);
    expect(error.message).toContain('MKT.0102');
    expect(error.message).not.toContain('another-key');
    expect(error.message).not.toContain(SK);
    expect(standIn.usageRecords).toEqual([]);
  });

  it('is refused when the SK is wrong', async () => {
    const error = await failure(client({ sk: 'WrongSecretKey' }).push([record()]));

    expect(error).toBeInstanceOf(UsagePushError);
    expect(error.message).toContain('APIGW.0301');
    expect(error.message).not.toContain('WrongSecretKey');
  });

  it('sends nothing when a record is malformed', async () => {
    const error = await failure(client().push([record({ usage_value: '0.00001' })]));

    expect(error).toBeInstanceOf(UsagePushError);
    expect(error.message).toContain('usage_records[0].usage_value');
    expect(standIn.usageRecords).toEqual([]);
  });

  it('reports a timeout', async () => {
    standIn.faults.failNext(1, 'timeout');

    const error = await failure(client({ timeoutMs: 200 }).push([record()]));

    expect(error).toBeInstanceOf(UsagePushError);
    expect(error.message).toContain('no answer within 200 ms');
  });

  it('refuses a non-loopback http endpoint', () => {
    expect(() => client({ endpoint: 'http://mkt.example.com' })).toThrow(ConfigError);
  });
});
