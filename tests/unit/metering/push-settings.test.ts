import {
  DEFAULT_API_ENDPOINT,
  DEFAULT_API_FALLBACK_ENDPOINT,
  fallbackEndpointFor,
} from '../../../lib/config';
import { ConfigError } from '../../../lib/errors';
import { readPushSettings } from '../../../lib/metering/push-entry';

const VALID: Record<string, string> = {
  TABLE_NAME: 'koogallery-prod',
  HUAWEICLOUD_AK: 'ak',
  HUAWEICLOUD_SK: 'sk',
  KOOGALLERY_ACCESS_KEY: 'key',
};

function read(extra: Record<string, string>) {
  const settings = { ...VALID, ...extra };
  return readPushSettings((k) => settings[k]);
}

function problemsOf(extra: Record<string, string>): string[] {
  try {
    read(extra);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('readPushSettings', () => {
  it('uses the default open API and its second host when nothing is set', () => {
    expect(read({}).push).toEqual({
      endpoint: DEFAULT_API_ENDPOINT,
      fallbackEndpoint: DEFAULT_API_FALLBACK_ENDPOINT,
      ak: 'ak',
      sk: 'sk',
      accessKey: 'key',
    });
  });

  it('passes KOOGALLERY_API_FALLBACK_ENDPOINT to the push, without its trailing slash', () => {
    const { push } = read({
      KOOGALLERY_API_ENDPOINT: 'https://api.example.com/',
      KOOGALLERY_API_FALLBACK_ENDPOINT: 'https://backup.example.com/',
    });
    expect(push.endpoint).toBe('https://api.example.com');
    expect(push.fallbackEndpoint).toBe('https://backup.example.com');
  });

  it('has no fallback for "none", nor for a custom primary without one', () => {
    expect(read({ KOOGALLERY_API_FALLBACK_ENDPOINT: 'none' }).push).not.toHaveProperty(
      'fallbackEndpoint',
    );
    expect(read({ KOOGALLERY_API_ENDPOINT: 'https://api.example.com' }).push).not.toHaveProperty(
      'fallbackEndpoint',
    );
  });

  it('refuses an endpoint that is not https, naming the setting', () => {
    expect(problemsOf({ KOOGALLERY_API_ENDPOINT: 'ftp://nope' })).toEqual([
      expect.stringContaining('KOOGALLERY_API_ENDPOINT must be https://'),
    ]);
    expect(problemsOf({ KOOGALLERY_API_FALLBACK_ENDPOINT: 'not a url' })).toEqual([
      expect.stringContaining('KOOGALLERY_API_FALLBACK_ENDPOINT is not a URL'),
    ]);
  });

  it('names every missing or malformed setting in one error, secrets unquoted', () => {
    const settings: Record<string, string> = {
      HUAWEICLOUD_SK: 'the-secret',
      DYNAMODB_ENDPOINT: 'nope',
      LOG_LEVEL: 'loud',
    };
    let error: unknown;
    try {
      readPushSettings((k) => settings[k]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const key of [
      'TABLE_NAME',
      'HUAWEICLOUD_AK',
      'KOOGALLERY_ACCESS_KEY',
      'DYNAMODB_ENDPOINT',
      'LOG_LEVEL',
    ]) {
      expect(problems).toContain(key);
    }
    expect(problems).not.toContain('the-secret');
  });

  it('reads the table settings', () => {
    const { table, logLevel, auditRetentionDays } = read({
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      DYNAMODB_REGION: 'ap-southeast-1',
      DYNAMODB_ACCESS_KEY_ID: 'id',
      DYNAMODB_SECRET_ACCESS_KEY: 'secret',
      LOG_LEVEL: 'DEBUG',
      AUDIT_RETENTION_DAYS: '30',
    });
    expect(table).toMatchObject({
      tableName: 'koogallery-prod',
      endpoint: 'http://127.0.0.1:8000',
      region: 'ap-southeast-1',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
    });
    expect(logLevel).toBe('debug');
    expect(auditRetentionDays).toBe(30);
  });
});

describe('fallbackEndpointFor', () => {
  it('applies the one rule for the function, the push and koogallery-admin', () => {
    expect(fallbackEndpointFor(DEFAULT_API_ENDPOINT, undefined)).toBe(
      DEFAULT_API_FALLBACK_ENDPOINT,
    );
    expect(fallbackEndpointFor(DEFAULT_API_ENDPOINT, '  ')).toBe(DEFAULT_API_FALLBACK_ENDPOINT);
    expect(fallbackEndpointFor('https://api.example.com', undefined)).toBeUndefined();
    expect(fallbackEndpointFor(DEFAULT_API_ENDPOINT, 'NONE')).toBeUndefined();
    expect(fallbackEndpointFor('https://a.example.com', ' https://b.example.com// ')).toBe(
      'https://b.example.com',
    );
  });
});
