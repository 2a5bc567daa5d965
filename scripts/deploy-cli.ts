import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { Command } from "commander";

/**
 * `npm run deploy -- [--network <name>] [--parameters <file>] [--deployment-file <file>] [--force]`: runs
 * `hardhat run scripts/deploy.ts --network <name>` (the Ignition module ignition/modules/Platform.ts) with the
 * options passed in its environment. The checks and their messages live in scripts/deploy.ts, so running that
 * script directly under `hardhat run` behaves the same.
 */
const ROOT = join(__dirname, "..");
// `npm run` starts scripts in the package root; paths the operator typed are relative to where they typed them.
const typedIn = process.env.INIT_CWD ?? process.cwd();

const program = new Command("deploy")
  .description(
    "Deploys the platform (Ignition module ignition/modules/Platform.ts) and writes the deployment file the gateway reads.",
  )
  .option("--network <name>", "a network of hardhat.config.ts (besu: BESU_RPC_URL and DEPLOYER_KEY)", "localhost")
  .option(
    "--parameters <file>",
    "authority, operator and verifier, JSON5 (default ignition/parameters/<network>.json5, or .json)",
    process.env.IGNITION_PARAMETERS,
  )
  .option(
    "--deployment-file <file>",
    "where the gateway reads the deployment",
    process.env.DEPLOYMENT_FILE ?? "data/deployment.json",
  )
  .option(
    "--deployment-id <id>",
    "Ignition journal ignition/deployments/<id> (default chain-<chain id>)",
    process.env.IGNITION_DEPLOYMENT_ID,
  )
  .option("--force", "replace a deployment file that names another chain")
  .showHelpAfterError()
  .action(
    (opts: {
      network: string;
      parameters?: string;
      deploymentFile: string;
      deploymentId?: string;
      force?: boolean;
    }) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DEPLOYMENT_FILE: resolve(typedIn, opts.deploymentFile),
        DEPLOY_FORCE: opts.force ? "true" : "",
      };
      if (opts.parameters) env.IGNITION_PARAMETERS = resolve(typedIn, opts.parameters);
      else delete env.IGNITION_PARAMETERS;
      if (opts.deploymentId) env.IGNITION_DEPLOYMENT_ID = opts.deploymentId;
      const hardhat = require.resolve("hardhat/internal/cli/cli");
      const run = spawnSync(process.execPath, [hardhat, "run", "scripts/deploy.ts", "--network", opts.network], {
        cwd: ROOT,
        env,
        stdio: "inherit",
      });
      if (run.error) throw run.error;
      process.exitCode = run.status ?? 1;
    },
  );

program.parse();
