import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";
import { canonicalJson, identityHashOf } from "../../server/domain/canonical-json";
import { Participant } from "../../server/persistence/entities";
import { requestHash } from "../../server/services/idempotency";
import {
  bearer,
  bootstrapPlatform,
  expectPosted,
  FAR_FUTURE,
  randomHolder,
  signAck,
  startEnv,
} from "./support/harness";
import type { TestEnv } from "./support/harness";

/**
 * The identity hash's test vector, as published in docs/design.md ("Identity hash"): a third party recomputes
 * keccak256(UTF-8(JCS(identity record))) with any RFC 8785 implementation and keccak-256.
 */
export const IDENTITY_VECTOR = {
  record: {
    fullName: "Әйгерім Бекова",
    iin: "900101300126",
    address: { postcode: "050000", city: "Алматы", street: "Абай даңғылы, 10" },
    documents: [{ type: "passport", number: "N12345678", issuedOn: "2020-05-14" }],
    politicallyExposed: false,
    riskScore: 0.25,
    checkedBy: "operator KYC desk",
  },
  jcs: '{"address":{"city":"Алматы","postcode":"050000","street":"Абай даңғылы, 10"},"checkedBy":"operator KYC desk","documents":[{"issuedOn":"2020-05-14","number":"N12345678","type":"passport"}],"fullName":"Әйгерім Бекова","iin":"900101300126","politicallyExposed":false,"riskScore":0.25}',
  hash: "0xa9e0e7098913b522a00c6788ce177f19d60664ffaa68a0efeb703f4082f6e8d4",
};

describe("identity hash: RFC 8785 (JCS) + keccak256", function () {
  it("when the published test vector is hashed, then its JCS text and hash are the documented ones", () => {
    expect(canonicalJson(IDENTITY_VECTOR.record)).to.equal(IDENTITY_VECTOR.jcs);
    expect(identityHashOf(IDENTITY_VECTOR.record)).to.equal(IDENTITY_VECTOR.hash);
    // The recipe spelled out: keccak-256 over the UTF-8 bytes of the JCS text.
    expect(keccak256(Buffer.from(IDENTITY_VECTOR.jcs, "utf8"))).to.equal(IDENTITY_VECTOR.hash);
    // Member order as sent does not matter.
    const reversed = Object.fromEntries(Object.entries(IDENTITY_VECTOR.record).reverse());
    expect(identityHashOf(reversed)).to.equal(IDENTITY_VECTOR.hash);
  });

  it("when RFC 8785's own example (section 3.2.2) is canonicalized, then the output is the RFC's (section 3.2.3)", () => {
    const input =
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}';
    expect(canonicalJson(JSON.parse(input))).to.equal(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("when member names are array indices or non-ASCII, then they sort by UTF-16 code units (where the earlier hand-written form differed)", () => {
    // The earlier form rebuilt objects, and JavaScript puts index-like names first in numeric order: {"9":…,"10":…}.
    expect(canonicalJson({ 9: "b", 10: "a", b: 1, a: { "€": 1, "\u00e9": 2, Z: 3 } })).to.equal(
      '{"10":"a","9":"b","a":{"Z":3,"é":2,"€":1},"b":1}',
    );
    // U+1F600 is the surrogate pair D83D DE00, before U+FB01 in UTF-16 (code point order would say the opposite).
    expect(canonicalJson({ "\uFB01": 2, "\u{1F600}": 1 })).to.equal('{"\u{1F600}":1,"\uFB01":2}');
    expect(() => canonicalJson({ x: Number.NaN })).to.throw();
  });

  it("when the same body arrives with its members in another order, then its idempotency request hash is the same", () => {
    expect(requestHash("POST", "/v1/x", { a: 1, b: [1, { d: 2, c: 3 }] })).to.equal(
      requestHash("POST", "/v1/x", { b: [1, { c: 3, d: 2 }], a: 1 }),
    );
    expect(requestHash("POST", "/v1/x", { a: 1 })).not.to.equal(requestHash("POST", "/v1/y", { a: 1 }));
  });

  describe("through the gateway", function () {
    let env: TestEnv;
    before(async () => {
      env = await startEnv();
    });
    after(async () => env?.close());

    it("when a participant is registered with the vector's identity record, then the ledger holds the vector's hash and the record is kept as its JCS text", async () => {
      const { documentHash } = await bootstrapPlatform(env);
      const holder = randomHolder();
      const signature = await signAck(env, holder, 1, documentHash);
      await expectPosted(
        env.http
          .post("/v1/participants?wait=true")
          .set(bearer(env.keys.operator))
          .send({
            address: holder.address,
            kind: "NaturalPerson",
            identity: IDENTITY_VECTOR.record,
            acknowledgement: { version: 1, deadline: FAR_FUTURE, signature },
          }),
      );
      const res = await env.http.get(`/v1/participants/${holder.address}`).set(bearer(env.keys.operator));
      expect(res.status).to.equal(200);
      expect(res.body.identityHash).to.equal(IDENTITY_VECTOR.hash);
      expect(res.body.onChain.identityHash).to.equal(IDENTITY_VECTOR.hash);
      expect(res.body.identity).to.deep.equal(IDENTITY_VECTOR.record);
      const row = await env.gateway.internals.db.manager.findOneByOrFail(Participant, { address: holder.address });
      expect(row.identity).to.equal(IDENTITY_VECTOR.jcs);
      expect(keccak256(toUtf8Bytes(row.identity))).to.equal(
        await env.gateway.internals.chain.ledger.identityHashOf(holder.address),
      );
    });
  });
});
