import { z } from "../openapi";
import { defineRoute } from "../route";
import { accepted, Address, Bytes32, OPERATION_RESPONSES, PositiveUint, Signature, Uint, WaitQuery } from "../schemas";

const TransferAuthorization = z
  .object({
    from: Address,
    to: Address,
    assetId: PositiveUint,
    amount: PositiveUint,
    nonce: Uint,
    deadline: Uint,
    ref: Bytes32,
  })
  .strict()
  .openapi("TransferAuthorization", {
    description: "EIP-712 TransferAuthorization signed by `from` (numbers as decimal strings)",
  });
export const TransferBody = z
  .object({ authorization: TransferAuthorization, signature: Signature })
  .strict()
  .openapi("TransferRequest");
export const RedemptionBody = z
  .object({
    holder: Address,
    assetId: PositiveUint,
    amount: PositiveUint,
    nonce: Uint,
    deadline: Uint,
    ref: Bytes32,
    signature: Signature,
  })
  .strict()
  .openapi("RedemptionRequest");

export default [
  defineRoute({
    method: "post",
    path: "/v1/transfers",
    operationId: "submitTransfer",
    tag: "transfers",
    roles: ["operator"],
    errors: [
      "AMOUNT_ZERO",
      "AUTHORIZATION_EXPIRED",
      "INVALID_RECEIVER",
      "NONCE_EXHAUSTED",
      "NONCE_NOT_NEXT",
      "NONCE_USED",
      "HOLDER_WAITING_LIMIT",
      "SIGNATURE_INVALID",
      "TRANSFER_TO_SELF",
      "PLATFORM_PAUSED",
      "OPERATOR_NOT_PERMITTED",
      "ASSET_NOT_ACTIVE",
      "SENDER_NOT_REGISTERED",
      "RECIPIENT_NOT_REGISTERED",
      "SENDER_FROZEN",
      "RECIPIENT_FROZEN",
      "SENDER_DISCLOSURE_NOT_ACKNOWLEDGED",
      "RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED",
      "INSUFFICIENT_BALANCE",
      "INSUFFICIENT_UNFROZEN_BALANCE",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
    ],
    idempotency: "required",
    summary:
      "Relay a holder-signed transfer; checks permit, participants, disclosure, asset, signature, deadline, nonce and balance before anything is submitted",
    body: TransferBody,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { body, query, client, idempotencyId }) => {
      const op = await ctx.services.transfers.submit(body, client!.id, idempotencyId);
      return accepted(ctx, op, query.wait, `transfer ${body.authorization.from} nonce ${body.authorization.nonce}`);
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/redemptions",
    operationId: "submitRedemption",
    tag: "transfers",
    roles: ["operator"],
    errors: [
      "AUTHORIZATION_EXPIRED",
      "NONCE_EXHAUSTED",
      "NONCE_NOT_NEXT",
      "NONCE_USED",
      "SIGNATURE_INVALID",
      "PLATFORM_PAUSED",
      "OPERATOR_NOT_PERMITTED",
      "ASSET_NOT_ACTIVE",
      "SENDER_NOT_REGISTERED",
      "RECIPIENT_NOT_REGISTERED",
      "SENDER_FROZEN",
      "RECIPIENT_FROZEN",
      "SENDER_DISCLOSURE_NOT_ACKNOWLEDGED",
      "RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED",
      "INSUFFICIENT_BALANCE",
      "INSUFFICIENT_UNFROZEN_BALANCE",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "AMOUNT_ZERO",
      "PARTICIPANT_NOT_REGISTERED",
    ],
    idempotency: "required",
    summary: "Relay a holder-signed redemption (EIP-712 Redemption)",
    body: RedemptionBody,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { body, query, client, idempotencyId }) =>
      accepted(ctx, await ctx.services.transfers.redeem(body, client!.id, idempotencyId), query.wait),
  }),
  defineRoute({
    method: "get",
    path: "/v1/holders/{address}/nonces/{assetId}",
    operationId: "getHolderNonce",
    tag: "transfers",
    roles: "any",
    errors: ["CHAIN_UNAVAILABLE"],
    summary: "The nonce a holder signs next for an asset (on chain plus pending authorizations)",
    params: z.object({ address: Address, assetId: PositiveUint }),
    responses: {
      200: {
        description: "nonces",
        schema: z.object({ chainNonce: z.string(), nextNonce: z.string(), pending: z.number() }),
      },
    },
    handler: async (ctx, { params }) => ({
      status: 200,
      body: await ctx.services.transfers.nonces(params.address, params.assetId),
    }),
  }),
];
