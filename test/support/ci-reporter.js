// Mocha reporter: the usual spec output, plus this run's pass/fail counts appended to $CI_RESULTS_FILE
// (one JSON line per run), from which .ci/run computes its final "N passed, N failed" line.
// The line is written when the process exits, from the counts as they are then: in parallel mode (--parallel) a
// test file that fails to load, or a worker process that dies, is counted as a failure after the run's first "end"
// event (mocha emits "end" again for each), so the counts at the first "end" could miss it. A run that never ended
// (the process crashed) writes nothing, which .ci/run counts as a failure.
const fs = require("fs");
const Mocha = require("mocha");

class CiReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const file = process.env.CI_RESULTS_FILE;
    if (!file) return;
    let ended = false;
    runner.on(Mocha.Runner.constants.EVENT_RUN_END, () => (ended = true));
    process.once("exit", () => {
      if (!ended) return;
      const { passes = 0, failures = 0, pending = 0, tests = 0 } = this.stats;
      fs.appendFileSync(
        file,
        JSON.stringify({ suite: process.env.CI_SUITE ?? "tests", passes, failures, pending, tests }) + "\n",
      );
    });
  }
}

module.exports = CiReporter;
