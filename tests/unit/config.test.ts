import { loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

const VALID: Record<string, string> = {
  KOOGALLERY_ACCESS_KEY: 'key',
  HUAWEICLOUD_AK: 'ak',
  HUAWEICLOUD_SK: 'sk',
  CREDENTIALS_KEY: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  TABLE_NAME: 'koogallery-prod',
  FRONTEND_URL_TEMPLATE: 'https://{shortId}.example.com/',
};

function problemsOf(settings: Record<string, string>): string[] {
  try {
    loadConfig((k) => settings[k]);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('reads a minimal configuration with the documented defaults', () => {
    const config = loadConfig((k) => VALID[k]);
    expect(config).toMatchObject({
      accessKeys: ['key'],
      apiEndpoint: 'https://mkt.myhuaweicloud.com',
      signatureWindowMs: 60_000,
      responseBudgetMs: 3000,
      encryptType: '1',
      credentialsPlaintext: false,
      maxBodyBytes: 65536,
    });
  });

  it('names every missing key in one error', () => {
    const problems = problemsOf({});
    for (const key of [
      'KOOGALLERY_ACCESS_KEY',
      'HUAWEICLOUD_AK',
      'HUAWEICLOUD_SK',
      'CREDENTIALS_KEY',
      'TABLE_NAME',
      'FRONTEND_URL_TEMPLATE',
    ]) {
      expect(problems.some((p) => p.startsWith(key))).toBe(true);
    }
  });

  it('names every malformed key in one error', () => {
    const problems = problemsOf({
      ...VALID,
      KOOGALLERY_API_ENDPOINT: 'http://mkt.example.com',
      TABLE_NAME: 'bad.name',
      ENCRYPT_TYPE: '3',
      SIGNATURE_WINDOW_SECONDS: 'soon',
      CREDENTIALS_PLAINTEXT: 'maybe',
      CREDENTIALS_KEY: 'c2hvcnQ=',
    });
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/https:\/\/ \(http:\/\/ only on a loopback host\)/);
  });

  it('accepts an http loopback endpoint and the previous key for rotation', () => {
    const config = loadConfig(
      (k) =>
        ({
          ...VALID,
          KOOGALLERY_API_ENDPOINT: 'http://127.0.0.1:9000/',
          KOOGALLERY_PREVIOUS_ACCESS_KEY: 'old',
        })[k],
    );
    expect(config.apiEndpoint).toBe('http://127.0.0.1:9000');
    expect(config.accessKeys).toEqual(['key', 'old']);
  });

  it('never repeats a secret value in its message', () => {
    const message = (() => {
      try {
        loadConfig(
          (k) => ({ ...VALID, HUAWEICLOUD_SK: '', KOOGALLERY_ACCESS_KEY: 'sekrit-value' })[k],
        );
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toMatch(/HUAWEICLOUD_SK is missing/);
    expect(message).not.toContain('sekrit-value');
  });
});
