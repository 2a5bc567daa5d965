/**
 * The real processes a chaos trial drives: a Hardhat node mining on an interval (its pid exposed, to SIGSTOP it),
 * gateway instances as child processes (`node -r ts-node/register server/cli/serve.ts`, configured through the
 * environment only, as in production), and a TCP proxy in front of PostgreSQL that the harness can cut.
 */
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { cpSync, createWriteStream, existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { join } from "node:path";
import { freePort } from "../hardhat-node";

export const ROOT = join(__dirname, "..", "..", "..");

/** Every process the harness started and that still runs: killed if the harness itself exits, even by a crash. */
const children = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}
process.once("exit", () => {
  for (const c of children) {
    try {
      process.kill(c.pid!, "SIGCONT");
      c.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
});
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface ChaosNode {
  url: string;
  pid: number;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** `hardhat node` on a free port, mining every `intervalMs` (no automine), its output in `logFile`. */
export async function startNode(intervalMs: number, logFile: string): Promise<ChaosNode> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, HARDHAT_MINING_INTERVAL: String(intervalMs) };
  const child = track(
    spawn(
      process.execPath,
      [require.resolve("hardhat/internal/cli/cli"), "node", "--hostname", "127.0.0.1", "--port", String(port)],
      { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
    ),
  );
  const log = createWriteStream(logFile);
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hardhat node did not start in 180 s:\n${output}`)), 180_000);
    child.stdout!.on("data", (c: Buffer) => {
      if (output.length < 100_000) output += c.toString();
      if (output.includes("Started HTTP and WebSocket JSON-RPC server")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`hardhat node exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
  child.stdout!.removeAllListeners("data");
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    pause: () => process.kill(child.pid!, "SIGSTOP"),
    resume: () => process.kill(child.pid!, "SIGCONT"),
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    try {
      process.kill(child.pid!, "SIGCONT");
    } catch {
      /* gone */
    }
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
  });
}

/**
 * How gateway processes run: through ts-node (transpile only, as `npm start`), or a production build of the server
 * compiled once per run into dist/chaos (gitignored) and run with plain node, which starts in a second or two
 * instead of tens of seconds on a busy machine (the restart after a kill is part of every trial).
 */
export type Runtime = { kind: "ts-node" } | { kind: "build"; entry: string };

/** The newest modification time of the files under `dir` (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  return t;
}

export function buildServer(log: (m: string) => void): Runtime {
  const out = join(ROOT, "dist", "chaos");
  const entry = join(out, "server", "cli", "serve.js");
  const stamp = join(out, ".built");
  const sources = Math.max(newest(join(ROOT, "server")), newest(join(ROOT, "typechain-types")));
  if (existsSync(entry) && existsSync(stamp) && statSync(stamp).mtimeMs > sources) {
    log(`reusing the server build in ${out} (newer than server/ and typechain-types/)`);
    return { kind: "build", entry };
  }
  log(`compiling the server into ${out} (tsc -p tsconfig.build.json)…`);
  rmSync(out, { recursive: true, force: true });
  const r = spawnSync(
    process.execPath,
    [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", out],
    {
      cwd: ROOT,
      stdio: "inherit",
    },
  );
  if (r.status !== 0) throw new Error("tsc failed: the server does not compile");
  // The plain .js files next to the sources (the signature worker), as `npm run build:server` copies them.
  cpSync(join(ROOT, "server"), join(out, "server"), {
    recursive: true,
    filter: (f) => statSync(f).isDirectory() || f.endsWith(".js"),
  });
  writeFileSync(stamp, new Date().toISOString());
  return { kind: "build", entry };
}

/** One gateway instance: its port and environment survive a kill, so a restart is the same instance again. */
export class GatewayInstance {
  private child: ChildProcess | null = null;
  /** Exits nobody asked for once it was up (a crash): code or signal. */
  readonly unexpectedExits: string[] = [];
  /** Start-ups that ended with the process exiting (a supervisor would start it again), with the reason logged. */
  readonly startFailures: string[] = [];
  private starting = false;
  /** The children the harness stopped or killed itself: their exit is no crash. */
  private readonly expected = new WeakSet<ChildProcess>();
  starts = 0;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    private readonly runtime: Runtime = { kind: "ts-node" },
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the process and resolves once /healthz answers (at most `timeoutMs`). */
  async start(timeoutMs = 180_000): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...gatewayFreeEnv(), ...this.env, PORT: String(this.port) };
    const log = createWriteStream(this.logFile, { flags: "a" });
    this.starts++;
    const args =
      this.runtime.kind === "build"
        ? ["--enable-source-maps", this.runtime.entry]
        : ["-r", "ts-node/register", "server/cli/serve.ts"];
    const child = track(spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] }));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    child.once("exit", (code, signal) => {
      if (this.expected.has(child)) return;
      if (this.starting) this.startFailures.push(`${this.name} exited while starting (code ${code}, signal ${signal})`);
      else this.unexpectedExits.push(`${this.name} exited (code ${code}, signal ${signal})`);
    });
    this.child = child;
    this.starting = true;
    try {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (!this.alive) throw new Error(`${this.name} exited while starting (see ${this.logFile})`);
        try {
          const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
          if (res.ok) return;
        } catch {
          /* not listening yet */
        }
        await sleep(200);
      }
    } finally {
      this.starting = false;
    }
    await this.stop();
    throw new Error(`${this.name} did not answer /healthz within ${timeoutMs / 1000} s (see ${this.logFile})`);
  }

  /**
   * Starts it as a supervisor (systemd's Restart=on-failure, Kubernetes) would: again after a start-up that exited,
   * up to `attempts` times. Throws the last failure.
   */
  async startSupervised(attempts = 5, log?: (m: string) => void): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        return await this.start();
      } catch (err) {
        log?.(`${(err as Error).message}${i < attempts ? ": starting it again" : ""}`);
        if (i >= attempts) throw err;
        await sleep(1_000);
      }
    }
  }

  /** kill -9: no shutdown, no cleanup; resolves once the process is gone. */
  kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    this.expected.add(child);
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    return gone;
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    this.expected.add(this.child);
    await stopChild(this.child);
  }
}

/** The parent's environment without anything that configures a gateway (the harness sets those itself). */
function gatewayFreeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env))
    if (
      /^(DATABASE_|SQLITE_|OPERATOR_|AUTHORITY_|RPC_URL|CHAIN_ID|DEPLOYMENT_FILE|PORT|HOST|METRICS_PORT|PUBLIC_URL)/.test(
        k,
      )
    )
      delete env[k];
  env.TS_NODE_TRANSPILE_ONLY = "true";
  env.NODE_ENV = "production";
  return env;
}

/** A TCP proxy the harness can cut (connection refused, open connections reset) and restore on the same port. */
export interface CutProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(host: string, port: number): Promise<CutProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host, port });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const listenPort = typeof address === "object" && address ? address.port : 0;
  const resetAll = () => {
    for (const [c, u] of pairs) {
      c.destroy();
      u.destroy();
    }
    pairs.clear();
  };
  return {
    port: listenPort,
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        resetAll();
      }),
    restore: () => new Promise<void>((resolve) => server.listen(listenPort, "127.0.0.1", resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        resetAll();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}
