import { z } from "../openapi";
import { decodeCursor, nextLink, pageBody, PageOf, PageQuery } from "../pagination";
import { defineRoute } from "../route";
import { Address, AddressParam, AssetIdParam, Json, PositiveUint, Time, Uint } from "../schemas";
import { Line, Text } from "../validation";
import { RULE_KINDS } from "../../supervision/entities";
import { VALUE_PATTERN } from "../../supervision/decimal";
import { viewReport } from "../../supervision/monitoring";

const SUPERVISORS = ["authority", "monitor"] as const;
const IdParam = z.object({ id: z.string().uuid() });
const Value = z
  .string()
  .regex(VALUE_PATTERN, "must be a decimal number with at most 6 fraction digits")
  .openapi({ example: "1250.50" });

const RuleBody = z
  .object({
    name: Line(100, 1),
    kind: z.enum(RULE_KINDS).openapi({
      description:
        "single-movement: one record above the threshold; window-aggregate: a participant's movements within windowSeconds that together pass it; frozen-participant: a record involving a participant (or units) under a freeze order",
    }),
    assetId: PositiveUint.nullable().optional().openapi({ description: "limit the rule to one asset" }),
    thresholdUnits: Uint.nullable().optional(),
    thresholdValue: Value.nullable()
      .optional()
      .openapi({ description: "in the declared value of the asset (amount × unit value)" }),
    windowSeconds: z
      .number()
      .int()
      .min(1)
      .max(366 * 86_400)
      .nullable()
      .optional(),
    minCount: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .nullable()
      .optional()
      .openapi({ description: "window-aggregate: movements needed (default 2)" }),
    enabled: z.boolean().optional(),
  })
  .strict();
const Rule = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(RULE_KINDS),
    assetId: z.string().nullable(),
    thresholdUnits: z.string().nullable(),
    thresholdValue: z.string().nullable(),
    windowSeconds: z.number().nullable(),
    minCount: z.number().nullable(),
    enabled: z.boolean(),
    createdBy: z.string().nullable(),
    createdAt: Time,
    updatedAt: Time,
  })
  .openapi("MonitoringRule");
const Report = z
  .object({
    id: z.string(),
    ruleId: z.string(),
    ruleKind: z.string(),
    status: z.enum(["open", "acknowledged", "closed"]),
    assetId: z.string().nullable(),
    account: z.string(),
    eventSeq: z.number(),
    detail: Json.nullable(),
    acknowledgedBy: z.string().nullable(),
    acknowledgedAt: Time.nullable(),
    closedBy: z.string().nullable(),
    closedAt: Time.nullable(),
    note: z.string().nullable(),
    createdAt: Time,
  })
  .openapi("MonitoringReport");
const DeclaredValue = z
  .object({
    assetId: z.string(),
    unitValue: z.string(),
    currency: z.string(),
    setBy: z.string().nullable(),
    updatedAt: Time,
  })
  .openapi("DeclaredValue");
const NoteBody = z.object({ note: Text(2000, 1).optional() }).strict();

export default [
  defineRoute({
    method: "post",
    path: "/v1/monitoring/rules",
    operationId: "createMonitoringRule",
    tag: "monitoring",
    roles: [...SUPERVISORS],
    errors: ["MONITORING_RULE_INVALID"],
    summary: "Create a monitoring rule (Art. 6.3)",
    body: RuleBody,
    responses: { 201: { description: "created", schema: Rule } },
    handler: async (ctx, { body, client }) => {
      const rule = await ctx.services.supervision.monitoring.createRule(client!, body);
      return { status: 201, body: rule, target: `rule:${rule.id}` };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/monitoring/rules",
    operationId: "listMonitoringRules",
    tag: "monitoring",
    roles: [...SUPERVISORS],
    errors: [],
    summary: "Monitoring rules",
    query: PageQuery,
    responses: { 200: { description: "rules", schema: PageOf(Rule) } },
    handler: async (ctx, { query, url }) => ({
      status: 200,
      body: pageBody(
        url,
        await ctx.services.supervision.monitoring.listRules({
          limit: query.limit,
          after: decodeCursor(query.cursor, ["string", "string"]),
        }),
      ),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/monitoring/rules/{id}",
    operationId: "getMonitoringRule",
    tag: "monitoring",
    roles: [...SUPERVISORS],
    errors: ["MONITORING_RULE_NOT_FOUND"],
    summary: "A monitoring rule",
    params: IdParam,
    responses: { 200: { description: "rule", schema: Rule } },
    handler: async (ctx, { params }) => ({
      status: 200,
      body: await ctx.services.supervision.monitoring.getRule(params.id),
    }),
  }),
  defineRoute({
    method: "put",
    path: "/v1/monitoring/rules/{id}",
    operationId: "updateMonitoringRule",
    tag: "monitoring",
    roles: [...SUPERVISORS],
    errors: ["MONITORING_RULE_INVALID", "MONITORING_RULE_NOT_FOUND"],
    summary: "Replace a monitoring rule (applies to records evaluated from now on)",
    params: IdParam,
    body: RuleBody,
    responses: { 200: { description: "updated", schema: Rule } },
    handler: async (ctx, { params, body }) => ({
      status: 200,
      body: await ctx.services.supervision.monitoring.updateRule(params.id, body),
    }),
  }),
  defineRoute({
    method: "delete",
    path: "/v1/monitoring/rules/{id}",
    operationId: "deleteMonitoringRule",
    tag: "monitoring",
    roles: [...SUPERVISORS],
    errors: ["MONITORING_RULE_NOT_FOUND"],
    summary: "Delete a monitoring rule (its reports stay)",
    params: IdParam,
    responses: { 200: { description: "deleted", schema: z.object({ deleted: z.literal(true) }) } },
    handler: async (ctx, { params }) => {
      await ctx.services.supervision.monitoring.deleteRule(params.id);
      return { status: 200, body: { deleted: true } };
    },
  }),
  defineRoute({
    method: "put",
    path: "/v1/assets/{assetId}/declared-value",
    operationId: "setDeclaredValue",
    tag: "monitoring",
    roles: ["authority", "operator"],
    errors: ["ASSET_NOT_FOUND"],
    summary: "Declare the value of one unit of an asset (for value thresholds)",
    params: AssetIdParam,
    body: z
      .object({
        unitValue: Value,
        currency: z
          .string()
          .regex(/^[A-Z]{3}$/)
          .default("KZT"),
      })
      .strict(),
    responses: { 200: { description: "declared", schema: DeclaredValue } },
    handler: async (ctx, { params, body, client }) => ({
      status: 200,
      body: await ctx.services.supervision.monitoring.setAssetValue(
        client!,
        params.assetId,
        body.unitValue,
        body.currency,
      ),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/assets/{assetId}/declared-value",
    operationId: "getDeclaredValue",
    tag: "monitoring",
    roles: "any",
    errors: ["ASSET_VALUE_NOT_DECLARED"],
    summary: "The declared value of one unit of an asset",
    params: AssetIdParam,
    responses: { 200: { description: "declared value", schema: DeclaredValue } },
    handler: async (ctx, { params }) => ({
      status: 200,
      body: await ctx.services.supervision.monitoring.getAssetValue(params.assetId),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/monitoring/reports",
    operationId: "listMonitoringReports",
    tag: "monitoring",
    roles: [...SUPERVISORS],
    errors: [],
    summary: "Reports raised by the monitoring rules, newest first",
    query: PageQuery.extend({
      status: z.enum(["open", "acknowledged", "closed"]).optional(),
      account: Address.optional(),
      ruleId: z.string().uuid().optional(),
      assetId: PositiveUint.optional(),
    }),
    responses: { 200: { description: "reports", schema: PageOf(Report) } },
    handler: async (ctx, { query, url }) => ({
      status: 200,
      body: pageBody(
        url,
        await ctx.services.supervision.monitoring.listReports({
          ...query,
          after: decodeCursor(query.cursor, ["number", "string"]),
        }),
      ),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/monitoring/reports/{id}",
    operationId: "getMonitoringReport",
    tag: "monitoring",
    roles: [...SUPERVISORS],
    errors: ["MONITORING_REPORT_NOT_FOUND"],
    summary: "A monitoring report",
    params: IdParam,
    responses: { 200: { description: "report", schema: Report } },
    handler: async (ctx, { params }) => ({
      status: 200,
      body: viewReport(await ctx.services.supervision.monitoring.getReport(params.id)),
    }),
  }),
  defineRoute({
    method: "post",
    path: "/v1/monitoring/reports/{id}/acknowledge",
    operationId: "acknowledgeMonitoringReport",
    tag: "monitoring",
    roles: [...SUPERVISORS],
    errors: ["MONITORING_REPORT_NOT_FOUND", "MONITORING_REPORT_STATE_INVALID"],
    summary: "Acknowledge a report (being looked at)",
    params: IdParam,
    body: NoteBody,
    responses: { 200: { description: "acknowledged", schema: Report } },
    handler: async (ctx, { params, body, client }) => ({
      status: 200,
      body: await ctx.services.supervision.monitoring.transitionReport(client!, params.id, "acknowledged", body.note),
    }),
  }),
  defineRoute({
    method: "post",
    path: "/v1/monitoring/reports/{id}/close",
    operationId: "closeMonitoringReport",
    tag: "monitoring",
    roles: [...SUPERVISORS],
    errors: ["MONITORING_REPORT_NOT_FOUND", "MONITORING_REPORT_STATE_INVALID"],
    summary: "Close a report, with a note on the outcome",
    params: IdParam,
    body: NoteBody,
    responses: { 200: { description: "closed", schema: Report } },
    handler: async (ctx, { params, body, client }) => ({
      status: 200,
      body: await ctx.services.supervision.monitoring.transitionReport(client!, params.id, "closed", body.note),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/monitoring/participants/{address}",
    operationId: "getMonitoredParticipant",
    tag: "monitoring",
    roles: [...SUPERVISORS],
    errors: ["NOT_FOUND"],
    summary:
      "The monitor's view of a participant: identity record, holdings, movements, acknowledgements, freezes (who, why), reports",
    params: AddressParam,
    query: PageQuery.extend({}).openapi({
      description: "`limit` and `cursor` page the movements; `movements.next` links to the next page",
    }),
    responses: { 200: { description: "participant", schema: Json } },
    handler: async (ctx, { params, query, url }) => {
      const view = await ctx.services.supervision.monitoring.participantView(params.address, {
        limit: query.limit,
        after: decodeCursor(query.cursor, ["number"]),
      });
      const { last, items } = view.movements;
      return { status: 200, body: { ...view, movements: { items, next: nextLink(url, last) } } };
    },
  }),
];
