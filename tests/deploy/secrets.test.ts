import type { Lookup } from '../../lib/config';
import { ConfigError } from '../../lib/errors';
import { type ParameterReader, resolveSecretLookup, secretParameters } from '../../lib/secrets';

/** A reader over a fixed parameter map that records each call's names. */
function fakeReader(parameters: Record<string, string>): ParameterReader & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    async getParameters(names) {
      calls.push(names);
      const values = new Map<string, string>();
      const invalid: string[] = [];
      for (const n of names) {
        const v = parameters[n];
        if (v === undefined) invalid.push(n);
        else values.set(n, v);
      }
      return { values, invalid };
    },
  };
}

function lookupOf(env: Record<string, string>): Lookup {
  return (key) => env[key];
}

const DEPLOYED = {
  TABLE_NAME: 'koogallery-production-prod-state',
  KOOGALLERY_ACCESS_KEY_SSM_PARAMETER: '/app/prod/KOOGALLERY_ACCESS_KEY',
  KOOGALLERY_PREVIOUS_ACCESS_KEY_SSM_PARAMETER: '/app/prod/KOOGALLERY_PREVIOUS_ACCESS_KEY',
  HUAWEICLOUD_AK_SSM_PARAMETER: '/app/prod/HUAWEICLOUD_AK',
  HUAWEICLOUD_SK_SSM_PARAMETER: '/app/prod/HUAWEICLOUD_SK',
};

describe('resolveSecretLookup', () => {
  it('returns the lookup itself and makes no call when no setting names a parameter', async () => {
    const reader = fakeReader({});
    const lookup = lookupOf({ KOOGALLERY_ACCESS_KEY: 'plain' });

    const resolved = await resolveSecretLookup(lookup, { reader });

    expect(resolved).toBe(lookup);
    expect(reader.calls).toEqual([]);
  });

  it('reads every named parameter in one call and serves the values under the setting names', async () => {
    const reader = fakeReader({
      '/app/prod/KOOGALLERY_ACCESS_KEY': 'access-key-value',
      '/app/prod/HUAWEICLOUD_AK': 'ak-value',
      '/app/prod/HUAWEICLOUD_SK': 'sk-value',
    });

    const lookup = await resolveSecretLookup(lookupOf(DEPLOYED), { reader });

    expect(reader.calls).toHaveLength(1);
    expect(lookup('KOOGALLERY_ACCESS_KEY')).toBe('access-key-value');
    expect(lookup('HUAWEICLOUD_AK')).toBe('ak-value');
    expect(lookup('HUAWEICLOUD_SK')).toBe('sk-value');
    expect(lookup('TABLE_NAME')).toBe('koogallery-production-prod-state');
    // The optional previous key has no parameter yet: it is simply unset.
    expect(lookup('KOOGALLERY_PREVIOUS_ACCESS_KEY')).toBeUndefined();
  });

  it('reads the webhook secrets from their parameters, and leaves them unset when absent (#12)', async () => {
    const env = {
      ...DEPLOYED,
      PROVISIONER_WEBHOOK_SECRET_SSM_PARAMETER: '/app/prod/PROVISIONER_WEBHOOK_SECRET',
      PROVISIONER_WEBHOOK_PREVIOUS_SECRET_SSM_PARAMETER:
        '/app/prod/PROVISIONER_WEBHOOK_PREVIOUS_SECRET',
    };
    const base = {
      '/app/prod/KOOGALLERY_ACCESS_KEY': 'k',
      '/app/prod/HUAWEICLOUD_AK': 'a',
      '/app/prod/HUAWEICLOUD_SK': 's',
    };

    const without = await resolveSecretLookup(lookupOf(env), { reader: fakeReader(base) });
    const withSecret = await resolveSecretLookup(lookupOf(env), {
      reader: fakeReader({ ...base, '/app/prod/PROVISIONER_WEBHOOK_SECRET': 'whsec-value' }),
    });

    expect(without('PROVISIONER_WEBHOOK_SECRET')).toBeUndefined();
    expect(withSecret('PROVISIONER_WEBHOOK_SECRET')).toBe('whsec-value');
    expect(withSecret('PROVISIONER_WEBHOOK_PREVIOUS_SECRET')).toBeUndefined();
  });

  it('lets a plain value win over its parameter and does not fetch that parameter', async () => {
    const env = { ...DEPLOYED, KOOGALLERY_ACCESS_KEY: 'from-shell' };

    expect(secretParameters(lookupOf(env)).map(([k]) => k)).not.toContain('KOOGALLERY_ACCESS_KEY');
    const reader = fakeReader({ '/app/prod/HUAWEICLOUD_AK': 'a', '/app/prod/HUAWEICLOUD_SK': 's' });
    const lookup = await resolveSecretLookup(lookupOf(env), { reader });

    expect(lookup('KOOGALLERY_ACCESS_KEY')).toBe('from-shell');
    expect(reader.calls.flat()).not.toContain('/app/prod/KOOGALLERY_ACCESS_KEY');
  });

  it('throws one ConfigError naming each missing required parameter, without any value', async () => {
    const reader = fakeReader({ '/app/prod/HUAWEICLOUD_AK': 'ak-value' });

    const error = await resolveSecretLookup(lookupOf(DEPLOYED), { reader }).catch((e) => e);

    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems).toHaveLength(2);
    expect(problems.join(' ')).toContain('/app/prod/KOOGALLERY_ACCESS_KEY');
    expect(problems.join(' ')).toContain('/app/prod/HUAWEICLOUD_SK');
    expect((error as Error).message).not.toContain('ak-value');
  });

  it('names the parameters and the likely cause when SSM cannot be read', async () => {
    const reader: ParameterReader = {
      getParameters: async () => {
        throw Object.assign(new Error('User is not authorized: secret-ish detail'), {
          name: 'AccessDeniedException',
        });
      },
    };

    const error = await resolveSecretLookup(lookupOf(DEPLOYED), { reader }).catch((e) => e);

    expect((error as Error).message).toContain('AccessDeniedException');
    expect((error as Error).message).toContain('ssm:GetParameters');
    expect((error as Error).message).not.toContain('secret-ish detail');
  });
});
