import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "chai";
import { NonceManager } from "ethers";
import { Client } from "pg";
import { deployPlatform, writeDeployment } from "../../server/chain/deployment";
import { devWallet, sharedNode } from "./support/node";

const ROOT = resolve(__dirname, "../..");
const FIRST_LINE_MS = 2_000;

/** Runs a command to its end; rejects, with its output, on a non-zero exit. */
function run(cmd: string, args: string[], cwd: string): Promise<{ ms: number; output: string }> {
  const t0 = Date.now();
  const child = spawn(cmd, args, { cwd, env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  return new Promise((done, fail) => {
    child.once("error", fail);
    child.once("close", (code) =>
      code === 0
        ? done({ ms: Date.now() - t0, output })
        : fail(new Error(`${cmd} ${args.join(" ")} exited with ${code}:\n${output.slice(-4000)}`)),
    );
  });
}

interface LogLine {
  msg: string;
  level: number;
  [k: string]: unknown;
}

/** The production process: its JSON log lines as they arrive, and when the first came. */
class Server {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  stderr = "";
  firstLineMs: number | null = null;
  private buffered = "";
  private readonly waiters: (() => void)[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly child: ChildProcess,
    started: number,
  ) {
    child.stdout!.on("data", (c: Buffer) => {
      this.firstLineMs ??= Date.now() - started;
      this.buffered += c.toString();
      let nl: number;
      while ((nl = this.buffered.indexOf("\n")) >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.raw.push(line);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          // Not JSON: the assertions below name it.
        }
        for (const w of this.waiters.splice(0)) w();
      }
    });
    child.stderr!.on("data", (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((done) => child.once("close", (code, signal) => done({ code, signal })));
  }

  /** The first log line with this message (waiting up to `timeoutMs`). */
  async line(msg: string, timeoutMs = 60_000): Promise<LogLine> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((l) => l.msg === msg);
      if (found) return found;
      if (this.child.exitCode !== null || Date.now() > end) {
        throw new Error(
          `no "${msg}" log line (exit ${this.child.exitCode}); stdout:\n${this.raw.join("\n")}\nstderr:\n${this.stderr}`,
        );
      }
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }
}

/**
 * `npm run build`, then what an operator does with its output on a machine without devDependencies: a scratch
 * directory with package.json, package-lock.json and dist/ only, `npm ci --omit=dev` (which builds better-sqlite3
 * and installs secp256k1's binding there), `npm run start:prod` with a real configuration (a Hardhat node, a
 * deployment file, SQLite in a temporary directory, or PostgreSQL in a schema of its own under DATABASE_URL).
 */
describe("production build: npm run build, npm ci --omit=dev, npm run start:prod", function () {
  this.timeout(10 * 60_000);
  let scratch: string;
  let dropSchema: (() => Promise<void>) | null = null;
  let server: Server | null = null;

  before(async function () {
    scratch = mkdtempSync(join(tmpdir(), "gateway-prod-"));
    const build = await run("npm", ["run", "build"], ROOT);
    console.log(`      npm run build: ${(build.ms / 1000).toFixed(1)} s`);
    for (const f of ["package.json", "package-lock.json"]) cpSync(join(ROOT, f), join(scratch, "app", f));
    cpSync(join(ROOT, "dist"), join(scratch, "app", "dist"), { recursive: true });
    const install = await run(
      "npm",
      ["ci", "--omit=dev", "--ignore-scripts=false", "--no-audit", "--no-fund"],
      join(scratch, "app"),
    );
    console.log(`      npm ci --omit=dev: ${(install.ms / 1000).toFixed(1)} s`);
  });

  after(async () => {
    // Its own process group: nothing of it outlives the test, even if a stop went wrong.
    if (server?.child.pid) {
      try {
        process.kill(-server.child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (dropSchema) await dropSchema();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("installs without devDependencies, logs JSON from the first line in under 2 s, answers /readyz, and stops on SIGTERM with code 0", async () => {
    const app = join(scratch, "app");
    // Nothing of the development toolchain is there to lean on (ts-node and typescript may be: typeorm names
    // ts-node as an optional peer dependency, which npm keeps; the build does not use them at run time).
    for (const dev of ["hardhat", "mocha", "chai", "@typechain/hardhat", "pino-pretty", "solc"]) {
      expect(
        existsSync(join(app, "node_modules", dev)),
        `devDependency ${dev} installed by npm ci --omit=dev`,
      ).to.equal(false);
    }
    expect(existsSync(join(app, "node_modules", "ethers")), "ethers is a dependency").to.equal(true);

    const node = await sharedNode();
    const [authority, operator, verifier] = [1, 2, 3].map((i) => devWallet(i, node.provider));
    const deployment = await deployPlatform(new NonceManager(devWallet(0, node.provider)), {
      authority: authority.address,
      operator: operator.address,
      verifier: verifier.address,
    });
    const deploymentFile = join(scratch, "deployment.json");
    await writeDeployment(deploymentFile, deployment);

    const database: Record<string, string> = { SQLITE_FILE: join(scratch, "data", "gateway.sqlite") };
    if (process.env.DATABASE_URL) {
      const schema = `gw_prod_${process.pid}_${Date.now()}`;
      Object.assign(database, { DATABASE_URL: process.env.DATABASE_URL, DATABASE_SCHEMA: schema });
      dropSchema = async () => {
        const c = new Client({ connectionString: process.env.DATABASE_URL });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      };
    }
    // Only what an operator sets: no ts-node, no npm_* variables of the test run.
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? scratch,
      NODE_ENV: "production",
      RPC_URL: node.url,
      CHAIN_ID: String(node.chainId),
      DEPLOYMENT_FILE: deploymentFile,
      OPERATOR_KEY: operator.privateKey,
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "info",
      ...database,
    };
    const started = Date.now();
    const child = spawn("npm", ["run", "--silent", "start:prod"], {
      cwd: app,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    server = new Server(child, started);

    const first = await server.line("gateway starting", 30_000);
    console.log(
      `      first log line ${server.firstLineMs} ms after the spawn of npm run start:prod (node's uptime then: ${String(first.uptimeMs)} ms)`,
    );
    expect(server.raw[0], "the first line is the gateway's JSON log").to.equal(JSON.stringify(first));
    expect(server.firstLineMs!, "first log line (ms after the spawn of npm run start:prod)").to.be.below(FIRST_LINE_MS);

    const ready = await server.line("gateway started");
    console.log(`      "gateway started" after ${Date.now() - started} ms`);
    expect(ready.database).to.equal(process.env.DATABASE_URL ? "postgres" : "sqlite");
    const res = await fetch(`${String(ready.url)}/readyz`);
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(await res.json()).to.deep.include({ status: "ready", database: true, chain: true });

    child.kill("SIGTERM");
    const exit = await Promise.race([
      server.exited,
      new Promise((r) => setTimeout(() => r("no exit 30 s after SIGTERM"), 30_000).unref()),
    ]);
    expect(exit, `stderr:\n${server.stderr}`).to.deep.equal({ code: 0, signal: null });
    await server.line("gateway stopped", 0);
    // JSON in production: every line of stdout is a log object.
    expect(
      server.raw.filter((l) => l.trim() && !l.startsWith("{")),
      "non-JSON lines on stdout",
    ).to.deep.equal([]);
    expect(server.stderr.trim(), "stderr").to.equal("");
  });
});
