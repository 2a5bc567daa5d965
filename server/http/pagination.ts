import { z } from "./openapi";
import { AppError } from "../errors";

/** One value of a sort key: what a cursor carries for one column. */
export type KeyValue = string | number;
/** What a paginated service returns: the page's items and the last one's sort key when more follow. */
export interface KeyedPage<T> {
  items: T[];
  last: KeyValue[] | null;
}

/** The page size when a request names none, and the largest it may ask for: the same for every list. */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

/**
 * The query of every list: `limit` and `cursor` (extend it with the list's filters). The cursor is opaque:
 * base64url of the last item's sort key; the list's `next` link carries it with the same filters.
 */
export const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_LIMIT)
    .default(DEFAULT_LIMIT)
    .openapi({ description: `items per page (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})` }),
  cursor: z.string().max(400).optional().openapi({
    description: "opaque: from the previous page's `next` link (follow the link rather than build it)",
    example: "WyIyMDI2LTEyLTAxVDA5OjE0OjAyLjExOFoiLCIzZjBjNmE1MiJd",
  }),
});

/** The response of every list: the items in order and the link to the next page (null on the last). */
export function PageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next: z.string().nullable().openapi({
      description: "the next page: this request's path and filters with the cursor after this page; null at the end",
      example: "/v1/operations?limit=50&cursor=WyIyMDI2LTEyLTAxVDA5OjE0OjAyLjExOFoiLCIzZjBjNmE1MiJd",
    }),
  });
}

/** The cursor of a sort key. */
export function encodeCursor(key: readonly KeyValue[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/**
 * The sort key of a cursor, checked against the list's key shape ("string" or "number" per column);
 * CURSOR_INVALID (400) for anything this list did not hand out.
 */
export function decodeCursor(cursor: string | undefined, shape: readonly ("string" | "number")[]): KeyValue[] | null {
  if (cursor === undefined) return null;
  let v: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error("not base64url");
    v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    v = undefined;
  }
  if (
    Array.isArray(v) &&
    encodeCursor(v as KeyValue[]) === cursor && // the one spelling this API hands out: nothing appended or changed
    v.length === shape.length &&
    v.every((x, i) => (shape[i] === "number" ? isKeyNumber(x) : isKeyText(x)))
  )
    return v as KeyValue[];
  throw new AppError("CURSOR_INVALID", { cursor: cursor.slice(0, 64) });
}

// What a key column can hold: an integer column (at most 2^31 - 1) or short, well-formed text without control
// characters; anything else would reach the database as a value it refuses.
const isKeyNumber = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 2 ** 31 - 1;
const isKeyText = (x: unknown): boolean =>
  typeof x === "string" && x.length <= 200 && x.isWellFormed() && [...x].every((c) => c.charCodeAt(0) >= 0x20);

/**
 * The next page's link: the request's own path and query (filters, limit) with `cursor` set to the key after
 * the page; null when the page was the last. Relative to the API's origin.
 */
export function nextLink(url: string, last: readonly KeyValue[] | null): string | null {
  if (!last) return null;
  const u = new URL(url, "http://x");
  u.searchParams.set("cursor", encodeCursor(last));
  return u.pathname + u.search;
}

/** The next page's link from a cursor a service made (null: the page was the last). */
export function cursorLink(url: string, cursor: string | null): string | null {
  if (!cursor) return null;
  const u = new URL(url, "http://x");
  u.searchParams.set("cursor", cursor);
  return u.pathname + u.search;
}

/** The `{ items, next }` body of a list from a service's keyed page and the request's URL. */
export function pageBody<T>(url: string, page: KeyedPage<T>): { items: T[]; next: string | null } {
  return { items: page.items, next: nextLink(url, page.last) };
}

/**
 * Keyset over a list held in memory (read from the chain, a static catalogue, a short table): the same contract
 * as the SQL lists — items strictly after `after` in the order of `keyOf`, at most `limit`, and the last key when
 * more follow.
 */
export function pageInMemory<T>(
  all: readonly T[],
  keyOf: (item: T) => KeyValue[],
  after: readonly KeyValue[] | null,
  limit: number,
): KeyedPage<T> {
  const sorted = [...all].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  const rest = after ? sorted.filter((item) => compareKeys(keyOf(item), after) > 0) : sorted;
  const items = rest.slice(0, limit);
  return { items, last: rest.length > limit ? keyOf(items[items.length - 1]) : null };
}

function compareKeys(a: readonly KeyValue[], b: readonly KeyValue[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i], b[i]];
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x < y ? -1 : 1;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}
