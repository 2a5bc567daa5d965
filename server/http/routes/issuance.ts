import { z } from "../openapi";
import { decodeCursor, pageBody, PageOf, PageQuery } from "../pagination";
import { defineRoute } from "../route";
import { accepted, Address, Bytes32, Json, OPERATION_RESPONSES, Signature, Uint, WaitQuery } from "../schemas";
import { Line, OptionalDocumentUri, Text } from "../validation";
import { ISSUANCE_STATUSES } from "../../domain/statuses";

// Element presence (Art. 5.2) is checked by the service so each missing element gets its own code.
const FilingBody = z
  .object({
    owner: Address,
    assetType: Line(66, 1).openapi({ example: "GRAIN" }),
    decision: z
      .object({
        documentHash: Bytes32,
        uri: OptionalDocumentUri,
        rightsType: Bytes32,
        rightsExtent: Text(2000),
        units: Uint,
      })
      .strict(),
    issuer: z
      .object({
        legalName: Line(300),
        // Checked by the service so that a wrong number gets its own code (Art. 5.2); the schema documents the rule.
        bin: z.string().max(32).openapi({
          pattern: "^[0-9]{12}$",
          example: "190440005676",
          description: "BIN/IIN: 12 digits, the 12th a mod-11 control digit",
        }),
        registeredAddress: Line(500),
      })
      .strict(),
    evidenceHash: Bytes32,
    verifier: Address.openapi({
      description:
        "the collateral verifier (VERIFIER role on the ledger) the owner names: only its attestation is accepted (COLLATERAL_VERIFIER_NOT_NAMED)",
    }),
    nonce: Uint,
    deadline: Uint,
    ownerSignature: Signature.openapi({
      description:
        "the owner's EIP-712 IssuanceRequest(address owner,bytes32 assetType,bytes32 decisionHash,string decisionUri,bytes32 rightsType,string rightsExtent,bytes32 issuerDetailsHash,uint256 units,bytes32 evidenceHash,address verifier,uint256 nonce,uint256 deadline) signature in the ledger's domain: every field stored or published about the issuance",
    }),
  })
  .strict()
  .openapi("IssuanceFiling");
const AttestationBody = z
  .object({
    verifier: Address.openapi({ description: "the verifier the owner named in the request" }),
    expiry: Uint,
    signature: Signature.openapi({
      description:
        "the verifier's EIP-712 CollateralAttestation(address owner,bytes32 evidenceHash,bytes32 assetType,uint256 units,uint256 nonce,uint256 expiry) signature over the request's owner, evidence, type, units and nonce",
    }),
  })
  .strict()
  .openapi("CollateralAttestation");
const IdParam = z.object({ id: z.uuid() });

export default [
  defineRoute({
    method: "post",
    path: "/v1/issuance-requests",
    operationId: "fileIssuanceRequest",
    tag: "issuance",
    roles: ["operator"],
    errors: [
      "ASSET_TYPE_NOT_RECOGNISED",
      "COLLATERAL_ATTESTATION_USED",
      "COLLATERAL_VERIFIER_NOT_TRUSTED",
      "ISSUANCE_REQUEST_EXPIRED",
      "ISSUANCE_REQUEST_SIGNATURE_INVALID",
      "OPERATOR_NOT_PERMITTED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "ISSUANCE_DECISION_HASH_MISSING",
      "ISSUANCE_DECISION_URI_MISSING",
      "ISSUANCE_RIGHTS_TYPE_MISSING",
      "ISSUANCE_RIGHTS_EXTENT_MISSING",
      "ISSUANCE_UNITS_INVALID",
      "ISSUER_LEGAL_NAME_MISSING",
      "ISSUER_IDENTIFICATION_NUMBER_INVALID",
      "ISSUER_ADDRESS_MISSING",
      "COLLATERAL_EVIDENCE_MISSING",
      "DOCUMENT_URI_SCHEME_NOT_ALLOWED",
      "PLATFORM_PAUSED",
    ],
    idempotency: "optional",
    summary: "File an owner-signed issuance request (Art. 5, 6.5); status 'filed'",
    body: FilingBody,
    responses: { 201: { description: "filed", schema: Json } },
    handler: async (ctx, { body }) => {
      const row = await ctx.services.issuance.file(body);
      return { status: 201, body: ctx.services.issuance.view(row), target: row.id };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/issuance-requests/{id}/attestation",
    operationId: "attestCollateral",
    tag: "issuance",
    roles: ["verifier"],
    errors: [
      "COLLATERAL_ATTESTATION_EXPIRED",
      "COLLATERAL_ATTESTATION_SIGNATURE_INVALID",
      "COLLATERAL_VERIFIER_NOT_NAMED",
      "COLLATERAL_VERIFIER_NOT_TRUSTED",
      "ISSUANCE_REQUEST_NOT_FOUND",
      "ISSUANCE_STATE_INVALID",
      "COLLATERAL_ASSET_TYPE_MISMATCH",
      "COLLATERAL_UNITS_MISMATCH",
    ],
    idempotency: "optional",
    summary: "Attach the signed collateral attestation of the verifier the owner named (Art. 6.8); status 'attested'",
    params: IdParam,
    body: AttestationBody,
    responses: { 200: { description: "attested", schema: Json } },
    handler: async (ctx, { params, body }) => ({
      status: 200,
      body: ctx.services.issuance.view(await ctx.services.issuance.attest(params.id, body)),
      target: params.id,
    }),
  }),
  defineRoute({
    method: "post",
    path: "/v1/issuance-requests/{id}/post",
    operationId: "postIssuance",
    tag: "issuance",
    roles: ["operator"],
    errors: [
      "ISSUANCE_REQUEST_NOT_FOUND",
      "ISSUANCE_STATE_INVALID",
      "OPERATOR_NOT_PERMITTED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "PLATFORM_PAUSED",
      "COLLATERAL_ATTESTATION_EXPIRED",
      "ISSUANCE_REQUEST_EXPIRED",
      "COLLATERAL_ATTESTATION_USED",
    ],
    idempotency: "optional",
    summary:
      "Post the attested issuance on the ledger; the request becomes 'posted' with its asset id, or 'refused' with the missing requirement",
    params: IdParam,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, query, client, idempotencyId }) =>
      accepted(ctx, await ctx.services.issuance.post(params.id, client!.id, idempotencyId), query.wait, params.id),
  }),
  defineRoute({
    method: "get",
    path: "/v1/issuance-requests/{id}",
    operationId: "getIssuanceRequest",
    tag: "issuance",
    roles: "any",
    errors: ["ISSUANCE_REQUEST_NOT_FOUND"],
    summary: "An issuance request and its status",
    params: IdParam,
    responses: { 200: { description: "request", schema: Json } },
    handler: async (ctx, { params }) => ({
      status: 200,
      body: ctx.services.issuance.view(await ctx.services.issuance.find(params.id)),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/issuance-requests",
    operationId: "listIssuanceRequests",
    tag: "issuance",
    roles: "any",
    errors: [],
    summary: "Issuance requests, newest first",
    query: PageQuery.extend({ status: z.enum(ISSUANCE_STATUSES).optional() }),
    responses: { 200: { description: "requests", schema: PageOf(Json) } },
    handler: async (ctx, { query, url }) => ({
      status: 200,
      body: pageBody(
        url,
        await ctx.services.issuance.list(query.limit, decodeCursor(query.cursor, ["string", "string"]), query.status),
      ),
    }),
  }),
];
