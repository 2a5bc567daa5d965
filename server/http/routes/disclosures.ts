import { z } from "../openapi";
import { defineRoute } from "../route";
import { accepted, Address, Bytes32, OPERATION_RESPONSES, Signature, Time, Uint, WaitQuery } from "../schemas";
import { DocumentUri, Text } from "../validation";
import { TextFaults } from "./assets";

const DisclosureView = z
  .object({
    version: z.number(),
    current: z.boolean(),
    documentHash: z.string(),
    uri: z.string(),
    publishedAt: Time,
    text: z.string().nullable(),
    textFaults: TextFaults,
  })
  .openapi("Disclosure");
const PublishBody = z
  .object({ text: Text(50_000, 1).optional(), documentHash: Bytes32.optional(), uri: DocumentUri })
  .strict()
  .refine(
    (b) => b.text !== undefined || b.documentHash !== undefined,
    "give the text (hashed with keccak256) or its documentHash",
  );
const AckBody = z.object({ account: Address, deadline: Uint, signature: Signature }).strict();

/** A disclosure version in a path: digits only (no sign, spaces or exponent), a uint32 as on chain. */
const VersionParam = z.object({
  version: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, "must be a version number (1, 2, ...)")
    .transform(Number)
    .pipe(z.number().max(4294967295))
    .openapi({ type: "string", example: "1" }),
});

export default [
  defineRoute({
    method: "get",
    path: "/v1/disclosures/current",
    operationId: "getCurrentDisclosure",
    tag: "disclosures",
    roles: "public",
    errors: ["DISCLOSURE_NOT_PUBLISHED", "NOT_FOUND"],
    summary: "The current risk disclosure: version, hash, URI, text",
    responses: { 200: { description: "disclosure", schema: DisclosureView } },
    handler: async (ctx) => ({ status: 200, body: await ctx.services.disclosures.current() }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/disclosures/{version}",
    operationId: "getDisclosure",
    tag: "disclosures",
    roles: "public",
    errors: ["NOT_FOUND"],
    summary: "One version of the risk disclosure",
    params: VersionParam,
    responses: { 200: { description: "disclosure", schema: DisclosureView } },
    handler: async (ctx, { params }) => ({ status: 200, body: await ctx.services.disclosures.get(params.version) }),
  }),
  defineRoute({
    method: "post",
    path: "/v1/disclosures",
    operationId: "publishDisclosure",
    tag: "disclosures",
    roles: ["authority", "operator"],
    errors: [
      "DISCLOSURE_INVALID",
      "VALIDATION_FAILED",
      "OPERATOR_NOT_PERMITTED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "DOCUMENT_URI_SCHEME_NOT_ALLOWED",
    ],
    idempotency: "optional",
    summary: "Publish a new version of the risk disclosure (Art. 6.4)",
    body: PublishBody,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { body, query, client, idempotencyId }) =>
      accepted(ctx, await ctx.services.disclosures.publish(body, client!.role, client!.id, idempotencyId), query.wait),
  }),
  defineRoute({
    method: "post",
    path: "/v1/disclosures/{version}/acknowledgements",
    operationId: "acknowledgeDisclosure",
    tag: "disclosures",
    roles: ["operator"],
    errors: [
      "ACKNOWLEDGEMENT_EXPIRED",
      "ACKNOWLEDGEMENT_SIGNATURE_INVALID",
      "DISCLOSURE_NOT_PUBLISHED",
      "DISCLOSURE_VERSION_NOT_CURRENT",
      "OPERATOR_NOT_PERMITTED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "PARTICIPANT_NOT_REGISTERED",
      "DISCLOSURE_ALREADY_ACKNOWLEDGED",
    ],
    idempotency: "optional",
    summary:
      "Relay a participant's signed acknowledgement (EIP-712 DisclosureAcknowledgement); stored and posted on chain",
    params: VersionParam,
    body: AckBody,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.participants.acknowledge({ ...body, version: params.version }, client!.id, idempotencyId),
        query.wait,
        body.account,
      ),
  }),
];
