// Prints the run's seed when a test failed, with the command that replays each failed test's
// random orders (tests/helpers/shuffle.ts draws them from SEED and the test's name).
const { relative } = require('node:path');

class SeedReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.failed = [];
  }

  onTestResult(_test, result) {
    for (const r of result.testResults) {
      if (r.status === 'failed') {
        this.failed.push({ file: relative(this.rootDir, result.testFilePath), name: r.fullName });
      }
    }
  }

  onRunComplete() {
    if (this.failed.length === 0) return;
    const seed = process.env.SEED;
    const quote = (s) => `'${s.replace(/'/g, "'\\''")}'`;
    const lines = [
      '',
      `Random orders (tests/helpers/shuffle.ts) were drawn from SEED=${seed}. Replay a failed test with:`,
      ...this.failed
        .slice(0, 20)
        .map((f) => `  SEED=${seed} npx jest ${f.file} -t ${quote(f.name)}`),
      '',
    ];
    process.stderr.write(`${lines.join('\n')}\n`);
  }
}

module.exports = SeedReporter;
