import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { JsonRpcProvider, HDNodeWallet, Mnemonic, Wallet } from "ethers";

/** Hardhat's well-known development mnemonic (never for real funds). */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
export function devWallet(index: number, provider?: JsonRpcProvider): Wallet {
  const hd = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);
  return new Wallet(hd.privateKey, provider);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface NodeHandle {
  url: string;
  chainId: number;
  provider: JsonRpcProvider;
  process: ChildProcess;
}

let shared: Promise<NodeHandle> | null = null;

/** One Hardhat node (a real JSON-RPC process) for the whole test run, on a free port. */
export function sharedNode(): Promise<NodeHandle> {
  shared ??= startNode();
  return shared;
}

export async function startNode(): Promise<NodeHandle> {
  const port = await freePort();
  const child = spawn(process.execPath, [require.resolve("hardhat/internal/cli/cli"), "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: process.cwd(),
    env: { ...process.env, HARDHAT_MINING_INTERVAL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => { if (output.length < 20_000) output += d.toString(); });
  child.stderr!.on("data", (d: Buffer) => { if (output.length < 20_000) output += d.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, cacheTimeout: -1 });
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited: ${output}`);
    try {
      await provider.send("eth_chainId", []);
      break;
    } catch {
      if (Date.now() - started > 60_000) throw new Error(`hardhat node did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const stop = () => { if (child.exitCode === null) child.kill("SIGTERM"); };
  process.once("exit", stop);
  return { url, chainId: 31337, provider, process: child };
}

export async function stopSharedNode(): Promise<void> {
  if (!shared) return;
  const node = await shared;
  node.provider.destroy();
  if (node.process.exitCode === null) {
    const exited = new Promise((r) => node.process.once("exit", r));
    node.process.kill("SIGTERM");
    await exited;
  }
  shared = null;
}
