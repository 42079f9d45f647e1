import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

const VALID: Record<string, string> = {
  KOOGALLERY_ACCESS_KEY: 'key',
  KOOGALLERY_PREVIOUS_ACCESS_KEY: 'old',
  HUAWEICLOUD_AK: 'ak',
  HUAWEICLOUD_SK: 'sk',
  CREDENTIALS_KEY: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  TABLE_NAME: 'koogallery-prod',
  FRONTEND_URL_TEMPLATE: 'https://{shortId}.example.com/',
};

const load = (extra: Record<string, string>) => loadConfig((k) => ({ ...VALID, ...extra })[k]);

describe('loadConfig keys per interface type', () => {
  it('falls back to the V2.0 keys for V1.0 and leaves License 2.0 unconfigured', () => {
    const config = load({});
    expect(config.v1AccessKeys).toEqual(['key', 'old']);
    expect(config.licenseAccessKeys).toEqual([]);
    expect(config.v1TimestampWindowMs).toBe(600_000);
    expect(config.licenseSigningKey).toBeUndefined();
  });

  it('reads each family its own key and the V1.0 window', () => {
    const config = load({
      KOOGALLERY_V1_ACCESS_KEY: 'v1',
      KOOGALLERY_LICENSE_ACCESS_KEY: 'lic',
      V1_TIMESTAMP_WINDOW_SECONDS: '120',
    });
    expect(config).toMatchObject({
      accessKeys: ['key', 'old'],
      v1AccessKeys: ['v1'],
      licenseAccessKeys: ['lic'],
      v1TimestampWindowMs: 120_000,
    });
  });

  it('reads an Ed25519 signing key as PEM (escaped newlines too) or base64 PKCS#8', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const der = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    for (const value of [pem, pem.replace(/\n/g, '\\n'), der]) {
      expect(load({ LICENSE_SIGNING_KEY: value }).licenseSigningKey?.asymmetricKeyType).toBe(
        'ed25519',
      );
    }
  });

  it('refuses a signing key that is not Ed25519 or not a key, without quoting it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    for (const value of [rsa, 'c2VjcmV0LW5vdC1hLWtleQ==']) {
      try {
        load({ LICENSE_SIGNING_KEY: value });
        throw new Error('expected a ConfigError');
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        const message = (error as ConfigError).message;
        expect(message).toMatch(/LICENSE_SIGNING_KEY/);
        expect(message).not.toContain(value.slice(0, 40));
      }
    }
  });
});

describe('loadConfig REQUEST_BODY_DIGEST (#9)', () => {
  it('accepts both readings by default and pins hmac or sha256, in any case', () => {
    expect(load({}).requestBodyDigest).toBe('auto');
    expect(load({ REQUEST_BODY_DIGEST: 'auto' }).requestBodyDigest).toBe('auto');
    expect(load({ REQUEST_BODY_DIGEST: 'hmac' }).requestBodyDigest).toBe('hmac');
    expect(load({ REQUEST_BODY_DIGEST: ' SHA256 ' }).requestBodyDigest).toBe('sha256');
  });

  it('refuses another value, naming the setting and the choices', () => {
    expect(() => load({ REQUEST_BODY_DIGEST: 'md5' })).toThrow(
      /REQUEST_BODY_DIGEST must be auto, hmac or sha256, got "md5"/,
    );
  });
});

describe('loadConfig open API fallback endpoint (#9)', () => {
  it('defaults to mkt.myhuaweicloud.cn only when the primary is the default host', () => {
    expect(load({}).apiFallbackEndpoint).toBe('https://mkt.myhuaweicloud.cn');
    expect(
      load({ KOOGALLERY_API_ENDPOINT: 'https://mkt-intl.myhuaweicloud.com' }).apiFallbackEndpoint,
    ).toBeUndefined();
  });

  it('reads KOOGALLERY_API_FALLBACK_ENDPOINT, and "none" turns it off', () => {
    expect(
      load({ KOOGALLERY_API_FALLBACK_ENDPOINT: 'https://backup.example.com/' }).apiFallbackEndpoint,
    ).toBe('https://backup.example.com');
    expect(load({ KOOGALLERY_API_FALLBACK_ENDPOINT: 'none' }).apiFallbackEndpoint).toBeUndefined();
  });

  it('refuses a fallback endpoint that is not https', () => {
    expect(() => load({ KOOGALLERY_API_FALLBACK_ENDPOINT: 'http://backup.example.com' })).toThrow(
      /KOOGALLERY_API_FALLBACK_ENDPOINT must be https/,
    );
  });
});
