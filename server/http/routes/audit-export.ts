import type { Express, Request, Response } from "express";
import { z, registry } from "../openapi";
import { AppError } from "../../errors";
import { authenticate, parseInput, errorResponses, validationExample } from "../route";
import { Line } from "../validation";
import type { AppContext } from "../../context";
import type { Role } from "../../domain/roles";

const ROLES: Role[] = ["authority", "monitor"];

export const AuditFilterQuery = z.object({
  clientId: Line(36).optional().openapi({ description: "the API client (key) that acted" }),
  action: Line(64).optional().openapi({ description: "operation id of the endpoint, e.g. submitTransfer" }),
  role: z.enum(["authority", "operator", "verifier", "monitor"]).optional(),
  outcome: z.enum(["accepted", "refused"]).optional(),
  requestId: Line(64).optional(),
  from: z.iso.datetime({ offset: true }).optional().openapi({ description: "inclusive, ISO-8601" }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: "exclusive, ISO-8601" }),
});
const ExportQuery = AuditFilterQuery.extend({ format: z.enum(["csv", "json"]).default("json") });

registry.registerPath({
  method: "get",
  path: "/v1/audit/export",
  operationId: "exportAudit",
  summary: "Export the audit trail (oldest first), streamed as CSV or a JSON array; read-only",
  tags: ["audit"],
  description: `Roles: ${ROLES.join(", ")}.`,
  security: [{ apiKey: [] }],
  request: { query: ExportQuery },
  responses: {
    200: {
      description: "the entries",
      content: {
        "text/csv": { schema: z.string() },
        "application/json": { schema: z.array(z.record(z.string(), z.unknown())) },
      },
    },
    ...errorResponses(
      ["VALIDATION_FAILED", "UNAUTHENTICATED", "FORBIDDEN", "MALFORMED_REQUEST", "RATE_LIMITED", "INTERNAL"],
      "/v1/audit/export",
      validationExample({ query: ExportQuery }),
    ),
  },
});

/**
 * Mounts the streamed audit export. The declarative routes answer with one JSON body; an export of any size is
 * written page by page instead, so this one route is mounted directly (same authentication, roles and validation).
 * The export itself is recorded in the audit log (who exported what).
 */
export function mountAuditExport(app: Express, ctx: AppContext): void {
  app.get("/v1/audit/export", async (req: Request, res: Response) => {
    const client = await authenticate(ctx, req, ROLES);
    if (!ROLES.includes(client.role)) throw new AppError("FORBIDDEN", { role: client.role, allowed: ROLES });
    const { format, ...filter } = parseInput(ExportQuery, req.query, "query");
    const requestId = String((req.id as string | undefined) ?? "");
    await ctx.audit.record({
      client,
      action: "exportAudit",
      target: req.originalUrl,
      requestId,
      detail: { outcome: "accepted", status: 200, format, filter },
    });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    res.status(200);
    res.setHeader("content-type", format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8");
    res.setHeader("content-disposition", `attachment; filename="audit-${stamp}.${format}"`);
    res.setHeader("cache-control", "no-store");
    try {
      await ctx.services.supervision.audit.export(filter, format, res);
    } catch (err) {
      // Headers are gone: the truncated body and the closed connection tell the client the export failed.
      req.log?.error({ err }, "audit export failed mid-stream");
      res.destroy(err as Error);
      return;
    }
    res.end();
  });
}
