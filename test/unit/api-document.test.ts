import { expect } from "chai";
import { readFileSync } from "node:fs";
import { ROUTES, apiDocument } from "../../server/http/app";
import { REQUEST_EXAMPLES } from "../../server/http/examples";
import { routeErrorCodes } from "../../server/http/route";
import { TAGS } from "../../server/http/openapi";
import { ERRORS, isErrorCode } from "../../server/errors";
import { ERRORS_DOC, errorsMarkdown } from "../../scripts/errors-doc";

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>>; tags: { name: string; description: string }[] };

const doc = apiDocument() as Doc;
const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, op })),
);

describe("the OpenAPI document describes every operation", function () {
  it("when the document is generated, then every operation (routes and streamed exports) is in it", function () {
    expect(operations.length).to.be.at.least(ROUTES.length);
    for (const { spec } of ROUTES) {
      expect(doc.paths[spec.path]?.[spec.method], `${spec.method} ${spec.path}`).to.not.equal(undefined);
    }
  });

  it("when a route is added, then it must have a summary, a described tag and its error codes by status", function () {
    const tagNames = doc.tags.map((t) => t.name);
    for (const { where, op } of operations) {
      expect(op.summary ?? "", `${where}: summary`).to.have.length.greaterThan(10);
      expect(op.tags, `${where}: tag`).to.have.length(1);
      expect(tagNames, `${where}: its tag '${op.tags![0]}' is described`).to.include(op.tags![0]);
      const errorStatuses = Object.keys(op.responses).filter((s) => /^[45]\d\d$/.test(s));
      expect(errorStatuses, `${where}: error responses`).to.include.members(["429", "500"]);
      expect(op.responses.default, `${where}: no catch-all default`).to.equal(undefined);
      for (const status of errorStatuses) {
        const r = op.responses[status];
        expect(r.content, `${where} ${status}`).to.have.property("application/problem+json");
        // Each listed code exists, has this status, and comes with its meaning.
        const codes = [...r.description.matchAll(/`([A-Z_]+)`: /g)].map((m) => m[1]);
        expect(codes, `${where} ${status}: codes`).to.not.be.empty;
        for (const code of codes) {
          expect(isErrorCode(code), `${where}: ${code} is in the catalogue`).to.equal(true);
          if (isErrorCode(code)) {
            expect(ERRORS[code][0], `${where}: ${code}'s status`).to.equal(Number(status));
            expect(r.description).to.include(ERRORS[code][1]);
          }
        }
      }
    }
  });

  it("when a route has a body, then the document carries a realistic example that its own schema accepts", function () {
    for (const { spec } of ROUTES) {
      if (!spec.body) continue;
      const example = REQUEST_EXAMPLES[spec.operationId];
      expect(example, `${spec.operationId}: request example`).to.not.equal(undefined);
      const parsed = spec.body.safeParse(example);
      expect(parsed.success, `${spec.operationId}: ${JSON.stringify(parsed.error?.issues)}`).to.equal(true);
      const media = doc.paths[spec.path][spec.method].requestBody!.content["application/json"];
      expect(media.example, `${spec.operationId}: example in the document`).to.deep.equal(example);
    }
    expect(
      Object.keys(REQUEST_EXAMPLES).filter((id) => !ROUTES.some((r) => r.spec.operationId === id && r.spec.body)),
    ).to.deep.equal([], "examples of operations without a body");
  });

  it("when a transfer example is read, then it is one a ledger could accept: two accounts, a future deadline, 65 bytes", function () {
    const t = REQUEST_EXAMPLES.submitTransfer as {
      authorization: { from: string; to: string; deadline: string };
      signature: string;
    };
    expect(t.authorization.from).to.not.equal(t.authorization.to);
    expect(Number(t.authorization.deadline)).to.be.greaterThan(Date.now() / 1000);
    expect((t.signature.length - 2) / 2).to.equal(65);
  });

  it("when codes are traits of a route, then they are added by its kind: keyed, idempotent, with input", function () {
    const transfer = ROUTES.find((r) => r.spec.operationId === "submitTransfer")!.spec;
    expect(routeErrorCodes(transfer)).to.include.members([
      "UNAUTHENTICATED",
      "FORBIDDEN",
      "VALIDATION_FAILED",
      "IDEMPOTENCY_KEY_MISSING",
      "IDEMPOTENCY_KEY_REUSED",
      "RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED",
    ]);
    const health = ROUTES.find((r) => r.spec.operationId === "health")!.spec;
    expect(routeErrorCodes(health)).to.not.include("UNAUTHENTICATED");
  });

  it("when the tags are listed, then they follow the user's journey, each described, none unused", function () {
    expect(doc.tags.map((t) => t.name)).to.deep.equal(TAGS.map((t) => t.name));
    const used = new Set(operations.map(({ op }) => op.tags![0]));
    for (const t of doc.tags) {
      expect(t.description, t.name).to.have.length.greaterThan(10);
      expect(used.has(t.name), `tag ${t.name} is used`).to.equal(true);
    }
  });

  it("when the catalogue changes, then docs/errors.md must be regenerated (npm run docs:errors)", function () {
    expect(readFileSync(ERRORS_DOC, "utf8")).to.equal(errorsMarkdown());
  });
});
