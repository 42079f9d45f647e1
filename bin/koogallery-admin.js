#!/usr/bin/env node
/**
 * `koogallery-admin`: the operator's tool (lib/admin/cli.ts), beside `koogallery-sim`. Loads the
 * TypeScript sources through the repository's esbuild require hook, so no build is needed.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('../scripts/register.js');

process.stdout.on('error', (err) => {
  if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
const { main } = require('../lib/admin/cli.ts');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`koogallery-admin: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
