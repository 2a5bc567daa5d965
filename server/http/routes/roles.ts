import { z } from "../openapi";
import { decodeCursor, pageBody, pageInMemory, PageOf, PageQuery } from "../pagination";
import { defineRoute } from "../route";
import { accepted, Address, OPERATION_RESPONSES, Time, WaitQuery } from "../schemas";
import { LEDGER_ROLE_NAMES } from "../../domain/ledger-roles";
import { MANAGED_ROLES } from "../../services/roles";
import { AsOfBlock } from "./assets";

const RoleName = z
  .string()
  .max(32)
  .openapi({
    description: `one of ${LEDGER_ROLE_NAMES.join(", ")} (any case); ${MANAGED_ROLES.join(" and ")} are granted and revoked here, the others are read only`,
    example: "OPERATOR",
  });
const RoleParam = z.object({ role: RoleName });
const MemberParams = z.object({ role: RoleName, account: Address });
const RoleView = z
  .object({
    role: z.enum(LEDGER_ROLE_NAMES),
    managed: z.boolean().openapi({ description: "granted and revoked through this API" }),
    adminRole: z
      .string()
      .openapi({ description: "the role whose holders grant and revoke this one on chain", example: "DEFAULT_ADMIN" }),
    members: z.array(
      z.object({
        account: z.string(),
        grantedAt: Time.openapi({ description: "block time of the grant in force" }),
        grantedBy: z.string(),
        blockNumber: z.number(),
        transactionHash: z.string(),
      }),
    ),
  })
  .openapi("Role");

export default [
  defineRoute({
    method: "get",
    path: "/v1/roles",
    operationId: "listRoles",
    tag: "roles",
    roles: "any",
    errors: [],
    summary:
      "Who holds which on-chain role, in the ledger's role order, from the record mirror as of `asOfBlock` (its RoleGranted / RoleRevoked events)",
    query: PageQuery,
    responses: { 200: { description: "roles", schema: PageOf(RoleView).extend({ asOfBlock: AsOfBlock }) } },
    handler: async (ctx, { query, url }) => {
      const after = decodeCursor(query.cursor, ["number"]);
      const { roles, asOfBlock } = await ctx.services.roles.list();
      const page = pageInMemory(roles, (r) => [LEDGER_ROLE_NAMES.indexOf(r.role)], after, query.limit);
      return { status: 200, body: { ...pageBody(url, page), asOfBlock } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/roles/{role}",
    operationId: "getRole",
    tag: "roles",
    roles: "any",
    errors: ["ROLE_UNKNOWN"],
    summary: "One on-chain role and its holders, from the record mirror as of `asOfBlock`",
    params: RoleParam,
    responses: { 200: { description: "role", schema: RoleView.extend({ asOfBlock: AsOfBlock }) } },
    handler: async (ctx, { params }) => ({ status: 200, body: { ...(await ctx.services.roles.get(params.role)) } }),
  }),
  defineRoute({
    method: "post",
    path: "/v1/roles/{role}/members",
    operationId: "grantRole",
    tag: "roles",
    roles: ["authority"],
    errors: [
      "ROLE_ALREADY_GRANTED",
      "ROLE_CHANGE_PENDING",
      "ROLE_NOT_HELD",
      "VALIDATION_FAILED",
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "ROLE_MISSING_ON_CHAIN",
      "ROLE_UNKNOWN",
      "ROLE_NOT_MANAGED",
    ],
    idempotency: "optional",
    summary:
      "Grant OPERATOR or VERIFIER to an account (the authority's transaction); 409 ROLE_ALREADY_GRANTED if it holds it",
    params: RoleParam,
    body: z.object({ account: Address }).strict().openapi("RoleGrant"),
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, body, query, client, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.roles.grant(params.role, body.account, client!.id, idempotencyId),
        query.wait,
        `/v1/roles/${params.role.toUpperCase()}/members/${body.account}`,
      ),
  }),
  defineRoute({
    method: "delete",
    path: "/v1/roles/{role}/members/{account}",
    operationId: "revokeRole",
    tag: "roles",
    roles: ["authority"],
    errors: [
      "ROLE_ALREADY_GRANTED",
      "ROLE_CHANGE_PENDING",
      "ROLE_NOT_HELD",
      "VALIDATION_FAILED",
      "AUTHORITY_KEY_NOT_CONFIGURED",
      "CHAIN_UNAVAILABLE",
      "SIGNER_UNAVAILABLE",
      "ROLE_MISSING_ON_CHAIN",
      "ROLE_UNKNOWN",
      "ROLE_NOT_MANAGED",
    ],
    idempotency: "optional",
    summary:
      "Revoke OPERATOR or VERIFIER from an account (the authority's transaction); 409 ROLE_NOT_HELD if it does not hold it",
    params: MemberParams,
    query: WaitQuery,
    responses: OPERATION_RESPONSES,
    handler: async (ctx, { params, query, client, idempotencyId }) =>
      accepted(
        ctx,
        await ctx.services.roles.revoke(params.role, params.account, client!.id, idempotencyId),
        query.wait,
      ),
  }),
];
