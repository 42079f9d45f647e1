import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const PROTOCOL_DOC = 'docs/protocol.md';

/** The repository's tracked and new files, as `git` lists them (node_modules, .data… excluded). */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((f) => /\.(ts|js|json|md|yml|yaml)$/.test(f) || f === '.ci/run')
    .filter((f) => f !== 'package-lock.json' && !f.startsWith('tests/fixtures/'));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

const files = repositoryFiles();
const text = new Map(files.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));
const anchors = new Set(
  [...(text.get(PROTOCOL_DOC) ?? '').matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] ?? '')),
);

describe('the repository stands alone (#9)', () => {
  it('has its own protocol document with the numbered decisions 1 to 11', () => {
    const doc = text.get(PROTOCOL_DOC) ?? '';
    const decisions = doc.slice(doc.indexOf('## Decisions'));

    expect(anchors.has('decisions')).toBe(true);
    for (let n = 1; n <= 11; n++) expect(decisions).toMatch(new RegExp(`^${n}\\. \\*\\*`, 'm'));
  });

  it('names no path outside the repository and no external spec file', () => {
    const outside = /\.\.\/shared\/|shared\/spec|saas-v2\.md|around-v2(\.md)?\b|deploy\/README/;

    const offenders = files.filter(
      (f) => f !== 'tests/unit/self-contained.test.ts' && outside.test(text.get(f) ?? ''),
    );

    expect(offenders).toEqual([]);
  });

  it('points every docs/protocol.md anchor at a heading that exists', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const [file, body] of text) {
      const lines = body.split('\n');
      lines.forEach((line, i) => {
        // A reference may continue on the next line: `docs/protocol.md#a and\n * #b`.
        if (!line.includes(PROTOCOL_DOC) && !lines[i - 1]?.includes(PROTOCOL_DOC)) return;
        for (const m of line.matchAll(
          /(?:protocol\.md|(?<![\w&/-]))#([a-z][a-z0-9-]*[a-z0-9])\b/g,
        )) {
          checked += 1;
          if (!anchors.has(m[1] ?? '')) missing.push(`${file}:${i + 1} #${m[1]}`);
        }
      });
    }

    expect(checked).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });

  it('cites only decisions that docs/protocol.md numbers', () => {
    const doc = text.get(PROTOCOL_DOC) ?? '';
    const listed = new Set(
      [...doc.slice(doc.indexOf('## Decisions')).matchAll(/^(\d+)\. \*\*/gm)].map((m) =>
        Number(m[1]),
      ),
    );
    const cited = [...text.values()].flatMap((body) =>
      [...body.matchAll(/\bdecisions? (\d+)(?: and (\d+))?/g)].flatMap((m) => [m[1], m[2]]),
    );
    const numbers = cited.filter((n): n is string => n !== undefined).map(Number);

    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers.filter((n) => !listed.has(n))).toEqual([]);
  });
});
