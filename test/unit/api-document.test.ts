import { expect } from "chai";
import { readFileSync } from "node:fs";
import { ROUTES, apiDocument } from "../../server/http/app";
import { REQUEST_EXAMPLES } from "../../server/http/examples";
import { DOMAIN, examplePath, RESPONSE_EXAMPLES, SIGNED_TYPES } from "../../server/http/response-examples";
import { routeErrorCodes } from "../../server/http/route";
import { ProblemBody, TAGS } from "../../server/http/openapi";
import { ERRORS, isErrorCode } from "../../server/errors";
import * as eip712 from "../../server/domain/eip712";
import { typedDataPayload } from "../../server/chain/typed-data";
import { ERRORS_DOC, errorsMarkdown } from "../../scripts/errors-doc";

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { example?: unknown }> }>;
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

  it("when a route answers with a body, then the document carries a realistic example that its own schema accepts", function () {
    for (const { spec } of ROUTES) {
      for (const [status, r] of Object.entries(spec.responses)) {
        const where = `${spec.operationId} ${status}`;
        const media = doc.paths[spec.path][spec.method].responses[status].content?.["application/json"];
        if (!r.schema) {
          expect(media, `${where}: no body, no example`).to.equal(undefined);
          continue;
        }
        const example = RESPONSE_EXAMPLES[spec.operationId]?.[Number(status)];
        expect(example, `${where}: response example`).to.not.equal(undefined);
        const parsed = r.schema.safeParse(example);
        expect(parsed.success, `${where}: ${JSON.stringify(parsed.error?.issues)}`).to.equal(true);
        expect(media?.example, `${where}: example in the document`).to.deep.equal(example);
      }
    }
    const stray = Object.entries(RESPONSE_EXAMPLES).flatMap(([id, byStatus]) => {
      const route = ROUTES.find((r) => r.spec.operationId === id);
      return Object.keys(byStatus)
        .filter((status) => !route?.spec.responses[Number(status)]?.schema)
        .map((status) => `${id} ${status}`);
    });
    expect(stray).to.deep.equal([], "examples of unknown operations or of responses without a body");
  });

  it("when a list answers, then its example's next link follows the convention: the same path, a cursor it decodes", function () {
    let links = 0;
    const check = (where: string, path: string, body: unknown) => {
      if (!body || typeof body !== "object" || !("items" in body) || !("next" in body)) return;
      const { items, next } = body as { items: unknown[]; next: string | null };
      expect(items, `${where}: items`).to.be.an("array");
      if (next === null) return;
      links++;
      const url = new URL(next, "http://x");
      expect(url.pathname, `${where}: next link's path`).to.equal(path);
      const cursor = url.searchParams.get("cursor")!;
      expect(cursor, `${where}: cursor`).to.match(/^[A-Za-z0-9_-]+$/);
      expect(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")), `${where}: cursor`).to.be.an("array");
    };
    for (const { spec } of ROUTES)
      for (const [status, example] of Object.entries(RESPONSE_EXAMPLES[spec.operationId] ?? {})) {
        const where = `${spec.operationId} ${status}`;
        check(where, examplePath(spec.path), example);
        // A page inside a body (a participant's movements) links to its own resource.
        for (const inner of Object.values(example as Record<string, unknown>))
          check(where, examplePath(spec.path), inner);
      }
    expect(links, "pages with a next link").to.be.greaterThan(10);
  });

  it("when typed data is served, then its example is what a wallet signs: the ledger's types, the domain, its digest", function () {
    const chainTypes: Record<string, unknown> = {
      TransferAuthorization: eip712.TRANSFER_TYPES.TransferAuthorization,
      Redemption: eip712.REDEMPTION_TYPES.Redemption,
      DisclosureAcknowledgement: eip712.ACKNOWLEDGEMENT_TYPES.DisclosureAcknowledgement,
      IssuanceRequest: eip712.ISSUANCE_TYPES.IssuanceRequest,
      ObligationsFulfilled: eip712.OBLIGATIONS_TYPES.ObligationsFulfilled,
      DecisionChange: eip712.DECISION_CHANGE_TYPES.DecisionChange,
      CollateralAttestation: eip712.ATTESTATION_TYPES.CollateralAttestation,
    };
    expect(SIGNED_TYPES).to.deep.equal(chainTypes);
    const domain = eip712.ledgerDomain(DOMAIN.chainId, DOMAIN.verifyingContract);
    const served = ROUTES.filter((r) => r.spec.operationId.startsWith("prepareMy"));
    expect(served.length).to.be.greaterThan(6);
    for (const { spec } of served) {
      const t = RESPONSE_EXAMPLES[spec.operationId][200] as { primaryType: string; message: Record<string, unknown> };
      const expected = typedDataPayload(domain, { [t.primaryType]: SIGNED_TYPES[t.primaryType] }, t.message);
      expect(t, spec.operationId).to.deep.include(expected);
    }
  });

  it("when an error response is documented, then it carries the problem of its first code as the server writes it", function () {
    for (const { where, op } of operations) {
      for (const [status, r] of Object.entries(op.responses)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        const example = r.content?.["application/problem+json"]?.example as Record<string, unknown> | undefined;
        expect(example, `${where} ${status}: problem example`).to.not.equal(undefined);
        const parsed = ProblemBody.safeParse(example);
        expect(parsed.success, `${where} ${status}: ${JSON.stringify(parsed.error?.issues)}`).to.equal(true);
        const code = String(example!.code);
        expect(isErrorCode(code) && ERRORS[code][0], `${where} ${status}: ${code} has this status`).to.equal(
          Number(status),
        );
        expect(r.description.startsWith(`\`${code}\`: `), `${where} ${status}: the first code listed`).to.equal(true);
        if (!isErrorCode(code)) continue;
        expect(example).to.deep.include({
          type: `/v1/errors/${code}`,
          title: ERRORS[code][1],
          status: Number(status),
          code,
          error: { code, message: example!.detail, ...(example!.details ? { details: example!.details } : {}) },
        });
        expect(String(example!.instance), `${where}: instance is a request's path`).to.match(/^\/[^{}?]*$/);
        if (code === "VALIDATION_FAILED")
          expect(example!.errors, `${where}: the fields that are wrong`).to.be.an("array").that.is.not.empty;
      }
    }
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
