/**
 * The layering of the architecture, checked over the source (#10): front ends speak the wire and
 * map it to commands, scenarios decide, ports do the work. Imports point one way only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** Every relative import (static, dynamic, `export … from`, `require`) of a TypeScript file. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  const pattern =
    /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (const m of text.matchAll(pattern)) {
    const target = resolve(dirname(file), m[1] as string);
    found.push(relative(ROOT, target).split('\\').join('/'));
  }
  return found;
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Imports of files under `from` that reach into any of `forbidden`, as `file -> import`. */
function violations(from: string, forbidden: readonly string[]): string[] {
  const out: string[] = [];
  for (const file of filesUnder(from)) {
    for (const target of importsOf(file)) {
      if (forbidden.some((f) => target === f || target.startsWith(`${f}/`))) {
        out.push(`${relative(ROOT, file)} -> ${target}`);
      }
    }
  }
  return out;
}

/**
 * Reaching into a context's ports: `x.ports`, `x['ports']` or destructuring `{ ports } = x`. Front
 * ends receive the whole scenario context (ports included) only to hand it to a scenario.
 */
const PORTS_ACCESS = /\.ports\b|\[\s*['"]ports['"]\s*\]|\{[^{}]*\bports\b[^{}]*\}\s*=/;

/** Lines of files under `dir` that touch a context's ports, as `file:line: text`. */
function portsAccesses(dir: string): string[] {
  const out: string[] = [];
  for (const file of filesUnder(dir)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (PORTS_ACCESS.test(line)) out.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  return out;
}

describe('import rules (#10)', () => {
  it('finds the imports it scans for', () => {
    expect(filesUnder('lib/scenarios').length).toBeGreaterThan(5);
    expect(importsOf(join(ROOT, 'lib/front-ends/saas-v2.ts'))).toContain('lib/scenarios');
  });

  it('keeps lib/scenarios free of wire formats and front ends', () => {
    expect(violations('lib/scenarios', ['lib/protocol', 'lib/front-ends'])).toEqual([]);
  });

  it('keeps lib/front-ends away from the store', () => {
    expect(violations('lib/front-ends', ['lib/store'])).toEqual([]);
  });

  it('finds the ports accesses it scans for', () => {
    for (const line of [
      'await run.scenario.ports.store.putInstance(x);',
      "const s = ctx['ports'];",
      'const { ports, clock } = run.scenario;',
    ]) {
      expect(PORTS_ACCESS.test(line)).toBe(true);
    }
    expect(PORTS_ACCESS.test("/** Handed to the scenarios: the call's ports, clock. */")).toBe(
      false,
    );
  });

  it('keeps lib/front-ends out of the ports, so a front end cannot write to the store (#10)', () => {
    // Each call gets the ports its scenario needs; a front end only passes the context on.
    expect(portsAccesses('lib/front-ends')).toEqual([]);
  });
});
