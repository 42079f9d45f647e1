/**
 * A small local Serverless Framework plugin (works with osls 4.x and serverless 3.x) with two jobs:
 *
 * 1. `package` / `deploy`: bundle the function with esbuild (scripts/build.ts) into the zip that
 *    `package.artifact` names, and print its size. No esbuild plugin dependency is needed.
 * 2. `invoke local`: run the TypeScript handler directly (esbuild require hook, scripts/register.js)
 *    against the local environment of `npm start` (embedded dynalite under `.data/invoke-local/`,
 *    the Query Order stand-in, the development key in `.data/access-key`; from
 *    lib/local/local-environment.ts) when `DYNAMODB_ENDPOINT` is unset in the shell. It
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
    // The shell's variables, before the CLI merges serverless.yml's environment into process.env.
    this.shellEnv = { ...process.env };
    this.hooks = {
      'before:package:initialize': () => this.checkCustomDomain(),
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

  /**
   * Refuses to package (so to deploy) with only one of the `customDomain` and `certificateArn`
   * params: the domain needs its certificate, and the template closes the default execute-api
   * endpoint only when the domain exists (#14). With one missing, nothing would be created and the
   * execute-api URL would stay open without a word.
   */
  checkCustomDomain() {
    const resources = this.serverless.service.resources?.Resources ?? {};
    const domain = String(resources.CustomDomain?.Properties?.DomainName ?? '').trim();
    const certificate = String(
      resources.CustomDomain?.Properties?.DomainNameConfigurations?.[0]?.CertificateArn ?? '',
    ).trim();
    if ((domain === '') === (certificate === '')) return;
    const [given, missing] = domain
      ? ['customDomain', 'certificateArn']
      : ['certificateArn', 'customDomain'];
    throw new this.serverless.classes.Error(
      `${given} is set but ${missing} is empty: give both (the domain is created with its ACM ` +
        `certificate and the default execute-api endpoint is disabled) or neither, e.g. ` +
        `--param="customDomain=api.example.com" --param="certificateArn=arn:aws:acm:<region>:<account>:certificate/<id>"`,
    );
  }

  /** Builds `dist/aws/production.zip` and prints its size. */
  async bundle() {
    const { buildTarget, describeBuild } = this.requireTs('scripts/build.ts');
    const result = await buildTarget('aws');
    this.log.notice(describeBuild(result));
  }

  /**
   * Points the invocation at the local environment unless the shell set DYNAMODB_ENDPOINT. Runs
   * after the CLI merged serverless.yml's (deployed) environment into `process.env`, and replaces
   * every setting the local environment provides; the shell's own variables still win.
   */
  async prepareLocalInvoke() {
    require('./register.js');
    const env = process.env;
    for (const name of Object.keys(env)) {
      if (name.endsWith('_SSM_PARAMETER')) delete env[name];
    }
    if (this.shellEnv.DYNAMODB_ENDPOINT) {
      this.log.notice(`invoke local: DYNAMODB_ENDPOINT=${env.DYNAMODB_ENDPOINT} from the shell`);
      return;
    }
    const { readOrCreateKey, startLocalEnvironment } = this.requireTs(
      'lib/local/local-environment.ts',
    );
    const { CONFIG_KEYS } = this.requireTs('lib/config.ts');
    const dataDir = path.resolve(this.serverless.serviceDir, this.shellEnv.DATA_DIR || '.data');
    // The same access key as `npm start` and `npx koogallery-sim event` (DATA_DIR/access-key),
    // but a store of its own: a running `npm start` holds the lock on DATA_DIR/dynalite.
    const accessKey =
      this.shellEnv.KOOGALLERY_ACCESS_KEY ||
      (await readOrCreateKey(path.join(dataDir, 'access-key'))).value;
    this.local = await startLocalEnvironment({
      dataDir: path.join(dataDir, 'invoke-local'),
      lookup: (key) =>
        key === 'KOOGALLERY_ACCESS_KEY' ? accessKey : this.shellEnv[key] || undefined,
    });
    for (const key of Object.keys(CONFIG_KEYS)) {
      const value = this.local.lookup(key);
      if (value !== undefined) env[key] = value;
    }
    // The local environment has just ensured the table; a background check could also outlive
    // the store, which closes right after the call.
    env.TABLE_CHECK_ON_START = this.shellEnv.TABLE_CHECK_ON_START || 'false';
    for (const note of this.local.notes) this.log.notice(`invoke local: ${note}`);
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
