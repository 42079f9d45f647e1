import { createLambdaHandler } from '../../lib/adapters/lambda';
import { createProductionApp } from '../../lib/production-app';
import { resolveSecretLookup } from '../../lib/secrets';

/** AWS Lambda entry (HTTP API, REST API, Function URL); secrets come from SSM at cold start. */
export const handler = createLambdaHandler(async () =>
  createProductionApp(await resolveSecretLookup((key) => process.env[key])),
);
