import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onDemandHooks } from '../../../lib/sim/lifecycle-ondemand';

describe('onDemandHooks: the usage report secret, never from the command line (#11)', () => {
  let dir: string;
  const url = 'http://127.0.0.1:9/';
  const secretOf = async (env: Record<string, string | undefined>, file?: string) => {
    const hooks = await onDemandHooks(url, env, dir, file);
    return typeof hooks === 'string' ? hooks : hooks.secret;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sim-usage-secret-'));
    mkdirSync(join(dir, '.data'));
    writeFileSync(join(dir, '.data', 'usage-report-secret'), 'from-data-dir\n');
    writeFileSync(join(dir, 'secret.txt'), '  from-file\n');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads --usage-secret-file first, then USAGE_REPORT_SECRET, then the data folder', async () => {
    expect(await secretOf({ USAGE_REPORT_SECRET: 'from-env' }, 'secret.txt')).toBe('from-file');
    expect(await secretOf({ USAGE_REPORT_SECRET: 'from-env' })).toBe('from-env');
    expect(await secretOf({})).toBe('from-data-dir');
  });

  it('says what to do when the file is missing or empty, or no secret is found', async () => {
    writeFileSync(join(dir, 'empty.txt'), '\n');

    expect(await secretOf({}, 'missing.txt')).toMatch(
      /--usage-secret-file .*missing\.txt cannot be read \(ENOENT\): give the path of a file/,
    );
    expect(await secretOf({}, 'empty.txt')).toMatch(/empty\.txt is empty: it must hold/);
    rmSync(join(dir, '.data', 'usage-report-secret'));
    expect(await secretOf({})).toMatch(
      /no usage report secret: pass --usage-secret-file <path> or set USAGE_REPORT_SECRET/,
    );
  });
});
