import { createUsagePushHandler } from '../../lib/metering/push-entry';
import { resolveSecretLookup } from '../../lib/secrets';

/** AWS Lambda entry of the hourly usage push (EventBridge schedule); secrets from SSM at cold start. */
export const handler = createUsagePushHandler(() => resolveSecretLookup((key) => process.env[key]));
