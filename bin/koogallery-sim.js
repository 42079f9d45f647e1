#!/usr/bin/env node
/**
 * `koogallery-sim`: KooGallery's debugger and probe on the seller's machine (lib/sim/cli.ts).
 * Loads the TypeScript sources through the repository's esbuild require hook, so no build is needed.
 */
require('../scripts/register.js');

// `koogallery-sim probe | head` closes stdout early: that is the reader's choice, not a failure.
process.stdout.on('error', (err) => {
  if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
const { main } = require('../lib/sim/cli.ts');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`koogallery-sim: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
