import { z } from "../openapi";
import { decodeCursor, pageBody, PageOf, PageQuery } from "../pagination";
import { defineRoute } from "../route";
import { accepted, Address, AddressParam, Json, OPERATION_RESPONSES, Signature, Uint, WaitQuery } from "../schemas";
import { Line, MAX_JSON_DEPTH } from "../validation";
import { isValidIdentificationNumber } from "../../domain/identification-number";
import { PARTICIPANT_KINDS } from "../../domain/ledger-enums";
import { READERS } from "./records";
import { AsOfBlock } from "./assets";

const Acknowledgement = z
  .object({ version: z.number().int().min(1).max(4294967295), deadline: Uint, signature: Signature })
  .strict()
  .openapi("SignedAcknowledgement");
/** Members named iin or bin (any case, padding ignored) at any depth; the depth is bounded at the edge. */
function identificationNumbers(identity: Record<string, unknown>): { path: (string | number)[]; value: unknown }[] {
  const found: { path: (string | number)[]; value: unknown }[] = [];
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: identity, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    for (const [k, child] of Object.entries(v)) {
      const at = [...path, Array.isArray(v) ? Number(k) : k];
      if (!Array.isArray(v) && /^(iin|bin)$/i.test(k.trim())) found.push({ path: at, value: child });
      else stack.push({ v: child, path: at });
    }
  }
  return found;
}

const RegisterBody = z
  .object({
    address: Address,
    kind: z.enum(PARTICIPANT_KINDS),
    identity: z
      .record(Line(100, 1), z.unknown())
      .superRefine((v, ctx) => {
        // A Kazakh identification number anywhere in the KYC data follows its rule, as on chain (Art. 5.1.5).
        for (const { path, value } of identificationNumbers(v)) {
          if (typeof value !== "string" || !isValidIdentificationNumber(value)) {
            ctx.addIssue({
              code: "custom",
              path,
              message: "must be a BIN/IIN: 12 digits whose last is the mod-11 control digit of the first 11",
            });
          }
        }
      })
      .refine((v) => Object.keys(v).length > 0, "KYC identity data is required")
      .openapi({
        description: `off-chain KYC data; only keccak256 of its RFC 8785 (JCS) canonical form goes on chain (docs/design.md, Identity hash); text well-formed Unicode, nested at most ${MAX_JSON_DEPTH - 2} levels; an \`iin\` or \`bin\` member must be a valid BIN/IIN`,
      }),
    acknowledgement: Acknowledgement.optional(),
  })
  .strict()
  .openapi("ParticipantRegistration");
const ReasonBody = z.object({ reason: Line(500, 1) }).strict();
const Holding = z
  .object({ assetId: z.string(), balance: z.string(), frozen: z.string() })
  .openapi("Holding", { example: { assetId: "1", balance: "250", frozen: "0" } });

export default [
  defineRoute({
    method: "post",
    path: "/v1/participants",
    operationId: "registerParticipant",
    tag: "participants",
    roles: ["operator"],
    errors: [
      "ACKNOWLEDGEMENT_EXPIRED",
      "ACKNOWLEDGEMENT_SIGNATURE_INVALID",
      "DISCLOSURE_NOT_PUBLISHED",
      "DISCLOSURE_VERSION_NOT_CURRENT",
      "PARTICIPANT_ALREADY_REGISTERED",
      "OPERATOR_NOT_PERMITTED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "PARTICIPANT_INVALID",
    ],
    idempotency: "optional",
    summary: "Register a participant after KYC (optionally with their signed disclosure acknowledgement)",
    body: RegisterBody,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { body, query, client, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.participants.register(body, client!.id, idempotencyId),
        query.wait,
        body.address,
      ),
  }),
  defineRoute({
    method: "get",
    path: "/v1/participants",
    operationId: "listParticipants",
    tag: "participants",
    roles: ["authority", "operator", "monitor"],
    errors: [],
    summary: "Participants registered through this gateway",
    query: PageQuery,
    responses: { 200: { description: "participants", schema: PageOf(Json) } },
    handler: async (ctx, { query, url }) => ({
      status: 200,
      body: pageBody(
        url,
        await ctx.services.participants.list(query.limit, decodeCursor(query.cursor, ["string", "string"])),
      ),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/participants/{address}",
    operationId: "getParticipant",
    tag: "participants",
    roles: ["authority", "operator", "monitor"],
    errors: ["NOT_FOUND"],
    summary:
      "A participant: KYC data (off-chain), on-chain status from the record mirror as of `asOfBlock` (onChain.frozen, and onChain.frozenByAuthority: the freeze is the authority's order, which only the authority lifts; onChain.acknowledgedCurrent), acknowledgements",
    params: AddressParam,
    responses: { 200: { description: "participant", schema: Json } },
    handler: async (ctx, { params }) => ({ status: 200, body: await ctx.services.participants.get(params.address) }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/participants/{address}/holdings",
    operationId: "getHoldings",
    tag: "participants",
    roles: READERS,
    errors: [],
    summary:
      "A participant's holdings (balance and frozen units per asset, in asset id order) from the record mirror as of `asOfBlock` (keyset pages)",
    params: AddressParam,
    query: PageQuery,
    responses: { 200: { description: "holdings", schema: PageOf(Holding).extend({ asOfBlock: AsOfBlock }) } },
    handler: async (ctx, { params, query, url }) => {
      const asOfBlock = await ctx.mirror.freshness.asOf();
      const page = await ctx.mirror.queries.holdings(
        params.address,
        decodeCursor(query.cursor, ["number"]),
        query.limit,
      );
      const items = page.items.map((h) => ({ assetId: h.assetId, balance: h.balance, frozen: h.frozen }));
      return { status: 200, body: { ...pageBody(url, { items, last: page.last }), asOfBlock } };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/v1/participants/{address}",
    operationId: "deregisterParticipant",
    tag: "participants",
    roles: ["operator"],
    errors: [
      "OPERATOR_NOT_PERMITTED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "PARTICIPANT_NOT_REGISTERED",
      "NOT_FOUND",
    ],
    idempotency: "optional",
    summary: "Deregister a participant",
    params: AddressParam,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, query, client, idempotencyId }) =>
      accepted(ctx, await ctx.services.participants.deregister(params.address, client!.id, idempotencyId), query.wait),
  }),
  defineRoute({
    method: "post",
    path: "/v1/participants/{address}/freeze",
    operationId: "freezeParticipant",
    tag: "participants",
    roles: ["authority", "operator"],
    errors: [
      "OPERATOR_NOT_PERMITTED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "PARTICIPANT_NOT_REGISTERED",
      "PARTICIPANT_FROZEN",
      "REASON_MISSING",
    ],
    idempotency: "optional",
    summary:
      "Freeze a participant, with a reason (Art. 6.3); the authority's freeze binds operators, and the authority may take over an operator's freeze (a freeze survives deregistration)",
    params: AddressParam,
    body: ReasonBody,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.participants.setFrozen(
          params.address,
          true,
          body.reason,
          client!.role,
          client!.id,
          idempotencyId,
        ),
        query.wait,
      ),
  }),
  defineRoute({
    method: "post",
    path: "/v1/participants/{address}/unfreeze",
    operationId: "unfreezeParticipant",
    tag: "participants",
    roles: ["authority", "operator"],
    errors: [
      "OPERATOR_NOT_PERMITTED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "PARTICIPANT_NOT_FROZEN",
      "PARTICIPANT_FROZEN_BY_AUTHORITY",
    ],
    idempotency: "optional",
    summary:
      "Unfreeze a participant, with a reason; an operator cannot lift the authority's freeze (409 PARTICIPANT_FROZEN_BY_AUTHORITY)",
    params: AddressParam,
    body: ReasonBody,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.participants.setFrozen(
          params.address,
          false,
          body.reason,
          client!.role,
          client!.id,
          idempotencyId,
        ),
        query.wait,
      ),
  }),
];
