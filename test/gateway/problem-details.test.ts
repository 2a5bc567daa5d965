import { expect } from "chai";
import type { Response } from "supertest";
import { ERRORS } from "../../server/errors";
import { apiDocument } from "../../server/http/app";
import { bearer, startEnv } from "./support/harness";
import type { TestEnv } from "./support/harness";

/** Issue 8: every error is an RFC 9457 problem with the stable code; the catalogue is served. */
describe("gateway: errors are RFC 9457 problem details", function () {
  let env: TestEnv;
  before(async function () {
    env = await startEnv({ rateLimitPerMinute: 40, rateLimitUnauthenticatedPerMinute: 40 });
  });
  after(async () => env?.close());

  /** The problem body, checked against the catalogue; the deprecated `error` member still says the same. */
  function expectProblem(res: Response, status: number, code: keyof typeof ERRORS, instance: string) {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
    expect(res.body).to.include({ type: `/v1/errors/${code}`, title: ERRORS[code][1], status, code, instance });
    expect(res.body.detail).to.be.a("string").and.not.empty;
    expect(res.body.requestId).to.equal(res.headers["x-request-id"]);
    expect(res.body.error.code).to.equal(code);
  }

  it("when an unknown endpoint is called, then 404 ROUTE_NOT_FOUND as a problem whose type resolves to its meaning", async () => {
    const res = await env.http.get("/v1/no-such-thing?x=1");
    expectProblem(res, 404, "ROUTE_NOT_FOUND", "/v1/no-such-thing");
    const entry = await env.http.get(res.body.type);
    expect(entry.status).to.equal(200);
    expect(entry.body).to.deep.equal({
      code: "ROUTE_NOT_FOUND",
      status: 404,
      title: ERRORS.ROUTE_NOT_FOUND[1],
      type: "/v1/errors/ROUTE_NOT_FOUND",
    });
  });

  it("when a body has wrong fields, then 400 VALIDATION_FAILED lists each field in errors", async () => {
    const res = await env.http
      .post("/v1/transfers")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", "problem-validation")
      .send({ authorization: { from: "0x1234", to: "nobody" }, signature: "zz" });
    expectProblem(res, 400, "VALIDATION_FAILED", "/v1/transfers");
    const fields = (res.body.errors as { in: string; path: string }[]).map((e) => `${e.in}:${e.path}`);
    expect(fields).to.include.members(["body:authorization.from", "body:authorization.to", "body:signature"]);
  });

  it("when a JSON body does not parse, then 400 MALFORMED_JSON, and nothing else leaks", async () => {
    const res = await env.http
      .post("/v1/transfers")
      .set(bearer(env.keys.operator))
      .set("Content-Type", "application/json")
      .send('{"authorization": ');
    expectProblem(res, 400, "MALFORMED_JSON", "/v1/transfers");
    expect(JSON.stringify(res.body)).to.not.match(/SyntaxError|at JSON\.parse|node_modules/);
  });

  it("when there is no key, or a key of the wrong role, then 401 and 403 problems", async () => {
    expectProblem(await env.http.get("/v1/operations"), 401, "UNAUTHENTICATED", "/v1/operations");
    const res = await env.http
      .post("/v1/transfers")
      .set(bearer(env.keys.monitor))
      .set("Idempotency-Key", "problem-forbidden")
      .send({});
    expectProblem(res, 403, "FORBIDDEN", "/v1/transfers");
  });

  it("when a domain rule refuses (a role already held), then 409 with the values that explain it", async () => {
    const res = await env.http
      .post("/v1/roles/OPERATOR/members")
      .set(bearer(env.keys.authority))
      .send({ account: env.operator.address });
    expectProblem(res, 409, "ROLE_ALREADY_GRANTED", "/v1/roles/OPERATOR/members");
    expect(res.body.details).to.include({ role: "OPERATOR", account: env.operator.address });
  });

  it("when an unknown code is looked up, then 404; the whole catalogue lists every code once", async () => {
    expectProblem(await env.http.get("/v1/errors/NOT_A_CODE"), 404, "NOT_FOUND", "/v1/errors/NOT_A_CODE");
    const all = await env.http.get("/v1/errors?limit=500");
    expect(all.status).to.equal(200);
    expect(all.body.items.map((e: { code: string }) => e.code)).to.deep.equal(Object.keys(ERRORS));
  });

  it("when a documented problem example is replayed, then the gateway answers that problem (bar the request id)", async () => {
    type Responses = Record<string, { content: Record<string, { example: Record<string, unknown> }> }>;
    const paths = (apiDocument() as { paths: Record<string, Record<string, { responses: Responses }>> }).paths;
    const documented = (path: string, method: string, status: number) => {
      const { requestId: _id, ...problem } =
        paths[path][method].responses[String(status)].content["application/problem+json"].example;
      return problem;
    };
    const invalid = await env.http
      .post("/v1/transfers")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", "problem-documented")
      .send({});
    const { requestId: _invalidId, ...invalidProblem } = invalid.body as Record<string, unknown>;
    expect(invalidProblem).to.deep.equal(documented("/v1/transfers", "post", 400));
    const anonymous = await env.http.get("/v1/operations");
    const { requestId: _anonymousId, ...anonymousProblem } = anonymous.body as Record<string, unknown>;
    expect(anonymousProblem).to.deep.equal(documented("/v1/operations", "get", 401));
  });

  it("when a client exceeds its limit, then 429 RATE_LIMITED with Retry-After", async () => {
    let last: Response | undefined;
    for (let i = 0; i < 60; i++) {
      last = await env.http.get("/v1/errors/NONCE_USED");
      if (last.status === 429) break;
    }
    expectProblem(last!, 429, "RATE_LIMITED", "/v1/errors/NONCE_USED");
    expect(Number(last!.headers["retry-after"])).to.be.greaterThan(0);
  });
});
