/**
 * The simulator judges the function, so it keeps its own copy of everything it judges (#10): no
 * module of lib/sim/ imports the function's code. The exceptions run beside it and judge
 * nothing: `serve-openapi` starts the local open-API stand-in that `npm start` also runs, and the
 * data folder's file names and owner-only helpers are the ones `npm start` uses (Node built-ins only).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SIM = join(__dirname, '..', '..', '..', 'lib', 'sim');
/** Imports outside lib/sim/ that are allowed, with the reason. */
const ALLOWED: Record<string, string> = {
  '../local/open-api-stand-in': 'serve-openapi runs the local stand-in; it judges nothing',
  '../local/data-files':
    'the data folder npm start keeps (file names, 0700/0600 helpers); Node built-ins only, judges nothing',
};

function importsOf(file: string): string[] {
  const text = readFileSync(join(SIM, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)];
  return specifiers.map((m) => m[1] as string);
}

describe('lib/sim/ imports', () => {
  const files = readdirSync(SIM).filter((f) => f.endsWith('.ts'));

  it('finds the simulator modules', () => {
    expect(files).toEqual(expect.arrayContaining(['judge.ts', 'client.ts', 'signing.ts']));
  });

  it.each(files)('%s imports only Node, lib/sim/ and the allowed stand-in', (file) => {
    const foreign = importsOf(file).filter(
      (s) => !s.startsWith('node:') && !s.startsWith('./') && ALLOWED[s] === undefined,
    );

    expect(foreign).toEqual([]);
  });
});

describe('lib/local/data-files.ts, shared with the simulator', () => {
  it('imports Node built-ins only (no store, no AWS SDK)', () => {
    const text = readFileSync(join(SIM, '..', 'local', 'data-files.ts'), 'utf8');
    const specifiers = [...text.matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)].map(
      (m) => m[1] as string,
    );

    expect(specifiers.filter((s) => !s.startsWith('node:'))).toEqual([]);
  });
});
