import { Command } from "commander";
import { initNetwork } from "./lib/network/generate";
import type { InitOptions } from "./lib/network/options";
import { NetworkInputError } from "./lib/network/options";

/** `npm run network -- init ...`: the files an operator needs for a Besu QBFT network (docs/network.md). */
const program = new Command("network").description("Besu QBFT network for the secured digital asset platform");

program
  .command("init")
  .description("generate genesis, node keys, node configurations, permissioning and a compose file")
  .requiredOption("--validators <n>", "number of QBFT validators (4 or more tolerate one faulty validator)")
  .requiredOption("--out <dir>", "output directory (must be empty unless --force)")
  .option("--seed <s>", "derive the node keys from this seed: reproducible output, for test networks only")
  .option("--validator-keys <dir>", "bring your own validator keys: one subdirectory per validator with Besu's `key` file")
  .option("--chain-id <id>", "chain id (default 1337; give every network its own)")
  .option("--block-period <s>", "QBFT block period in seconds (default 1)")
  .option("--operator <address>", "the gateway's operator account (allowed to send transactions)")
  .option("--authority <address>", "the authority's account (allowed to send transactions)")
  .option("--deployer <address>", "the deployer's account (allowed to send transactions)")
  .option("--accounts <addr,...>", "further accounts allowed to send transactions")
  .option("--rpc-nodes <n>", "RPC nodes for the gateways (default 1)")
  .option("--hosts <ip[:port],...>", "one machine per node: P2P address of each validator, then each RPC node")
  .option("--force", "replace the generated files in a non-empty --out (never one holding chain data)")
  .action((opts: InitOptions) => {
    const plan = initNetwork(opts);
    for (const w of plan.warnings) console.error(w);
    const validators = plan.nodes.filter((n) => n.role === "validator");
    console.log(`QBFT network, chain id ${plan.summary.chainId}, written to ${opts.out}`);
    for (const n of plan.nodes) console.log(`  ${n.name.padEnd(12)} ${n.key.address}  ${n.enode}`);
    console.log(`validators: ${validators.length}; gateways and deployment: RPC_URL=${plan.summary.rpcUrl} CHAIN_ID=${plan.summary.chainId} CONFIRMATIONS=1`);
    console.log(`accounts allowed to transact: ${plan.summary.accountsAllowlist.map((a) => `${a.address} (${a.roles.join(", ")})`).join(", ")}`);
    console.log(`start: cd ${opts.out} && docker compose up -d   (runbook: docs/network.md)`);
  });

try {
  program.parse();
} catch (err) {
  if (!(err instanceof NetworkInputError)) throw err;
  console.error(`error: ${err.message}`);
  process.exitCode = 2;
}
