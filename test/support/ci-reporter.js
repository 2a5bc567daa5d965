// Mocha reporter: the usual spec output, plus this run's pass/fail counts appended to $CI_RESULTS_FILE
// (one JSON line per run), from which .ci/run computes its final "N passed, N failed" line.
const fs = require("fs");
const Mocha = require("mocha");

class CiReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const file = process.env.CI_RESULTS_FILE;
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      if (!file) return;
      const { passes = 0, failures = 0, pending = 0, tests = 0 } = this.stats;
      fs.appendFileSync(
        file,
        JSON.stringify({ suite: process.env.CI_SUITE ?? "tests", passes, failures, pending, tests }) + "\n",
      );
    });
  }
}

module.exports = CiReporter;
