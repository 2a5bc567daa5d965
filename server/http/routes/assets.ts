import { z } from "../openapi";
import { defineRoute } from "../route";
import { accepted, Address, AssetIdParam, Bytes32, Json, OPERATION_RESPONSES, Pagination, PositiveUint, Signature, Uint, WaitQuery } from "../schemas";
import { DocumentUri, Line } from "../validation";
import { LEGAL_BASES } from "../../services/assets";

const ReasonBody = z.object({ reason: Line(500, 1) }).strict();

export default [
  defineRoute({
    method: "get", path: "/v1/assets", operationId: "listAssets", tag: "assets", roles: "any", summary: "Assets", query: Pagination,
    responses: { 200: { description: "assets", schema: z.object({ total: z.number(), items: z.array(Json) }) } },
    handler: async (ctx, { query }) => ({ status: 200, body: await ctx.services.assets.list(query.limit, query.offset) }),
  }),
  defineRoute({
    method: "get", path: "/v1/assets/{assetId}", operationId: "getAsset", tag: "assets", roles: "any", summary: "An asset: decision, issuer details, rights, supply, status", params: AssetIdParam,
    responses: { 200: { description: "asset", schema: Json } },
    handler: async (ctx, { params }) => ({ status: 200, body: await ctx.services.assets.get(params.assetId) }),
  }),
  defineRoute({
    method: "get", path: "/v1/assets/{assetId}/holders", operationId: "getAssetHolders", tag: "assets", roles: "any", summary: "Holders and balances", params: AssetIdParam,
    responses: { 200: { description: "holders", schema: z.object({ items: z.array(Json) }) } },
    handler: async (ctx, { params }) => ({ status: 200, body: { items: await ctx.services.assets.holders(params.assetId) } }),
  }),
  defineRoute({
    method: "get", path: "/v1/assets/{assetId}/records", operationId: "getAssetRecords", tag: "assets", roles: "any",
    summary: "The asset's transfer records (Art. 5.1.7), paginated, with verification of the hash chain", params: AssetIdParam, query: Pagination,
    responses: { 200: { description: "records", schema: z.object({ total: z.number(), verification: Json, items: z.array(Json) }) } },
    handler: async (ctx, { params, query }) => ({ status: 200, body: await ctx.services.assets.records(params.assetId, query.offset, query.limit) }),
  }),
  defineRoute({
    method: "post", path: "/v1/assets/{assetId}/suspend", operationId: "suspendAsset", tag: "assets", roles: ["authority"], idempotency: "optional",
    summary: "Suspend an asset", params: AssetIdParam, body: ReasonBody, query: WaitQuery, responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) => accepted(ctx, await ctx.services.assets.setSuspended(params.assetId, true, body.reason, client!.id, idempotencyId), query.wait),
  }),
  defineRoute({
    method: "post", path: "/v1/assets/{assetId}/resume", operationId: "resumeAsset", tag: "assets", roles: ["authority"], idempotency: "optional",
    summary: "Resume a suspended asset", params: AssetIdParam, body: ReasonBody, query: WaitQuery, responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) => accepted(ctx, await ctx.services.assets.setSuspended(params.assetId, false, body.reason, client!.id, idempotencyId), query.wait),
  }),
  defineRoute({
    method: "post", path: "/v1/assets/{assetId}/obligations-fulfilled", operationId: "declareObligationsFulfilled", tag: "assets", roles: ["operator"], idempotency: "optional",
    summary: "Relay the issuer's signed declaration that all obligations are fulfilled (closes the asset)", params: AssetIdParam,
    body: z.object({ deadline: Uint, signature: Signature }).strict(), query: WaitQuery, responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) => accepted(ctx, await ctx.services.assets.obligationsFulfilled(params.assetId, body.deadline, body.signature, client!.id, idempotencyId), query.wait),
  }),
  defineRoute({
    method: "post", path: "/v1/assets/{assetId}/decision", operationId: "changeDecisionDocument", tag: "assets", roles: ["operator"], idempotency: "optional",
    summary: "Record a changed decision document (hash, URI, reason)", params: AssetIdParam,
    body: z.object({ documentHash: Bytes32, uri: DocumentUri, reason: Line(500, 1) }).strict(), query: WaitQuery, responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) => accepted(ctx, await ctx.services.assets.changeDecision(params.assetId, body, client!.id, idempotencyId), query.wait),
  }),
  defineRoute({
    method: "post", path: "/v1/assets/{assetId}/frozen-units", operationId: "setFrozenUnits", tag: "assets", roles: ["authority", "operator"], idempotency: "optional",
    summary: "Freeze a number of a holder's units of this asset (ERC-7943)", params: AssetIdParam,
    body: z.object({ account: Address, amount: Uint }).strict(), query: WaitQuery, responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) => accepted(ctx, await ctx.services.assets.setFrozenTokens(params.assetId, body.account, body.amount, client!.role === "authority" ? "authority" : "operator", client!.id, idempotencyId), query.wait),
  }),
  defineRoute({
    method: "post", path: "/v1/forced-transfers", operationId: "forcedTransfer", tag: "assets", roles: ["authority"], idempotency: "optional",
    summary: "Order a forced transfer on a legal basis (court decision, inheritance, lost key)",
    body: z.object({ from: Address, to: Address, assetId: PositiveUint, amount: PositiveUint, basis: z.enum(LEGAL_BASES), ref: Bytes32 }).strict(), query: WaitQuery, responses: OPERATION_RESPONSES,
    handler: async (ctx, { body, query, client, idempotencyId }) => accepted(ctx, await ctx.services.assets.forcedTransfer(body, client!.id, idempotencyId), query.wait),
  }),
];
