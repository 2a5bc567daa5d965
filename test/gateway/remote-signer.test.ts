import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Piscina } from "piscina";
import { Transaction, Wallet, encryptKeystoreJsonSync } from "ethers";
import type { TransactionLike } from "ethers";
import { In } from "typeorm";
import { loadConfig } from "../../server/config";
import { openSigners } from "../../server/chain/signer-load";
import type { SignerConfig } from "../../server/chain/signer-load";
import { createGateway } from "../../server/main";
import { RemoteSigner } from "../../server/chain/signer-remote";
import { SignatureThreads } from "../../server/chain/signatures";
import type { TransactionData, UnsignedTransaction } from "../../server/chain/signatures";
import { ledgerDomain } from "../../server/domain/eip712";
import { ChainTransaction, Operation } from "../../server/persistence/entities";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import {
  bearer,
  bootstrapPlatform,
  expectPosted,
  issue,
  onboard,
  randomHolder,
  signAck,
  startEnv,
  transferBody,
  FAR_FUTURE,
} from "./support/harness";
import type { TestEnv } from "./support/harness";
import { devWallet } from "./support/node";
import { waitFor } from "./support/wait";

/**
 * A remote signer as Web3Signer's eth1 mode serves it (https://docs.web3signer.consensys.io/reference/api/json-rpc):
 * JSON-RPC at the root path; eth_accounts lists the addresses of its keys; eth_signTransaction signs with the key of
 * `from` (refused if it has none), requires the nonce, signs EIP-1559 when both max fees are given (else legacy
 * EIP-155), with its own chain id, and answers the serialised signed transaction. Here with development keys.
 */
class TestRemoteSigner {
  private server: Server | null = null;
  private port = 0;
  private readonly wallets = new Map<string, Wallet>();
  /** Transactions it signed, serialised. */
  readonly signed: string[] = [];
  /** When set, it signs for this chain instead of the right one (a misconfigured signer). */
  wrongChainId: bigint | null = null;
  /** When set, it refuses to sign as Web3Signer does for a key it cannot use (its keys stay listed). */
  locked = false;

  constructor(
    keys: Wallet[],
    private readonly chainId: bigint,
  ) {
    for (const w of keys) this.wallets.set(w.address.toLowerCase(), new Wallet(w.privateKey));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops open connections: the gateway's next call is refused. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const call = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
      id: number;
      method: string;
      params: Record<string, string | undefined>[];
    };
    const answer = (body: { result: unknown } | { error: { code: number; message: string } }) => {
      // Web3Signer answers a refused call with HTTP 400 and the JSON-RPC error in the body.
      if ("error" in body) res.statusCode = 400;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id: call.id, ...body }));
    };
    if (call.method === "eth_accounts") return answer({ result: [...this.wallets.keys()] });
    if (call.method !== "eth_signTransaction") return answer({ error: { code: -32601, message: "Method not found" } });
    const p = call.params[0] ?? {};
    const wallet = this.wallets.get(String(p.from).toLowerCase());
    if (!wallet || this.locked)
      return answer({ error: { code: -32000, message: "From address is not an unlocked account" } });
    if (p.nonce === undefined) return answer({ error: { code: -32602, message: "Invalid params" } });
    const eip1559 = p.maxFeePerGas !== undefined && p.maxPriorityFeePerGas !== undefined;
    const tx: TransactionLike = {
      chainId: this.wrongChainId ?? this.chainId,
      nonce: Number(BigInt(p.nonce)),
      to: p.to,
      gasLimit: BigInt(p.gas ?? 90_000),
      data: p.data ?? "0x",
      value: BigInt(p.value ?? 0),
      ...(eip1559
        ? { type: 2, maxFeePerGas: BigInt(p.maxFeePerGas!), maxPriorityFeePerGas: BigInt(p.maxPriorityFeePerGas!) }
        : { type: 0, gasPrice: BigInt(p.gasPrice ?? 0) }),
    };
    const raw = await wallet.signTransaction(tx);
    this.signed.push(raw);
    answer({ result: raw });
  }
}

/** Records every task posted to any signature thread pool, serialised (bigints as strings). */
function recordPoolTasks(): { tasks: { name: string; task: string }[]; restore(): void } {
  const original = Piscina.prototype.run;
  const tasks: { name: string; task: string }[] = [];
  Piscina.prototype.run = function (this: Piscina, task: unknown, options?: Parameters<Piscina["run"]>[1]) {
    tasks.push({
      name: options?.name ?? "default",
      task: JSON.stringify(task, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
    });
    return original.call(this, task, options);
  } as Piscina["run"];
  return {
    tasks,
    restore: () => {
      Piscina.prototype.run = original;
    },
  };
}

const keyHex = (w: Wallet) => w.privateKey.slice(2).toLowerCase();

describe("local keys: installed in each signature thread once, never sent with a task", function () {
  const domain = ledgerDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  const operator = Wallet.createRandom();
  const tx: UnsignedTransaction = {
    to: domain.verifyingContract!,
    nonce: 3,
    gasLimit: 100_000n,
    chainId: 31337n,
    type: 2,
    maxFeePerGas: 2n,
    maxPriorityFeePerGas: 1n,
  };

  it("when the gateway signs with a local key on threads, then each task names the signer and carries no key; the transaction is the key's", async () => {
    const recorder = recordPoolTasks();
    const threads = new SignatureThreads(domain, 2, { operator: operator.privateKey });
    try {
      const bodies: TransactionData[] = [
        { data: "0x1234" },
        { call: { fragment: "function f(uint256 a)", args: [7n] } },
        { data: "0x" },
      ];
      const signed = await Promise.all(
        bodies.map((body, i) => threads.signTransaction("operator", { ...tx, nonce: i }, body)),
      );
      for (const [i, s] of signed.entries()) {
        const t = Transaction.from(s.raw);
        expect(t.from).to.equal(operator.address);
        expect(t.nonce).to.equal(i);
        expect(t.hash).to.equal(s.hash);
      }
      const signing = recorder.tasks.filter((t) => t.name === "signTransaction");
      expect(signing).to.have.length(3);
      for (const t of signing) {
        expect(JSON.parse(t.task)).to.have.property("signer", "operator");
        expect(t.task.toLowerCase()).not.to.include(keyHex(operator as unknown as Wallet));
        expect(t.task).not.to.include("privateKey");
      }
      expect(threads.keySlots).to.deep.equal(["operator"]);
      await threads.signTransaction("authority", tx, { data: "0x" }).then(
        () => expect.fail("signed without a key"),
        (err: Error) => expect(err.message).to.match(/no local key/),
      );
    } finally {
      recorder.restore();
      await threads.destroy();
    }
  });

  it("when there are no threads, then the key stays on the event loop and signs there", async () => {
    const threads = new SignatureThreads(domain, 0, { operator: operator.privateKey });
    const { raw } = await threads.signTransaction("operator", tx, { data: "0xabcd" });
    expect(Transaction.from(raw).from).to.equal(operator.address);
    await threads.destroy();
  });
});

describe("encrypted keystore: decrypted once at start, its key installed like a development key", function () {
  const domain = ledgerDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  const operator = devWallet(2);
  let dir: string;
  let file: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "keystore-"));
    file = join(dir, "operator.json");
    // A cheap scrypt cost: the test checks the path, not the key derivation's strength.
    writeFileSync(
      file,
      encryptKeystoreJsonSync({ address: operator.address, privateKey: operator.privateKey }, "pw", {
        scrypt: { N: 1024 },
      }),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("when the gateway opens a keystore, then it signs as its account; a configured address that is not the key's refuses to start", async () => {
    const config: SignerConfig = { operatorKeystore: { file, password: "pw" } };
    const { threads, signers } = await openSigners(config, domain, 31337n, 1);
    try {
      expect(signers.operator).to.include({ kind: "keystore", address: operator.address });
      expect(threads.keySlots).to.deep.equal(["operator"]);
      const { raw } = await signers.operator!.signTransaction(
        { to: operator.address, nonce: 0, gasLimit: 21_000n, chainId: 31337n, type: 0, gasPrice: 1n },
        { data: "0x" },
      );
      expect(Transaction.from(raw).from).to.equal(operator.address);
    } finally {
      await threads.destroy();
    }
    const wrong = await openSigners(
      { ...config, operatorAddress: Wallet.createRandom().address },
      domain,
      31337n,
      0,
    ).then(
      () => null,
      (e: Error) => e,
    );
    expect(wrong?.message).to.match(/OPERATOR_ADDRESS .* is not the address of the configured operator key/);
  });
});

describe("configuration: one way to sign per signer", function () {
  const base = { RPC_URL: "http://127.0.0.1:8545", DEPLOYMENT_FILE: "x.json" };
  const key = devWallet(2).privateKey;
  const address = devWallet(2).address;

  it("when a remote signer is configured, then its address is required and no other way may be set", () => {
    expect(loadConfig({ ...base, OPERATOR_SIGNER_URL: "http://signer:9000", OPERATOR_ADDRESS: address })).to.include({
      operatorSignerUrl: "http://signer:9000",
      operatorAddress: address,
      operatorKey: undefined,
      signerTimeoutMs: 10_000,
    });
    expect(() => loadConfig({ ...base, OPERATOR_SIGNER_URL: "http://signer:9000" })).to.throw(
      /OPERATOR_ADDRESS: required with OPERATOR_SIGNER_URL/,
    );
    expect(() =>
      loadConfig({ ...base, OPERATOR_SIGNER_URL: "http://signer:9000", OPERATOR_ADDRESS: address, OPERATOR_KEY: key }),
    ).to.throw(/only one of OPERATOR_KEY, OPERATOR_KEYSTORE_FILE and OPERATOR_SIGNER_URL/);
    expect(() =>
      loadConfig({
        ...base,
        OPERATOR_KEY: key,
        AUTHORITY_KEY: key,
        AUTHORITY_SIGNER_URL: "http://signer:9000",
        AUTHORITY_ADDRESS: address,
      }),
    ).to.throw(/only one of AUTHORITY_KEY and AUTHORITY_SIGNER_URL/);
    expect(() => loadConfig({ ...base })).to.throw(/OPERATOR_SIGNER_URL with OPERATOR_ADDRESS/);
    expect(() => loadConfig({ ...base, OPERATOR_SIGNER_URL: "ftp://signer", OPERATOR_ADDRESS: address })).to.throw(
      /OPERATOR_SIGNER_URL/,
    );
  });
});

describe("remote signer (Web3Signer eth1 JSON-RPC): the gateway holds no key; a signer that is down delays operations, loses none", function () {
  const operator = devWallet(2);
  const authority = devWallet(1);
  let signer: TestRemoteSigner;
  let env: TestEnv;
  let recorder: ReturnType<typeof recordPoolTasks>;
  let owner: Wallet, alice: Wallet, assetId: string, documentHash: string;
  /** Signing attempts by the gateway's remote signers, and how many failed. */
  const attempts = { total: 0, failed: 0 };
  const originalSign = RemoteSigner.prototype.signTransaction;

  before(async () => {
    signer = new TestRemoteSigner([operator, authority], 31337n);
    await signer.start();
    recorder = recordPoolTasks();
    RemoteSigner.prototype.signTransaction = async function (
      this: RemoteSigner,
      tx: UnsignedTransaction,
      body: TransactionData,
    ) {
      attempts.total++;
      try {
        return await originalSign.call(this, tx, body);
      } catch (err) {
        attempts.failed++;
        throw err;
      }
    };
    // No OPERATOR_KEY, no AUTHORITY_KEY: both accounts are the remote signer's.
    env = await startEnv({
      operatorKey: undefined,
      authorityKey: undefined,
      operatorSignerUrl: signer.url,
      operatorAddress: operator.address,
      authoritySignerUrl: signer.url,
      authorityAddress: authority.address,
      signerTimeoutMs: 2_000,
    });
  });
  after(async () => {
    RemoteSigner.prototype.signTransaction = originalSign;
    recorder?.restore();
    await env?.close();
    await signer?.stop();
  });

  it("when permit, registration, issuance and a transfer are posted, then the remote signer signs them and no key reaches the gateway's threads", async () => {
    expect(env.config.operatorKey).to.equal(undefined);
    expect(env.gateway.internals.chain.signatures.keySlots).to.deep.equal([]);
    expect(env.gateway.internals.chain.signer("operator")).to.include({ kind: "remote", address: operator.address });
    const ready = await env.http.get("/readyz");
    expect(ready.status, JSON.stringify(ready.body)).to.equal(200);

    ({ documentHash } = await bootstrapPlatform(env));
    [owner, alice] = [randomHolder(), randomHolder()];
    for (const p of [owner, alice]) await onboard(env, p, documentHash);
    ({ assetId } = await issue(env, owner, "1000", "7"));
    await expectPosted(
      env.http
        .post("/v1/transfers?wait=true")
        .set(bearer(env.keys.operator))
        .set("Idempotency-Key", "rs-t0")
        .send(await transferBody(env, owner, alice.address, assetId, "5", "0")),
    );

    // Every transaction on chain is one the remote signer signed.
    const txs = await env.gateway.dataSource.manager.find(ChainTransaction);
    expect(txs.length).to.be.greaterThan(5);
    expect(signer.signed).to.include.members(txs.map((t) => t.raw));
    const kinds = new Set(recorder.tasks.map((t) => t.name));
    expect(kinds.has("signTransaction"), "no signing task goes to a thread").to.equal(false);
    expect(kinds.has("encodeCall"), "the threads encode the transfer batch").to.equal(true);
    for (const t of recorder.tasks) {
      for (const w of [operator, authority]) expect(t.task.toLowerCase()).not.to.include(keyHex(w));
    }
  });

  it("when the signer stops, then new requests are accepted but not posted and /readyz answers SIGNER_UNAVAILABLE; when it is back, each posts exactly once", async () => {
    const m = env.gateway.dataSource.manager;
    const provider = env.node.provider;
    const nonceBefore = await provider.getTransactionCount(operator.address, "latest");
    const txsBefore = await m.count(ChainTransaction);
    const recordsBefore = Number(
      (await env.http.get(`/v1/assets/${assetId}/records`).set(bearer(env.keys.monitor))).body.verification.count,
    );

    await signer.stop();
    const down = await env.http.get("/readyz");
    expect(down.status).to.equal(503);
    expect(down.body.error.code).to.equal("SIGNER_UNAVAILABLE");
    expect(down.body.error.details.signers).to.have.keys("operator", "authority");

    // Three transfers and a registration: accepted, then pending while the lane cannot have them signed.
    const failedBefore = attempts.failed;
    const ids: string[] = [];
    for (let n = 1; n <= 3; n++) {
      const res = await env.http
        .post("/v1/transfers")
        .set(bearer(env.keys.operator))
        .set("Idempotency-Key", `rs-t${n}`)
        .send(await transferBody(env, owner, alice.address, assetId, "5", String(n)));
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      ids.push(res.body.operation.id);
    }
    const bob = randomHolder();
    const reg = await env.http
      .post("/v1/participants")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", "rs-bob")
      .send({
        address: bob.address,
        kind: "NaturalPerson",
        identity: { fullName: "Bob", iin: "900101300126" },
        acknowledgement: { version: 1, deadline: FAR_FUTURE, signature: await signAck(env, bob, 1, documentHash) },
      });
    expect(reg.status, JSON.stringify(reg.body)).to.equal(202);
    ids.push(reg.body.operation.id);

    // The lane tries (and fails) several times, backing off; nothing is stored, sent or failed meanwhile.
    await waitFor("three failed signing attempts", async () => attempts.failed - failedBefore >= 3);
    const waiting = await m.find(Operation, { where: { id: In(ids) } });
    expect(waiting.map((o) => o.status)).to.deep.equal(ids.map(() => "pending"));
    expect(waiting.every((o) => o.txId === null)).to.equal(true);
    expect(await m.count(ChainTransaction)).to.equal(txsBefore);
    expect(await provider.getTransactionCount(operator.address, "latest")).to.equal(nonceBefore);
    expect((await env.http.get("/readyz")).status).to.equal(503);

    // Back: every operation posts, each in one transaction, and the nonce advances by the transactions sent.
    const signedBefore = signer.signed.length;
    await signer.start();
    const settled = await waitFor("the operations to settle", async () => {
      const ops = await m.find(Operation, { where: { id: In(ids) } });
      return ops.every((o) => o.status === "posted" || o.status === "failed") && ops;
    });
    for (const op of settled) expect(op.status, JSON.stringify(op)).to.equal("posted");
    const newTxs = await m.find(ChainTransaction, {
      where: { signerAddress: operator.address },
      order: { nonce: "ASC" },
    });
    const sent = newTxs.filter((t) => t.nonce >= nonceBefore);
    expect(
      sent.every((t) => t.status === "mined"),
      JSON.stringify(sent.map((t) => t.status)),
    ).to.equal(true);
    expect(sent.map((t) => t.nonce)).to.deep.equal(sent.map((_, i) => nonceBefore + i));
    expect(await provider.getTransactionCount(operator.address, "latest")).to.equal(nonceBefore + sent.length);
    expect(signer.signed.length - signedBefore).to.equal(sent.length);
    expect(new Set(settled.map((o) => o.txId)).size).to.be.at.most(sent.length);
    const records = Number(
      (await env.http.get(`/v1/assets/${assetId}/records`).set(bearer(env.keys.monitor))).body.verification.count,
    );
    expect(records - recordsBefore).to.equal(3);
    const ledger = SecuredAssetLedger__factory.connect(env.deployment.ledger, provider);
    expect(Number((await ledger.participant(bob.address)).registeredAt)).to.be.greaterThan(0);
    const ready = await env.http.get("/readyz");
    expect(ready.status, JSON.stringify(ready.body)).to.equal(200);
  });

  /**
   * A registration while the signer misbehaves: a signing attempt fails, readiness says why (`reason`), nothing is
   * stored or sent and the operation waits; once `fix` runs it posts and readiness is back.
   */
  async function misbehaveThenRecover(
    name: string,
    breakIt: () => void,
    fix: () => void,
    reason: RegExp,
  ): Promise<void> {
    const m = env.gateway.dataSource.manager;
    const txsBefore = await m.count(ChainTransaction);
    breakIt();
    const holder = randomHolder();
    const failedBefore = attempts.failed;
    const reg = await env.http
      .post("/v1/participants")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", `rs-${name}`)
      .send({
        address: holder.address,
        kind: "NaturalPerson",
        identity: { fullName: name, iin: "900101300126" },
        acknowledgement: { version: 1, deadline: FAR_FUTURE, signature: await signAck(env, holder, 1, documentHash) },
      });
    expect(reg.status, JSON.stringify(reg.body)).to.equal(202);
    await waitFor("a refused signature", async () => attempts.failed > failedBefore);
    const ready = await env.http.get("/readyz");
    expect(ready.status).to.equal(503);
    expect(ready.body.error.details.signers.operator).to.match(reason);
    expect(await m.count(ChainTransaction)).to.equal(txsBefore);
    expect((await m.findOneByOrFail(Operation, { id: reg.body.operation.id })).status).to.equal("pending");

    fix();
    await waitFor(
      "the registration to post",
      async () => (await m.findOneByOrFail(Operation, { id: reg.body.operation.id })).status === "posted",
    );
    const r = await env.http.get("/readyz");
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
  }

  it("when the signer refuses to sign (HTTP 400 with a JSON-RPC error), then its reason is kept, nothing is sent, and the operation posts once it signs again", async () => {
    await misbehaveThenRecover(
      "dan",
      () => (signer.locked = true),
      () => (signer.locked = false),
      /not an unlocked account/,
    );
  });

  it("when the signer signs for another chain, then nothing is stored or sent and readiness says why; when it is fixed, the operation posts", async () => {
    await misbehaveThenRecover(
      "carol",
      () => (signer.wrongChainId = 1n),
      () => (signer.wrongChainId = null),
      /chainId/,
    );
  });

  it("when the configured address is not one of the signer's accounts, then the gateway does not start", async () => {
    const stranger = Wallet.createRandom();
    const err = await createGateway({ ...env.config, operatorAddress: stranger.address }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/is not among its accounts/);
  });
});
