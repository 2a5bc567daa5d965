import { z } from "../openapi";
import { decodeCursor, pageBody, PageOf, PageQuery } from "../pagination";
import { defineRoute } from "../route";
import { OperationSchema } from "../schemas";
import { OPERATION_KINDS } from "../../domain/operation-kinds";
import { OPERATION_STATUSES } from "../../domain/statuses";

export default [
  defineRoute({
    method: "get",
    path: "/v1/operations/{id}",
    operationId: "getOperation",
    summary: "An operation's status; once posted its transaction, block, record and the moment rights arose",
    tag: "operations",
    roles: "any",
    errors: ["NOT_FOUND"],
    params: z.object({ id: z.uuid() }),
    responses: { 200: { description: "the operation", schema: OperationSchema } },
    handler: async (ctx, { params }) => ({
      status: 200,
      body: { ...(await ctx.services.operations.get(params.id)) },
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/operations",
    operationId: "listOperations",
    summary: "Operations, newest first (a page at a time: follow `next`)",
    tag: "operations",
    roles: ["authority", "operator", "monitor"],
    errors: [],
    query: PageQuery.extend({
      status: z.enum(OPERATION_STATUSES).optional(),
      kind: z.enum(OPERATION_KINDS).optional(),
    }),
    responses: { 200: { description: "operations", schema: PageOf(OperationSchema) } },
    handler: async (ctx, { query, url }) => {
      const page = await ctx.services.operations.list({
        ...query,
        after: decodeCursor(query.cursor, ["string", "string"]),
      });
      return { status: 200, body: pageBody(url, { items: page.items, last: page.last }) };
    },
  }),
];
