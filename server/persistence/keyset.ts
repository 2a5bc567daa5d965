import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";

/** One value of a sort key: what a cursor carries for one column. */
export type KeyValue = string | number;

/** A page of a keyset list: the items and the sort key of the last one when more follow (null at the end). */
export interface KeysetPage<T> {
  items: T[];
  /** The last item's sort key, when another page follows; null on the last page. */
  last: KeyValue[] | null;
}

/**
 * Keyset pagination on a query builder: rows strictly after `after` in the order of `columns` (all one direction,
 * the last column unique), ordered by them, at most `limit + 1` rows so the caller knows whether more follow.
 * `WHERE (k1, k2) > (:k1, :k2) ORDER BY k1, k2 LIMIT n + 1` — row values, which SQLite and PostgreSQL both have.
 */
export function keyset<E extends ObjectLiteral>(
  qb: SelectQueryBuilder<E>,
  columns: readonly string[],
  direction: "ASC" | "DESC",
  after: readonly KeyValue[] | null,
  limit: number,
): SelectQueryBuilder<E> {
  if (after) {
    const names = columns.map((_, i) => `keyset_${i}`);
    qb.andWhere(
      `(${columns.join(", ")}) ${direction === "ASC" ? ">" : "<"} (${names.map((n) => `:${n}`).join(", ")})`,
      Object.fromEntries(names.map((n, i) => [n, after[i]])),
    );
  }
  columns.forEach((c, i) => (i === 0 ? qb.orderBy(c, direction) : qb.addOrderBy(c, direction)));
  return qb.limit(Math.floor(limit) + 1);
}

/** The same condition for raw SQL: `(k1, k2) > (?, ?)`, each value passed through `p` (which binds it). */
export function keysetSql(
  columns: readonly string[],
  direction: "ASC" | "DESC",
  after: readonly KeyValue[],
  p: (value: KeyValue) => string,
): string {
  return `(${columns.join(", ")}) ${direction === "ASC" ? ">" : "<"} (${after.map((v) => p(v)).join(", ")})`;
}

/** Cuts the `limit + 1` rows of a keyset query into a page: the first `limit` and, if one more came, the last key. */
export function pageOf<R, T>(
  rows: readonly R[],
  limit: number,
  keyOf: (row: R) => KeyValue[],
  view: (row: R) => T,
): KeysetPage<T> {
  const kept = rows.slice(0, limit);
  return {
    items: kept.map(view),
    last: rows.length > limit && kept.length > 0 ? keyOf(kept[kept.length - 1]) : null,
  };
}
