// Writes the gateway's OpenAPI document (the one GET /openapi.json serves) without starting a server, then the
// portal's typed client schema from it (openapi-typescript), so the portal is built against the API as it is.
import { mkdirSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { apiDocument } from "../server/http/app";

const root = join(__dirname, "..");
const out = join(root, "portal", "src", "api");
mkdirSync(out, { recursive: true });
const docFile = join(out, "openapi.json");
writeFileSync(docFile, JSON.stringify(apiDocument(), null, 2) + "\n");
// openapi-typescript is an ES module: run its command rather than require() it from this CommonJS script.
execFileSync(
  process.execPath,
  [join(root, "node_modules", "openapi-typescript", "bin", "cli.js"), docFile, "-o", join(out, "schema.d.ts")],
  { stdio: ["ignore", "ignore", "inherit"] },
);
console.log(`portal: API schema written to ${join("portal", "src", "api", "schema.d.ts")}`);
