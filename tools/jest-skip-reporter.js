// Jest reporter: prints one `skipped: <test> (<file>)` line for every skipped or todo test, so
// that a skip is never silent. A conditional skip names its reason in the test title, and
// tools/test.sh repeats these lines in `npm test`'s closing summary.
const path = require('node:path');

class SkipReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.lines = [];
  }

  onTestResult(_test, result) {
    for (const assertion of result.testResults) {
      if (assertion.status !== 'pending' && assertion.status !== 'todo') continue;
      const file = path.relative(path.join(__dirname, '..'), result.testFilePath);
      this.lines.push(`skipped: ${[...assertion.ancestorTitles, assertion.title].join(' > ')} (${file})`);
    }
  }

  onRunComplete() {
    if (this.lines.length > 0) process.stdout.write(`${this.lines.join('\n')}\n`);
  }
}

module.exports = SkipReporter;
