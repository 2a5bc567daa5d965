import { JsonRpcProvider } from "ethers";
import { startHardhatNode } from "../../../scripts/lib/hardhat-node";
import type { LocalNode } from "../../../scripts/lib/hardhat-node";

export { DEV_MNEMONIC, devWallet } from "../../../scripts/lib/dev-accounts";

export interface NodeHandle {
  url: string;
  chainId: number;
  provider: JsonRpcProvider;
  stop(): Promise<void>;
}

let shared: Promise<NodeHandle> | null = null;

/** One Hardhat node (a real JSON-RPC process) for this test process (each worker of `mocha --parallel`), on a free port. */
export function sharedNode(): Promise<NodeHandle> {
  shared ??= startNode();
  return shared;
}

/**
 * A `hardhat node` child process under automine (see scripts/lib/hardhat-node.ts). Its port is free when chosen and
 * taken by the node a moment later: another test process (`mocha --parallel`) can take it in between, so a node
 * that could not listen is started again on another port.
 */
export async function startNode(): Promise<NodeHandle> {
  let node: LocalNode;
  for (let attempt = 1; ; attempt++) {
    try {
      node = await startHardhatNode();
      break;
    } catch (err) {
      if (attempt === 3 || !String(err).includes("EADDRINUSE")) throw err;
    }
  }
  process.once("exit", () => void node.stop());
  const provider = new JsonRpcProvider(node.url, 31337, { staticNetwork: true, cacheTimeout: -1 });
  return { url: node.url, chainId: 31337, provider, stop: node.stop };
}

export async function stopSharedNode(): Promise<void> {
  if (!shared) return;
  const node = await shared;
  node.provider.destroy();
  await node.stop();
  shared = null;
}
