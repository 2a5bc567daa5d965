import { z, ErrorCodeSchema } from "../openapi";
import { decodeCursor, encodeCursor, pageBody, pageInMemory, PageOf, PageQuery } from "../pagination";
import { defineRoute } from "../route";
import { AppError, ERRORS, errorCatalogue, isErrorCode } from "../../errors";

const Entry = z
  .object({
    code: ErrorCodeSchema,
    status: z.number().int(),
    title: z.string(),
    type: z.string(),
  })
  .openapi("ErrorCatalogueEntry", {
    example: {
      code: "NONCE_USED",
      status: 409,
      title: ERRORS.NONCE_USED[1],
      type: "/v1/errors/NONCE_USED",
    },
  });

/** The error catalogue, served: what a problem's `type` resolves to. */
export default [
  defineRoute({
    method: "get",
    path: "/v1/errors",
    operationId: "listErrors",
    tag: "errors",
    roles: "public",
    summary: "The catalogue of stable error codes: each code's HTTP status and meaning",
    errors: [],
    responses: {
      200: {
        description: "every code the gateway returns",
        schema: PageOf(Entry).openapi({
          example: {
            items: [{ code: "NONCE_USED", status: 409, title: ERRORS.NONCE_USED[1], type: "/v1/errors/NONCE_USED" }],
            next: `/v1/errors?limit=1&cursor=${encodeCursor([Object.keys(ERRORS).indexOf("NONCE_USED")])}`,
          },
        }),
      },
    },
    query: PageQuery,
    handler: (_ctx, { query, url }) => {
      const all = errorCatalogue().map((e, i) => ({ e, i }));
      const page = pageInMemory(all, ({ i }) => [i], decodeCursor(query.cursor, ["number"]), query.limit);
      return Promise.resolve({
        status: 200,
        body: pageBody(url, { items: page.items.map(({ e }) => e), last: page.last }),
      });
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/errors/{code}",
    operationId: "getError",
    tag: "errors",
    roles: "public",
    summary: "One error code's status and meaning (the `type` of a problem resolves here)",
    params: z.object({ code: z.string().max(64).openapi({ example: "NONCE_USED" }) }),
    errors: ["NOT_FOUND"],
    responses: { 200: { description: "the code", schema: Entry } },
    handler: (_ctx, { params }) => {
      if (!isErrorCode(params.code)) throw new AppError("NOT_FOUND", { code: params.code });
      return Promise.resolve({ status: 200, body: errorCatalogue().find((e) => e.code === params.code)! });
    },
  }),
];
