import "reflect-metadata";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DataSource } from "typeorm";
import type { EntityManager } from "typeorm";
import type { Config } from "../config";
import { ENTITIES } from "./entities";
import { Initial1764072000000 } from "./migrations/1764072000000-Initial";
import { Events1764090000000 } from "./migrations/1764090000000-Events";
import { PlatformEvent } from "./event-log";
import { MIRROR_ENTITIES } from "../mirror/entities";
import { Mirror1764100000000 } from "./migrations/1764100000000-Mirror";
import { Supervision1764110000000 } from "./migrations/1764110000000-Supervision";
import { OperationRecipient1764120000000 } from "./migrations/1764120000000-OperationRecipient";
import { MirrorFaults1764131000000 } from "./migrations/1764131000000-MirrorFaults";
import { Sessions1764140000000 } from "./migrations/1764140000000-Sessions";
import { MirrorBalanceReads1764150000000 } from "./migrations/1764150000000-MirrorBalanceReads";
import { SESSION_ENTITIES } from "./session-entities";
import { SUPERVISION_ENTITIES } from "../supervision/entities";
import { checkDatabaseSchema } from "./schema-name";

export const MIGRATIONS = [
  Initial1764072000000,
  Events1764090000000,
  Mirror1764100000000,
  Supervision1764110000000,
  OperationRecipient1764120000000,
  MirrorFaults1764131000000,
  Sessions1764140000000,
  MirrorBalanceReads1764150000000,
];
const ALL_ENTITIES = [...ENTITIES, PlatformEvent, ...MIRROR_ENTITIES, ...SUPERVISION_ENTITIES, ...SESSION_ENTITIES];

/** Builds the DataSource for the configured database. `synchronize` is never used: migrations are. */
export function buildDataSource(db: Config["database"]): DataSource {
  if (db.type === "postgres") {
    // Interpolated into the connection's options and CREATE SCHEMA below: checked here too, whatever built `db`.
    if (db.schema) checkDatabaseSchema(db.schema);
    return new DataSource({
      type: "postgres",
      url: db.url,
      entities: ALL_ENTITIES,
      migrations: MIGRATIONS,
      synchronize: false,
      // A schema of its own (tests, side-by-side deployments): every unqualified name resolves there.
      // A database that does not answer fails a request after 5 s (503 DATABASE_UNAVAILABLE) instead of holding it.
      extra: {
        max: 10,
        connectionTimeoutMillis: 5_000,
        ...(db.schema ? { options: `-c search_path=${db.schema}` } : {}),
      },
    });
  }
  if (db.file !== ":memory:") mkdirSync(dirname(db.file), { recursive: true });
  return new DataSource({
    type: "better-sqlite3",
    database: db.file,
    entities: ALL_ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    enableWAL: true,
    // TypeORM writes numbers into SQLite statements as literals, so a batch's per-item updates are a hundred
    // distinct statements: a cache of 100 (the default) would keep evicting the hot ones.
    statementCacheSize: 1_000,
    prepareDatabase: (conn: { pragma(s: string): unknown }) => {
      conn.pragma("busy_timeout = 5000");
      conn.pragma("synchronous = NORMAL");
    },
  });
}

/** Opens the database (creating the schema if one is configured) and runs pending migrations. */
export async function openDatabase(db: Config["database"]): Promise<Database> {
  const ds = buildDataSource(db);
  await ds.initialize();
  if (db.type === "postgres" && db.schema) {
    await ds.query(`CREATE SCHEMA IF NOT EXISTS "${db.schema}"`);
  }
  await ds.runMigrations({ transaction: "each" });
  return new Database(ds);
}

/**
 * The DataSource plus a transaction helper. SQLite has one connection, so its transactions are serialised here
 * (concurrent BEGINs on one connection would interleave); PostgreSQL uses its pool.
 */
export class Database {
  private chain: Promise<unknown> = Promise.resolve();
  constructor(readonly dataSource: DataSource) {}

  get isSqlite(): boolean {
    return this.dataSource.options.type === "better-sqlite3";
  }

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (!this.isSqlite) return this.dataSource.transaction(work);
    const run = this.chain.then(() => this.dataSource.transaction(work));
    this.chain = run.catch(() => undefined);
    return run;
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Whether an error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string }; message?: string };
  const code = e.driverError?.code ?? e.code;
  return (
    code === "23505" ||
    code === "SQLITE_CONSTRAINT_UNIQUE" ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY" ||
    /UNIQUE constraint failed/.test(e.message ?? "")
  );
}
