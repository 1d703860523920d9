// Mocha's spec reporter plus one closing line "mocha: N passed, N failed, N skipped",
// the plain form CI tools read.
const Mocha = require('mocha');

class SiplineReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      process.stdout.write(`mocha: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}
module.exports = SiplineReporter;
