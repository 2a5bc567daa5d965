import { AppError } from "../errors";

/**
 * The opaque cursor of a list kept newest first on (createdAt, id): the last row's key, so rows added meanwhile
 * neither repeat nor skip. A cursor that is not one of ours is 400 CURSOR_INVALID.
 */
export function encodeTimeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString("base64url");
}

export function decodeTimeCursor(cursor: string): [string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string") return [v[0], v[1]];
  } catch {
    // fall through to the error below
  }
  throw new AppError("CURSOR_INVALID", { cursor: cursor.slice(0, 64) });
}
