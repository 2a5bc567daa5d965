import { z } from "../openapi";
import { defineRoute } from "../route";
import type { Route } from "../route";
import { AppError } from "../../errors";
import type { ErrorCode } from "../../errors";
import {
  accepted,
  Address,
  Bytes32,
  OPERATION_RESPONSES,
  OperationSchema,
  PositiveUint,
  Signature,
  Uint,
  WaitQuery,
} from "../schemas";
import { viewOperation } from "../../services/operations";
import { participantClientId } from "../../services/self-service";
import transferRoutes, { RedemptionBody, TransferBody } from "./transfers";
import disclosureRoutes from "./disclosures";

/** The same codes as the operator's relay of the same action (the same checks run). */
const errorsOf = (routes: Route[], operationId: string): ErrorCode[] => [
  ...routes.find((r) => r.spec.operationId === operationId)!.spec.errors,
];

/** A participant acts for itself only: a signed action of another address is refused before any check. */
function ownOnly(self: string, signer: string): void {
  if (self.toLowerCase() !== signer.toLowerCase()) throw new AppError("NOT_YOUR_ACCOUNT", { session: self, signer });
}

const TypedData = z
  .object({
    domain: z.record(z.string(), z.unknown()),
    types: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string() }))),
    primaryType: z.string(),
    message: z.record(z.string(), z.unknown()),
    digest: z.string().openapi({ description: "the EIP-712 digest the ledger will check" }),
  })
  .openapi("TypedDataPayload", {
    description: "Pass as is to eth_signTypedData_v4 (domain, types with EIP712Domain, primaryType, message)",
  });
const Validity = z.coerce
  .number()
  .int()
  .min(60)
  .max(30 * 86_400)
  .optional()
  .openapi({
    description: "seconds until the deadline (default 3600)",
  });

export default [
  defineRoute({
    method: "get",
    path: "/v1/me/typed-data/transfer",
    operationId: "prepareMyTransfer",
    tag: "self-service",
    roles: "participant",
    errors: ["TRANSFER_TO_SELF", "CHAIN_UNAVAILABLE"],
    summary: "The EIP-712 TransferAuthorization to sign, with the next free nonce and a deadline filled in",
    query: z.object({
      to: Address,
      assetId: PositiveUint,
      amount: PositiveUint,
      ref: Bytes32.optional(),
      validitySeconds: Validity,
    }),
    responses: { 200: { description: "typed data", schema: TypedData } },
    handler: async (ctx, { participant, query }) => ({
      status: 200,
      body: await ctx.services.self.transfer(participant!.address, query),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/typed-data/redemption",
    operationId: "prepareMyRedemption",
    tag: "self-service",
    roles: "participant",
    errors: ["CHAIN_UNAVAILABLE"],
    summary: "The EIP-712 Redemption to sign, with the next free nonce and a deadline filled in",
    query: z.object({
      assetId: PositiveUint,
      amount: PositiveUint,
      ref: Bytes32.optional(),
      validitySeconds: Validity,
    }),
    responses: { 200: { description: "typed data", schema: TypedData } },
    handler: async (ctx, { participant, query }) => ({
      status: 200,
      body: await ctx.services.self.redemption(participant!.address, query),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/typed-data/acknowledgement",
    operationId: "prepareMyAcknowledgement",
    tag: "self-service",
    roles: "participant",
    errors: ["DISCLOSURE_NOT_PUBLISHED", "CHAIN_UNAVAILABLE"],
    summary:
      "The current risk disclosure (version, document hash, URI, text) and the EIP-712 DisclosureAcknowledgement to sign",
    query: z.object({ validitySeconds: Validity }),
    responses: {
      200: {
        description: "typed data",
        schema: TypedData.extend({
          disclosure: z.object({
            version: z.number().int(),
            documentHash: z.string(),
            uri: z.string(),
            text: z.string().nullable(),
          }),
        }),
      },
    },
    handler: async (ctx, { participant, query }) => ({
      status: 200,
      body: await ctx.services.self.acknowledgement(participant!.address, query.validitySeconds),
    }),
  }),
  defineRoute({
    method: "post",
    path: "/v1/me/transfers",
    operationId: "submitMyTransfer",
    tag: "self-service",
    roles: "participant",
    errors: ["NOT_YOUR_ACCOUNT", ...errorsOf(transferRoutes, "submitTransfer")],
    idempotency: "required",
    summary:
      "Submit the participant's own signed transfer: the same checks as the operator's relay, relayed through the operator's key",
    body: TransferBody,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { participant, body, query, idempotencyId }) => {
      ownOnly(participant!.address, body.authorization.from);
      const op = await ctx.services.transfers.submit(body, participantClientId(participant!.address), idempotencyId);
      return accepted(ctx, op, query.wait, `transfer ${body.authorization.from} nonce ${body.authorization.nonce}`);
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/me/redemptions",
    operationId: "submitMyRedemption",
    tag: "self-service",
    roles: "participant",
    errors: ["NOT_YOUR_ACCOUNT", ...errorsOf(transferRoutes, "submitRedemption")],
    idempotency: "required",
    summary: "Submit the participant's own signed redemption, relayed through the operator's key",
    body: RedemptionBody,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { participant, body, query, idempotencyId }) => {
      ownOnly(participant!.address, body.holder);
      const op = await ctx.services.transfers.redeem(body, participantClientId(participant!.address), idempotencyId);
      return accepted(ctx, op, query.wait, `redemption ${body.holder} nonce ${body.nonce}`);
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/me/acknowledgements",
    operationId: "acknowledgeMyDisclosure",
    tag: "self-service",
    roles: "participant",
    errors: ["NOT_YOUR_ACCOUNT", ...errorsOf(disclosureRoutes, "acknowledgeDisclosure")],
    idempotency: "optional",
    summary: "Submit the participant's own signed acknowledgement of the current risk disclosure",
    body: z
      .object({ version: z.number().int().min(1), deadline: Uint, signature: Signature })
      .strict()
      .openapi("MyAcknowledgement"),
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { participant, body, query, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.participants.acknowledge(
          { account: participant!.address, version: body.version, deadline: body.deadline, signature: body.signature },
          participantClientId(participant!.address),
          idempotencyId,
        ),
        query.wait,
        participant!.address,
      ),
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/operations",
    operationId: "listMyOperations",
    tag: "self-service",
    roles: "participant",
    errors: [],
    summary: "The participant's own operations (transfers, redemptions it signed), newest first, with their state",
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(300).optional().openapi({ description: "`next` of the previous page" }),
    }),
    responses: {
      200: {
        description: "operations",
        schema: z.object({ items: z.array(OperationSchema), next: z.string().nullable() }),
      },
    },
    handler: async (ctx, { participant, query }) => {
      const page = await ctx.services.operations.listForAccount(participant!.address, query.limit, query.cursor);
      return { status: 200, body: { items: page.items.map(viewOperation), next: page.next } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/nonces/{assetId}",
    operationId: "getMyNonce",
    tag: "self-service",
    roles: "participant",
    errors: ["CHAIN_UNAVAILABLE"],
    summary: "The nonce the participant signs next for an asset (on chain plus pending authorizations)",
    params: z.object({ assetId: PositiveUint }),
    responses: {
      200: {
        description: "nonces",
        schema: z.object({ chainNonce: z.string(), nextNonce: z.string(), pending: z.number() }),
      },
    },
    handler: async (ctx, { participant, params }) => ({
      status: 200,
      body: await ctx.services.transfers.nonces(participant!.address, params.assetId),
    }),
  }),
];
