import { z } from "../openapi";
import { decodeCursor, pageBody, PageOf, PageQuery } from "../pagination";
import { defineRoute } from "../route";
import {
  accepted,
  Address,
  AssetIdParam,
  Bytes32,
  OPERATION_RESPONSES,
  Time,
  PositiveUint,
  Signature,
  Uint,
  WaitQuery,
} from "../schemas";
import { DocumentUri, Line } from "../validation";
import { ASSET_STATUSES, LEGAL_BASES } from "../../domain/ledger-enums";
import { AppError } from "../../errors";
import type { AppContext } from "../../context";
import { READERS } from "./records";
import { assetTypeLabel } from "../../services/registry";

const ReasonBody = z.object({ reason: Line(500, 1) }).strict();

/** For every response that shows text read from the chain (assets, permits, asset types, disclosures). */
export const TextFaults = z
  .array(
    z
      .object({
        field: z.string().openapi({
          description: "the response field that shows the text (dotted path, array index in brackets)",
          example: "decision.uri",
        }),
        hex: z.string().openapi({
          description: "the text's exact bytes on chain",
          example: "0x68747470733a2f2f706c6174666f726d2e6b7a2fedbfbf",
        }),
      })
      .openapi("TextFault"),
  )
  .openapi({
    description:
      "Chain text in this response that is not valid UTF-8 (any account with the operator or authority role can post it on the ledger; the API refuses it): the field shows it with U+FFFD for each ill-formed sequence, `hex` keeps the original. Empty when all text is well-formed.",
  });
const Hash = z.string().openapi({ description: "bytes32, hex" });
export const AsOfBlock = z.number().int().openapi({
  description:
    "the block the mirror had reached when this page was read: postings after it are not shown yet (a read first waits, at most 2 s, for this gateway's own last posting)",
});
const AssetStatus = z.enum(ASSET_STATUSES).exclude(["None"]);
const AssetSummary = z
  .object({
    assetId: z.string(),
    status: AssetStatus,
    issuer: z.string(),
    assetType: Hash,
    assetTypeLabel: z.string().nullable(),
    decisionURI: z.string(),
    issuedUnits: z.string(),
    supply: z.string(),
    recordCount: z.string(),
    textFaults: TextFaults,
  })
  .openapi("AssetSummary");
const AssetView = z
  .object({
    assetId: z.string(),
    status: AssetStatus,
    issuer: z.string(),
    assetType: Hash,
    assetTypeLabel: z.string().nullable(),
    decision: z.object({
      documentHash: Hash,
      uri: z.string(),
      rightsType: Hash.nullable(),
      rightsTypeLabel: z.string().nullable(),
      rightsExtent: z.string().nullable(),
      changes: z.array(
        z.object({ oldHash: Hash, newHash: Hash, newUri: z.string(), reason: z.string(), blockNumber: z.number() }),
      ),
    }),
    issuerDetails: z
      .object({ legalName: z.string(), bin: z.string(), registeredAddress: z.string(), detailsHash: Hash })
      .nullable(),
    collateral: z.object({ evidenceHash: Hash, verifier: z.string(), operator: z.string() }).nullable(),
    issuedUnits: z.string(),
    supply: z.string(),
    issuedAt: Time,
    recordCount: z.string(),
    recordHead: z.string(),
    textFaults: TextFaults,
    asOfBlock: AsOfBlock,
  })
  .openapi("Asset", {
    description:
      "the asset as its mirrored issuance and lifecycle events describe it, as of `asOfBlock` (an asset migrated from a predecessor ledger is read from the ledger)",
  });

const Holder = z.object({ address: z.string(), balance: z.string(), frozen: z.string() }).openapi("Holder", {
  example: { address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", balance: "250", frozen: "0" },
});
const AssetRecord = z
  .object({
    sequence: z.string(),
    from: z.string(),
    to: z.string(),
    amount: z.string(),
    ref: z.string(),
    postedAt: Time.openapi({ description: "block time of the record: the moment rights arose (Art. 6.6)" }),
    recordHash: z.string(),
    blockNumber: z.number().openapi({ description: "the block that posted the record" }),
    txHash: z.string(),
    kind: z.enum(["issue", "transfer", "redemption"]),
  })
  .openapi("AssetRecord");

const ChainSummary = z
  .object({
    verified: z
      .boolean()
      .openapi({ description: "the head links to its predecessor in the mirror (a check of the tail only)" }),
    count: z.string(),
    head: z.string(),
    block: z.number().int(),
    proof: z.string().openapi({
      description:
        "the full proof: every record compared with the ledger's events, head and count (its cost grows with the records)",
    }),
  })
  .openapi("MirroredChainSummary");

/** The mirror's block after the read-your-writes wait; ASSET_NOT_FOUND when the mirror does not know the asset. */
async function mirroredAsset(ctx: AppContext, assetId: string): Promise<number> {
  const block = await ctx.mirror.freshness.asOf();
  if (!(await ctx.mirror.queries.hasAsset(assetId)))
    throw new AppError("ASSET_NOT_FOUND", { assetId, asOfBlock: block });
  return block;
}

export default [
  defineRoute({
    method: "get",
    path: "/v1/assets",
    operationId: "listAssets",
    tag: "assets",
    roles: "any",
    errors: ["CHAIN_UNAVAILABLE"],
    summary: "The issued assets with their status, units and decision",
    query: PageQuery,
    responses: { 200: { description: "assets", schema: PageOf(AssetSummary) } },
    handler: async (ctx, { query, url }) => ({
      status: 200,
      body: pageBody(url, await ctx.services.assets.list(query.limit, decodeCursor(query.cursor, ["number"]))),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/assets/{assetId}",
    operationId: "getAsset",
    tag: "assets",
    roles: "any",
    errors: ["ASSET_NOT_FOUND"],
    summary: "An asset: decision, issuer details, rights, supply, status (from the record mirror as of `asOfBlock`)",
    params: AssetIdParam,
    responses: { 200: { description: "asset", schema: AssetView } },
    handler: async (ctx, { params }) => {
      const asOfBlock = await mirroredAsset(ctx, params.assetId);
      const a = await ctx.mirror.queries.asset(params.assetId);
      // An asset migrated from a predecessor ledger: its issuance events are the predecessor's, read the ledger.
      if (!a) return { status: 200, body: { ...(await ctx.services.assets.get(params.assetId)), asOfBlock } };
      const body: z.infer<typeof AssetView> = {
        assetId: a.assetId,
        status: a.status,
        issuer: a.issuer,
        assetType: a.assetType,
        assetTypeLabel: assetTypeLabel(a.assetType),
        decision: {
          ...a.decision,
          rightsTypeLabel: a.decision.rightsType === null ? null : assetTypeLabel(a.decision.rightsType),
        },
        issuerDetails: a.issuerDetails,
        collateral: a.collateral,
        issuedUnits: a.issuedUnits,
        supply: a.supply,
        issuedAt: new Date(a.issuedAt * 1000).toISOString(),
        recordCount: a.recordCount,
        recordHead: a.recordHead,
        textFaults: a.textFaults,
        asOfBlock,
      };
      return { status: 200, body };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/assets/{assetId}/holders",
    operationId: "getAssetHolders",
    tag: "assets",
    roles: READERS,
    errors: ["ASSET_NOT_FOUND"],
    summary:
      "Holders with a balance and their frozen units, in address order, from the record mirror as of `asOfBlock` (keyset pages)",
    params: AssetIdParam,
    query: PageQuery,
    responses: { 200: { description: "holders", schema: PageOf(Holder).extend({ asOfBlock: AsOfBlock }) } },
    handler: async (ctx, { params, query, url }) => {
      const asOfBlock = await mirroredAsset(ctx, params.assetId);
      const page = await ctx.mirror.queries.holders(
        params.assetId,
        decodeCursor(query.cursor, ["string"]),
        query.limit,
      );
      const items = page.items.map((h) => ({ address: h.holder, balance: h.balance, frozen: h.frozen }));
      return { status: 200, body: { ...pageBody(url, { items, last: page.last }), asOfBlock } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/assets/{assetId}/records",
    operationId: "getAssetRecords",
    tag: "assets",
    roles: READERS,
    errors: ["ASSET_NOT_FOUND"],
    summary:
      "The asset's transfer records (Art. 5.1.7) in sequence order from the record mirror as of `asOfBlock` (keyset pages), with the mirrored chain's count and head",
    params: AssetIdParam,
    query: PageQuery,
    responses: {
      200: {
        description: "records",
        schema: PageOf(AssetRecord).extend({ verification: ChainSummary, asOfBlock: AsOfBlock }),
      },
    },
    handler: async (ctx, { params, query, url }) => {
      const asOfBlock = await mirroredAsset(ctx, params.assetId);
      const [page, summary] = await Promise.all([
        ctx.mirror.queries.assetRecords(params.assetId, decodeCursor(query.cursor, ["number"]), query.limit),
        ctx.mirror.queries.chainSummary(params.assetId),
      ]);
      return {
        status: 200,
        body: {
          ...pageBody(url, page),
          verification: {
            ...summary,
            block: asOfBlock,
            proof: `/v1/assets/${params.assetId}/records/verification`,
          },
          asOfBlock,
        },
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/assets/{assetId}/suspend",
    operationId: "suspendAsset",
    tag: "assets",
    roles: ["authority"],
    errors: [
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "ROLE_MISSING_ON_CHAIN",
      "ASSET_NOT_FOUND",
      "ASSET_NOT_ACTIVE",
      "REASON_MISSING",
    ],
    idempotency: "optional",
    summary: "Suspend an asset",
    params: AssetIdParam,
    body: ReasonBody,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.assets.setSuspended(params.assetId, true, body.reason, client!.id, idempotencyId),
        query.wait,
      ),
  }),
  defineRoute({
    method: "post",
    path: "/v1/assets/{assetId}/resume",
    operationId: "resumeAsset",
    tag: "assets",
    roles: ["authority"],
    errors: [
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "ROLE_MISSING_ON_CHAIN",
      "ASSET_NOT_FOUND",
      "ASSET_NOT_SUSPENDED",
    ],
    idempotency: "optional",
    summary: "Resume a suspended asset",
    params: AssetIdParam,
    body: ReasonBody,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.assets.setSuspended(params.assetId, false, body.reason, client!.id, idempotencyId),
        query.wait,
      ),
  }),
  defineRoute({
    method: "post",
    path: "/v1/assets/{assetId}/obligations-fulfilled",
    operationId: "declareObligationsFulfilled",
    tag: "assets",
    roles: ["operator"],
    errors: [
      "ASSET_NOT_FOUND",
      "ISSUER_SIGNATURE_INVALID",
      "OBLIGATIONS_DECLARATION_EXPIRED",
      "OPERATOR_NOT_PERMITTED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "OBLIGATIONS_OUTSTANDING",
    ],
    idempotency: "optional",
    summary: "Relay the issuer's signed declaration that all obligations are fulfilled (closes the asset)",
    params: AssetIdParam,
    body: z.object({ deadline: Uint, signature: Signature }).strict(),
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.assets.obligationsFulfilled(
          params.assetId,
          body.deadline,
          body.signature,
          client!.id,
          idempotencyId,
        ),
        query.wait,
      ),
  }),
  defineRoute({
    method: "post",
    path: "/v1/assets/{assetId}/decision",
    operationId: "changeDecisionDocument",
    tag: "assets",
    roles: ["operator"],
    errors: [
      "ASSET_NOT_FOUND",
      "DECISION_CHANGE_EXPIRED",
      "DECISION_CHANGE_WHILE_CLOSED",
      "ISSUER_SIGNATURE_INVALID",
      "OPERATOR_NOT_PERMITTED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "DECISION_CHANGE_REPLAYED",
      "DOCUMENT_URI_SCHEME_NOT_ALLOWED",
    ],
    idempotency: "optional",
    summary: "Relay the issuer's signed change of the decision document (hash, URI, reason; Art. 7.1)",
    params: AssetIdParam,
    body: z
      .object({
        documentHash: Bytes32.openapi({ description: "the new document's hash" }),
        uri: DocumentUri,
        reason: Line(500, 1),
        deadline: Uint.openapi({ description: "unix seconds after which the issuer's order no longer applies" }),
        issuerSignature: Signature.openapi({
          description:
            "the issuer's EIP-712 DecisionChange(uint256 assetId,bytes32 previousHash,bytes32 newHash,string newUri,string reason,uint256 deadline) signature in the ledger's domain; previousHash is the decision's hash now (GET /v1/assets/{assetId}: decision.documentHash); usable once",
        }),
      })
      .strict()
      .openapi("DecisionChange"),
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.assets.changeDecision(params.assetId, body, client!.id, idempotencyId),
        query.wait,
      ),
  }),
  defineRoute({
    method: "post",
    path: "/v1/assets/{assetId}/frozen-units",
    operationId: "setFrozenUnits",
    tag: "assets",
    roles: ["authority", "operator"],
    errors: [
      "OPERATOR_NOT_PERMITTED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "ASSET_NOT_FOUND",
      "PARTICIPANT_NOT_REGISTERED",
      "FROZEN_UNITS_ORDERED_BY_AUTHORITY",
      "INSUFFICIENT_BALANCE",
    ],
    idempotency: "optional",
    summary:
      "Freeze a number of a holder's units of this asset (ERC-7943); units the authority froze only the authority changes (409 FROZEN_UNITS_ORDERED_BY_AUTHORITY)",
    params: AssetIdParam,
    body: z.object({ account: Address, amount: Uint }).strict(),
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.assets.setFrozenTokens(
          params.assetId,
          body.account,
          body.amount,
          client!.role === "authority" ? "authority" : "operator",
          client!.id,
          idempotencyId,
        ),
        query.wait,
      ),
  }),
  defineRoute({
    method: "post",
    path: "/v1/forced-transfers",
    operationId: "forcedTransfer",
    tag: "assets",
    roles: ["authority"],
    errors: [
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "ROLE_MISSING_ON_CHAIN",
      "FORCED_TRANSFER_BASIS_MISSING",
      "ASSET_NOT_FOUND",
      "INSUFFICIENT_BALANCE",
      "PARTICIPANT_NOT_REGISTERED",
      "INVALID_RECEIVER",
    ],
    idempotency: "optional",
    summary: "Order a forced transfer on a legal basis (court decision, inheritance, lost key)",
    body: z
      .object({
        from: Address,
        to: Address,
        assetId: PositiveUint,
        amount: PositiveUint,
        basis: z.enum(LEGAL_BASES),
        ref: Bytes32,
      })
      .strict(),
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { body, query, client, idempotencyId }) =>
      accepted(ctx, await ctx.services.assets.forcedTransfer(body, client!.id, idempotencyId), query.wait),
  }),
];
