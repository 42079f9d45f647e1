/**
 * One `koogallery-admin` command: its own file under `lib/admin/commands/`, listed once in
 * `lib/admin/commands/index.ts`. The CLI parses nothing for it but the command name: each command
 * owns its options and subcommands, so a new command never touches another's file.
 */
import type { AdminSettings } from './settings';

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
