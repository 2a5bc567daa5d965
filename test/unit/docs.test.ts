import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { expect } from "chai";
import { ENVIRONMENT_SHAPE } from "../../server/config";

/**
 * The documentation's own checks: every relative link and anchor of README.md, docs/*.md and server/README.md leads
 * somewhere, and the README's configuration table (the one table of environment variables) lists exactly the
 * variables server/config.ts reads, with their defaults.
 */

const ROOT = resolve(__dirname, "../..");
const DOCUMENTS = [
  "README.md",
  "server/README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** The lines outside fenced code blocks (``` or ~~~), with the 1-based line number of each. */
function proseLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let fence: string | undefined;
  text.split("\n").forEach((l, i) => {
    const m = /^\s*(```+|~~~+)/.exec(l);
    if (m) {
      if (fence === undefined) fence = m[1][0];
      else if (m[1][0] === fence) fence = undefined;
      return;
    }
    if (fence === undefined) out.push({ line: i + 1, text: l });
  });
  return out;
}

/** GitHub's anchor for a heading: the rendered text, lower case, without punctuation, spaces as hyphens. */
function slug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`/g, "")
    .replace(/<[^>]+>/g, "");
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  const cached = anchorCache.get(file);
  if (cached) return cached;
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(readFileSync(file, "utf8"))) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (h) {
      const base = slug(h[1]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const a of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(a[1]);
  }
  anchorCache.set(file, anchors);
  return anchors;
}

interface Link {
  document: string;
  line: number;
  target: string;
}

/** Inline links `[text](target)` outside code (code spans may hold `](` as text). */
function linksOf(document: string): Link[] {
  const lines = proseLines(readFileSync(join(ROOT, document), "utf8"));
  // Join the prose back, so a code span broken across lines is still one span; keep each offset's line number.
  const starts: number[] = [];
  let prose = "";
  for (const l of lines) {
    starts.push(prose.length);
    prose += l.text + "\n";
  }
  const lineAt = (offset: number) => {
    let i = 0;
    while (i + 1 < starts.length && starts[i + 1] <= offset) i++;
    return lines[i].line;
  };
  // A link's text may hold code spans; a code span never holds a link. Blank the spans that are not link text.
  const blanked = prose.replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (span, _ticks, _body, offset: number) => {
    const before = prose.slice(Math.max(0, offset - 300), offset);
    const after = prose.slice(offset + span.length, offset + span.length + 300);
    const inLinkText = /\[[^\]]*$/.test(before) && /^[^[]*\]\(/.test(after);
    return inLinkText ? span : span.replace(/[^\n]/g, " ");
  });
  const links: Link[] = [];
  for (const m of blanked.matchAll(/!?\[(?:[^\]\n]|\n(?!\n))*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    links.push({ document, line: lineAt(m.index), target: m[1] });
  }
  return links;
}

/** Why a relative link leads nowhere, or undefined when it leads somewhere. */
function brokenReason(link: Link): string | undefined {
  const { target } = link;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto:, …
  const hash = target.indexOf("#");
  const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const file = path === "" ? join(ROOT, link.document) : resolve(dirname(join(ROOT, link.document)), path);
  if (!file.startsWith(ROOT)) return `${path} is outside the repository`;
  if (!existsSync(file)) return `${relative(ROOT, file)} does not exist`;
  if (anchor === undefined || anchor === "") return undefined;
  if (statSync(file).isDirectory() || !file.endsWith(".md")) return `an anchor into ${relative(ROOT, file)}`;
  if (!anchorsOf(file).has(anchor)) return `${relative(ROOT, file)} has no heading #${anchor}`;
  return undefined;
}

interface Row {
  variables: string[];
  readBy: string;
  defaultValue: string;
  meaning: string;
}

/** The cells of a table row, split on the pipes that are not escaped or inside a code span. */
function cells(row: string): string[] {
  const out: string[] = [];
  let cell = "";
  let code = false;
  const body = row.trim().replace(/^\|/, "").replace(/\|$/, "");
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\" && body[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (c === "`") {
      code = !code;
      cell += c;
    } else if (c === "|" && !code) {
      out.push(cell.trim());
      cell = "";
    } else cell += c;
  }
  out.push(cell.trim());
  return out;
}

/** The README's configuration table: every row, its variables (the code spans of its first cell) and its cells. */
function configurationTable(): Row[] {
  const lines = proseLines(readFileSync(join(ROOT, "README.md"), "utf8")).map((l) => l.text);
  const start = lines.findIndex((l) => /^##\s+Configuration\s*$/.test(l));
  expect(start, 'README.md has a "## Configuration" section').to.be.greaterThan(-1);
  const end = lines.findIndex((l, i) => i > start && /^##\s/.test(l));
  const section = lines.slice(start + 1, end < 0 ? undefined : end);
  const table = section.filter((l) => l.startsWith("|"));
  expect(cells(table[0]), "the configuration table's columns").to.deep.equal([
    "variable",
    "read by",
    "default",
    "meaning",
  ]);
  return table.slice(2).map((row) => {
    const [variable, readBy, defaultValue, meaning] = cells(row);
    return {
      variables: [...variable.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]),
      readBy,
      defaultValue,
      meaning,
    };
  });
}

/** The source the project's commands are written in (scripts/, hardhat.config.ts), to find who reads a variable. */
function commandSources(): string {
  const texts: string[] = [readFileSync(join(ROOT, "hardhat.config.ts"), "utf8")];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const p = join(dir, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|js|sh)$/.test(entry)) texts.push(readFileSync(p, "utf8"));
    }
  };
  walk(join(ROOT, "scripts"));
  return texts.join("\n");
}

describe("Documentation", function () {
  describe("links", function () {
    it("when a document links to a file or a heading of this repository, then it exists", function () {
      const links = DOCUMENTS.flatMap(linksOf);
      expect(links.length, "links found").to.be.greaterThan(20);
      const broken = links
        .map((l) => ({ l, reason: brokenReason(l) }))
        .filter((x) => x.reason !== undefined)
        .map(({ l, reason }) => `${l.document}:${l.line} (${l.target}): ${reason}`);
      expect(broken, "broken links").to.deep.equal([]);
    });

    it("when a heading's anchor is computed, then it is GitHub's", function () {
      expect(slug("The law, rule by rule")).to.equal("the-law-rule-by-rule");
      expect(slug("Submitting exactly once (`chain/submitter.ts`)")).to.equal(
        "submitting-exactly-once-chainsubmitterts",
      );
      expect(slug("Hostile-input fuzzing (`npm run fuzz`)")).to.equal("hostile-input-fuzzing-npm-run-fuzz");
      expect(slug("1. Generate")).to.equal("1-generate");
    });

    it("when a link points nowhere, then it is found", function () {
      expect(brokenReason({ document: "README.md", line: 1, target: "#no-such-heading" })).to.contain("no heading");
      expect(brokenReason({ document: "README.md", line: 1, target: "docs/none.md" })).to.contain("does not exist");
      expect(brokenReason({ document: "docs/design.md", line: 1, target: "../README.md#configuration" })).to.equal(
        undefined,
      );
    });
  });

  describe("the configuration table (README.md, Configuration)", function () {
    const gatewayVariables = Object.keys(ENVIRONMENT_SHAPE).sort();

    it("when server/config.ts reads a variable, then the table lists it for the gateway, and nothing else", function () {
      const rows = configurationTable();
      const listed = rows
        .filter((r) => /\bgateway\b/.test(r.readBy))
        .flatMap((r) => r.variables)
        .sort();
      expect(listed, "variables the table marks as read by the gateway").to.deep.equal(gatewayVariables);
      const all = rows.flatMap((r) => r.variables);
      expect(
        all.filter((v, i) => all.indexOf(v) !== i),
        "variables listed twice",
      ).to.deep.equal([]);
    });

    it("when the gateway's schema has a default, then the table's default names it", function () {
      const rows = configurationTable();
      const wrong: string[] = [];
      for (const [name, schema] of Object.entries(ENVIRONMENT_SHAPE)) {
        const parsed = (schema as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse(undefined);
        if (!parsed.success || parsed.data === undefined) continue;
        const row = rows.find((r) => r.variables.includes(name));
        if (!row?.defaultValue.includes(`\`${String(parsed.data)}\``))
          wrong.push(`${name}: default \`${String(parsed.data)}\`, the table says ${row?.defaultValue ?? "nothing"}`);
      }
      expect(wrong).to.deep.equal([]);
    });

    it("when a row is not the gateway's, then the command it names reads the variable", function () {
      const sources = commandSources();
      const unknown = configurationTable()
        .filter((r) => !/\bgateway\b/.test(r.readBy))
        .flatMap((r) => r.variables)
        .filter((v) => gatewayVariables.includes(v) || !new RegExp(`\\b${v}\\b`).test(sources));
      expect(unknown, "variables no command reads (or the gateway's, marked otherwise)").to.deep.equal([]);
    });

    it("when a row lists a variable, then it says what it is", function () {
      const empty = configurationTable()
        .filter((r) => r.variables.length === 0 || r.readBy === "" || r.defaultValue === "" || r.meaning === "")
        .map((r) => r.variables.join(", ") || "(no variable)");
      expect(empty).to.deep.equal([]);
    });

    it("when another document lists settings, then it links to the table instead of keeping defaults of its own", function () {
      const variables = new Set(configurationTable().flatMap((r) => r.variables));
      const copies: string[] = [];
      for (const document of DOCUMENTS.filter((d) => d !== "README.md")) {
        let defaults = false;
        for (const { line, text } of proseLines(readFileSync(join(ROOT, document), "utf8"))) {
          if (!text.startsWith("|")) {
            defaults = false;
            continue;
          }
          const row = cells(text);
          if (row.some((c) => /^default$/i.test(c))) defaults = true;
          else if (defaults && [...row[0].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].some((m) => variables.has(m[1])))
            copies.push(`${document}:${line}: ${row[0]}`);
        }
      }
      expect(copies, "rows of another table of environment variables with their defaults").to.deep.equal([]);
    });
  });
});
