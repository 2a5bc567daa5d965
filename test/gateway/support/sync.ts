import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import type { TestEnv } from "./harness";

/** The database variables of `npm run sync` (scripts/sync.ts). */
export type SyncDatabase = Record<string, string>;

/** Runs `npm run sync` (scripts/sync.ts) against the test's chain and a database: exit code, all output, stdout alone. */
export function runSync(
  env: TestEnv,
  args: string[],
  database: SyncDatabase,
): Promise<{ code: number; output: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin"), "scripts/sync.ts", ...args], {
      cwd: process.cwd(),
      env: {
        ...process.env,
        TS_NODE_TRANSPILE_ONLY: "true",
        RPC_URL: env.node.url,
        DEPLOYMENT_FILE: env.config.deploymentFile,
        CONFIRMATIONS: "1",
        DATABASE_URL: "",
        DATABASE_SCHEMA: "",
        SQLITE_FILE: "",
        ...database,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code: code ?? -1, output, stdout }));
  });
}

/** The gateway's own database, as the sync task's variables. */
export function gatewayDatabase(env: TestEnv): SyncDatabase {
  const db = env.config.database;
  return db.type === "sqlite" ? { SQLITE_FILE: db.file } : { DATABASE_URL: db.url, DATABASE_SCHEMA: db.schema ?? "" };
}

/** Runs `work` with an empty database of the suite's kind (a SQLite file, or a PostgreSQL schema), removed afterwards. */
export async function withScratchDatabase<T>(name: string, work: (database: SyncDatabase) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const schema = `${name.replace(/\W/g, "_")}_${process.pid}_${Date.now()}`;
  const database: SyncDatabase = process.env.DATABASE_URL
    ? { DATABASE_URL: process.env.DATABASE_URL, DATABASE_SCHEMA: schema }
    : { SQLITE_FILE: join(dir, "sync.sqlite") };
  try {
    return await work(database);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (process.env.DATABASE_URL) {
      const c = new Client({ connectionString: process.env.DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
  }
}
