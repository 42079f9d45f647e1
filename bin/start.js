#!/usr/bin/env node

// `npm start`: runs lib/local/main.ts through the esbuild require hook (no build step needed).
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
