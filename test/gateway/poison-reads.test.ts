import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { encodeBytes32String, hexlify, id as keccakText, toUtf8Bytes, toUtf8String, Utf8ErrorFuncs } from "ethers";
import type { Wallet } from "ethers";
import pino from "pino";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import { waitFor } from "./support/wait";
import type { SecuredAssetLedger } from "../../typechain-types";
import { ChainDecisionTargets, DecisionChecker } from "../../server/supervision/decisions";
import { EgressPolicy } from "../../server/supervision/egress";
import { Alert, DecisionCheck } from "../../server/supervision/entities";
import {
  attest,
  bearer,
  bootstrapPlatform,
  buildFiling,
  decisionChangeBody,
  GRAIN,
  ISSUER,
  onboard,
  PERMIT,
  randomHolder,
  startEnv,
} from "./support/harness";
import type { TestEnv } from "./support/harness";
import { DocumentServer, issueWithDecision } from "./supervision-support";

/** What ethers makes of a lone surrogate: its bytes on chain, and the readable form with U+FFFD. */
const onChain = (s: string) => hexlify(toUtf8Bytes(s));
const readable = (s: string) => toUtf8String(toUtf8Bytes(s), Utf8ErrorFuncs.replace);

interface TextFault {
  field: string;
  hex: string;
}

/**
 * Any holder of the authority or operator role can post text that is not UTF-8 straight to the ledger; the read
 * endpoints that show chain text then answer with its readable form and its exact bytes, for everyone, for ever.
 */
describe("poisoned text on chain: the read endpoints go on", function () {
  this.timeout(240_000);
  let env: TestEnv;
  let docs: DocumentServer;
  let ledger: SecuredAssetLedger;
  let owner: Wallet;
  let healthyAsset: string;
  let poisonedAsset: string;
  const monitor = () => bearer(env.keys.monitor);
  const ctx = () => env.gateway.context;
  const internals = () => env.gateway.internals;

  const name = "Grain \udfff elevator";
  const legalName = "Steppe \udfff LLP";
  const permitNumber = "KZ-SDA-\udfff";
  const rightsExtent = "1 unit = 1 tonne \udfff";
  const registeredAddress = "Astana, \udfff 55";
  const newUri = "https://steppegrain.kz/decisions/\udfff.pdf";
  const reason = "corrected \udfff";
  const disclosureUri = "https://platform.kz/risks/\udfff";

  before(async () => {
    docs = await new DocumentServer().start();
    // The healthy asset's document server is a loopback http server; the test runs the decision checks itself.
    env = await startEnv({
      documentUriAllowHttp: true,
      supervision: { enabled: false, decisionFetchTimeoutMs: 5_000, outboundAllow: ["127.0.0.0/8"] },
    });
    const { documentHash } = await bootstrapPlatform(env);
    owner = randomHolder();
    await onboard(env, owner, documentHash);
    healthyAsset = await issueWithDecision(env, owner, "10", { documentHash: docs.hash, uri: docs.url });
    // From here the test acts with the authority's key straight on the ledger, as another client of the ledger
    // would, without racing the gateway's nonces; the operator's acts go through the services (the HTTP edge
    // refuses such text).
    await env.restart({ authorityKey: undefined });
    ledger = SecuredAssetLedger__factory.connect(env.deployment.ledger, env.authority);
  });
  after(async () => {
    await env?.close();
    await docs?.stop();
  });

  it("when a permit is granted with ill-formed text, then the permit register shows it readable with its bytes", async () => {
    const operator = randomHolder().address;
    await (
      await ledger.grantPermit(operator, {
        legalName,
        bin: "230140012340",
        permitNumber,
        scope: "issuance and circulation",
      })
    ).wait();

    // The permit is the record mirror's, which follows the ledger on its own (the grant was not this gateway's).
    let one = await env.http.get(`/v1/permits/${operator}`).set(monitor());
    await waitFor("the mirror to hold the permit", async () => {
      one = await env.http.get(`/v1/permits/${operator}`).set(monitor());
      return one.status === 200;
    });
    expect(one.status, JSON.stringify(one.body)).to.equal(200);
    expect(one.body.details).to.deep.equal({
      legalName: readable(legalName),
      bin: "230140012340",
      permitNumber: readable(permitNumber),
      scope: "issuance and circulation",
    });
    expect(one.body.textFaults).to.have.deep.members([
      { field: "details.legalName", hex: onChain(legalName) },
      { field: "details.permitNumber", hex: onChain(permitNumber) },
    ]);

    // The list is the record mirror's, which follows the ledger on its own (the grant was not this gateway's).
    let all = await env.http.get("/v1/permits").set(monitor());
    await waitFor("the mirror to hold the permit", async () => {
      all = await env.http.get("/v1/permits").set(monitor());
      return all.status === 200 && (all.body.items as { operator: string }[]).some((p) => p.operator === operator);
    });
    const items = all.body.items as { operator: string; details: { legalName: string }; textFaults: TextFault[] }[];
    expect(items.find((p) => p.operator === env.operator.address)).to.deep.include({
      details: { ...PERMIT },
      textFaults: [],
    });
    expect(items.find((p) => p.operator === operator)?.details.legalName).to.equal(readable(legalName));
  });

  it("when an asset type is listed with an ill-formed name, then the type register shows it readable with its bytes", async () => {
    await (await ledger.listAssetType(encodeBytes32String("POISON"), name, 1)).wait();

    // The type is the record mirror's, which follows the ledger on its own (the listing was not this gateway's).
    let one = await env.http.get("/v1/asset-types/POISON").set(monitor());
    await waitFor("the mirror to hold the asset type", async () => {
      one = await env.http.get("/v1/asset-types/POISON").set(monitor());
      return one.status === 200;
    });
    expect(one.body).to.deep.include({
      label: "POISON",
      name: readable(name),
      category: "TangibleAsset",
      listed: true,
      textFaults: [{ field: "name", hex: onChain(name) }],
    });

    let all = await env.http.get("/v1/asset-types").set(monitor());
    await waitFor("the mirror to hold the asset type", async () => {
      all = await env.http.get("/v1/asset-types").set(monitor());
      return all.status === 200 && (all.body.items as { label: string }[]).some((t) => t.label === "POISON");
    });
    expect(
      all.body.items.map((t: { label: string; textFaults: TextFault[] }) => [t.label, t.textFaults.length]),
    ).to.deep.equal([
      [GRAIN, 0],
      ["POISON", 1],
    ]);
  });

  it("when an asset is issued and its decision changed with ill-formed text, then the asset shows it readable with its bytes", async () => {
    const clientId = randomUUID();
    const services = ctx().services;
    // The owner signs the texts as ethers encodes them (a lone surrogate as its three bytes): the ledger hashes the same bytes.
    const issuer = { ...ISSUER, registeredAddress };
    const nonce = String(Date.now());
    const filing = await buildFiling(env, owner, "5", nonce, {
      decision: { uri: "https://steppegrain.kz/decisions/p.pdf", rightsExtent },
      issuer,
    });
    const filed = await services.issuance.file(filing);
    await services.issuance.attest(filed.id, await attest(env, owner.address, filing.evidenceHash, nonce, "5"));
    const posted = await internals().submitter.waitFor((await services.issuance.post(filed.id, clientId)).id, 20_000);
    expect(posted?.status).to.equal("posted");
    poisonedAsset = (await services.issuance.find(filed.id)).assetId!;
    // The issuer (the owner) orders the change; its signature covers the same ill-formed texts.
    const change = await services.assets.changeDecision(
      poisonedAsset,
      await decisionChangeBody(env, owner, poisonedAsset, {
        documentHash: keccakText("decision v2"),
        uri: newUri,
        reason,
      }),
      clientId,
    );
    expect((await internals().submitter.waitFor(change.id, 20_000))?.status).to.equal("posted");

    const res = await env.http.get(`/v1/assets/${poisonedAsset}`).set(monitor());
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.decision).to.deep.include({ uri: readable(newUri), rightsExtent: readable(rightsExtent) });
    expect(res.body.decision.changes[0]).to.deep.include({ newUri: readable(newUri), reason: readable(reason) });
    expect(res.body.issuerDetails).to.deep.include({
      legalName: ISSUER.legalName,
      bin: ISSUER.bin,
      registeredAddress: readable(registeredAddress),
    });
    expect(res.body.textFaults).to.have.deep.members([
      { field: "decision.uri", hex: onChain(newUri) },
      { field: "decision.rightsExtent", hex: onChain(rightsExtent) },
      { field: "decision.changes[0].newUri", hex: onChain(newUri) },
      { field: "decision.changes[0].reason", hex: onChain(reason) },
      { field: "issuerDetails.registeredAddress", hex: onChain(registeredAddress) },
    ]);
    const healthy = await env.http.get(`/v1/assets/${healthyAsset}`).set(monitor());
    expect(healthy.status).to.equal(200);
    expect(healthy.body.textFaults).to.deep.equal([]);

    const list = await env.http.get("/v1/assets").set(monitor());
    expect(list.status, JSON.stringify(list.body)).to.equal(200);
    const items = list.body.items as { assetId: string; decisionURI: string; textFaults: TextFault[] }[];
    expect(items.find((a) => a.assetId === poisonedAsset)).to.deep.include({
      decisionURI: readable(newUri),
      textFaults: [{ field: "decisionURI", hex: onChain(newUri) }],
    });
    expect(items.find((a) => a.assetId === healthyAsset)).to.deep.include({ decisionURI: docs.url, textFaults: [] });
  });

  it("when an asset's decision URI on chain is ill-formed, then the decision check records it unreachable without fetching it and still checks the other assets", async () => {
    const db = internals().db;
    const expectRound = async (round: { results: { assetId: string; outcome: string }[] }, source: string) => {
      expect(round.results, source).to.deep.include({ assetId: healthyAsset, outcome: "ok" });
      expect(round.results, source).to.deep.include({ assetId: poisonedAsset, outcome: "unreachable" });
      const [check] = await db.manager.find(DecisionCheck, {
        where: { assetId: poisonedAsset },
        order: { checkedAt: "DESC" },
        take: 1,
      });
      expect(check, source).to.include({ uri: readable(newUri), outcome: "unreachable", httpStatus: null });
      expect(check.error, source).to.include("not valid UTF-8").and.include(onChain(newUri));
      const alert = await db.manager.findOneByOrFail(Alert, { assetId: poisonedAsset, kind: "decision.unreachable" });
      expect(alert.status, source).to.equal("open");
      expect(await db.manager.countBy(Alert, { assetId: healthyAsset, status: "open" }), source).to.equal(0);
    };
    // The gateway's round reads the assets from the mirror, which holds the URI in its readable form.
    await ctx().mirror.indexer.sync();
    const run = await env.http.post("/v1/decision-checks/run").set(bearer(env.keys.authority));
    expect(run.status, JSON.stringify(run.body)).to.equal(200);
    await expectRound(run.body, "mirror");
    // Before the mirror has assets, the round reads them from the chain.
    const checker = new DecisionChecker(
      db,
      new ChainDecisionTargets(internals().chain),
      ctx().services.supervision.settings,
      new EgressPolicy(["127.0.0.0/8"]),
      pino({ level: "silent" }),
      randomUUID(),
    );
    await expectRound(await checker.runOnce(), "chain");
  });

  it("when a disclosure is published with an ill-formed URI, then the public disclosure shows it readable with its bytes and participants can still acknowledge it", async () => {
    const documentHash = keccakText("Risk disclosure v2");
    await (await ledger.publishDisclosure(documentHash, disclosureUri)).wait();

    const current = await env.http.get("/v1/disclosures/current");
    expect(current.status, JSON.stringify(current.body)).to.equal(200);
    expect(current.body).to.deep.include({
      version: 2,
      current: true,
      documentHash,
      uri: readable(disclosureUri),
      textFaults: [{ field: "uri", hex: onChain(disclosureUri) }],
    });
    const v2 = await env.http.get("/v1/disclosures/2");
    expect(v2.status).to.equal(200);
    expect(v2.body.uri).to.equal(readable(disclosureUri));
    const v1 = await env.http.get("/v1/disclosures/1");
    expect(v1.body).to.deep.include({
      version: 1,
      current: false,
      uri: "https://platform.kz/risks/v1",
      textFaults: [],
    });

    await onboard(env, randomHolder(), documentHash, 2);
  });
});
