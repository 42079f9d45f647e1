/**
 * Every `koogallery-admin` command parses its arguments the same way (`commandArgs`): `--help`
 * prints the command's own help and exits 0, an extra argument or an unknown option exits 2 naming
 * it, and nothing reaches the store (settings are never resolved).
 */
import { main } from '../../lib/admin/cli';
import type { AdminIo } from '../../lib/admin/command';
import { ADMIN_COMMANDS } from '../../lib/admin/commands';

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  let settingsRead = 0;
  const io: AdminIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
    cwd: process.cwd(),
    now: () => 0,
    settings: async () => {
      settingsRead++;
      throw new Error('no settings in this test');
    },
  };
  const code = await main(args, io);
  return { code, stdout, stderr, settingsRead };
}

/** Arguments each command takes before one too many. */
const ALLOWED: Record<string, string[]> = {
  show: ['INSTANCE-1'],
  retry: ['INSTANCE-1'],
  usage: ['list'],
};

describe.each(ADMIN_COMMANDS.map((c) => [c.name, c] as const))(
  'koogallery-admin %s',
  (name, command) => {
    it('prints its own help for --help and exits 0', async () => {
      const out = await run([name, '--help']);

      expect(out.code).toBe(0);
      expect(out.stdout.trim()).toBe(command.help.trim());
      expect(out.settingsRead).toBe(0);
    });

    it('refuses an argument too many with exit 2, naming it', async () => {
      const out = await run([name, ...(ALLOWED[name] ?? []), 'surplus']);

      expect(out.code).toBe(2);
      expect(out.stderr).toContain('unexpected argument "surplus"');
      expect(out.settingsRead).toBe(0);
    });

    it('refuses an unknown option with exit 2, naming it', async () => {
      const out = await run([name, '--no-such-option']);

      expect(out.code).toBe(2);
      expect(out.stderr).toContain('--no-such-option');
      expect(out.settingsRead).toBe(0);
    });
  },
);
