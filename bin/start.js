#!/usr/bin/env node

// `npm start`: runs lib/local/main.ts through the esbuild require hook (no build step needed).
// The AWS SDK warns about Node 20 on every start; development runs on Node 20.19 or later (engines).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('../scripts/register.js');
const { ConfigError } = require('../lib/errors.ts');
require('../lib/local/main.ts')
  .main()
  .catch((error) => {
    process.stderr.write(
      error instanceof ConfigError
        ? `${error.message}\n`
        : `could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
