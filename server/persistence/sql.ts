import type { EntityManager } from "typeorm";

/**
 * Raw statements for hot paths (the indexer, transfer checks), written once for both databases: placeholders are `?` on
 * SQLite and `$n` on PostgreSQL; `ON CONFLICT ... DO NOTHING / DO UPDATE` is understood by both.
 */
export class Sql {
  constructor(readonly postgres: boolean) {}

  static of(em: EntityManager): Sql {
    return new Sql(em.connection.options.type === "postgres");
  }

  /** Placeholder list for `n` parameters starting after `offset` already used. */
  params(n: number, offset = 0): string {
    return Array.from({ length: n }, (_, i) => (this.postgres ? `$${offset + i + 1}` : "?")).join(", ");
  }

  p(i: number): string {
    return this.postgres ? `$${i}` : "?";
  }

  /** Inserts rows in as few statements as the parameter limit allows. `conflict` is appended verbatim. */
  async insert(em: EntityManager, table: string, columns: string[], rows: unknown[][], conflict = ""): Promise<void> {
    if (rows.length === 0) return;
    const perStatement = Math.max(1, Math.floor(30_000 / columns.length));
    const head = `INSERT INTO ${table} (${columns.join(", ")}) VALUES `;
    for (let start = 0; start < rows.length; start += perStatement) {
      const chunk = rows.slice(start, start + perStatement);
      const values: string[] = [];
      const params: unknown[] = [];
      let n = 0;
      for (const row of chunk) {
        if (this.postgres) {
          values.push(`(${row.map(() => `$${++n}`).join(", ")})`);
        } else {
          values.push(`(${row.map(() => "?").join(", ")})`);
        }
        for (const v of row) params.push(v);
      }
      await em.query(head + values.join(", ") + (conflict ? ` ${conflict}` : ""), params);
    }
  }

  /** `ON CONFLICT (keys) DO UPDATE SET c = excluded.c, ...` */
  upsert(keys: string[], update: string[]): string {
    return `ON CONFLICT (${keys.join(", ")}) DO UPDATE SET ${update.map((c) => `${c} = excluded.${c}`).join(", ")}`;
  }
}
