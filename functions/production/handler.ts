import { createLambdaHandler } from '../../lib/adapters/lambda';
import { createProductionApp } from '../../lib/production-app';

/** AWS Lambda entry (API Gateway HTTP API, REST API, Function URL). */
export const handler = createLambdaHandler(() => createProductionApp((key) => process.env[key]));
