import {
  createFunctionGraphHandler,
  type FunctionGraphContext,
} from '../../lib/adapters/functiongraph';
import { createUsagePushHandler } from '../../lib/metering/push-entry';
import { createProductionApp } from '../../lib/production-app';

/** Huawei FunctionGraph entry (APIG trigger); handler `index.handler` in the packaged zip. */
export const handler = createFunctionGraphHandler((lookup) => createProductionApp(lookup));

/** The hourly usage push (timer trigger); handler `index.usagePush` in the same zip. */
export const usagePush = createUsagePushHandler(
  async (_event: unknown, context: FunctionGraphContext) => (key) =>
    context?.getUserData?.(key) || process.env[key],
);
