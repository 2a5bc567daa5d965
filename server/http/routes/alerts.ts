import { z } from "../openapi";
import { decodeCursor, pageBody, PageOf, PageQuery } from "../pagination";
import { defineRoute } from "../route";
import { Address, Json, PositiveUint, Time } from "../schemas";
import { ALERT_KINDS } from "../../supervision/entities";

const READERS = ["authority", "operator", "monitor"] as const;
const Alert = z
  .object({
    id: z.string(),
    kind: z.enum(ALERT_KINDS),
    status: z.enum(["open", "resolved"]),
    assetId: z.string().nullable(),
    issuer: z.string().nullable(),
    detail: Json.nullable(),
    occurrences: z.number(),
    raisedAt: Time,
    lastSeenAt: Time,
    resolvedAt: Time.nullable(),
    resolution: z.string().nullable(),
  })
  .openapi("Alert");
const Check = z
  .object({
    id: z.string(),
    assetId: z.string(),
    uri: z.string(),
    expectedHash: z.string(),
    actualHash: z.string().nullable(),
    outcome: z.enum(["ok", "unreachable", "changed"]),
    httpStatus: z.number().nullable(),
    error: z.string().nullable(),
    durationMs: z.number(),
    checkedAt: Time,
  })
  .openapi("DecisionCheck");

export default [
  defineRoute({
    method: "get",
    path: "/v1/alerts",
    operationId: "listAlerts",
    tag: "alerts",
    roles: [...READERS],
    errors: [],
    summary: "Alerts for the authority and issuers (decision document unreachable or changed), newest first",
    query: PageQuery.extend({
      status: z.enum(["open", "resolved"]).optional(),
      assetId: PositiveUint.optional(),
      kind: z.enum(ALERT_KINDS).optional(),
      issuer: Address.optional(),
    }),
    responses: { 200: { description: "alerts", schema: PageOf(Alert) } },
    handler: async (ctx, { query, url }) => ({
      status: 200,
      body: pageBody(
        url,
        await ctx.services.supervision.alerts.list({
          ...query,
          after: decodeCursor(query.cursor, ["string", "string"]),
        }),
      ),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/alerts/{id}",
    operationId: "getAlert",
    tag: "alerts",
    roles: [...READERS],
    errors: ["ALERT_NOT_FOUND"],
    summary: "One alert: its rule, subject, state and history",
    params: z.object({ id: z.string().uuid() }),
    responses: { 200: { description: "alert", schema: Alert } },
    handler: async (ctx, { params }) => ({ status: 200, body: await ctx.services.supervision.alerts.get(params.id) }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/decision-checks",
    operationId: "listDecisionChecks",
    tag: "alerts",
    roles: [...READERS],
    errors: [],
    summary: "Results of the decision-availability checks (Art. 7.1), newest first",
    query: PageQuery.extend({
      assetId: PositiveUint.optional(),
      outcome: z.enum(["ok", "unreachable", "changed"]).optional(),
    }),
    responses: { 200: { description: "checks", schema: PageOf(Check) } },
    handler: async (ctx, { query, url }) => ({
      status: 200,
      body: pageBody(
        url,
        await ctx.services.supervision.alerts.checks({
          ...query,
          after: decodeCursor(query.cursor, ["string", "string"]),
        }),
      ),
    }),
  }),
  defineRoute({
    method: "post",
    path: "/v1/decision-checks/run",
    operationId: "runDecisionChecks",
    tag: "alerts",
    roles: ["authority"],
    errors: [],
    summary: "Check every open asset's decision document now (besides the scheduled rounds)",
    responses: { 200: { description: "results", schema: z.object({ checked: z.number(), results: z.array(Json) }) } },
    handler: async (ctx) => ({ status: 200, body: await ctx.services.supervision.decisions.runOnce() }),
  }),
];
