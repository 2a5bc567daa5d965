import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import type { Wallet } from "ethers";
import { freePort } from "../../scripts/lib/hardhat-node";
import { DEV_MNEMONIC } from "../../scripts/lib/dev-accounts";
import { readDeployment } from "../../server/chain/deployment";
import { ChainTransaction, Operation } from "../../server/persistence/entities";
import {
  bearer,
  bootstrapPlatform,
  expectPosted,
  FAR_FUTURE,
  issue,
  randomHolder,
  signAck,
  startEnv,
  transferBody,
} from "./support/harness";
import type { TestEnv } from "./support/harness";
import type { NodeHandle } from "./support/node";
import { waitFor } from "./support/wait";

/**
 * The deployment, a transfer through the gateway and the mirror against Anvil (Foundry's node, from the npm package
 * @foundry-rs/anvil-linux-amd64): a second JSON-RPC implementation besides Hardhat's, run like the Besu QBFT profile
 * of docs/network.md (Besu itself cannot run here). Skipped only when the anvil binary cannot start on this machine.
 */
const ROOT = join(__dirname, "..", "..");
/** Anvil's chain id in this test (the network generator requires --chain-id; 31337 is the development chain). */
const CHAIN_ID = 1337;
/**
 * Like the generated Besu network: a block every second (QBFT block period), zero base fee and gas price (free gas,
 * no ether needed: every account starts with none), Cancun rules, a 100 M block gas limit, the 49,152-byte contract
 * size limit of the genesis (`contractSizeLimit`), the development accounts.
 */
const ANVIL_FLAGS = [
  "--block-time",
  "1",
  "--base-fee",
  "0",
  "--gas-price",
  "0",
  "--disable-min-priority-fee",
  "--balance",
  "0",
  "--chain-id",
  String(CHAIN_ID),
  "--hardfork",
  "cancun",
  "--gas-limit",
  "100000000",
  "--code-size-limit",
  "49152",
  "--mnemonic",
  DEV_MNEMONIC,
  "--accounts",
  "10",
];
/** Variables that would steer the deployment from the outer environment. */
const STEERING = [
  "DEPLOYER_KEY",
  "BESU_RPC_URL",
  "RPC_URL",
  "ANVIL_RPC_URL",
  "DEPLOYMENT_FILE",
  "IGNITION_PARAMETERS",
  "IGNITION_DEPLOYMENT_ID",
  "DEPLOY_FORCE",
  "HARDHAT_NETWORK",
];

/** The packaged binary, or why there is none that runs here. */
function anvilBinary(): { path: string } | { missing: string } {
  let path: string;
  try {
    path = join(dirname(require.resolve("@foundry-rs/anvil-linux-amd64/package.json")), "bin", "anvil");
  } catch {
    return {
      missing: `the package @foundry-rs/anvil-linux-amd64 is not installed (platform ${process.platform}/${process.arch}; it ships a Linux x64 binary)`,
    };
  }
  if (!existsSync(path)) return { missing: `${path} does not exist` };
  const version = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 });
  if (version.error || version.status !== 0) {
    return {
      missing: `${path} --version does not run on this machine (${version.error?.message ?? `exit ${version.status}: ${version.stderr}`})`,
    };
  }
  return { path };
}

async function startAnvil(binary: string): Promise<{ node: NodeHandle; child: ChildProcess; output: () => string }> {
  const port = await freePort();
  const child = spawn(binary, [...ANVIL_FLAGS, "--host", "127.0.0.1", "--port", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const onExit = () => void child.kill("SIGKILL");
  process.once("exit", onExit);
  child.once("exit", () => process.off("exit", onExit));
  let output = "";
  child.stderr!.on("data", (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`anvil did not listen within 60 s:\n${output}`)), 60_000);
    child.stdout!.on("data", (c: Buffer) => {
      output = (output + c.toString()).slice(-20_000);
      if (output.includes(`Listening on 127.0.0.1:${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`anvil exited with ${code}:\n${output}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const provider = new JsonRpcProvider(url, CHAIN_ID, { staticNetwork: true, cacheTimeout: -1 });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
    });
  return { node: { url, chainId: CHAIN_ID, provider, stop }, child, output: () => output };
}

/** `npm run deploy -- --network anvil ...` as an operator runs it. */
function deploy(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STEERING.includes(k)));
  const child = spawn("npm", ["run", "--silent", "deploy", "--", ...args], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

describe("portability: deployment, gateway transfer and mirror on Anvil (Besu-like profile)", function () {
  this.timeout(240_000);
  let anvil: Awaited<ReturnType<typeof startAnvil>> | undefined;
  let env: TestEnv | undefined;
  let dir: string | undefined;
  const deploymentId = `test-anvil-${process.pid}-${Date.now()}`;
  const journal = join(ROOT, "ignition", "deployments", deploymentId);

  before(async function () {
    const binary = anvilBinary();
    if ("missing" in binary) {
      console.warn(`    skipped: the anvil binary cannot start on this machine: ${binary.missing}`);
      this.skip();
    }
    anvil = await startAnvil(binary.path);
    dir = mkdtempSync(join(tmpdir(), "anvil-test-"));
  });
  after(async () => {
    await env?.close();
    anvil?.node.provider.destroy();
    await anvil?.node.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    rmSync(journal, { recursive: true, force: true });
  });

  it("runs like the profile: 1 s blocks, zero base fee and gas price, chain id, no ether, not automining", async () => {
    const { provider } = anvil!.node;
    expect(Number(await provider.send("eth_chainId", []))).to.equal(CHAIN_ID);
    expect(BigInt(await provider.send("eth_gasPrice", []))).to.equal(0n);
    const head = await provider.getBlock("latest");
    expect(head!.baseFeePerGas).to.equal(0n);
    expect(head!.gasLimit).to.equal(100_000_000n);
    expect(await provider.getBalance("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")).to.equal(0n);
    // What the submitter asks to size its in-flight window: Anvil answers Hardhat's method, false under --block-time.
    expect(await provider.send("hardhat_getAutomine", [])).to.equal(false);
    const start = head!.number;
    await waitFor(
      "two new blocks",
      async () => ((await provider.getBlockNumber()) >= start + 2 ? true : undefined),
      10_000,
    );
  });

  it("deploys with `npm run deploy -- --network anvil` and the gateway relays a transfer the mirror then holds and verifies", async () => {
    const { node } = anvil!;
    const deploymentFile = join(dir!, "deployment.json");
    const run = await deploy(
      ["--network", "anvil", "--deployment-file", deploymentFile, "--deployment-id", deploymentId],
      { ANVIL_RPC_URL: node.url },
    );
    expect(run.code, run.output).to.equal(0);
    expect(run.output).to.include(`chain ${CHAIN_ID}`);
    const deployment = await readDeployment(deploymentFile);
    expect(deployment.chainId).to.equal(CHAIN_ID);
    // The ledger's runtime code: under EIP-170's 24,576 bytes, so it also deploys where that limit holds.
    const code = await node.provider.getCode(deployment.ledger);
    expect((code.length - 2) / 2)
      .to.be.greaterThan(20_000)
      .and.at.most(24_576);
    // ... which it stays under by its linked libraries (IssuanceRules, RegisterRules), each deployed and linked into it.
    const artifact = JSON.parse(
      readFileSync(join(ROOT, "artifacts/contracts/SecuredAssetLedger.sol/SecuredAssetLedger.json"), "utf8"),
    ) as { deployedLinkReferences: Record<string, Record<string, unknown>> };
    const libraries = Object.values(artifact.deployedLinkReferences).flatMap((libs) => Object.keys(libs));
    expect(libraries).to.include.members(["IssuanceRules", "RegisterRules"]);
    for (const name of libraries) {
      const library = (deployment as unknown as Record<string, string>)[name[0].toLowerCase() + name.slice(1)];
      expect(await node.provider.getCode(library), name).to.not.equal("0x");
      expect(code, name).to.include(library.slice(2).toLowerCase());
    }

    env = await startEnv({}, { node, deployment, deploymentFile });
    const o = bearer(env.keys.operator);
    const { documentHash } = await bootstrapPlatform(env);

    // Two registrations, one operator key: under interval mining the submitter keeps both in flight with consecutive
    // nonces (under automine it would wait for each receipt). Block production is held so that is observable.
    const [owner, holder] = [randomHolder(), randomHolder()];
    await node.provider.send("evm_setIntervalMining", [0]);
    let ops: string[];
    try {
      ops = await Promise.all(
        [owner, holder].map(async (h: Wallet) => {
          const res = await env!.http
            .post("/v1/participants")
            .set(o)
            .send({
              address: h.address,
              kind: "NaturalPerson",
              identity: { fullName: `Holder ${h.address.slice(2, 8)}`, iin: "900101300126" },
              acknowledgement: { version: 1, deadline: FAR_FUTURE, signature: await signAck(env!, h, 1, documentHash) },
            });
          expect(res.status, JSON.stringify(res.body)).to.equal(202);
          return res.body.operation.id as string;
        }),
      );
      await waitFor("both registrations sent", async () => {
        const rows = await env!.gateway.dataSource.getRepository(Operation).findBy(ops.map((id) => ({ id })));
        return rows.every((r) => r.status === "submitted") ? true : undefined;
      });
      const operator = env.operator.address;
      const [latest, pending] = await Promise.all([
        node.provider.getTransactionCount(operator, "latest"),
        node.provider.getTransactionCount(operator, "pending"),
      ]);
      expect(pending - latest, "operator transactions waiting in the node's pool").to.equal(2);
    } finally {
      await node.provider.send("evm_setIntervalMining", [1]);
    }
    const settled = await Promise.all(
      ops.map((id) =>
        waitFor(`registration ${id}`, async () => {
          const res = await env!.http.get(`/v1/operations/${id}`).set(o);
          expect(res.status, JSON.stringify(res.body)).to.equal(200);
          return res.body.status === "pending" || res.body.status === "submitted"
            ? undefined
            : (res.body as { status: string; blockNumber: number });
        }),
      ),
    );
    for (const op of settled) expect(op.status, JSON.stringify(op)).to.equal("posted");
    expect(settled[0].blockNumber).to.equal(settled[1].blockNumber);
    const txs = await env.gateway.dataSource
      .getRepository(ChainTransaction)
      .find({ where: { signerAddress: env.operator.address }, order: { nonce: "ASC" } });
    expect(txs.map((t) => t.status)).to.satisfy((s: string[]) => s.every((x) => x === "mined"));
    expect(txs.map((t) => t.nonce)).to.deep.equal(txs.map((_, i) => i));

    const { assetId } = await issue(env, owner, "1000", "1");

    // A refusal: the node's revert data decodes to the ledger's custom error, nothing is sent.
    const before = await env.counts();
    const refused = await env.http
      .post("/v1/transfers")
      .set(o)
      .set("Idempotency-Key", "anvil-too-much")
      .send(await transferBody(env, owner, holder.address, assetId, "1001", "0"));
    expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
    expect(refused.body.error.code).to.equal("INSUFFICIENT_BALANCE");
    expect(await env.counts()).to.deep.equal(before);

    // The holder-signed transfer, relayed and posted.
    const res = await expectPosted(
      env.http
        .post("/v1/transfers?wait=true")
        .set(o)
        .set("Idempotency-Key", "anvil-transfer")
        .send(await transferBody(env, owner, holder.address, assetId, "250", "0")),
    );
    const op = res.body.operation as {
      txHash: string;
      blockNumber: number;
      recordSequence: string;
      rightsArisenAt: string;
    };
    expect(op.recordSequence).to.equal("2"); // the issuance is record 1
    const receipt = await node.provider.getTransactionReceipt(op.txHash);
    expect(receipt!.status).to.equal(1);
    // Free gas: with a zero base fee ethers reports no EIP-1559 fees, so the submitter prices at eth_gasPrice (0).
    const sent = await node.provider.getTransaction(op.txHash);
    expect({ type: sent!.type, gasPrice: sent!.gasPrice }).to.deep.equal({ type: 0, gasPrice: 0n });
    expect(await node.provider.getBalance(env.operator.address)).to.equal(0n);
    expect(op.blockNumber).to.equal(receipt!.blockNumber);
    const block = await node.provider.getBlock(op.blockNumber);
    expect(op.rightsArisenAt).to.equal(new Date(block!.timestamp * 1000).toISOString());

    // The mirror holds the record, with its proof.
    const monitor = bearer(env.keys.monitor);
    const record = await waitFor("the mirrored record", async () => {
      const list = await env!.http.get(`/v1/records?assetId=${assetId}`).set(monitor);
      expect(list.status, JSON.stringify(list.body)).to.equal(200);
      return (list.body.items as { sequence: string; proof: { txHash: string } }[]).find(
        (r) => r.proof.txHash === op.txHash,
      );
    });
    expect(record).to.deep.include({
      assetId,
      sequence: "2",
      from: owner.address,
      to: holder.address,
      amount: "250",
      rightsArisenAt: op.rightsArisenAt,
    });
    const info = await env.gateway.internals.chain.ledger.assetInfo(assetId);
    const verification = await env.http.get(`/v1/assets/${assetId}/records/verification`).set(monitor);
    expect(verification.status).to.equal(200);
    expect(verification.body).to.include({ verified: true, count: "2", head: info.recordHead.toLowerCase() });
    expect(await env.gateway.internals.chain.ledger.balanceOf(holder.address, assetId)).to.equal(250n);
  });
});
