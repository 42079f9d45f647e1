/**
 * A small local Serverless Framework plugin (works with osls 4.x and serverless 3.x) with two jobs:
 *
 * 1. `package` / `deploy`: bundle the function with esbuild (scripts/build.ts) into the zip that
 *    `package.artifact` names, and print its size. No esbuild plugin dependency is needed.
 * 2. `invoke local`: run the TypeScript handler directly (esbuild require hook, scripts/register.js)
 *    against the local environment of `npm start` (embedded dynalite under `.data/` and the Query
 *    Order stand-in, from lib/local/local-environment.ts) when `DYNAMODB_ENDPOINT` is unset. It
 *    never reads SSM locally: the `*_SSM_PARAMETER` names from serverless.yml are dropped and
 *    values come from the local environment or from your shell.
 */
const path = require('node:path');

/** The serverless.yml-facing plugin class. */
class KooGalleryServerlessPlugin {
  /** Registers the hooks; `log` is the v3+ plugin logger when the CLI provides one. */
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    this.options = options || {};
    this.log = utils?.log || { notice: console.log, warning: console.warn };
    this.local = undefined;
    this.hooks = {
      'before:package:createDeploymentArtifacts': () => this.bundle(),
      'before:deploy:function:packageFunction': () => this.bundle(),
      'invoke:local:loadEnvVars': () => this.prepareLocalInvoke(),
      'after:invoke:local:invoke': () => this.closeLocal(),
    };
  }

  /** Loads the repository's TypeScript through the esbuild require hook. */
  requireTs(file) {
    require('./register.js');
    return require(path.join(this.serverless.serviceDir, file));
  }

  /** Builds `dist/aws/production.zip` and prints its size. */
  async bundle() {
    const { buildTarget, describeBuild } = this.requireTs('scripts/build.ts');
    const result = await buildTarget('aws');
    this.log.notice(describeBuild(result));
  }

  /** Points the invocation at a local store and Query Order stand-in, unless the shell did. */
  async prepareLocalInvoke() {
    require('./register.js');
    const env = process.env;
    for (const name of Object.keys(env)) {
      if (name.endsWith('_SSM_PARAMETER')) delete env[name];
    }
    if (env.DYNAMODB_ENDPOINT) {
      this.log.notice(
        `invoke local: using DYNAMODB_ENDPOINT=${env.DYNAMODB_ENDPOINT} from the shell`,
      );
      return;
    }
    let startLocalEnvironment;
    try {
      ({ startLocalEnvironment } = this.requireTs('lib/local/local-environment.ts'));
    } catch (error) {
      throw new Error(
        `invoke local needs lib/local/local-environment.ts or DYNAMODB_ENDPOINT and the other settings in the shell (${error.message})`,
      );
    }
    const dataDir = env.KOOGALLERY_DATA_DIR || path.join(this.serverless.serviceDir, '.data');
    this.local = await startLocalEnvironment({ dataDir });
    // The local environment wins over serverless.yml's deployed values (TABLE_NAME, API endpoint).
    Object.assign(env, this.local.env);
    this.log.notice(
      `invoke local: embedded store and Query Order stand-in (data in ${path.relative(this.serverless.serviceDir, dataDir) || '.'})`,
    );
  }

  /** Stops what `prepareLocalInvoke` started. */
  async closeLocal() {
    if (!this.local) return;
    const local = this.local;
    this.local = undefined;
    await local.close();
  }
}

module.exports = KooGalleryServerlessPlugin;
