import { z } from "../openapi";
import { defineRoute } from "../route";
import { Address, Time } from "../schemas";
import { AsOfBlock } from "./assets";
import { WALLET_STAFF_ROLES } from "../../domain/roles";
import type { WalletStaffRole } from "../../domain/roles";

const SessionView = z
  .object({
    sessionId: z.string(),
    address: Address,
    expiresAt: Time,
  })
  .openapi("ParticipantSession");

export default [
  defineRoute({
    method: "post",
    path: "/v1/auth/nonce",
    operationId: "issueSignInNonce",
    tag: "sign-in",
    roles: "public",
    errors: [],
    summary:
      "A single-use nonce for a Sign-In with Ethereum (EIP-4361) message, with the fields the message must carry",
    responses: {
      201: {
        description: "nonce",
        schema: z
          .object({
            nonce: z.string(),
            expiresAt: Time,
            domain: z.string().openapi({ description: "the message's domain: this site's host[:port]" }),
            uri: z.string().openapi({ description: "the message's URI: this site's origin" }),
            chainId: z.number().int(),
            version: z.literal("1"),
            statement: z.string(),
          })
          .openapi("SignInNonce", {
            example: {
              nonce: "9f86d081884c7d659a2feaa0c55ad015",
              expiresAt: "2026-12-01T10:10:00.000Z",
              domain: "portal.example.kz",
              uri: "https://portal.example.kz",
              chainId: 1337,
              version: "1",
              statement: "Sign in to the secured digital assets platform.",
            },
          }),
      },
    },
    handler: async (ctx, { site }) => {
      const { nonce, expiresAt } = await ctx.services.sessions.issueNonce();
      return {
        status: 201,
        body: {
          nonce,
          expiresAt,
          domain: site.host,
          uri: `${site.scheme}://${site.host}`,
          chainId: ctx.services.health.chainId,
          version: "1",
          statement: "Sign in to the secured digital assets platform.",
        },
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/auth/sign-in",
    operationId: "signIn",
    tag: "sign-in",
    roles: "public",
    errors: [
      "SIGN_IN_MESSAGE_INVALID",
      "SIGN_IN_DOMAIN_MISMATCH",
      "SIGN_IN_CHAIN_MISMATCH",
      "SIGN_IN_MESSAGE_EXPIRED",
      "SIGN_IN_SIGNATURE_INVALID",
      "SIGN_IN_NONCE_INVALID",
    ],
    summary:
      "Verify a signed EIP-4361 message and open a session: an HttpOnly cookie for browsers, the token for programs",
    body: z
      .object({
        message: z
          .string()
          .min(1)
          .max(4_000)
          .openapi({ description: "the EIP-4361 message as signed (personal_sign)" }),
        signature: z
          .string()
          .regex(/^0x[0-9a-fA-F]+$/)
          .max(20_000)
          .openapi({ description: "personal_sign signature (65 bytes), or a contract wallet's ERC-1271 signature" }),
      })
      .strict()
      .openapi("SignInRequest"),
    responses: {
      200: {
        description: "signed in",
        schema: SessionView.extend({
          token: z.string().openapi({ description: "the session as bearer token (programs); shown once" }),
          csrfToken: z.string().openapi({ description: "send as X-CSRF-Token on writes made with the cookie" }),
        }).openapi("SignInResponse"),
      },
    },
    handler: async (ctx, { body, site }) => {
      const { token, csrfToken, session } = await ctx.services.sessions.signIn(body.message, body.signature, {
        domain: site.host,
        scheme: site.scheme,
        chainId: ctx.services.health.chainId,
      });
      return {
        status: 200,
        body: { sessionId: session.id, address: session.address, expiresAt: session.expiresAt, token, csrfToken },
        target: session.address,
        sessionCookie: { token, expiresAt: session.expiresAt },
      };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/auth/session",
    operationId: "getSession",
    tag: "sign-in",
    roles: "participant",
    errors: [],
    summary: "The signed-in participant's session",
    responses: { 200: { description: "session", schema: SessionView } },
    handler: (_ctx, { participant }) =>
      Promise.resolve({
        status: 200,
        body: { sessionId: participant!.sessionId, address: participant!.address, expiresAt: participant!.expiresAt },
      }),
  }),
  defineRoute({
    method: "post",
    path: "/v1/auth/sign-out",
    operationId: "signOut",
    tag: "sign-in",
    roles: "participant",
    errors: [],
    summary: "End the session (its cookie and token stop working at once, on every gateway instance)",
    responses: { 200: { description: "signed out", schema: z.object({ signedOut: z.literal(true) }) } },
    handler: async (ctx, { participant }) => {
      await ctx.services.sessions.signOut(participant!.sessionId);
      return { status: 200, body: { signedOut: true }, target: participant!.address, sessionCookie: "clear" };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/v1/participants/{address}/sessions",
    operationId: "endParticipantSessions",
    tag: "sign-in",
    roles: ["operator", "authority"],
    errors: [],
    summary: "End every session of a participant (an operator's or the authority's action)",
    params: z.object({ address: Address }),
    responses: { 200: { description: "ended", schema: z.object({ ended: z.number().int() }) } },
    handler: async (ctx, { params, client }) => ({
      status: 200,
      body: { ended: await ctx.services.sessions.endAll(params.address, `${client!.role}:${client!.id}`) },
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/me/staff-roles",
    operationId: "getMyStaffRoles",
    tag: "sign-in",
    roles: "participant",
    errors: ["CHAIN_UNAVAILABLE"],
    summary:
      "The staff roles the signed-in address holds on the ledger now (AUTHORITY: authority, OPERATOR: operator): the staff endpoints of those roles its session may call, with X-CSRF-Token on writes made with the cookie (asked of the node at each request)",
    responses: {
      200: {
        description: "the staff roles held",
        schema: z
          .object({
            address: Address,
            roles: z.array(z.enum(WALLET_STAFF_ROLES as [WalletStaffRole, ...WalletStaffRole[]])).openapi({
              description: "empty when the address holds neither role: its session opens no staff endpoint",
            }),
          })
          .openapi("MyStaffRoles"),
      },
    },
    handler: async (ctx, { participant }) => ({
      status: 200,
      body: { address: participant!.address, roles: await ctx.services.roles.staffRolesOf(participant!.address) },
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/me",
    operationId: "getMe",
    tag: "sign-in",
    roles: "participant",
    errors: [],
    summary:
      "The signed-in participant's own view: registration and freeze, the current risk disclosure and whether it is acknowledged, holdings with frozen units (from the record mirror as of `asOfBlock`)",
    responses: {
      200: {
        description: "me",
        schema: z
          .object({
            address: Address,
            session: z.object({ expiresAt: Time }),
            registered: z.boolean(),
            frozen: z.boolean(),
            disclosure: z.object({
              currentVersion: z.number().int().nullable(),
              acknowledgedVersion: z.number().int(),
              acknowledgedCurrent: z.boolean(),
            }),
            holdings: z.array(z.object({ assetId: z.string(), balance: z.string(), frozen: z.string() })),
            asOfBlock: AsOfBlock,
          })
          .openapi("Me", {
            description:
              "registration, freeze, disclosure status and holdings as the record mirror holds them, as of `asOfBlock`",
          }),
      },
    },
    handler: async (ctx, { participant }) => {
      const view = await ctx.services.participants.selfView(participant!.address);
      return { status: 200, body: { ...view, session: { expiresAt: participant!.expiresAt } } };
    },
  }),
];
