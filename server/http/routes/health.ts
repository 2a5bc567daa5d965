import { z } from "../openapi";
import { defineRoute } from "../route";
import { AppError } from "../../errors";

export default [
  defineRoute({
    method: "get",
    path: "/healthz",
    operationId: "health",
    summary: "Process is up",
    tag: "health",
    roles: "public",
    errors: [],
    responses: { 200: { description: "up", schema: z.object({ status: z.literal("ok") }) } },
    handler: () => Promise.resolve({ status: 200, body: { status: "ok" } }),
  }),
  defineRoute({
    method: "get",
    path: "/readyz",
    operationId: "ready",
    summary: "Database, chain and signers reachable",
    tag: "health",
    roles: "public",
    errors: ["SIGNER_UNAVAILABLE", "CHAIN_UNAVAILABLE", "DATABASE_UNAVAILABLE", "SHUTTING_DOWN"],
    // 503 SIGNER_UNAVAILABLE names each configured signer (operator, authority) that cannot sign, with the reason.
    responses: {
      200: {
        description: "ready",
        schema: z.object({ status: z.literal("ready"), database: z.boolean(), chain: z.boolean() }),
      },
    },
    handler: async (ctx) => {
      const { database, chain, signersDown } = await ctx.services.health.readiness();
      if (!database || !chain || ctx.state.shuttingDown)
        throw new AppError(
          ctx.state.shuttingDown ? "SHUTTING_DOWN" : !database ? "DATABASE_UNAVAILABLE" : "CHAIN_UNAVAILABLE",
          { database, chain, shuttingDown: ctx.state.shuttingDown },
        );
      // A signer that does not answer: requests are still accepted (202) and wait, pending, until it answers again.
      if (Object.keys(signersDown).length)
        throw new AppError("SIGNER_UNAVAILABLE", { database, chain, signers: signersDown });
      return { status: 200, body: { status: "ready", database, chain } };
    },
  }),
];
