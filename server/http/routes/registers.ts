import { getAddress } from "ethers";
import { z } from "../openapi";
import { decodeCursor, pageBody, PageOf, PageQuery } from "../pagination";
import { defineRoute } from "../route";
import { accepted, Address, Json, OPERATION_RESPONSES, Time, WaitQuery } from "../schemas";
import { ASSET_CATEGORIES, PERMIT_STATUSES } from "../../domain/ledger-enums";
import { IdentificationNumber, Line } from "../validation";
import { AsOfBlock, TextFaults } from "./assets";
import { AppError } from "../../errors";
import { assetTypeCode } from "../../services/registry";

const OperatorParam = z.object({ operator: Address });
const GrantBody = z
  .object({
    operator: Address,
    legalName: Line(200, 1),
    bin: IdentificationNumber,
    permitNumber: Line(100, 1),
    scope: Line(500, 1),
  })
  .strict()
  .openapi("PermitGrant");
const CodeParam = z.object({ code: Line(66, 1) });
const PermitDetails = z
  .object({ legalName: z.string(), bin: z.string(), permitNumber: z.string(), scope: z.string() })
  .openapi("PermitDetails");
const PermitView = z
  .object({
    operator: z.string(),
    status: z.enum(PERMIT_STATUSES).exclude(["None"]),
    permitted: z.boolean().openapi({
      description:
        "whether the operator may use its powers now, as the ledger decides: the OPERATOR role and a permit active (or suspended with the suspension's end passed, by this gateway's clock)",
    }),
    operatorRole: z
      .boolean()
      .openapi({ description: "holds the ledger's OPERATOR role (its RoleGranted / RoleRevoked events)" }),
    grantedAt: Time.nullable().openapi({
      description:
        "block time of the grant whose details are shown (null only while the mirror has not read that block's time yet)",
    }),
    suspendedUntil: z.string().nullable().openapi({ description: "end of the suspension the ledger recorded" }),
    suspendReason: z.string().nullable(),
    courtDecision: z.string().nullable().openapi({ description: "the revocation's court decision" }),
    detailsHash: z.string(),
    details: PermitDetails,
    grantedBlock: z.number().int().openapi({ description: "the block of the grant whose details are shown" }),
    updatedBlock: z.number().int().openapi({ description: "the block of the permit's last change" }),
    textFaults: TextFaults,
  })
  .openapi("Permit", {
    description: "a permit as the ledger's events describe it, from the record mirror (as of `asOfBlock`)",
  });
const MirroredAssetTypeView = z
  .object({
    code: z.string(),
    label: z.string().nullable(),
    name: z.string(),
    category: z.enum(ASSET_CATEGORIES),
    listed: z.boolean(),
    listedBlock: z
      .number()
      .int()
      .openapi({ description: "the block of the listing whose name and category are shown" }),
    updatedBlock: z.number().int().openapi({ description: "the block of the type's last change" }),
    textFaults: TextFaults,
  })
  .openapi("MirroredAssetType");
const AssetTypeView = z
  .object({
    code: z.string(),
    label: z.string().nullable(),
    name: z.string(),
    category: z.enum(ASSET_CATEGORIES),
    listed: z.boolean(),
    textFaults: TextFaults,
  })
  .openapi("AssetType");

export default [
  defineRoute({
    method: "post",
    path: "/v1/permits",
    operationId: "grantPermit",
    tag: "permits",
    roles: ["authority"],
    errors: [
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "ROLE_MISSING_ON_CHAIN",
      "PERMIT_ALREADY_GRANTED",
      "PERMIT_DETAIL_MISSING",
      "PERMIT_IDENTIFICATION_NUMBER_INVALID",
      "PERMIT_INVALID_OPERATOR",
    ],
    idempotency: "optional",
    summary: "Grant an operator's permit (Art. 6.1)",
    body: GrantBody,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { body, query, client, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.registry.grantPermit(body, client!.id, idempotencyId),
        query.wait,
        body.operator,
      ),
  }),
  defineRoute({
    method: "post",
    path: "/v1/permits/{operator}/suspend",
    operationId: "suspendPermit",
    tag: "permits",
    roles: ["authority"],
    errors: [
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "ROLE_MISSING_ON_CHAIN",
      "PERMIT_NOT_FOUND",
      "PERMIT_NOT_ACTIVE",
      "PERMIT_ALREADY_REVOKED",
      "PERMIT_SUSPENSION_END_NOT_IN_FUTURE",
      "PERMIT_REASON_MISSING",
    ],
    idempotency: "optional",
    summary: "Suspend a permit with a reason, until a time",
    params: OperatorParam,
    body: z
      .object({
        reason: Line(500, 1),
        until: z.iso.datetime().openapi({ description: "ISO-8601 end of the suspension" }),
      })
      .strict(),
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.registry.suspendPermit(
          params.operator,
          body.reason,
          Math.floor(Date.parse(body.until) / 1000),
          client!.id,
          idempotencyId,
        ),
        query.wait,
      ),
  }),
  defineRoute({
    method: "post",
    path: "/v1/permits/{operator}/resume",
    operationId: "resumePermit",
    tag: "permits",
    roles: ["authority"],
    errors: [
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "ROLE_MISSING_ON_CHAIN",
      "PERMIT_NOT_FOUND",
      "PERMIT_NOT_SUSPENDED",
      "PERMIT_ALREADY_REVOKED",
    ],
    idempotency: "optional",
    summary: "Resume a suspended permit",
    params: OperatorParam,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, query, client, idempotencyId }) =>
      accepted(ctx, await ctx.services.registry.resumePermit(params.operator, client!.id, idempotencyId), query.wait),
  }),
  defineRoute({
    method: "post",
    path: "/v1/permits/{operator}/revoke",
    operationId: "revokePermit",
    tag: "permits",
    roles: ["authority"],
    errors: [
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "ROLE_MISSING_ON_CHAIN",
      "PERMIT_NOT_FOUND",
      "PERMIT_ALREADY_REVOKED",
      "PERMIT_REASON_MISSING",
    ],
    idempotency: "optional",
    summary: "Revoke a permit (reference to the court decision)",
    params: OperatorParam,
    body: z.object({ courtDecision: Line(500, 1) }).strict(),
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.registry.revokePermit(params.operator, body.courtDecision, client!.id, idempotencyId),
        query.wait,
      ),
  }),
  defineRoute({
    method: "get",
    path: "/v1/permits",
    operationId: "listPermits",
    tag: "permits",
    roles: "any",
    errors: [],
    summary:
      "The permit register in operator address order, from the record mirror as of `asOfBlock` (keyset pages; suspended and revoked permits included)",
    query: PageQuery,
    responses: {
      200: { description: "permits", schema: PageOf(PermitView).extend({ asOfBlock: AsOfBlock }) },
    },
    handler: async (ctx, { query, url }) => {
      const after = decodeCursor(query.cursor, ["string"]);
      const asOfBlock = await ctx.mirror.freshness.asOf();
      const page = await ctx.mirror.queries.permits(after, query.limit);
      return { status: 200, body: { ...pageBody(url, page), asOfBlock } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/permits/{operator}",
    operationId: "getPermit",
    tag: "permits",
    roles: "any",
    errors: ["PERMIT_NOT_FOUND"],
    summary: "One operator's permit, from the record mirror as of `asOfBlock`",
    params: OperatorParam,
    responses: { 200: { description: "permit", schema: PermitView.extend({ asOfBlock: AsOfBlock }) } },
    handler: async (ctx, { params }) => {
      const asOfBlock = await ctx.mirror.freshness.asOf();
      const permit = await ctx.mirror.queries.permit(params.operator);
      if (!permit) throw new AppError("PERMIT_NOT_FOUND", { operator: getAddress(params.operator), asOfBlock });
      return { status: 200, body: { ...permit, asOfBlock } };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/asset-types",
    operationId: "listAssetType",
    tag: "asset types",
    roles: ["authority"],
    errors: [
      "VALIDATION_FAILED",
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "ROLE_MISSING_ON_CHAIN",
      "ASSET_TYPE_ALREADY_LISTED",
      "ASSET_TYPE_CATEGORY_NOT_ELIGIBLE",
      "ASSET_TYPE_INVALID",
    ],
    idempotency: "optional",
    summary: "Recognise an asset type (Art. 4.1.8); money and securities are refused",
    body: z
      .object({
        code: Line(66, 1).openapi({ description: "short text (<= 31 bytes) or bytes32 hex", example: "GRAIN" }),
        name: Line(200, 1),
        category: z.enum(ASSET_CATEGORIES),
      })
      .strict(),
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { body, query, client, idempotencyId }) =>
      accepted(ctx, await ctx.services.registry.listAssetType(body, client!.id, idempotencyId), query.wait, body.code),
  }),
  defineRoute({
    method: "delete",
    path: "/v1/asset-types/{code}",
    operationId: "delistAssetType",
    tag: "asset types",
    roles: ["authority"],
    errors: [
      "VALIDATION_FAILED",
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "ROLE_MISSING_ON_CHAIN",
      "ASSET_TYPE_NOT_RECOGNISED",
    ],
    idempotency: "optional",
    summary: "Delist an asset type",
    params: CodeParam,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, query, client, idempotencyId }) =>
      accepted(ctx, await ctx.services.registry.delistAssetType(params.code, client!.id, idempotencyId), query.wait),
  }),
  defineRoute({
    method: "get",
    path: "/v1/asset-types",
    operationId: "listAssetTypes",
    tag: "asset types",
    roles: "any",
    errors: [],
    summary:
      "Asset types ever listed (`listed`: recognised now) in code order, from the record mirror as of `asOfBlock` (keyset pages)",
    query: PageQuery,
    responses: {
      200: { description: "asset types", schema: PageOf(MirroredAssetTypeView).extend({ asOfBlock: AsOfBlock }) },
    },
    handler: async (ctx, { query, url }) => {
      const after = decodeCursor(query.cursor, ["string"]);
      const asOfBlock = await ctx.mirror.freshness.asOf();
      const page = await ctx.mirror.queries.assetTypes(after, query.limit);
      return { status: 200, body: { ...pageBody(url, page), asOfBlock } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/asset-types/{code}",
    operationId: "getAssetType",
    tag: "asset types",
    roles: "any",
    errors: ["NOT_FOUND", "VALIDATION_FAILED"],
    summary:
      "One asset type (`listed`: recognised now; a delisted type keeps its name and category), from the record mirror as of `asOfBlock`",
    params: CodeParam,
    responses: { 200: { description: "asset type", schema: AssetTypeView.extend({ asOfBlock: AsOfBlock }) } },
    handler: async (ctx, { params }) => {
      const code = assetTypeCode(params.code);
      const asOfBlock = await ctx.mirror.freshness.asOf();
      const t = await ctx.mirror.queries.assetType(code);
      if (!t) throw new AppError("NOT_FOUND", { assetType: params.code, asOfBlock });
      const body: z.infer<typeof AssetTypeView> & { asOfBlock: number } = {
        code: t.code,
        label: t.label,
        name: t.name,
        category: t.category as z.infer<typeof AssetTypeView>["category"],
        listed: t.listed,
        textFaults: t.textFaults,
        asOfBlock,
      };
      return { status: 200, body };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/platform",
    operationId: "getPlatform",
    tag: "platform",
    roles: "public",
    errors: ["CHAIN_UNAVAILABLE"],
    summary: "Chain, ledger, EIP-712 domain, pause state, current disclosure version",
    responses: { 200: { description: "platform", schema: Json } },
    handler: async (ctx) => ({ status: 200, body: await ctx.services.registry.platform() }),
  }),
  defineRoute({
    method: "post",
    path: "/v1/platform/pause",
    operationId: "pausePlatform",
    tag: "platform",
    roles: ["authority"],
    errors: [
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "ROLE_MISSING_ON_CHAIN",
      "PLATFORM_ALREADY_PAUSED",
    ],
    idempotency: "optional",
    summary: "Pause the platform",
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { query, client, idempotencyId }) =>
      accepted(ctx, await ctx.services.registry.setPaused(true, client!.id, idempotencyId), query.wait),
  }),
  defineRoute({
    method: "post",
    path: "/v1/platform/unpause",
    operationId: "unpausePlatform",
    tag: "platform",
    roles: ["authority"],
    errors: [
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "ROLE_MISSING_ON_CHAIN",
      "PLATFORM_NOT_PAUSED",
    ],
    idempotency: "optional",
    summary: "Unpause the platform",
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { query, client, idempotencyId }) =>
      accepted(ctx, await ctx.services.registry.setPaused(false, client!.id, idempotencyId), query.wait),
  }),
];
