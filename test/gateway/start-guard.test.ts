import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { freePort } from "../../scripts/lib/hardhat-node";

/**
 * `npm start` is the development stack (Hardhat's chain 31337, development keys, plain-http documents, loopback
 * webhooks): it refuses any other chain, whether named by CHAIN_ID (as after `set -a; . network.env`) or answered by
 * the node at RPC_URL, before it deploys, writes or starts anything.
 */
const ROOT = join(__dirname, "..", "..");
const START = join(ROOT, "scripts", "start.ts");
/** Variables of the outer environment that would steer `npm start`. */
const STEERING = [
  "CHAIN_ID",
  "RPC_URL",
  "DEPLOYMENT_FILE",
  "SQLITE_FILE",
  "OPERATOR_KEY",
  "AUTHORITY_KEY",
  "DATABASE_URL",
  "PORT",
  "HARDHAT_MINING_INTERVAL",
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runStart(env: Record<string, string>): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STEERING.includes(k)));
  // Were the guard missing, the gateway would not take the usual port 8080 from anything else running here.
  env = { PORT: String(20_000 + Math.floor(Math.random() * 20_000)), ...env };
  const child = spawn(process.execPath, ["-r", "ts-node/register", START], {
    cwd: ROOT,
    env: { ...base, TS_NODE_TRANSPILE_ONLY: "true", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 150_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

function anvilBinary(): string | undefined {
  try {
    const path = join(dirname(require.resolve("@foundry-rs/anvil-linux-amd64/package.json")), "bin", "anvil");
    if (!existsSync(path)) return undefined;
    const v = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 });
    return v.error || v.status !== 0 ? undefined : path;
  } catch {
    return undefined;
  }
}

describe("npm start refuses any chain but Hardhat's development chain 31337", function () {
  // npm start compiles before it checks: slow on a loaded machine, and a killed run reads as a wrong exit code.
  this.timeout(360_000);
  const dir = mkdtempSync(join(tmpdir(), "start-guard-"));
  const files = { DEPLOYMENT_FILE: join(dir, "deployment.json"), SQLITE_FILE: join(dir, "gateway.sqlite") };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("CHAIN_ID of a network in the environment (after `. network.env`): refused before any node is started", async () => {
    const port = await freePort();
    const run = await runStart({ ...files, CHAIN_ID: "7007", RPC_URL: `http://127.0.0.1:${port}` });
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.stderr)
      .to.contain("npm start is the development stack")
      .and.contain("CHAIN_ID=7007")
      .and.contain("31337")
      .and.contain("docs/network.md");
    expect(await listening(port), "a Hardhat node was started").to.equal(false);
    expect(existsSync(files.DEPLOYMENT_FILE)).to.equal(false);
  });

  it("a node at RPC_URL on another chain (Anvil, chain id 7007): refused, nothing deployed or written", async function () {
    const binary = anvilBinary();
    if (!binary) this.skip();
    const port = await freePort();
    const anvil: ChildProcess = spawn(binary!, ["--chain-id", "7007", "--host", "127.0.0.1", "--port", String(port)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`anvil did not listen:\n${out}`)), 30_000);
        anvil.stdout!.on("data", (c: Buffer) => {
          out += c.toString();
          if (out.includes(`Listening on 127.0.0.1:${port}`)) {
            clearTimeout(timer);
            resolve();
          }
        });
        anvil.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`anvil exited with ${code}:\n${out}`));
        });
      });
      const run = await runStart({ ...files, RPC_URL: `http://127.0.0.1:${port}` });
      expect(run.code, run.stdout + run.stderr).to.equal(1);
      expect(run.stderr)
        .to.contain("npm start is the development stack")
        .and.contain(`http://127.0.0.1:${port} is chain 7007`)
        .and.contain("31337");
      expect(run.stdout).not.to.contain("deploying");
      expect(existsSync(files.DEPLOYMENT_FILE)).to.equal(false);
      expect(existsSync(files.SQLITE_FILE)).to.equal(false);
    } finally {
      anvil.kill("SIGKILL");
    }
  });
});
