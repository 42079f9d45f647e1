/**
 * Lets plain `node` run this repository's TypeScript (CommonJS) without a build step:
 * `node -r ./scripts/register.js some-file.ts`. Each .ts file is transpiled with esbuild on load
 * (type-checking is `npm run typecheck`'s job). Used by `npm start`, the CLI and the scripts.
 */
const fs = require('node:fs');

// Development runs on Node 20.19 or later (package.json engines); the AWS SDK would warn about
// Node 20 on every command, before any entry could switch the warning off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { transformSync } = require('esbuild');

if (!require.extensions['.ts']) {
  require.extensions['.ts'] = (module, filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    const { code } = transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      sourcefile: filename,
    });
    module._compile(code, filename);
  };
  process.setSourceMapsEnabled?.(true);
}
