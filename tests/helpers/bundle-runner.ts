/**
 * Runs a built handler (unzipped, outside the repository) once, in a fresh Node process, with a
 * platform-shaped context: FunctionGraph's (settings through `getUserData` only) or Lambda's
 * (settings in the environment). Shared by the package tests (tests/deploy) and the runtime tests
 * (tests/runtime), which choose the Node binary.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The runner script: `node runner.js <functiongraph|lambda> <module> <event.json> <settings.json> [export]`
 * (the export defaults to `handler`; `usagePush` is the FunctionGraph usage push, #11).
 * Prints `NODE <process.version>`, then `RESULT <the handler's answer as JSON>` (or `ERROR`).
 */
export const RUNNER = `
const fs = require('node:fs');
const [mode, modulePath, eventPath, settingsPath, exportName = 'handler'] = process.argv.slice(2);
const event = JSON.parse(fs.readFileSync(eventPath, 'utf8'));
const settings = JSON.parse(fs.readFileSync(settingsPath, 'utf8'));
const started = Date.now();
const lines = [];
let context;
if (mode === 'functiongraph') {
  // FunctionGraph's context (docs/protocol.md#functiongraph): settings arrive through getUserData only.
  const logger = { info: (...a) => lines.push(a.join(' ')), warn: (...a) => lines.push(a.join(' ')),
    error: (...a) => lines.push(a.join(' ')), debug: (...a) => lines.push(a.join(' ')) };
  context = {
    getUserData: (key) => settings[key],
    getRemainingTimeInMilliSeconds: () => 30000 - (Date.now() - started),
    getRequestID: () => 'fg-request-0001',
    getFunctionName: () => 'production',
    getLogger: () => logger,
  };
} else {
  Object.assign(process.env, settings);
  context = {
    awsRequestId: 'lambda-request-0001',
    functionName: 'production',
    getRemainingTimeInMillis: () => 30000 - (Date.now() - started),
  };
}
process.stdout.write('\\nNODE ' + process.version + '\\n');
const handler = require(modulePath)[exportName];
Promise.resolve(handler(event, context)).then(
  (result) => { process.stdout.write('\\nRESULT ' + JSON.stringify(result) + '\\n'); process.exit(0); },
  (error) => { process.stdout.write('\\nERROR ' + String(error && error.stack) + '\\n'); process.exit(1); },
);
`;

/** A handler's answer, as a platform's HTTP trigger takes it. */
export interface BundleAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
}

/** What {@link runBundle} returns: the answer and the Node version that produced it. */
export interface BundleRun {
  answer: BundleAnswer;
  /** `process.version` inside the run, e.g. `v20.15.1`. */
  nodeVersion: string;
}

let step = 0;

/**
 * Calls `modulePath`'s `handler` once with `event`, on the Node binary `node`, from `work` (a
 * folder outside the repository, so no node_modules can help). Only what a platform gives every
 * function is in the environment; `settings` travel as user data (FunctionGraph) or environment
 * variables (Lambda).
 *
 * @example const { answer, nodeVersion } = await runBundle({ node, mode: 'lambda', modulePath, event, settings, work });
 */
export async function runBundle(options: {
  node: string;
  mode: 'functiongraph' | 'lambda';
  modulePath: string;
  event: unknown;
  settings: Record<string, string>;
  work: string;
  /** The module's export to call (default `handler`). */
  exportName?: string;
}): Promise<BundleRun> {
  const { node, mode, modulePath, event, settings, work } = options;
  step += 1;
  const runner = join(work, 'runner.js');
  const eventFile = join(work, `event-${process.pid}-${step}.json`);
  const settingsFile = join(work, `settings-${process.pid}-${step}.json`);
  writeFileSync(runner, RUNNER);
  writeFileSync(eventFile, JSON.stringify(event));
  writeFileSync(settingsFile, JSON.stringify(settings));
  const args = [runner, mode, modulePath, eventFile, settingsFile, options.exportName ?? 'handler'];
  const { stdout } = await run(node, args, {
    cwd: work,
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_EC2_METADATA_DISABLED: 'true',
      NODE_OPTIONS: '--enable-source-maps',
    },
  });
  const lines = stdout.split('\n');
  const result = lines.find((l) => l.startsWith('RESULT '));
  const version = lines.find((l) => l.startsWith('NODE '));
  if (!result || !version) throw new Error(`no answer from the ${mode} package:\n${stdout}`);
  return {
    answer: JSON.parse(result.slice('RESULT '.length)) as BundleAnswer,
    nodeVersion: version.slice('NODE '.length),
  };
}
