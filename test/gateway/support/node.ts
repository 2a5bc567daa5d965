import { JsonRpcProvider } from "ethers";
import { startHardhatNode } from "../../../scripts/lib/hardhat-node";

export { DEV_MNEMONIC, devWallet } from "../../../scripts/lib/dev-accounts";

export interface NodeHandle {
  url: string;
  chainId: number;
  provider: JsonRpcProvider;
  stop(): Promise<void>;
}

let shared: Promise<NodeHandle> | null = null;

/** One Hardhat node (a real JSON-RPC process) for the whole test run, on a free port. */
export function sharedNode(): Promise<NodeHandle> {
  shared ??= startNode();
  return shared;
}

/** A `hardhat node` child process under automine (see scripts/lib/hardhat-node.ts). */
export async function startNode(): Promise<NodeHandle> {
  const node = await startHardhatNode();
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
