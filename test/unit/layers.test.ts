import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, resolve } from "node:path";
import { expect } from "chai";

const ROOT = resolve(__dirname, "../..");
const SERVER = join(ROOT, "server");

/**
 * What each layer of server/ must not import (server/README.md, "Layers"): the HTTP layer reaches the database and
 * the chain only through services; the chain and persistence layers know neither each other nor anything above.
 * server/domain (types and rules shared by all) may be imported from anywhere.
 */
const FORBIDDEN: Record<string, string[]> = {
  http: ["persistence", "chain", "outbox"],
  // The outbox (operations waiting to be signed, relayed and settled) sits between the services and the chain.
  outbox: ["http", "services", "mirror", "cli"],
  chain: ["persistence", "outbox", "http", "services", "mirror", "supervision", "cli"],
  persistence: ["chain", "outbox", "http", "services", "mirror", "supervision", "cli"],
  domain: ["persistence", "chain", "outbox", "http", "services", "mirror", "supervision", "cli"],
};

/**
 * Imports that break the rule today, each to be removed, never added to: "file -> imported module". A new
 * violation fails the test; so does an entry that no longer occurs (delete it from here when you fix one).
 */
const KNOWN: string[] = [];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

const layerOf = (path: string): string => {
  const parts = relative(SERVER, path).split("/");
  return parts.length > 1 ? parts[0] : "(root)";
};

/** Every relative import (and re-export) of a file, as server-relative module paths without extension. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gm)) {
    const target = normalize(join(dirname(file), m[1]));
    const asFile = existsSync(`${target}.ts`) ? `${target}.ts` : join(target, "index.ts");
    if (asFile.startsWith(SERVER))
      found.push(
        relative(SERVER, asFile)
          .replace(/\.ts$/, "")
          .replace(/\/index$/, ""),
      );
  }
  return found;
}

describe("layers: imports follow server/'s layering", function () {
  const violations = sources(SERVER).flatMap((file) => {
    const forbidden = FORBIDDEN[layerOf(file)] ?? [];
    return importsOf(file)
      .filter((module) => forbidden.includes(module.split("/")[0]))
      .map((module) => `${relative(SERVER, file)} -> ${module}`);
  });

  it("when a file imports across a forbidden boundary, then the test names it (only the known ones remain)", () => {
    const unknown = [...new Set(violations)].filter((v) => !KNOWN.includes(v));
    expect(unknown, "new imports that break the layering").to.deep.equal([]);
  });

  it("when a known violation has been fixed, then it is taken off the list", () => {
    expect(KNOWN.filter((k) => !violations.includes(k))).to.deep.equal([]);
  });

  it("finds imports at all (the scan is not vacuous)", () => {
    expect(importsOf(join(SERVER, "http/route.ts"))).to.include("services/sessions");
    expect(importsOf(join(SERVER, "persistence/entities.ts"))).to.include("domain/roles");
  });

  it("when a route handler reads its context, then it finds services only (no database, chain or outbox)", () => {
    const reached = importsOf(join(SERVER, "context.ts")).filter((m) =>
      ["persistence", "chain", "outbox"].includes(m.split("/")[0]),
    );
    expect(reached).to.deep.equal([]);
  });
});
