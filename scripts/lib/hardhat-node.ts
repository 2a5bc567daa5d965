import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

export interface LocalNode {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `hardhat node` as a child process (a real JSON-RPC endpoint, like a Besu node) and resolves once it
 * listens. `miningIntervalMs` makes it mine on an interval (a QBFT-like 1 s block period) instead of automine.
 */
export async function startHardhatNode(
  opts: { port?: number; miningIntervalMs?: number; cwd?: string } = {},
): Promise<LocalNode> {
  const port = opts.port ?? (await freePort());
  const cwd = opts.cwd ?? join(__dirname, "..", "..");
  const env = { ...process.env };
  if (opts.miningIntervalMs) env.HARDHAT_MINING_INTERVAL = String(opts.miningIntervalMs);
  else delete env.HARDHAT_MINING_INTERVAL;
  const child = spawn(
    process.execPath,
    [require.resolve("hardhat/internal/cli/cli"), "node", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`hardhat node did not start within 120 s:\n${output.slice(-2000)}`)),
      120_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Started HTTP and WebSocket JSON-RPC server")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`hardhat node exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
  // Keep draining its output so the pipe never fills up and blocks the node.
  child.stdout.removeAllListeners("data");
  child.stdout.resume();
  child.stderr.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}
