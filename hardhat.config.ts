import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import { DEV_MNEMONIC } from "./scripts/lib/dev-accounts";

// The network is closed: compile with the pinned npm `solc` (soljson) instead of a downloaded binary.
const SOLC_VERSION = "0.8.30";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper(args);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  };
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      // Besu (QBFT/IBFT 2.0 permissioned networks) runs the Cancun rules; OpenZeppelin 5.7 needs mcopy.
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 1 },
      viaIR: true,
    },
  },
  networks: {
    hardhat: {
      hardfork: "cancun",
      // HARDHAT_MINING_INTERVAL=1000 makes `hardhat node` mine every second like a QBFT network with 1 s blocks,
      // instead of automine (which refuses transactions queued ahead of the next nonce).
      ...(process.env.HARDHAT_MINING_INTERVAL
        ? { mining: { auto: false, interval: Number(process.env.HARDHAT_MINING_INTERVAL) } }
        : {}),
    },
    localhost: { url: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
    // `npm run deploy -- --network besu`: without DEPLOYER_KEY the network has no account and scripts/deploy.ts
    // stops naming the variable (no throw here: every other command must keep working without the key).
    besu: {
      url: process.env.BESU_RPC_URL ?? "http://127.0.0.1:8545",
      accounts: process.env.DEPLOYER_KEY ? [process.env.DEPLOYER_KEY] : [],
    },
    // Anvil (Foundry's node, the npm package @foundry-rs/anvil-linux-amd64) run like the Besu profile: a second
    // JSON-RPC implementation for CI (test/gateway/anvil.test.ts). Deployer: DEPLOYER_KEY, else development account 0.
    anvil: {
      url: process.env.ANVIL_RPC_URL ?? "http://127.0.0.1:8546",
      accounts: process.env.DEPLOYER_KEY ? [process.env.DEPLOYER_KEY] : { mnemonic: DEV_MNEMONIC, count: 1 },
    },
  },
  mocha: { timeout: 120_000, reporter: "test/support/ci-reporter.js" },
  gasReporter: { enabled: false },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
};

export default config;
