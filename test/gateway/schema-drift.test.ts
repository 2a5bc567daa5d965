import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Client } from "pg";
import { DataSource } from "typeorm";
import type { DataSourceOptions } from "typeorm";
import { openDatabase } from "../../server/persistence/data-source";
import { GATEWAY_MODEL } from "../../server/database-model";
import type { Database } from "../../server/persistence/data-source";

/**
 * The migrations build exactly the schema the entities declare: after every migration has run, TypeORM's schema
 * builder (what `synchronize` would do) finds nothing to change. An entity edited without a migration, or a
 * migration that misses a column, an index or a type, fails here on the database it runs on.
 */
describe("database: migrations and entities agree", function () {
  this.timeout(120_000);
  let db: Database;
  let cleanup: () => Promise<void>;
  /** On PostgreSQL the schema builder compares against the named schema (it does not follow search_path). */
  let inspected: DataSource;

  before(async () => {
    if (process.env.DATABASE_URL) {
      const schema = `gw_drift_${process.pid}_${Date.now()}`;
      db = await openDatabase({ type: "postgres", url: process.env.DATABASE_URL, schema }, GATEWAY_MODEL);
      inspected = await new DataSource({
        ...db.dataSource.options,
        schema,
      } as DataSourceOptions).initialize();
      cleanup = async () => {
        await inspected.destroy();
        const c = new Client({ connectionString: process.env.DATABASE_URL });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      };
    } else {
      const dir = mkdtempSync(join(tmpdir(), "gateway-drift-"));
      db = await openDatabase({ type: "sqlite", file: join(dir, "gateway.sqlite") }, GATEWAY_MODEL);
      inspected = db.dataSource;
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
  });

  after(async () => {
    await cleanup?.();
    if (db?.dataSource.isInitialized) await db.dataSource.destroy();
  });

  it("when every migration has run, then the schema builder has no pending change", async () => {
    const pending = await inspected.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).to.deep.equal([]);
  });
});
