import { z } from "../openapi";
import { defineRoute } from "../route";
import { AppError } from "../../errors";

export default [
  defineRoute({
    method: "get", path: "/healthz", operationId: "health", summary: "Process is up", tag: "health", roles: "public",
    responses: { 200: { description: "up", schema: z.object({ status: z.literal("ok") }) } },
    handler: async () => ({ status: 200, body: { status: "ok" } }),
  }),
  defineRoute({
    method: "get", path: "/readyz", operationId: "ready", summary: "Database and chain reachable", tag: "health", roles: "public",
    responses: { 200: { description: "ready", schema: z.object({ status: z.literal("ready"), database: z.boolean(), chain: z.boolean() }) } },
    handler: async (ctx) => {
      const database = await ctx.db.dataSource.query("SELECT 1").then(() => true, () => false);
      const chain = await ctx.chain.isReachable();
      if (!database || !chain || ctx.state.shuttingDown) throw new AppError(chain ? "SHUTTING_DOWN" : "CHAIN_UNAVAILABLE", { database, chain, shuttingDown: ctx.state.shuttingDown });
      return { status: 200, body: { status: "ready", database, chain } };
    },
  }),
];
