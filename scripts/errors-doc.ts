/**
 * Writes docs/errors.md, the error catalogue as a table, from server/errors.ts (the one the gateway serves at
 * GET /v1/errors). `npm run docs:errors`; a test fails when the file is stale.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { errorCatalogue } from "../server/errors";

export function errorsMarkdown(): string {
  const rows = errorCatalogue().map((e) => `| \`${e.code}\` | ${e.status} | ${e.title.replace(/\|/g, "\\|")} |`);
  return [
    "# Error catalogue",
    "",
    "Generated from `server/errors.ts` by `npm run docs:errors`; served by the gateway at `GET /v1/errors` and",
    "`GET /v1/errors/{code}`. Every error is an RFC 9457 problem (`application/problem+json`) whose `code` is one of",
    "these and whose `type` is `/v1/errors/{code}`; `/openapi.json` lists, for each operation, the codes it can return.",
    "",
    "| code | status | meaning |",
    "| --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

export const ERRORS_DOC = join(__dirname, "..", "docs", "errors.md");

if (require.main === module) {
  writeFileSync(ERRORS_DOC, errorsMarkdown());
  console.log(`wrote ${ERRORS_DOC}`);
}
