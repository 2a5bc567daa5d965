import { Command } from "commander";
import { initNetwork } from "./lib/network/generate";
import type { InitOptions } from "./lib/network/options";
import { CHAIN_ID_EXAMPLE, MAX_EMPTY_BLOCK_PERIOD_SECONDS, NetworkInputError } from "./lib/network/options";

/** `npm run network -- init ...`: the files an operator needs for a Besu QBFT network (docs/network.md). */
const program = new Command("network").description("Besu QBFT network for the secured digital asset platform");

program
  .command("init")
  .description("generate genesis, node keys, node configurations, permissioning and a compose file")
  .requiredOption("--validators <n>", "number of QBFT validators (4 or more tolerate one faulty validator)")
  .requiredOption("--out <dir>", "output directory (must be empty unless --force)")
  .option(
    "--chain-id <id>",
    `required, no default: this network's own chain id, another for every network (e.g. ${CHAIN_ID_EXAMPLE})`,
  )
  .option("--seed <s>", "derive the node keys from this seed: reproducible output, for test networks only")
  .option(
    "--validator-keys <dir>",
    "bring your own validator keys: one subdirectory per validator holding Besu's `key` or `key.priv` (as `besu operator " +
      "generate-blockchain-config` writes), or only `key.pub` to keep that private key on the validator's machine",
  )
  .option("--block-period <s>", "QBFT block period in seconds (default 1)")
  .option(
    "--empty-block-period <s>",
    `seconds between empty blocks when there are no transactions (default 0: every block period; at most ${MAX_EMPTY_BLOCK_PERIOD_SECONDS})`,
  )
  .option("--operator <address>", "the gateway's operator account (allowed to send transactions)")
  .option("--authority <address>", "the authority's account (allowed to send transactions)")
  .option("--deployer <address>", "the deployer's account (allowed to send transactions)")
  .option("--accounts <addr,...>", "further accounts allowed to send transactions")
  .option("--rpc-nodes <n>", "RPC nodes for the gateways (default 1)")
  .option(
    "--hosts <list>",
    "one machine per node, each node's P2P address: name=ip[:port] for every node (name: validator-N, rpc-N, or with " +
      "--validator-keys the key's directory), or a plain ip[:port] list in node order: validator-1, validator-2, ... " +
      "(validators in ascending address order), then rpc-1, ... (plain list: generated keys only)",
  )
  .option("--force", "replace the generated files in a non-empty --out (never one holding chain data)")
  .addHelpText(
    "after",
    "\nExamples:\n" +
      "  npm run network -- init --validators 4 --chain-id 7007 --out ../besu-staging \\\n" +
      "    --operator 0x<operator> --authority 0x<authority> --deployer 0x<deployer>\n" +
      "  npm run network -- init --validators 4 --chain-id 7008 --out ../besu-prod --validator-keys ./keys \\\n" +
      "    --hosts almaty=10.0.0.11,astana=10.0.0.12,shymkent=10.0.0.13,aktobe=10.0.0.14,rpc-1=10.0.0.21 --operator 0x<operator> ...\n" +
      "Runbook: docs/network.md.\n",
  )
  .action((opts: InitOptions) => {
    const plan = initNetwork(opts);
    for (const w of plan.warnings) console.error(w);
    const validators = plan.nodes.filter((n) => n.role === "validator");
    console.log(`QBFT network, chain id ${plan.summary.chainId}, written to ${opts.out}`);
    for (const n of plan.summary.nodes) {
      const key = n.privateKey === "on its machine" ? "  (private key on its machine)" : "";
      console.log(
        `  ${n.name.padEnd(12)} ${n.address}  ${n.enode}${n.keyDir !== undefined ? `  from ${n.keyDir}/` : ""}${key}`,
      );
    }
    console.log(
      `validators: ${validators.length}; gateways and deployment: RPC_URL=${plan.summary.rpcUrl} CHAIN_ID=${plan.summary.chainId} CONFIRMATIONS=1`,
    );
    console.log(
      `accounts allowed to transact: ${plan.summary.accountsAllowlist.map((a) => `${a.address} (${a.roles.join(", ")})`).join(", ")}`,
    );
    console.log(
      `start: cd ${opts.out} && ${plan.summary.setup.join(" && ")} && docker compose up -d   (runbook: docs/network.md)`,
    );
  });

try {
  program.parse();
} catch (err) {
  if (!(err instanceof NetworkInputError)) throw err;
  console.error(`error: ${err.message}`);
  process.exitCode = 2;
}
