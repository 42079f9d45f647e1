/**
 * Secrets are never in the template: on AWS the function's environment names SSM Parameter Store
 * SecureString parameters (`KOOGALLERY_ACCESS_KEY_SSM_PARAMETER=/koogallery-production/prod/...`),
 * and this module reads them once, at cold start, into a {@link Lookup} for `loadConfig`.
 */
import type { GetParametersCommandOutput } from '@aws-sdk/client-ssm';
import { CONFIG_KEYS, type Lookup } from './config';
import { ConfigError } from './errors';

/** `X_SSM_PARAMETER` names the parameter holding the value of setting `X`. */
export const SSM_PARAMETER_SUFFIX = '_SSM_PARAMETER';

/** Settings that may be absent: a parameter named for them that does not exist means "unset". */
export const OPTIONAL_SECRET_KEYS: ReadonlySet<string> = new Set([
  'KOOGALLERY_PREVIOUS_ACCESS_KEY',
  'CREDENTIALS_PREVIOUS_KEY',
  'KOOGALLERY_V1_ACCESS_KEY',
  'KOOGALLERY_LICENSE_ACCESS_KEY',
  'LICENSE_SIGNING_KEY',
  'USAGE_REPORT_SECRET',
  'USAGE_REPORT_PREVIOUS_SECRET',
  // Unset unless PROVISIONER_WEBHOOK_URL is set, which loadConfig then checks.
  'PROVISIONER_WEBHOOK_SECRET',
  'PROVISIONER_WEBHOOK_PREVIOUS_SECRET',
]);

/** GetParameters accepts at most ten names per call. */
const BATCH = 10;

/** Reads decrypted parameter values by name; the seam tests replace. */
export interface ParameterReader {
  /** Values of the parameters that exist, and the names that do not. */
  getParameters(names: string[]): Promise<{ values: Map<string, string>; invalid: string[] }>;
}

/**
 * A {@link ParameterReader} on `@aws-sdk/client-ssm` (`ssm:GetParameters` with decryption; the
 * function's role allows it on exactly the parameters `serverless.yml` names).
 */
export function createSsmParameterReader(region?: string): ParameterReader {
  // Loaded on first use so code paths without SSM parameters never load the SSM client.
  const { SSMClient, GetParametersCommand } =
    require('@aws-sdk/client-ssm') as typeof import('@aws-sdk/client-ssm');
  const client = new SSMClient(region ? { region } : {});
  return {
    async getParameters(names) {
      const values = new Map<string, string>();
      const invalid: string[] = [];
      for (let i = 0; i < names.length; i += BATCH) {
        const out: GetParametersCommandOutput = await client.send(
          new GetParametersCommand({ Names: names.slice(i, i + BATCH), WithDecryption: true }),
        );
        for (const p of out.Parameters ?? []) {
          if (p.Name !== undefined && p.Value !== undefined) values.set(p.Name, p.Value);
        }
        invalid.push(...(out.InvalidParameters ?? []));
      }
      return { values, invalid };
    },
  };
}

/**
 * The settings whose value `lookup` names as an SSM parameter (`X_SSM_PARAMETER`), as
 * `[setting, parameter name]` pairs. A plain value of `X` wins over its parameter (handy locally).
 */
export function secretParameters(lookup: Lookup): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const key of Object.keys(CONFIG_KEYS)) {
    const parameter = lookup(`${key}${SSM_PARAMETER_SUFFIX}`)?.trim();
    if (!parameter || lookup(key)?.trim()) continue;
    pairs.push([key, parameter]);
  }
  return pairs;
}

/**
 * Resolves every `X_SSM_PARAMETER` setting of `lookup` into setting `X` and returns the lookup
 * `loadConfig` reads. Without such settings it makes no call and returns `lookup` itself. A
 * missing parameter for a required setting throws one `ConfigError` naming each; values never
 * appear in messages or logs.
 *
 * @example
 * const lookup = await resolveSecretLookup((key) => process.env[key]);
 * const config = loadConfig(lookup);
 */
export async function resolveSecretLookup(
  lookup: Lookup,
  options: { reader?: ParameterReader } = {},
): Promise<Lookup> {
  const pairs = secretParameters(lookup);
  if (pairs.length === 0) return lookup;

  const reader = options.reader ?? createSsmParameterReader(lookup('AWS_REGION'));
  const names = [...new Set(pairs.map(([, parameter]) => parameter))];
  let read: Awaited<ReturnType<ParameterReader['getParameters']>>;
  try {
    read = await reader.getParameters(names);
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    throw new Error(
      `could not read SSM parameters ${names.join(', ')} (${name}); check the function role's ssm:GetParameters permission and the parameters' region`,
      { cause: error },
    );
  }
  const resolved = new Map<string, string>();
  const problems: string[] = [];
  for (const [key, parameter] of pairs) {
    const value = read.values.get(parameter);
    if (value !== undefined) resolved.set(key, value);
    else if (!OPTIONAL_SECRET_KEYS.has(key)) {
      const create =
        key === 'CREDENTIALS_KEY'
          ? ` (create it once: aws ssm put-parameter --type SecureString --name ${parameter} --value "$(openssl rand -base64 32)")`
          : '';
      problems.push(
        `${key}${SSM_PARAMETER_SUFFIX} names SSM parameter "${parameter}", which does not exist or is not readable${create}`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return (key) => resolved.get(key) ?? lookup(key);
}
