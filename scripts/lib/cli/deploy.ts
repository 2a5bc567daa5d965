import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { examples } from "./command";
import { CliExit, EXIT, emit } from "./io";
import type { CliIo, GlobalOptions } from "./io";

const ROOT = join(__dirname, "..", "..", "..");

interface DeployOptions {
  network: string;
  parameters?: string;
  deploymentFile: string;
  deploymentId?: string;
  force?: boolean;
}

/**
 * `deploy`: the one command that goes to the chain, not through a gateway. It runs scripts/deploy-cli.ts (`npm run
 * deploy`: the Ignition module, its checks and messages) with the same options; with --json its output goes to
 * stderr and the deployment file it wrote is the JSON document on stdout.
 */
export function addDeployCommand(program: Command, io: CliIo): void {
  examples(
    program
      .command("deploy")
      .description(
        "deploy the platform's contracts (Ignition module ignition/modules/Platform.ts) and write the deployment file the gateway reads",
      )
      .option("--network <name>", "a network of hardhat.config.ts (besu: BESU_RPC_URL and DEPLOYER_KEY)", "localhost")
      .option(
        "--parameters <file>",
        "authority, operator and verifier, JSON5 (default ignition/parameters/<network>.json5)",
      )
      .option(
        "--deployment-file <file>",
        "where the gateway reads the deployment",
        io.env.DEPLOYMENT_FILE ?? "data/deployment.json",
      )
      .option("--deployment-id <id>", "Ignition journal ignition/deployments/<id> (default chain-<chain id>)")
      .option("--force", "replace a deployment file that names another chain")
      .action(async (o: DeployOptions, cmd: Command) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const typedIn = io.env.INIT_CWD ?? process.cwd();
        const args = ["--network", o.network, "--deployment-file", resolve(typedIn, o.deploymentFile)];
        if (o.parameters) args.push("--parameters", resolve(typedIn, o.parameters));
        if (o.deploymentId) args.push("--deployment-id", o.deploymentId);
        if (o.force) args.push("--force");
        const child = spawn(
          process.execPath,
          ["-r", "ts-node/register", join(ROOT, "scripts", "deploy-cli.ts"), ...args],
          {
            cwd: ROOT,
            env: { ...io.env, TS_NODE_TRANSPILE_ONLY: "true", INIT_CWD: typedIn },
            // With --json, stdout carries only the document: the deployment's own output goes to stderr.
            stdio: ["inherit", "pipe", "pipe"],
          },
        );
        child.stdout.on("data", (chunk: Buffer) => (g.json ? io.err(chunk.toString()) : io.out(chunk.toString())));
        child.stderr.on("data", (chunk: Buffer) => io.err(chunk.toString()));
        const [code, signal] = (await once(child, "close")) as [number | null, string | null];
        if (code !== 0) {
          io.err(`deploy failed (exit ${code ?? signal})\n`);
          throw new CliExit(EXIT.FAILURE);
        }
        const file = resolve(typedIn, o.deploymentFile);
        const deployment = JSON.parse(readFileSync(file, "utf8")) as unknown;
        emit(io, g, deployment, () => `deployment written to ${file}`);
      }),
    "deploy",
    "deploy --network besu --parameters ignition/parameters/besu.json5 --deployment-file data/deployment.json",
    "deploy --network localhost --json > deployment.json",
  );
}
