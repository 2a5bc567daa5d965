import { z } from "../openapi";
import { defineRoute } from "../route";
import type { Route } from "../route";
import { AppError } from "../../errors";
import type { ErrorCode } from "../../errors";
import {
  accepted,
  Address,
  Bytes32,
  Json,
  OPERATION_RESPONSES,
  OperationSchema,
  PositiveUint,
  Signature,
  Time,
  Uint,
  WaitQuery,
} from "../schemas";
import { participantClientId } from "../../services/self-service";
import type { RecordView } from "../../mirror/queries";
import { cursorLink, decodeCursor, PageOf, pageBody, pageInMemory, PageQuery } from "../pagination";
import { Line, OptionalDocumentUri, Text } from "../validation";
import transferRoutes, { RedemptionBody, TransferBody } from "./transfers";
import disclosureRoutes from "./disclosures";
import issuanceRoutes from "./issuance";
import assetRoutes from "./assets";
import { Verification, verificationBody } from "./records";
import { ISSUANCE_STATUSES } from "../../domain/statuses";

/** The same codes as the operator's relay of the same action (the same checks run). */
const routeOf = (routes: Route[], operationId: string): Route =>
  routes.find((r) => r.spec.operationId === operationId)!;
const errorsOf = (routes: Route[], operationId: string): ErrorCode[] => [...routeOf(routes, operationId).spec.errors];
/** The operator route's own body schema: the participant files exactly what the operator's relay takes. */
const IssuanceFilingBody = routeOf(issuanceRoutes, "fileIssuanceRequest").spec.body!;
/** The codes of the served issuance request: the filing's checks that need no signature. */
const ISSUANCE_PRECHECK_ERRORS: ErrorCode[] = [
  "ASSET_TYPE_NOT_RECOGNISED",
  "COLLATERAL_VERIFIER_NOT_TRUSTED",
  "OPERATOR_NOT_PERMITTED",
  "CHAIN_UNAVAILABLE",
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
];
const Base64 = z
  .string()
  .max(700_000)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, "base64")
  .openapi({
    description:
      "the document's bytes, base64 (the server hashes them with keccak256 and keeps nothing); the request must fit BODY_LIMIT (100kb by default): send a larger document's keccak256 instead",
  });
const MyRecord = z
  .object({
    assetId: z.string(),
    recordSequence: z.string().openapi({ description: "the record's sequence in the asset's hash chain" }),
    direction: z.enum(["in", "out"]).openapi({ description: "in: units received (or issued); out: sent or redeemed" }),
    from: z.string(),
    to: z.string(),
    amount: z.string(),
    ref: z.string(),
    rightsArisenAt: z.string().openapi({ description: "ISO 8601 block time: the moment rights arose (Art. 6.6)" }),
    proof: z.object({
      txHash: z.string(),
      blockNumber: z.number(),
      blockHash: z.string(),
      logIndex: z.number(),
      recordHash: z.string(),
      previousHash: z.string(),
    }),
  })
  .openapi("MyRecord");
const myRecord = (self: string, r: RecordView) => ({
  assetId: r.assetId,
  recordSequence: r.sequence,
  direction: r.to.toLowerCase() === self.toLowerCase() ? ("in" as const) : ("out" as const),
  from: r.from,
  to: r.to,
  amount: r.amount,
  ref: r.ref,
  rightsArisenAt: r.rightsArisenAt,
  proof: r.proof,
});
const IssuanceRequestView = z
  .object({
    id: z.string(),
    status: z.enum(ISSUANCE_STATUSES),
    owner: z.string(),
    assetType: z.string(),
    assetTypeLabel: z.string().nullable(),
    operationId: z.string().nullable(),
    assetId: z.string().nullable(),
    refusal: z.object({ code: z.string(), message: z.string(), details: Json.optional() }).nullable(),
    createdAt: Time,
    updatedAt: Time,
  })
  .catchall(z.unknown())
  .openapi("MyIssuanceRequest", {
    description: "the request as filed (decision, issuer, evidence, verifier, nonce, deadline) and its state",
  });

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
    // Every refusal of the relay that does not need the signature, so it is shown before the wallet is asked.
    errors: errorsOf(transferRoutes, "submitTransfer").filter(
      (c) => !["SIGNATURE_INVALID", "NONCE_USED", "NONCE_NOT_NEXT", "AUTHORIZATION_EXPIRED"].includes(c),
    ),
    summary:
      "The EIP-712 TransferAuthorization to sign, with the next free nonce and a deadline filled in, after the relay's checks that need no signature (permit, registration, freezes, disclosures, balance): a refusal comes before the wallet is asked",
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
    // The ledger's rules that need no signature, so a refusal is shown before the wallet is asked.
    errors: [
      "CHAIN_UNAVAILABLE",
      "ASSET_NOT_FOUND",
      "PLATFORM_PAUSED",
      "OPERATOR_NOT_PERMITTED",
      "AMOUNT_ZERO",
      "ASSET_NOT_ACTIVE",
      "SENDER_NOT_REGISTERED",
      "SENDER_FROZEN",
      "SENDER_DISCLOSURE_NOT_ACKNOWLEDGED",
      "INSUFFICIENT_BALANCE",
      "INSUFFICIENT_UNFROZEN_BALANCE",
    ],
    summary:
      "The EIP-712 Redemption to sign, with the next free nonce and a deadline filled in, after the ledger's checks that need no signature (platform, permit, asset, holder, unfrozen balance less pending authorizations): a refusal comes before the wallet is asked",
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
    query: PageQuery,
    responses: { 200: { description: "operations", schema: PageOf(OperationSchema) } },
    handler: async (ctx, { participant, query, url }) => {
      const page = await ctx.services.operations.listForAccount(participant!.address, query.limit, query.cursor);
      return { status: 200, body: { items: page.items, next: cursorLink(url, page.next) } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/nonces",
    operationId: "listMyNonces",
    tag: "self-service",
    roles: "participant",
    errors: ["CHAIN_UNAVAILABLE"],
    summary:
      "The nonce the participant signs next for each asset it holds (on chain, the next free one after its pending authorizations, and how many are pending)",
    query: PageQuery,
    responses: {
      200: {
        description: "nonces by asset",
        schema: PageOf(
          z.object({ assetId: z.string(), chainNonce: z.string(), nextNonce: z.string(), pending: z.number() }),
        ),
      },
    },
    handler: async (ctx, { participant, query, url }) => {
      const self = participant!.address;
      const holdings = await ctx.services.participants.holdings(self);
      // By asset id (numeric order), a page at a time: only the page's assets are asked of the chain.
      const page = pageInMemory(
        holdings.map((h) => h.assetId),
        (id) => [id.padStart(78, "0")],
        decodeCursor(query.cursor, ["string"]),
        query.limit,
      );
      const items = await Promise.all(
        page.items.map(async (assetId) => ({ assetId, ...(await ctx.services.transfers.nonces(self, assetId)) })),
      );
      return { status: 200, body: pageBody(url, { items, last: page.last }) };
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
  defineRoute({
    method: "post",
    path: "/v1/me/typed-data/issuance-request",
    operationId: "prepareMyIssuanceRequest",
    tag: "self-service",
    roles: "participant",
    errors: ISSUANCE_PRECHECK_ERRORS,
    summary:
      "The owner's EIP-712 IssuanceRequest prepared from human inputs (decision document or its hash, URI, rights, issuer details, type code, units, evidence, verifier): the server computes and shows every hash, fills the next free nonce and a deadline, and runs the filing's checks first; nothing is stored",
    body: z
      .object({
        assetType: Line(66, 1).openapi({ description: "the listed type's code (e.g. GRAIN) or its bytes32" }),
        decision: z
          .object({
            documentHash: Bytes32.optional().openapi({ description: "keccak256 of the decision document" }),
            document: Base64.optional(),
            uri: OptionalDocumentUri,
            rightsType: Line(66, 1).openapi({
              description: "a label of at most 31 bytes (e.g. OWNERSHIP_SHARE), signed as bytes32, or a bytes32",
            }),
            rightsExtent: Text(2000),
            units: Uint,
          })
          .strict()
          .refine((d) => (d.documentHash === undefined) !== (d.document === undefined), {
            message: "give the decision document (document, base64) or its keccak256 (documentHash), not both",
            path: ["documentHash"],
          }),
        issuer: z
          .object({
            legalName: Line(300),
            bin: z.string().max(32).openapi({
              pattern: "^[0-9]{12}$",
              example: "190440005676",
              description: "BIN/IIN: 12 digits, the 12th a mod-11 control digit",
            }),
            registeredAddress: Line(500),
          })
          .strict(),
        evidenceHash: Bytes32.optional().openapi({ description: "keccak256 of the collateral evidence" }),
        evidence: Base64.optional().openapi({ description: "the collateral evidence's bytes, base64" }),
        verifier: Address.openapi({ description: "the collateral verifier the owner names (VERIFIER role)" }),
        nonce: Uint.optional().openapi({ description: "default: the owner's next free request nonce" }),
        validitySeconds: Validity,
      })
      .strict()
      .refine((d) => (d.evidenceHash === undefined) !== (d.evidence === undefined), {
        message: "give the collateral evidence (evidence, base64) or its keccak256 (evidenceHash), not both",
        path: ["evidenceHash"],
      })
      .openapi("MyIssuanceDraft"),
    responses: {
      200: {
        description: "typed data, the computed hashes, and the filing to send with the signature",
        schema: TypedData.extend({
          computed: z.object({
            assetType: z.string(),
            assetTypeLabel: z.string().nullable(),
            decisionHash: z.string(),
            decisionHashFrom: z.string(),
            rightsType: z.string(),
            rightsTypeLabel: z.string().nullable(),
            issuerDetailsHash: z.string(),
            issuerDetailsHashOf: z.string(),
            evidenceHash: z.string(),
            evidenceHashFrom: z.string(),
          }),
          filing: Json.openapi({
            description: "the body of POST /v1/me/issuance-requests, less ownerSignature (the wallet's signature)",
          }),
        }),
      },
    },
    handler: async (ctx, { participant, body }) => ({
      status: 200,
      body: await ctx.services.self.issuanceRequest(ctx.services.issuance, participant!.address, body),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/typed-data/obligations-fulfilled",
    operationId: "prepareMyObligationsDeclaration",
    tag: "self-service",
    roles: "participant",
    errors: ["ASSET_NOT_FOUND", "NOT_YOUR_ACCOUNT", "CHAIN_UNAVAILABLE"],
    summary:
      "The issuer's EIP-712 ObligationsFulfilled declaration (Art. 7.1) for its asset, with a deadline (403 for an asset the participant did not issue)",
    query: z.object({ assetId: PositiveUint, validitySeconds: Validity }),
    responses: { 200: { description: "typed data", schema: TypedData.extend({ issuer: Address }) } },
    handler: async (ctx, { participant, query }) => ({
      status: 200,
      body: await ctx.services.self.obligations(participant!.address, query.assetId, query.validitySeconds),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/typed-data/decision-change",
    operationId: "prepareMyDecisionChange",
    tag: "self-service",
    roles: "participant",
    errors: ["ASSET_NOT_FOUND", "NOT_YOUR_ACCOUNT", "CHAIN_UNAVAILABLE"],
    summary:
      "The issuer's EIP-712 DecisionChange (Art. 7.1) from the decision in force now (previousHash filled in), with a deadline",
    query: z.object({
      assetId: PositiveUint,
      documentHash: Bytes32.openapi({ description: "keccak256 of the new decision document" }),
      uri: OptionalDocumentUri,
      reason: Line(500, 1),
      validitySeconds: Validity,
    }),
    responses: {
      200: {
        description: "typed data",
        schema: TypedData.extend({
          issuer: Address,
          computed: z.object({ previousHash: z.string(), newHash: z.string() }),
        }),
      },
    },
    handler: async (ctx, { participant, query }) => ({
      status: 200,
      body: await ctx.services.self.decisionChange(participant!.address, query),
    }),
  }),
  defineRoute({
    method: "post",
    path: "/v1/me/issuance-requests",
    operationId: "fileMyIssuanceRequest",
    tag: "self-service",
    roles: "participant",
    errors: ["NOT_YOUR_ACCOUNT", ...errorsOf(issuanceRoutes, "fileIssuanceRequest")],
    idempotency: "optional",
    summary:
      "File the owner's own signed issuance request (the body of POST /v1/me/typed-data/issuance-request's `filing` plus `ownerSignature`): the same checks as the operator's filing; status 'filed', then a verifier attests and the operator posts",
    body: IssuanceFilingBody,
    responses: { 201: { description: "filed", schema: IssuanceRequestView } },
    handler: async (ctx, { participant, body }) => {
      const filing = body as Parameters<typeof ctx.services.issuance.file>[0];
      ownOnly(participant!.address, filing.owner);
      const row = await ctx.services.issuance.file(filing);
      return { status: 201, body: ctx.services.issuance.view(row), target: row.id };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/issuance-requests",
    operationId: "listMyIssuanceRequests",
    tag: "self-service",
    roles: "participant",
    errors: [],
    summary: "The participant's own issuance requests and their state, newest first (keyset pages)",
    query: PageQuery,
    responses: {
      200: {
        description: "requests",
        schema: PageOf(IssuanceRequestView),
      },
    },
    handler: async (ctx, { participant, query, url }) => {
      const page = await ctx.services.issuance.listForOwner(participant!.address, query.limit, query.cursor);
      return { status: 200, body: { ...page, next: cursorLink(url, page.next) } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/attestation-queue",
    operationId: "listMyAttestationQueue",
    tag: "self-service",
    roles: "participant",
    errors: ["CURSOR_INVALID"],
    summary:
      "For a collateral verifier signed in with its wallet: the filed issuance requests that name it and wait for its attestation, oldest first, with their evidence (keyset pages)",
    query: PageQuery,
    responses: { 200: { description: "requests", schema: PageOf(IssuanceRequestView) } },
    handler: async (ctx, { participant, query, url }) => {
      const page = await ctx.services.issuance.listForVerifier(participant!.address, query.limit, query.cursor);
      return { status: 200, body: { ...page, next: cursorLink(url, page.next) } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/issuance-requests/{id}",
    operationId: "getMyIssuanceRequest",
    tag: "self-service",
    roles: "participant",
    errors: ["ISSUANCE_REQUEST_NOT_FOUND", "NOT_YOUR_ACCOUNT"],
    summary: "One of the participant's own issuance requests and its state (403 for another owner's)",
    params: z.object({ id: z.uuid() }),
    responses: { 200: { description: "request", schema: IssuanceRequestView } },
    handler: async (ctx, { participant, params }) => ({
      status: 200,
      body: ctx.services.issuance.view(await ctx.services.issuance.findOwn(params.id, participant!.address)),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/records",
    operationId: "listMyRecords",
    tag: "self-service",
    roles: "participant",
    errors: ["VALIDATION_FAILED"],
    summary:
      "The records of the participant's own holdings (sent, received, issued, redeemed) in chain order, each with its sequence, the moment rights arose and its proof, as mirrored (a posting shows once the mirror has indexed its block; keyset pages)",
    query: PageQuery.extend({ assetId: PositiveUint.optional() }),
    responses: {
      200: {
        description: "records",
        schema: PageOf(MyRecord),
      },
    },
    handler: async (ctx, { participant, query, url }) => {
      const self = participant!.address;
      const page = await ctx.mirror.queries.list(
        { participant: self, assetId: query.assetId },
        decodeCursor(query.cursor, ["number", "number"]),
        query.limit,
      );
      return {
        status: 200,
        body: pageBody(url, { items: page.items.map((r) => myRecord(self, r)), last: page.last }),
      };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/assets/{assetId}/records/verification",
    operationId: "verifyMyAssetRecords",
    tag: "self-service",
    roles: "participant",
    errors: ["NOT_YOUR_ACCOUNT"],
    summary:
      "Proof of completeness of an asset the participant holds or held: the mirrored records' hash chain recomputed and compared with the ledger's record head and count (403 for an asset without a record of the participant)",
    params: z.object({ assetId: PositiveUint }),
    responses: {
      200: { description: "verified, or the first sequence where the mirror diverges", schema: Verification },
    },
    handler: async (ctx, { participant, params }) => {
      const self = participant!.address;
      const own = await ctx.mirror.queries.list({ participant: self, assetId: params.assetId }, null, 1);
      if (!own.items.length) throw new AppError("NOT_YOUR_ACCOUNT", { assetId: params.assetId, account: self });
      return { status: 200, body: verificationBody(await ctx.mirror.queries.verify(params.assetId)) };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/pending",
    operationId: "listMyPending",
    tag: "self-service",
    roles: "participant",
    errors: [],
    summary:
      "The participant's authorizations not yet posted (pending or submitted): transfers and redemptions it signed, and transfers to it, newest first (keyset pages)",
    query: PageQuery,
    responses: {
      200: {
        description: "pending operations",
        schema: PageOf(OperationSchema.extend({ direction: z.enum(["in", "out"]) })),
      },
    },
    handler: async (ctx, { participant, query, url }) => {
      const page = await ctx.services.operations.pendingForAccount(participant!.address, query.limit, query.cursor);
      return { status: 200, body: { items: page.items, next: cursorLink(url, page.next) } };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/me/assets/{assetId}/obligations-fulfilled",
    operationId: "declareMyObligationsFulfilled",
    tag: "self-service",
    roles: "participant",
    errors: ["NOT_YOUR_ACCOUNT", ...errorsOf(assetRoutes, "declareObligationsFulfilled")],
    idempotency: "optional",
    summary:
      "Submit the issuer's own signed declaration that all obligations are fulfilled (closes the asset), relayed through the operator's key",
    params: z.object({ assetId: PositiveUint }),
    body: routeOf(assetRoutes, "declareObligationsFulfilled").spec.body!,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { participant, params, body, query, idempotencyId }) => {
      const b = body as { deadline: string; signature: string };
      await ctx.services.self.requireIssuer(params.assetId, participant!.address);
      const op = await ctx.services.assets.obligationsFulfilled(
        params.assetId,
        b.deadline,
        b.signature,
        participantClientId(participant!.address),
        idempotencyId,
      );
      return accepted(ctx, op, query.wait);
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/me/assets/{assetId}/decision",
    operationId: "changeMyDecisionDocument",
    tag: "self-service",
    roles: "participant",
    errors: ["NOT_YOUR_ACCOUNT", ...errorsOf(assetRoutes, "changeDecisionDocument")],
    idempotency: "optional",
    summary: "Submit the issuer's own signed change of the decision document, relayed through the operator's key",
    params: z.object({ assetId: PositiveUint }),
    body: routeOf(assetRoutes, "changeDecisionDocument").spec.body!,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { participant, params, body, query, idempotencyId }) => {
      await ctx.services.self.requireIssuer(params.assetId, participant!.address);
      const op = await ctx.services.assets.changeDecision(
        params.assetId,
        body as Parameters<typeof ctx.services.assets.changeDecision>[1],
        participantClientId(participant!.address),
        idempotencyId,
      );
      return accepted(ctx, op, query.wait);
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/typed-data/attestation",
    operationId: "prepareMyAttestation",
    tag: "self-service",
    roles: "participant",
    errors: ["ISSUANCE_REQUEST_NOT_FOUND", "ISSUANCE_STATE_INVALID", "NOT_YOUR_ACCOUNT"],
    summary:
      "For a collateral verifier signed in with its wallet: the request that names it (evidence, type, units shown) and the EIP-712 CollateralAttestation to sign, with an expiry (403 for a request naming another verifier)",
    query: z.object({ requestId: z.uuid(), validitySeconds: Validity }),
    responses: {
      200: { description: "typed data", schema: TypedData.extend({ request: IssuanceRequestView }) },
    },
    handler: async (ctx, { participant, query }) => ({
      status: 200,
      body: await ctx.services.self.attestation(
        ctx.services.issuance,
        participant!.address,
        query.requestId,
        query.validitySeconds,
      ),
    }),
  }),
  defineRoute({
    method: "post",
    path: "/v1/me/issuance-requests/{id}/attestation",
    operationId: "attestMyCollateral",
    tag: "self-service",
    roles: "participant",
    errors: ["NOT_YOUR_ACCOUNT", ...errorsOf(issuanceRoutes, "attestCollateral")],
    idempotency: "optional",
    summary:
      "For the verifier the request names, signed in with its wallet: attach its own signed collateral attestation (the verifier route's checks); status 'attested'",
    params: z.object({ id: z.uuid() }),
    body: routeOf(issuanceRoutes, "attestCollateral").spec.body!,
    responses: { 200: { description: "attested", schema: IssuanceRequestView } },
    handler: async (ctx, { participant, params, body }) => {
      const a = body as { verifier: string; expiry: string; signature: string };
      ownOnly(participant!.address, a.verifier);
      return {
        status: 200,
        body: ctx.services.issuance.view(await ctx.services.issuance.attest(params.id, a)),
        target: params.id,
      };
    },
  }),
];
