import type { AdminCommand } from '../command';
import { healthCommand } from './health';
import { instancesCommand } from './instances';
import { reconcileCommand } from './reconcile';
import { retryCommand } from './retry';
import { showCommand } from './show';
import { stuckCommand } from './stuck';
import { usageCommand } from './usage';

/**
 * Every `koogallery-admin` command, in the order `--help` lists them. A new command is one file in
 * this folder and one line here.
 */
export const ADMIN_COMMANDS: readonly AdminCommand[] = [
  instancesCommand,
  showCommand,
  stuckCommand,
  retryCommand,
  reconcileCommand,
  healthCommand,
  usageCommand,
];
