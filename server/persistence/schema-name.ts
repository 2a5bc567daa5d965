/**
 * DATABASE_SCHEMA names the PostgreSQL schema the gateway works in. It is interpolated into SQL (CREATE SCHEMA, the
 * connection's search_path), which cannot take it as a parameter, so it must be a plain identifier: checked here,
 * by one rule, wherever it is read (configuration, command-line tasks, the database layer).
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export const DATABASE_SCHEMA_RULE =
  "must be a PostgreSQL identifier: a lower-case letter or underscore, then lower-case letters, digits or underscores, at most 63 characters in all";

export function isDatabaseSchema(value: string): boolean {
  return SCHEMA_NAME.test(value);
}

export class DatabaseSchemaError extends Error {
  readonly code = "DATABASE_SCHEMA_INVALID";
  constructor(readonly value: string) {
    super(`DATABASE_SCHEMA: ${DATABASE_SCHEMA_RULE} (got ${JSON.stringify(value.slice(0, 80))})`);
    this.name = "DatabaseSchemaError";
  }
}

/** The schema name, or a DatabaseSchemaError saying what to fix. */
export function checkDatabaseSchema(value: string): string {
  if (!isDatabaseSchema(value)) throw new DatabaseSchemaError(value);
  return value;
}
