import { createFunctionGraphHandler } from '../../lib/adapters/functiongraph';
import { createProductionApp } from '../../lib/production-app';

/** Huawei FunctionGraph entry (APIG trigger); handler `index.handler` in the packaged zip. */
export const handler = createFunctionGraphHandler((lookup) => createProductionApp(lookup));
