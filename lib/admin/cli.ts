/**
 * `koogallery-admin`: the operator's tool for a deployment (or the local `npm start`), shipped
 * beside `koogallery-sim`. It dispatches on the first word to a command of the registry
 * (`commands/index.ts`); each command parses its own options.
 */
import { ADMIN_EXIT, type AdminCommand, type AdminIo } from './command';
import { ADMIN_COMMANDS } from './commands';
import { type AdminSettings, AdminUsageError, resolveAdminSettings } from './settings';

function usageText(commands: readonly AdminCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'koogallery-admin: operate the KooGallery production interface: instances, timelines, stuck work, reconciliation, health, usage',
    '',
    'usage: koogallery-admin <command> [options]   (koogallery-admin <command> --help for more)',
    '',
    'commands',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "settings: the function's own (TABLE_NAME, DYNAMODB_ENDPOINT, DYNAMODB_REGION, HUAWEICLOUD_AK/SK,",
    'KOOGALLERY_ACCESS_KEY, KOOGALLERY_API_ENDPOINT, or their _SSM_PARAMETER names); with neither',
    'TABLE_NAME nor DYNAMODB_ENDPOINT set, the npm start running from this folder (DATA_DIR, default .data)',
    '',
    'exit status: 0 done, 1 something was refused or not accepted, 2 a usage or settings error',
  ].join('\n');
}

/** The process's io: real streams, environment, folder and clock. */
export function processAdminIo(): AdminIo {
  let settings: Promise<AdminSettings> | undefined;
  const env = process.env;
  const cwd = process.cwd();
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env,
    cwd,
    now: () => Date.now(),
    settings: () => {
      settings ??= resolveAdminSettings(env, cwd);
      return settings;
    },
  };
}

/**
 * Runs `koogallery-admin` with `argv` (after the script name); resolves to the exit status.
 *
 * @example process.exitCode = await main(['usage', 'push', '--json']);
 */
export async function main(
  argv: readonly string[],
  io: AdminIo = processAdminIo(),
  commands: readonly AdminCommand[] = ADMIN_COMMANDS,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usageText(commands)}\n`);
    return name === undefined ? ADMIN_EXIT.USAGE : ADMIN_EXIT.OK;
  }
  const command = commands.find((c) => c.name === name);
  try {
    if (!command) {
      throw new AdminUsageError(
        `unknown command "${name}": use ${commands.map((c) => c.name).join(', ')} (--help)`,
      );
    }
    return await command.run(rest, io);
  } catch (error) {
    const usage =
      error instanceof AdminUsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true ||
      (error as { name?: string }).name === 'ConfigError';
    const message = error instanceof Error ? error.message : String(error);
    if (usage) {
      io.stderr.write(`koogallery-admin: ${message}\n`);
      return ADMIN_EXIT.USAGE;
    }
    io.stderr.write(
      `koogallery-admin: ${message}\n` +
        (error instanceof Error && error.name === 'StoreUnavailableError'
          ? ''
          : 'if this persists, report it with the command line you ran\n'),
    );
    return ADMIN_EXIT.FAILED;
  }
}
