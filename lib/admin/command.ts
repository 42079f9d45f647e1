/**
 * One `koogallery-admin` command: its own file under `lib/admin/commands/`, listed once in
 * `lib/admin/commands/index.ts`. The CLI parses nothing for it but the command name: each command
 * owns its options and subcommands, so a new command never touches another's file.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type AdminSettings, AdminUsageError } from './settings';

/** Where a command writes and what it reads from its surroundings. */
export interface AdminIo {
  stdout: { write(text: string): unknown };
  /** Progress and warnings: never mixed into `--json` output. */
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Milliseconds since the epoch (the system clock; tests inject one). */
  now(): number;
  /** The settings (table, open API) resolved on first use; see `settings.ts`. */
  settings(): Promise<AdminSettings>;
}

/** A registered command. */
export interface AdminCommand {
  /** The first word on the command line, e.g. `usage`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The command's own help text. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit status. */
  run(args: readonly string[], io: AdminIo): Promise<number>;
}

/** Exit statuses: done, something failed (a refusal, a push KooGallery did not accept), bad usage. */
export const ADMIN_EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** What {@link commandArgs} parses: the command's options, positionals allowed, strict. */
type CommandArgsConfig<O extends NonNullable<ParseArgsConfig['options']>> = {
  args: string[];
  options: O;
  allowPositionals: true;
  strict: true;
};

/**
 * A command's arguments, parsed strictly against its options: an unknown option, a missing value
 * or more than `maxPositionals` positional arguments is an {@link AdminUsageError} naming it.
 * `undefined` when `--help` was given: `help` is then printed, and the command returns
 * {@link ADMIN_EXIT.OK}.
 *
 * @example
 * const parsed = commandArgs(HELP, args, io, OPTIONS, 1);
 * if (!parsed) return ADMIN_EXIT.OK;
 */
export function commandArgs<O extends NonNullable<ParseArgsConfig['options']>>(
  help: string,
  args: readonly string[],
  io: AdminIo,
  options: O,
  maxPositionals = 0,
): ReturnType<typeof parseArgs<CommandArgsConfig<O>>> | undefined {
  const parsed = parseArgs<CommandArgsConfig<O>>({
    args: [...args],
    options,
    allowPositionals: true,
    strict: true,
  });
  if ((parsed.values as { help?: unknown }).help) {
    io.stdout.write(help.endsWith('\n') ? help : `${help}\n`);
    return undefined;
  }
  const extra = parsed.positionals[maxPositionals];
  if (extra !== undefined) throw new AdminUsageError(`unexpected argument "${extra}"`);
  return parsed;
}
