import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { hexlify, id as keccakText, toUtf8Bytes, toUtf8String, Utf8ErrorFuncs, ZeroHash } from "ethers";
import type { Wallet } from "ethers";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import { EventParser } from "../../server/chain/events";
import { LogDecoder } from "../../server/chain/decode";
import type { RawLog } from "../../server/chain/decode";
import { MirrorAsset, MirrorChange, MirrorParticipantChange } from "../../server/mirror/entities";
import { PlatformEvent } from "../../server/persistence/event-log";
import { Alert } from "../../server/supervision/entities";
import { ChainTransaction, Disclosure, Operation } from "../../server/persistence/entities";
import {
  bearer,
  bootstrapPlatform,
  decisionChangeBody,
  expectPosted,
  issue,
  onboard,
  randomHolder,
  startEnv,
  transferBody,
} from "./support/harness";
import type { TestEnv } from "./support/harness";
import { runSync, withScratchDatabase } from "./support/sync";
import { waitFor } from "./support/wait";

/** What ethers makes of a lone surrogate: its bytes on chain, and the readable form with U+FFFD. */
const onChain = (s: string) => hexlify(toUtf8Bytes(s));
const readable = (s: string) => toUtf8String(toUtf8Bytes(s), Utf8ErrorFuncs.replace);

interface FaultBody {
  blockNumber: number;
  blockHash: string;
  txHash: string;
  logIndex: number;
  event: string | null;
  topic: string | null;
  kind: string;
  detail: { message: string; texts?: { arg: string; hex: string; text: string }[] };
  createdAt: string;
}

describe("lenient event decoding: one bad item never stops decoding", () => {
  const iface = SecuredAssetLedger__factory.createInterface();
  const parser = new EventParser(iface);
  const frozen = iface.getEvent("ParticipantFrozen")!;
  const account = "0x" + "11".repeat(20);
  const by = "0x" + "22".repeat(20);
  const frozenLog = (reason: string) => iface.encodeEventLog(frozen, [account, by, reason]);
  const word = (n: number) => n.toString(16).padStart(64, "0");

  it("when a text argument is valid UTF-8, then it is decoded unchanged and no fault is reported", () => {
    const d = parser.decode(frozenLog("court order 12/3 — Astana"))!;
    expect(d.fault).to.equal(null);
    expect(d.event!.name).to.equal("ParticipantFrozen");
    expect(d.event!.args.reason).to.equal("court order 12/3 — Astana");
    expect(d.event!.args.account).to.equal("0x" + "11".repeat(20));
  });

  it("when a text argument is not valid UTF-8, then its readable form has U+FFFD, its exact bytes are kept, and reading it never throws", () => {
    const d = parser.decode(frozenLog("x\udfffy"))!;
    expect(d.event).to.not.equal(null);
    expect(() => d.event!.args.toArray(true)).to.not.throw();
    expect(d.event!.args.reason).to.equal(readable("x\udfffy"));
    expect(d.event!.args.reason).to.include("\ufffd");
    expect(d.event!.args.account).to.equal("0x" + "11".repeat(20));
    expect(d.fault).to.deep.include({ kind: "ill-formed-text", event: "ParticipantFrozen", topic: frozen.topicHash });
    expect(d.fault!.texts).to.deep.equal([{ arg: "reason", hex: "0x78edbfbf79", text: readable("x\udfffy") }]);
    expect(d.event!.fault).to.equal(d.fault);
  });

  it("when a text argument holds a NUL (valid UTF-8 that PostgreSQL cannot store), then it is ill-formed text shown with U+FFFD and its bytes kept", () => {
    const d = parser.decode(frozenLog("court\u0000order"))!;
    expect(d.event!.args.reason).to.equal("court\ufffdorder");
    expect(d.fault).to.deep.include({ kind: "ill-formed-text", event: "ParticipantFrozen" });
    expect(d.fault!.texts).to.deep.equal([
      { arg: "reason", hex: onChain("court\u0000order"), text: "court\ufffdorder" },
    ]);
  });

  it("when a log's data is structurally broken, then it is reported undecodable without throwing", () => {
    const { topics } = frozenLog("ok");
    const broken = [
      "0x1234", // shorter than one word
      "0x" + word(0x1000), // offset beyond the data
      "0x" + word(0x20) + word(1000), // length beyond the data
    ];
    for (const data of broken) {
      const d = parser.decode({ topics, data })!;
      expect(d.event, data).to.equal(null);
      expect(d.fault, data).to.deep.include({
        kind: "undecodable",
        event: "ParticipantFrozen",
        topic: frozen.topicHash,
      });
      expect(d.fault!.detail, data).to.be.a("string").and.not.empty;
    }
    expect(parser.parse({ topics, data: "0x1234" })).to.equal(null);
    expect(parser.decode({ topics: [keccakText("NotOurs()")], data: "0x" })).to.equal(null);
  });

  it("when the mirror's decoder meets faulty logs, then it keeps the good ones, applies lenient values and lists each fault with its position", () => {
    const decoder = new LogDecoder(iface);
    const at = (l: { topics: readonly string[]; data: string }, logIndex: number): RawLog => ({
      address: "0x" + "33".repeat(20),
      topics: [...l.topics],
      data: l.data,
      blockNumber: "0x10",
      blockHash: "0x" + "ab".repeat(32),
      transactionHash: "0x" + "cd".repeat(32),
      logIndex: "0x" + logIndex.toString(16),
    });
    const record = iface.encodeEventLog(iface.getEvent("RecordPosted")!, [
      7n,
      1n,
      account,
      by,
      5n,
      ZeroHash,
      1_700_000_000n,
    ]);
    const truncated = { topics: record.topics, data: record.data.slice(0, 200) };
    const { records, changes, faults } = decoder.decode([
      at(frozenLog("x\udfffy"), 0),
      at(truncated, 1),
      at(record, 2),
      at({ topics: frozenLog("").topics, data: "0x12" }, 3),
    ]);
    expect(records.map((r) => r.logIndex)).to.deep.equal([2]);
    expect(records[0]).to.include({ assetId: "7", sequence: 1, amount: 5n });
    expect(changes).to.have.length(1);
    expect(changes[0]).to.include({ kind: "ParticipantFrozen", logIndex: 0, account });
    expect(changes[0].args.reason).to.equal(readable("x\udfffy"));
    expect(faults.map((f) => [f.logIndex, f.kind, f.event])).to.deep.equal([
      [0, "ill-formed-text", "ParticipantFrozen"],
      [1, "undecodable", "RecordPosted"],
      [3, "undecodable", "ParticipantFrozen"],
    ]);
    expect(faults[0]).to.include({
      blockNumber: 16,
      txHash: "0x" + "cd".repeat(32),
      blockHash: "0x" + "ab".repeat(32),
    });
  });
});

describe("poisoned text on chain: the submitter and the mirror go on", function () {
  this.timeout(240_000);
  let env: TestEnv;
  let owner: Wallet, alice: Wallet, bob: Wallet, carol: Wallet, dave: Wallet;
  let assetId: string;
  let ownerNonce = 0;
  const iface = SecuredAssetLedger__factory.createInterface();
  const monitor = () => bearer(env.keys.monitor);
  const operatorKey = () => bearer(env.keys.operator);
  const ctx = () => env.gateway.context;
  const internals = () => env.gateway.internals;
  const repo = <T extends object>(cls: new () => T) => env.gateway.dataSource.getRepository(cls);
  const logIndexOf = (
    receipt: { logs: readonly { topics: readonly string[]; index: number }[] },
    event: "ParticipantFrozen" | "AssetSuspended",
  ) => receipt.logs.find((l) => l.topics[0] === iface.getEvent(event).topicHash)!.index;
  async function faults(): Promise<FaultBody[]> {
    const res = await env.http.get("/v1/mirror/faults?limit=100").set(monitor());
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.items as FaultBody[];
  }
  /** The fault alerts in chain order (several are raised in one transaction, at the same instant). */
  async function faultAlerts(): Promise<(Alert & { at: { blockNumber: number; logIndex: number; txHash: string } })[]> {
    const rows = await repo(Alert).find({ where: { kind: "chain.event.faulty" } });
    return rows
      .map((a) =>
        Object.assign(a, { at: JSON.parse(a.detail) as { blockNumber: number; logIndex: number; txHash: string } }),
      )
      .sort((x, y) => x.at.blockNumber - y.at.blockNumber || x.at.logIndex - y.at.logIndex);
  }
  async function transfer(from: Wallet, to: Wallet, amount: string, nonce: number) {
    return env.http
      .post("/v1/transfers")
      .set(operatorKey())
      .set("Idempotency-Key", randomUUID())
      .send(await transferBody(env, from, to.address, assetId, amount, String(nonce)));
  }

  before(async () => {
    env = await startEnv();
    [owner, alice, bob, carol, dave] = [randomHolder(), randomHolder(), randomHolder(), randomHolder(), randomHolder()];
    const { documentHash } = await bootstrapPlatform(env);
    for (const p of [owner, alice, bob, carol, dave]) await onboard(env, p, documentHash);
    ({ assetId } = await issue(env, owner, "1000000", String(Date.now())));
    await expectPosted(
      env.http
        .post("/v1/transfers?wait=true")
        .set(operatorKey())
        .set("Idempotency-Key", randomUUID())
        .send(await transferBody(env, owner, alice.address, assetId, "500", String(ownerNonce++))),
    );
    // From here the gateway signs as the operator only: the test acts with the authority's key straight on the
    // ledger, as another client of the ledger would, without racing the gateway's nonces.
    await env.restart({ authorityKey: undefined });
  });
  after(async () => env?.close());

  it("when text with a lone surrogate is posted straight to the ledger, then the mirror records a fault per item, raises one alert each and mirrors what follows", async () => {
    const ledger = SecuredAssetLedger__factory.connect(env.deployment.ledger, env.authority);
    const freeze = (await (await ledger.freezeParticipant(carol.address, "\udfff")).wait())!;
    const suspend = (await (await ledger.suspendAsset(assetId, "inspection \udfff pending")).wait())!;
    await (await ledger.resumeAsset(assetId, "inspection done")).wait();
    const later = await transfer(owner, bob, "100", ownerNonce++);
    expect(later.status, JSON.stringify(later.body)).to.equal(202);
    const posted = await internals().submitter.waitFor(later.body.operation.id, 20_000);
    expect(posted?.status).to.equal("posted");

    await ctx().mirror.indexer.sync();
    // The record after the poison is mirrored and announced.
    const records = await env.http.get(`/v1/records?assetId=${assetId}&limit=100`).set(monitor());
    expect(records.body.items.map((r: { sequence: string }) => r.sequence)).to.deep.equal(["1", "2", "3"]);
    const announced = await repo(PlatformEvent).find({ where: { type: "record.posted", assetId } });
    expect(announced).to.have.length(3);

    // One fault row per item, where it is on chain, with the exact bytes.
    const list = await faults();
    expect(list.map((f) => [f.txHash, f.logIndex, f.blockNumber, f.kind, f.event])).to.deep.equal([
      [
        freeze.hash,
        logIndexOf(freeze, "ParticipantFrozen"),
        freeze.blockNumber,
        "ill-formed-text",
        "ParticipantFrozen",
      ],
      [suspend.hash, logIndexOf(suspend, "AssetSuspended"), suspend.blockNumber, "ill-formed-text", "AssetSuspended"],
    ]);
    expect(list[0].blockHash).to.equal(freeze.blockHash);
    expect(list[0].detail.texts).to.deep.equal([{ arg: "reason", hex: onChain("\udfff"), text: readable("\udfff") }]);
    expect((await env.http.get("/v1/mirror").set(monitor())).body).to.include({ faults: 2 });
    expect((await env.http.get("/v1/mirror/faults").set(bearer(env.keys.verifier))).status).to.equal(403);

    // The changes are applied with their readable values: the mirror's state matches the chain.
    const frozenRow = await repo(MirrorParticipantChange).findOneByOrFail({ txHash: freeze.hash });
    expect(JSON.parse(frozenRow.payload)).to.include({ reason: readable("\udfff") });
    expect(
      await repo(PlatformEvent).countBy({ type: "participant.frozen", account: carol.address.toLowerCase() }),
    ).to.equal(1);
    expect((await repo(MirrorAsset).findOneByOrFail({ assetId })).status).to.equal("Active");
    expect(await repo(MirrorChange).countBy({ assetId, kind: "AssetSuspended" })).to.equal(1);

    // One alert per item, announced to subscribers; a replay raises none again.
    const alerts = await faultAlerts();
    expect(alerts.map((a) => [a.status, a.at.txHash])).to.deep.equal([
      ["open", freeze.hash],
      ["open", suspend.hash],
    ]);
    expect(alerts[1].assetId).to.equal(assetId);
    const listed = await env.http.get("/v1/alerts?kind=chain.event.faulty").set(monitor());
    expect(listed.status, JSON.stringify(listed.body)).to.equal(200);
    expect(listed.body.items).to.have.length(2);
    expect(listed.body.next).to.equal(null);
    const raised = (await repo(PlatformEvent).findBy({ type: "alert.raised" })).filter(
      (e) => (JSON.parse(e.payload) as { kind: string }).kind === "chain.event.faulty",
    );
    expect(raised).to.have.length(2);
    const resync = await env.http.post("/v1/mirror/resync").set(operatorKey()).send({});
    expect(resync.status, JSON.stringify(resync.body)).to.equal(200);
    expect(await faults()).to.have.length(2);
    expect(await faultAlerts()).to.have.length(2);

    // The sync task mirrors the same chain into a fresh database and reports the faults without failing.
    await withScratchDatabase("poison-sync", async (database) => {
      const run = await runSync(env, [], database);
      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.match(/2 faulty events/);
      expect(run.output).to.include(
        `block ${freeze.blockNumber} log ${logIndexOf(freeze, "ParticipantFrozen")} tx ${freeze.hash}: ill-formed-text`,
      );
      expect(run.output).to.match(new RegExp(`asset ${assetId}: verified \\(3 records`));
      const json = await runSync(env, ["--json", "--no-verify"], database);
      expect(json.code, json.output).to.equal(0);
      const summary = JSON.parse(json.stdout.trim().split("\n").pop()!) as {
        faults: {
          count: number;
          items: { blockNumber: number; logIndex: number; txHash: string; kind: string; event: string }[];
        };
      };
      expect(summary.faults.count).to.equal(2);
      expect(summary.faults.items[1]).to.deep.include({
        blockNumber: suspend.blockNumber,
        logIndex: logIndexOf(suspend, "AssetSuspended"),
        txHash: suspend.hash,
        kind: "ill-formed-text",
        event: "AssetSuspended",
      });
    });
  });

  it("when the gateway's own operations carry a lone surrogate, then they settle posted with the fault noted, their hooks complete, and the lane goes on", async () => {
    const services = ctx().services;
    const clientId = randomUUID();
    const uri = "https://steppegrain.kz/decisions/\udfff.pdf";
    const newHash = keccakText("decision v2");
    // The service layer directly: the HTTP edge refuses such text, another client of the ledger would not.
    const change = await services.assets.changeDecision(
      assetId,
      await decisionChangeBody(env, owner, assetId, { documentHash: newHash, uri, reason: "corrected" }),
      clientId,
    );
    const freeze = await services.participants.setFrozen(dave.address, true, "x\udfffy", "operator", clientId);
    const later = await transfer(owner, bob, "25", ownerNonce++);
    expect(later.status, JSON.stringify(later.body)).to.equal(202);
    const laterId = later.body.operation.id;

    for (const op of [change, freeze])
      expect((await internals().submitter.waitFor(op.id, 20_000))?.status, op.kind).to.equal("posted");
    const transferred = await internals().submitter.waitFor(laterId, 20_000);
    expect(transferred?.status).to.equal("posted");

    const view = await env.http.get(`/v1/operations/${change.id}`).set(operatorKey());
    expect(view.status).to.equal(200);
    const [event] = view.body.events as {
      name: string;
      args: Record<string, string>;
      fault?: { kind: string; texts: { arg: string; hex: string; text: string }[] };
    }[];
    expect(event.name).to.equal("DecisionDocumentChanged");
    expect(event.args).to.include({ newUri: readable(uri), newHash, reason: "corrected" });
    expect(event.fault).to.deep.equal({
      kind: "ill-formed-text",
      texts: [{ arg: "newUri", hex: onChain(uri), text: readable(uri) }],
    });

    // A hook reading the event's values (the disclosure's version) completes on lenient text too.
    const publish = await services.disclosures.publish(
      { text: "Risk disclosure v2", uri: "https://platform.kz/risks/\udfff" },
      "operator",
      clientId,
    );
    expect((await internals().submitter.waitFor(publish.id, 20_000))?.status).to.equal("posted");
    expect(await repo(Disclosure).findOneByOrFail({ operationId: publish.id })).to.include({
      status: "published",
      version: 2,
    });

    await ctx().mirror.indexer.sync();
    expect(await repo(MirrorAsset).findOneByOrFail({ assetId })).to.include({
      decisionHash: newHash,
      decisionUri: readable(uri),
    });
    const list = await faults();
    expect(list.slice(2).map((f) => f.event)).to.deep.equal([
      "DecisionDocumentChanged",
      "ParticipantFrozen",
      "DisclosurePublished",
    ]);
    expect(await faultAlerts()).to.have.length(5);
    expect((await env.http.get(`/v1/records?assetId=${assetId}&limit=100`).set(monitor())).body.items).to.have.length(
      4,
    );
  });

  it("when the gateway restarts while a poisoned transaction is mined but not yet recorded, then it settles it and nothing stays stuck", async () => {
    // Three confirmations under automine: the transaction is mined, and waits for two more blocks to be recorded.
    await env.restart({ confirmations: 3 });
    const op = await ctx().services.participants.setFrozen(bob.address, true, "\udfff", "operator", randomUUID());
    await waitFor("the freeze to be mined", async () => {
      const row = await repo(Operation).findOneBy({ id: op.id });
      if (row?.status !== "submitted" || !row.txId) return false;
      const tx = await repo(ChainTransaction).findOneByOrFail({ id: row.txId });
      return env.node.provider.getTransactionReceipt(tx.hash);
    });
    await env.restart({ confirmations: 1 });
    expect((await internals().submitter.waitFor(op.id, 20_000))?.status).to.equal("posted");

    // The lane takes new work, and the mirror passes the poisoned blocks again after the restart.
    // Dave, whom the operator froze above (carol is under the authority's freeze, which an operator cannot lift).
    const after = await env.http
      .post(`/v1/participants/${dave.address}/unfreeze?wait=true`)
      .set(operatorKey())
      .send({ reason: "court order lifted" });
    expect(after.body.operation?.status, JSON.stringify(after.body)).to.equal("posted");
    await ctx().mirror.indexer.sync();
    const list = await faults();
    expect(list).to.have.length(6);
    expect(list[5]).to.include({ event: "ParticipantFrozen", kind: "ill-formed-text" });
    expect(await faultAlerts()).to.have.length(6);
    expect(
      await repo(MirrorParticipantChange).countBy({ kind: "ParticipantUnfrozen", account: dave.address.toLowerCase() }),
    ).to.equal(1);
  });

  it("when chain text holds a NUL, then the operation posts, the mirror stores the readable form with a fault and goes on (PostgreSQL refuses NUL in text)", async () => {
    const uri = "https://steppegrain.kz/decisions/v3\u0000.pdf";
    const before = (await faults()).length;
    const change = await ctx().services.assets.changeDecision(
      assetId,
      await decisionChangeBody(env, owner, assetId, { documentHash: keccakText("decision v3"), uri, reason: "nul" }),
      randomUUID(),
    );
    expect((await internals().submitter.waitFor(change.id, 20_000))?.status).to.equal("posted");
    // Something after it, for the mirror to reach (holders have not acknowledged disclosure v2: no transfers now).
    const later = await ctx().services.participants.setFrozen(
      dave.address,
      true,
      "after the NUL",
      "operator",
      randomUUID(),
    );
    expect((await internals().submitter.waitFor(later.id, 20_000))?.status).to.equal("posted");
    await ctx().mirror.indexer.sync();
    expect(await repo(MirrorAsset).findOneByOrFail({ assetId })).to.include({
      decisionUri: "https://steppegrain.kz/decisions/v3\ufffd.pdf",
    });
    const list = await faults();
    expect(list).to.have.length(before + 1);
    expect(list[list.length - 1]).to.include({ event: "DecisionDocumentChanged", kind: "ill-formed-text" });
    const frozen = await repo(MirrorParticipantChange).findBy({
      kind: "ParticipantFrozen",
      account: dave.address.toLowerCase(),
    });
    expect(frozen.map((c) => (JSON.parse(c.payload) as { reason: string }).reason)).to.include("after the NUL");
    expect((await env.http.get(`/v1/assets/${assetId}`).set(monitor())).status).to.equal(200);
  });

  it("when a mined transaction's log does not decode at all, then its operation fails with EVENT_UNDECODABLE, the mirror records the fault, and both go on", async () => {
    // Stands in for a ledger that emits what its ABI does not declare: code that logs ParticipantFrozen's topic
    // with two bytes of data (PUSH32 topic, PUSH1 2, PUSH1 0, LOG1, STOP). Storage is untouched; the code is restored.
    const provider = env.node.provider;
    const original = await provider.getCode(env.deployment.ledger);
    const topic = iface.getEvent("ParticipantFrozen").topicHash;
    await provider.send("hardhat_setCode", [
      env.deployment.ledger,
      "0x7f" + topic.slice(2) + "6002" + "6000" + "a1" + "00",
    ]);
    let settled: Operation | null;
    let op: Operation;
    try {
      // Straight to the outbox: that code answers no view, so the service's own checks could not read the permit.
      op = await ctx().services.operations.submitCall({
        kind: "participant.freeze",
        signer: "operator",
        method: "freezeParticipant",
        args: [alice.address, "court order"],
        clientId: randomUUID(),
      });
      settled = await internals().submitter.waitFor(op.id, 20_000);
    } finally {
      await provider.send("hardhat_setCode", [env.deployment.ledger, original]);
    }
    expect(settled?.status).to.equal("failed");
    const view = await env.http.get(`/v1/operations/${op.id}`).set(operatorKey());
    const receipt = (await provider.getTransactionReceipt(view.body.txHash))!;
    expect(view.body.error.code).to.equal("EVENT_UNDECODABLE");
    expect(view.body.error.message).to.match(/mined/);
    expect(view.body.error.details).to.include({
      txHash: receipt.hash,
      blockNumber: receipt.blockNumber,
      logIndex: receipt.logs[0].index,
      event: "ParticipantFrozen",
    });

    const next = await env.http
      .post(`/v1/participants/${bob.address}/unfreeze?wait=true`)
      .set(operatorKey())
      .send({ reason: "court order lifted" });
    expect(next.body.operation?.status, JSON.stringify(next.body)).to.equal("posted");
    await ctx().mirror.indexer.sync();
    const list = await faults();
    expect(list[list.length - 1]).to.include({
      txHash: receipt.hash,
      logIndex: receipt.logs[0].index,
      blockNumber: receipt.blockNumber,
      kind: "undecodable",
      event: "ParticipantFrozen",
    });
    expect((await faultAlerts()).map((a) => a.at.txHash)).to.include(receipt.hash);
    expect(
      await repo(MirrorParticipantChange).countBy({ kind: "ParticipantUnfrozen", account: bob.address.toLowerCase() }),
    ).to.equal(1);
  });

  it("when a reorganisation orphans faulty logs, then their alerts are resolved as orphaned, and a log mined again on the new branch raises its own alert", async () => {
    const provider = env.node.provider;
    const ledger = SecuredAssetLedger__factory.connect(env.deployment.ledger, env.authority);
    await ctx().mirror.indexer.sync();
    const snapshot = (await provider.send("evm_snapshot", [])) as string;
    // Signed once, so that the very same transaction (same hash, same log index) can be mined again after the reorganisation.
    const raw = await env.authority.signTransaction(
      await env.authority.populateTransaction(
        await ledger.suspendAsset.populateTransaction(assetId, "reorg \udfff suspended"),
      ),
    );
    const moved = (await (await provider.broadcastTransaction(raw)).wait())!;
    const orphaned = (await (await ledger.freezeParticipant(alice.address, "reorg \udfff frozen")).wait())!;
    await ctx().mirror.indexer.sync();
    const open = (await faultAlerts()).filter(
      (a) => a.status === "open" && [moved.hash, orphaned.hash].includes(a.at.txHash),
    );
    expect(open.map((a) => a.at.txHash)).to.deep.equal([moved.hash, orphaned.hash]);
    const resolvedBefore = await repo(PlatformEvent).countBy({ type: "alert.resolved" });

    await provider.send("evm_revert", [snapshot]);
    await provider.send("evm_mine", []); // the suspension lands one block later on the new branch, in another block
    const again = (await (await provider.broadcastTransaction(raw)).wait())!;
    expect(again.hash).to.equal(moved.hash);
    expect(again.blockHash).to.not.equal(moved.blockHash);
    await ctx().mirror.indexer.sync(); // (the gateway's own polling may have handled the reorganisation first)

    const byId = new Map((await faultAlerts()).map((a) => [a.id, a]));
    for (const a of open) {
      const now = byId.get(a.id)!;
      expect(now.status, a.at.txHash).to.equal("resolved");
      expect(now.openKey).to.equal(null);
      expect(now.resolution)
        .to.match(/orphaned/)
        .and.to.include(`block ${a.at.blockNumber}`);
    }
    const current = [...byId.values()].filter((a) => a.status === "open" && a.at.txHash === moved.hash);
    expect(current.map((a) => (JSON.parse(a.detail) as { blockHash: string }).blockHash)).to.deep.equal([
      again.blockHash,
    ]);
    expect([...byId.values()].filter((a) => a.status === "open" && a.at.txHash === orphaned.hash)).to.deep.equal([]);
    const resolved = (
      await repo(PlatformEvent).find({ where: { type: "alert.resolved" }, order: { seq: "ASC" } })
    ).slice(resolvedBefore);
    expect(
      resolved
        .map((e) => JSON.parse(e.payload) as { source: string; alertId: string; kind: string })
        .map((p) => [p.source, p.kind, p.alertId])
        .sort(),
    ).to.deep.equal(open.map((a) => ["mirror", "chain.event.faulty", a.id]).sort());
    // The faults list what the chain has now.
    const list = await faults();
    expect(list.filter((f) => f.txHash === orphaned.hash)).to.deep.equal([]);
    expect(list.filter((f) => f.txHash === moved.hash).map((f) => f.blockHash)).to.deep.equal([again.blockHash]);

    // A re-sync of the same chain writes the faults again without resolving or raising anything.
    const alerts = (await faultAlerts()).map((a) => [a.id, a.status]);
    const resync = await env.http.post("/v1/mirror/resync").set(operatorKey()).send({ fromBlock: again.blockNumber });
    expect(resync.status, JSON.stringify(resync.body)).to.equal(200);
    expect((await faultAlerts()).map((a) => [a.id, a.status])).to.deep.equal(alerts);
  });
});
