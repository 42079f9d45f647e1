/**
 * The five-line webhook verifiers exactly as the README documents them ("Verifying a delivery"),
 * extracted from README.md so that a change to the README is a change to what the tests run.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const README = join(__dirname, '..', '..', 'README.md');

/** The first fenced block of `language` in the README's "Verifying a delivery" section. */
export function readmeBlock(language: 'js' | 'python' | 'java'): string {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('### Verifying a delivery');
  if (start < 0) throw new Error('README.md has no "### Verifying a delivery" section');
  const section = text.slice(start, text.indexOf('\n### ', start + 1));
  const match = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(section);
  if (!match) throw new Error(`README.md's "Verifying a delivery" has no ${language} block`);
  return match[1] as string;
}

/** The README's Node verifier. */
export type NodeVerify = (
  header: string,
  rawBody: Buffer,
  secret: string,
  nowMs?: number,
) => boolean;

/** Evaluates the README's Node block and returns its `verify`. */
export function readmeNodeVerify(): NodeVerify {
  return new Function('require', `${readmeBlock('js')}\nreturn verify;`)(require) as NodeVerify;
}

/**
 * Runs the README's Python block with python3 over each case; answers one boolean per case.
 * Fails clearly when python3 is missing.
 */
export function readmePythonVerify(
  cases: Array<{ header: string; body: Buffer; secret: string; nowSeconds: number }>,
): boolean[] {
  const harness = `${readmeBlock('python')}
import base64, json, sys
cases = json.load(sys.stdin)
print(json.dumps([bool(verify(c["header"], base64.b64decode(c["body"]), c["secret"], c["now"])) for c in cases]))
`;
  const run = spawnSync('python3', ['-c', harness], {
    input: JSON.stringify(
      cases.map((c) => ({
        header: c.header,
        body: c.body.toString('base64'),
        secret: c.secret,
        now: c.nowSeconds,
      })),
    ),
    encoding: 'utf8',
  });
  if (run.error) {
    throw new Error(
      `python3 is required to run the README's Python verifier (install Python 3 and put python3 on PATH): ${run.error.message}`,
    );
  }
  if (run.status !== 0) throw new Error(`the README's Python verifier failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as boolean[];
}
