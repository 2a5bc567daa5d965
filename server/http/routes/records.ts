import type { Express, Request, Response } from "express";
import { z, registry } from "../openapi";
import { decodeCursor, pageBody, PageOf, PageQuery } from "../pagination";
import { authenticate, defineRoute, parseInput, errorResponses, validationExample } from "../route";
import { Address, AssetIdParam, Json, PositiveUint, Time } from "../schemas";
import { BodyInt, TimeBound } from "../validation";
import { AppError } from "../../errors";
import type { AppContext } from "../../context";
import type { Role } from "../../domain/roles";
import type { MirrorVerdict, RecordFilter } from "../../mirror/queries";

/**
 * Who may read the mirrored ledger (Art. 4.1.9, 6.3): the authority, the operator and the financial monitor. One
 * policy for every read of records and balances: /v1/records (and its export and verification), an asset's records
 * and holders, a participant's holdings. A participant reads its own through its session (/v1/me...).
 */
export const READERS: Role[] = ["authority", "operator", "monitor"];

export const RecordFilterQuery = z.object({
  assetId: PositiveUint.optional(),
  participant: Address.optional().openapi({ description: "sender or recipient" }),
  from: TimeBound.optional().openapi({ description: "records posted at or after (rights arisen at)" }),
  to: TimeBound.optional().openapi({ description: "records posted before" }),
});
const ListQuery = PageQuery.extend(RecordFilterQuery.shape);
const ExportQuery = RecordFilterQuery.extend({ format: z.enum(["csv", "json"]).default("json") });

const Proof = z.object({
  txHash: z.string(),
  blockNumber: z.number(),
  blockHash: z.string(),
  logIndex: z.number(),
  recordHash: z.string(),
  previousHash: z.string(),
});
export const MirroredRecord = z
  .object({
    assetId: z.string(),
    sequence: z.string(),
    from: z.string(),
    to: z.string(),
    amount: z.string(),
    ref: z.string(),
    postedAt: Time.openapi({ description: "block time of the record (ISO 8601, UTC); its block is proof.blockNumber" }),
    rightsArisenAt: Time.openapi({ description: "the moment rights arose (Art. 6.6): the block time, as postedAt" }),
    proof: Proof,
  })
  .openapi("MirroredRecord");
export const Verification = z
  .object({
    verified: z.boolean(),
    count: z.string().optional(),
    head: z.string().optional(),
    firstDivergentSequence: z.string().optional(),
    reason: z.string().optional(),
    block: z.number(),
  })
  .openapi("RecordChainVerification");

/** A verdict of the mirror's record chain as the API shows it. */
export function verificationBody(v: MirrorVerdict): z.infer<typeof Verification> {
  return v.verified
    ? { verified: true, count: v.count.toString(), head: v.head, block: v.block }
    : {
        verified: false,
        firstDivergentSequence: v.firstDivergentSequence.toString(),
        reason: v.reason,
        block: v.block,
      };
}

const filterOf = (q: z.infer<typeof RecordFilterQuery>): RecordFilter => ({
  assetId: q.assetId,
  participant: q.participant,
  from: q.from,
  to: q.to,
});

export default [
  defineRoute({
    method: "get",
    path: "/v1/records",
    operationId: "listRecords",
    tag: "records",
    roles: READERS,
    errors: ["VALIDATION_FAILED"],
    summary:
      "Mirrored transfer records in chain order, by asset, participant and posting time, with their proofs (a page at a time: follow `next`)",
    query: ListQuery,
    responses: {
      200: {
        description: "a page of records",
        schema: PageOf(MirroredRecord),
      },
    },
    handler: async (ctx, { query, url }) => ({
      status: 200,
      body: pageBody(
        url,
        await ctx.mirror.queries.list(filterOf(query), decodeCursor(query.cursor, ["number", "number"]), query.limit),
      ),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/assets/{assetId}/records/verification",
    operationId: "verifyAssetRecords",
    tag: "records",
    roles: READERS,
    errors: ["ASSET_NOT_FOUND"],
    summary:
      "Proof of completeness: the mirrored records' hash chain recomputed and compared with the ledger's record head and count",
    params: AssetIdParam,
    responses: {
      200: { description: "verified, or the first sequence where the mirror diverges", schema: Verification },
    },
    handler: async (ctx, { params }) => ({
      status: 200,
      body: verificationBody(await ctx.mirror.queries.verify(params.assetId)),
    }),
  }),
  defineRoute({
    method: "get",
    path: "/v1/mirror",
    operationId: "getMirrorStatus",
    tag: "records",
    roles: READERS,
    errors: [],
    summary: "Where the record mirror stands: cursor block and hash, records and assets mirrored, chain head",
    responses: { 200: { description: "status", schema: Json } },
    handler: async (ctx) => {
      const status = await ctx.mirror.queries.status();
      return {
        status: 200,
        body: {
          ...status,
          safeHead: await ctx.mirror.indexer.safeHead(),
          confirmations: ctx.mirror.indexer.options.confirmations,
        },
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/mirror/resync",
    operationId: "resyncMirror",
    tag: "records",
    roles: ["authority", "operator"],
    errors: ["RESYNC_BLOCK_BEYOND_HEAD", "FORBIDDEN"],
    summary:
      "Delete the mirrored rows from a block on (default: the deployment block) and mirror them again from the chain",
    body: z.object({ fromBlock: BodyInt().optional() }).strict().optional(),
    responses: { 200: { description: "re-synced", schema: Json } },
    handler: async (ctx, { body }) => {
      // A block the mirror may not reach yet would delete nothing and look like a reorganisation.
      const head = await ctx.mirror.indexer.safeHead();
      if (body?.fromBlock !== undefined && body.fromBlock > head)
        throw new AppError("RESYNC_BLOCK_BEYOND_HEAD", { fromBlock: body.fromBlock, head });
      const r = await ctx.mirror.indexer.resync(body?.fromBlock);
      return {
        status: 200,
        body: { fromBlock: r.fromBlock, toBlock: r.toBlock, deleted: r.deleted, records: r.records },
      };
    },
  }),
];

registry.registerPath({
  method: "get",
  path: "/v1/records/export",
  operationId: "exportRecords",
  tags: ["records"],
  summary: "Export mirrored records (CSV or JSON array), streamed in chain order",
  description: `Roles: ${READERS.join(", ")}.`,
  security: [{ apiKey: [] }],
  request: { query: ExportQuery },
  responses: {
    200: {
      description: "the records",
      content: { "text/csv": { schema: z.string() }, "application/json": { schema: z.array(MirroredRecord) } },
    },
    ...errorResponses(
      ["VALIDATION_FAILED", "UNAUTHENTICATED", "FORBIDDEN", "MALFORMED_REQUEST", "RATE_LIMITED", "INTERNAL"],
      "/v1/records/export",
      validationExample({ query: ExportQuery }),
    ),
  },
});

/**
 * The export is not a JSON route: it streams from the database page by page and writes with backpressure, so a
 * range of millions of records never sits in memory. Mounted next to the declarative routes.
 */
export function mountRecordExport(app: Express, ctx: AppContext): void {
  app.get("/v1/records/export", async (req: Request, res: Response) => {
    const client = await authenticate(ctx, req, READERS);
    if (!READERS.includes(client.role)) throw new AppError("FORBIDDEN", { role: client.role, allowed: READERS });
    const q = parseInput(ExportQuery, req.query, "query");
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    res.status(200);
    res.setHeader("content-type", q.format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8");
    res.setHeader("content-disposition", `attachment; filename="records-${stamp}.${q.format}"`);
    try {
      const n = await ctx.mirror.queries.export(filterOf(q), q.format, res);
      req.log?.info({ records: n, format: q.format }, "records exported");
    } catch (err) {
      // Headers are sent: the only way to signal a failure is to cut the stream short.
      req.log?.error({ err }, "records export failed");
      res.destroy(err as Error);
      return;
    }
    res.end();
  });
}
