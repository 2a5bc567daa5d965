import { z } from "../openapi";
import { defineRoute } from "../route";
import { Pagination } from "../schemas";

export default [
  defineRoute({
    method: "get", path: "/v1/audit", operationId: "listAudit", tag: "audit", roles: ["authority", "monitor"],
    summary: "The audit trail of gateway actions, newest first", query: Pagination.extend({ action: z.string().max(64).optional() }),
    responses: { 200: { description: "entries", schema: z.object({ items: z.array(z.record(z.string(), z.unknown())) }) } },
    handler: async (ctx, { query }) => {
      const rows = await ctx.audit.list(query);
      return { status: 200, body: { items: rows.map((r) => ({ ...r, detail: r.detail ? (JSON.parse(r.detail) as unknown) : null })) } };
    },
  }),
];
