import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { ERRORS } from "../errors";
import type { ErrorCode } from "../errors";

extendZodWithOpenApi(z);

export { z };

export const registry = new OpenAPIRegistry();

registry.registerComponent("securitySchemes", "apiKey", {
  type: "http",
  scheme: "bearer",
  description:
    "An API key of the authority, an operator, a verifier or a monitor, created with `npm run cli -- api-key create` " +
    "(stored as a SHA-256 hash only), sent as `Authorization: Bearer <key>`. Its role decides which operations it may call.",
});

registry.registerComponent("securitySchemes", "session", {
  type: "http",
  scheme: "bearer",
  description:
    "A participant's session token (`sds_…`), returned by `POST /v1/auth/sign-in` after an EIP-4361 (Sign-In with " +
    "Ethereum) message signed by the participant's wallet; sent as `Authorization: Bearer <token>` by programs.",
});
registry.registerComponent("securitySchemes", "sessionCookie", {
  type: "apiKey",
  in: "cookie",
  name: "sda_session",
  description:
    "The same session as an HttpOnly, SameSite=Strict cookie (browsers). Writes with the cookie also send the " +
    "session's CSRF token (from sign-in) in `X-CSRF-Token`.",
});

const CODES = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

/** The error catalogue: every stable code, its HTTP status and meaning (also served by GET /v1/errors). */
export const ErrorCodeSchema = z.enum(CODES).openapi("ErrorCode", {
  description: "A stable error code. " + CODES.map((c) => `\`${c}\` (${ERRORS[c][0]}): ${ERRORS[c][1]}`).join(" | "),
  example: "RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED",
});

/** RFC 9457 problem details, as every error is sent (`application/problem+json`). */
export const ProblemBody = z
  .object({
    type: z.string().openapi({ description: "The code's catalogue entry (GET it for the meaning)" }),
    title: z.string().openapi({ description: "The code's meaning, the same for every occurrence" }),
    status: z.number().int(),
    detail: z.string().openapi({ description: "What went wrong in this request" }),
    instance: z.string().openapi({ description: "The request's path" }),
    code: ErrorCodeSchema,
    requestId: z.string().openapi({ description: "Also in the x-request-id header; quote it when reporting" }),
    errors: z
      .array(z.object({ in: z.string(), path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: "VALIDATION_FAILED: each field that is wrong (in: body, query, path or header)" }),
    details: z.record(z.string(), z.unknown()).optional().openapi({ description: "Values that explain the refusal" }),
    error: z
      .object({ code: ErrorCodeSchema, message: z.string(), details: z.record(z.string(), z.unknown()).optional() })
      .openapi({ deprecated: true, description: "Deprecated: the body before RFC 9457, kept for one version" }),
  })
  .openapi("Problem", {
    example: {
      type: "/v1/errors/RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED",
      title: ERRORS.RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED[1],
      status: 422,
      detail: ERRORS.RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED[1],
      instance: "/v1/transfers",
      code: "RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED",
      requestId: "5b1f0d3c-2a4e-4c61-9a57-0f8e2d6b7c19",
      error: {
        code: "RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED",
        message: ERRORS.RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED[1],
      },
    },
  });

/** The tags in the order of a user's journey, each described. */
export const TAGS: { name: string; description: string }[] = [
  { name: "health", description: "Liveness and readiness of this gateway instance." },
  {
    name: "sign-in",
    description:
      "Participants (holders, asset owners) sign in with their wallet (EIP-4361): a nonce, the signed message, a " +
      "session (cookie or bearer token) that acts for that address only.",
  },
  {
    name: "self-service",
    description:
      "A signed-in participant's own work: the EIP-712 payloads to sign (nonce and deadline filled in), its signed " +
      "transfers, redemptions and acknowledgements relayed through the operator's key, its operations and nonces.",
  },
  {
    name: "permits",
    description: "The authority's register of operator permits (Art. 8): grant, suspend, resume, revoke.",
  },
  {
    name: "asset types",
    description: "The authority's list of recognised asset types (Art. 4.1.8); only listed types are issued.",
  },
  { name: "platform", description: "The authority's pause of the whole platform." },
  { name: "roles", description: "The ledger's on-chain roles (OPERATOR, VERIFIER; AUTHORITY read only)." },
  {
    name: "participants",
    description: "Onboarding after KYC: registration, identity hash, freezes, holdings of a participant.",
  },
  {
    name: "disclosures",
    description:
      "Risk disclosures (Art. 6.4): published by the operator, acknowledged by each participant's signature.",
  },
  {
    name: "issuance",
    description:
      "Collateral-verified issuance (Art. 5): the owner's signed request, the verifier's attestation, the posting.",
  },
  {
    name: "transfers",
    description:
      "Holder-signed transfers and redemptions relayed by the operator; rights arise when posted (Art. 6.6).",
  },
  { name: "operations", description: "Every mutating call's operation: pending, submitted, posted or failed." },
  { name: "assets", description: "Issued assets: holders, suspension, decision changes, frozen units, obligations." },
  {
    name: "records",
    description: "The immutable transfer records mirrored from the chain, their export and verification.",
  },
  { name: "subscriptions", description: "Webhooks (Standard Webhooks signatures) for records and events." },
  { name: "monitoring", description: "Financial monitoring: rules, reports, participants' risk, declared values." },
  { name: "alerts", description: "Alerts raised by monitoring and decision checks." },
  { name: "audit", description: "Who did what through this gateway, and its export." },
  { name: "errors", description: "The catalogue of stable error codes (RFC 9457 problem details)." },
];

export function openApiDocument(): object {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Secured digital assets gateway",
      version: "1.0.0",
      description:
        'HTTP gateway of the secured digital asset platform (Law of the Republic of Kazakhstan "On digital assets"). ' +
        "Mutating calls return 202 with an operation to poll at /v1/operations/{id}, or wait with ?wait=true. " +
        "Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`; each operation lists " +
        "the codes it can return, and GET /v1/errors serves the catalogue.",
    },
    servers: [{ url: "/" }],
    tags: TAGS,
  });
}
