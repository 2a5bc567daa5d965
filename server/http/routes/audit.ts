import { z } from "../openapi";
import { defineRoute } from "../route";
import { Pagination } from "../schemas";
import { AuditFilterQuery } from "./audit-export";

export default [
  defineRoute({
    method: "get",
    path: "/v1/audit",
    operationId: "listAudit",
    tag: "audit",
    roles: ["authority", "monitor"],
    errors: [],
    summary:
      "The audit trail of gateway actions, newest first; filter by client, action, role, outcome, request id, time range (export: /v1/audit/export)",
    query: Pagination.extend(AuditFilterQuery.shape),
    responses: {
      200: {
        description: "entries",
        schema: z.object({ total: z.number(), items: z.array(z.record(z.string(), z.unknown())) }),
      },
    },
    handler: async (ctx, { query }) => ({ status: 200, body: await ctx.services.supervision.audit.list(query) }),
  }),
];
