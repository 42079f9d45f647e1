import type { AdminCommand } from '../command';
import { usageCommand } from './usage';

/**
 * Every `koogallery-admin` command, in the order `--help` lists them. A new command is one file in
 * this folder and one line here.
 */
export const ADMIN_COMMANDS: readonly AdminCommand[] = [usageCommand];
