import type { Writable } from "node:stream";
import type { Database } from "../persistence/data-source";
import { AuditEntry } from "../persistence/entities";
import { keyset, pageOf } from "../persistence/keyset";
import type { KeyValue } from "../persistence/keyset";
import { parseJson } from "./util";

export interface AuditFilter {
  clientId?: string;
  action?: string;
  role?: string;
  outcome?: "accepted" | "refused";
  requestId?: string;
  /** ISO-8601, inclusive. */
  from?: string;
  /** ISO-8601, exclusive. */
  to?: string;
}

export function viewAudit(r: AuditEntry) {
  const detail = parseJson<Record<string, unknown>>(r.detail);
  return {
    id: r.id,
    at: r.at,
    clientId: r.clientId,
    role: r.role,
    action: r.action,
    target: r.target,
    requestId: r.requestId,
    outcome: (detail?.outcome as string | undefined) ?? null,
    detail,
  };
}

export const AUDIT_CSV_COLUMNS = [
  "id",
  "at",
  "clientId",
  "role",
  "action",
  "target",
  "requestId",
  "outcome",
  "detail",
] as const;

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Read-only queries over the audit trail (who, what, when, outcome, request id). Nothing here writes: the
 * audit log has no update or delete path in the API.
 */
export class AuditQueryService {
  constructor(private readonly db: Database) {}

  private query(f: AuditFilter) {
    const qb = this.db.manager.getRepository(AuditEntry).createQueryBuilder("a");
    if (f.clientId) qb.andWhere("a.client_id = :client", { client: f.clientId });
    if (f.action) qb.andWhere("a.action = :action", { action: f.action });
    if (f.role) qb.andWhere("a.role = :role", { role: f.role });
    if (f.requestId) qb.andWhere("a.request_id = :rid", { rid: f.requestId });
    if (f.outcome) qb.andWhere("a.detail LIKE :outcome", { outcome: `%"outcome":"${f.outcome}"%` });
    if (f.from) qb.andWhere("a.at >= :from", { from: new Date(f.from).toISOString() });
    if (f.to) qb.andWhere("a.at < :to", { to: new Date(f.to).toISOString() });
    return qb;
  }

  /** Entries, newest first, a page at a time: keyset on (at, id) after the previous page's last key. */
  async list(f: AuditFilter & { limit: number; after: KeyValue[] | null }) {
    const rows = await keyset(this.query(f), ["a.at", "a.id"], "DESC", f.after, f.limit).getMany();
    return pageOf(rows, f.limit, (r) => [r.at, r.id], viewAudit);
  }

  /**
   * Streams the matching entries, oldest first, page by page (keyset on at, id), so an export of any size never
   * sits in memory. Waits for the writable to drain. Returns the number of entries written.
   */
  async export(f: AuditFilter, format: "csv" | "json", out: Writable, pageSize = 500): Promise<number> {
    const write = (chunk: string) =>
      out.write(chunk) ? Promise.resolve() : new Promise<void>((r) => out.once("drain", () => r()));
    let after: { at: string; id: string } | null = null;
    let n = 0;
    await write(format === "csv" ? AUDIT_CSV_COLUMNS.join(",") + "\r\n" : "[");
    for (;;) {
      const qb = this.query(f);
      if (after)
        qb.andWhere("(a.at > :afterAt OR (a.at = :afterAt AND a.id > :afterId))", {
          afterAt: after.at,
          afterId: after.id,
        });
      const rows = await qb.orderBy("a.at", "ASC").addOrderBy("a.id", "ASC").take(pageSize).getMany();
      for (const r of rows) {
        const v = viewAudit(r);
        await write(
          format === "csv"
            ? AUDIT_CSV_COLUMNS.map((c) => csvCell(v[c])).join(",") + "\r\n"
            : (n ? "," : "") + "\n" + JSON.stringify(v),
        );
        n += 1;
      }
      if (rows.length < pageSize || out.destroyed) break;
      after = { at: rows[rows.length - 1].at, id: rows[rows.length - 1].id };
    }
    if (format === "json") await write("\n]\n");
    return n;
  }
}
