// `npm run test:gateway`: the mocha suite of .mocharc.json (test/unit, test/gateway, test/portal) in two runs.
// 1. In parallel (`mocha --parallel`, GATEWAY_TEST_JOBS worker processes, 3 unless set): every file but those below.
//    Each worker process has its own Hardhat node (test/gateway/support/node.ts), and each test environment its own
//    temporary directory and, on PostgreSQL, its own schema; gateways and nodes listen on free ports.
// 2. One file after another: the files below, which measure response times or rebuild what the others read.
// Arguments (e.g. `--ignore 'test/portal/**/*.test.ts'`) go to both runs. Each run appends its counts to
// $CI_RESULTS_FILE (test/support/ci-reporter.js) as the suite "$CI_SUITE/gateway-parallel" or ".../gateway-serial";
// the exit code is non-zero if either run failed. `npm run test:gateway:serial` runs everything one file at a time.
const { spawnSync } = require("child_process");
const { existsSync, readFileSync } = require("fs");
const { join } = require("path");

const SERIAL = [
  // `npm run build` rewrites dist/, portal/dist (which the portal test serves) and the portal's API types; and the
  // production process must log its first line within 2 s.
  "test/gateway/production-build.test.ts",
  // During a node outage /readyz and writes answer within 2 s.
  "test/gateway/node-outage.test.ts",
  // Two instances hand the operator lane over on a 5 s lease.
  "test/gateway/instances.test.ts",
  // A revoked key stops working on another instance within its cache's lifetime (5 s) plus 0.5 s.
  "test/gateway/abuse.test.ts",
];

const ROOT = join(require.resolve("../../package.json"), "..");
const MOCHA = require.resolve("mocha/bin/mocha.js");
const args = process.argv.slice(2);
const jobs = process.env.GATEWAY_TEST_JOBS || "3";
const suite = process.env.CI_SUITE || "tests";

const missing = SERIAL.filter((f) => !existsSync(join(ROOT, f)));
if (missing.length) {
  console.error(`test/support/gateway-suite.js: no such test file: ${missing.join(", ")}`);
  process.exit(1);
}

/** .mocharc.json's options but its spec, as command-line options (for the run of named files). */
function rcOptions() {
  const rc = JSON.parse(readFileSync(join(ROOT, ".mocharc.json"), "utf8"));
  const out = ["--no-config"];
  for (const [key, value] of Object.entries(rc)) {
    if (key === "spec") continue;
    for (const v of [value].flat()) {
      if (v === true) out.push(`--${key}`);
      else if (v === false) out.push(`--no-${key}`);
      else out.push(`--${key}`, String(v));
    }
  }
  return out;
}

function run(name, mochaArgs) {
  console.log(`\n=== gateway suite, ${name} ===`);
  const r = spawnSync(process.execPath, [MOCHA, ...mochaArgs, ...args], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, CI_SUITE: `${suite}/gateway-${name}` },
  });
  if (r.error) console.error(r.error);
  return r.status === 0;
}

const parallel = run("parallel", ["--parallel", "--jobs", jobs, ...SERIAL.flatMap((f) => ["--ignore", f])]);
const serial = run("serial", [...rcOptions(), ...SERIAL]);
process.exit(parallel && serial ? 0 : 1);
