import { z } from "../openapi";
import { decodeCursor, pageBody, PageOf, PageQuery } from "../pagination";
import { defineRoute } from "../route";
import { Time } from "../schemas";

/** Who watches the mirror's health: the readers of the mirrored records (authority, operator, financial monitor). */
const READERS = ["authority", "operator", "monitor"] as const;

const Fault = z
  .object({
    blockNumber: z.number(),
    blockHash: z.string(),
    txHash: z.string(),
    logIndex: z.number(),
    event: z.string().nullable(),
    topic: z.string().nullable(),
    kind: z.enum(["ill-formed-text", "undecodable"]).openapi({
      description:
        "ill-formed-text: a text argument is not UTF-8 (applied with U+FFFD); undecodable: the log was passed over",
    }),
    detail: z.object({
      message: z.string(),
      texts: z
        .array(
          z.object({
            arg: z.string(),
            hex: z.string().openapi({ description: "the exact bytes on chain" }),
            text: z.string(),
          }),
        )
        .optional(),
    }),
    createdAt: Time,
  })
  .openapi("MirrorFault");

export default [
  defineRoute({
    method: "get",
    path: "/v1/mirror/faults",
    operationId: "listMirrorFaults",
    tag: "records",
    roles: [...READERS],
    errors: [],
    summary:
      "Ledger logs the mirror could not read as declared (text that is not UTF-8, undecodable data), in chain order",
    query: PageQuery,
    responses: { 200: { description: "faults", schema: PageOf(Fault) } },
    handler: async (ctx, { query, url }) => ({
      status: 200,
      body: pageBody(
        url,
        await ctx.mirror.queries.faults({
          limit: query.limit,
          after: decodeCursor(query.cursor, ["number", "number"]),
        }),
      ),
    }),
  }),
];
