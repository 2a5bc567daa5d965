import { z } from "../openapi";
import { decodeCursor, pageBody, PageOf, PageQuery } from "../pagination";
import { defineRoute } from "../route";
import { AuditFilterQuery } from "./audit-export";
import { Time } from "../schemas";

const AuditEntryView = z
  .object({
    id: z.string(),
    at: Time,
    clientId: z.string().nullable(),
    role: z.string().nullable(),
    action: z.string(),
    target: z.string().nullable(),
    requestId: z.string().nullable(),
    outcome: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("AuditEntry");

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
    query: PageQuery.extend(AuditFilterQuery.shape),
    responses: { 200: { description: "entries", schema: PageOf(AuditEntryView) } },
    handler: async (ctx, { query, url }) => ({
      status: 200,
      body: pageBody(
        url,
        await ctx.services.supervision.audit.list({
          ...query,
          after: decodeCursor(query.cursor, ["string", "string"]),
        }),
      ),
    }),
  }),
];
