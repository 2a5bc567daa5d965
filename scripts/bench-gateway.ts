/**
 * Throughput of the gateway against a bare client, in the same run, on a local node mining every second.
 *
 *   npm run bench:gateway            (TRANSFERS=2000 CONCURRENCY=50 HOLDERS=100 by default)
 *   INSTANCES=2 npm run bench:gateway      two gateway instances on one PostgreSQL (DATABASE_URL, default
 *                                          postgres://postgres@127.0.0.1:5432/test), a fresh schema per run
 *   PROFILE=1 npm run bench:gateway        a CPU profile of this process during the gateway phase
 *
 * Baseline: the same number of holder-signed transfers sent straight to the node, one transaction per transfer,
 * pipelined nonces, no gateway. Gateway: holder-signed transfers POSTed to /v1/transfers by CONCURRENCY clients
 * (on a worker thread, scripts/lib/transfer-clients.ts), spread round-robin over the INSTANCES gateways (default 1,
 * on SQLite unless DATABASE_URL is set), until every one is posted. Prints a table and, as its last line, one JSON
 * object.
 *
 * With PROFILE=1 the gateway's event loop (this process's main thread; the clients run on a worker thread, the
 * signature threads and the Hardhat node are not in it) is sampled with node:inspector from the clients' start until
 * every transfer is posted; the profile is written to PROFILE_FILE (default: a .cpuprofile file in the temporary
 * directory, its path printed) and summarised: the top 15 functions by self time and the time by area.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "pg";
import {
  HDNodeWallet,
  JsonRpcProvider,
  NonceManager,
  Wallet,
  encodeBytes32String,
  id as keccakText,
  ZeroHash,
} from "ethers";
import { startHardhatNode } from "./lib/hardhat-node";
import { devWallet } from "./lib/dev-accounts";
import { deployPlatform, writeDeployment } from "../server/chain/deployment";
import {
  ACKNOWLEDGEMENT_TYPES,
  ATTESTATION_TYPES,
  attestationMessage,
  ISSUANCE_TYPES,
  issuanceRequestMessage,
  TRANSFER_TYPES,
  ledgerDomain,
  type TransferAuthorization,
} from "../server/domain/eip712";
import { SecuredAssetLedger__factory } from "../typechain-types";
import { loadConfig } from "../server/config";
import { createGateway } from "../server/main";
import type { Gateway } from "../server/main";
import { summarizeProfile } from "./lib/cpu-profile";
import type { CpuProfile } from "./lib/cpu-profile";
import { pool, runClientsOnWorker } from "./lib/transfer-clients";
import type { TransferBody } from "./lib/transfer-clients";

const N = Number(process.env.TRANSFERS ?? 2000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 50);
const HOLDERS = Number(process.env.HOLDERS ?? 100);
const GAS = 400_000n;
const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

/** A whole number from the environment within [min, max], else an error naming the variable. */
function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new Error(`${name}: must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return Number(raw);
}
const INSTANCES = envInt("INSTANCES", 1, 1, 8);
const PROFILE = envInt("PROFILE", 0, 0, 1) === 1;
// Several instances need a shared database: PostgreSQL. One instance keeps SQLite unless DATABASE_URL is set.
const DATABASE_URL = process.env.DATABASE_URL || (INSTANCES > 1 ? DEFAULT_DATABASE_URL : undefined);
if (DATABASE_URL && !/^postgres(ql)?:\/\//.test(DATABASE_URL))
  throw new Error("DATABASE_URL: must be a postgres:// URL");

const account = (i: number, provider: JsonRpcProvider) => devWallet(i, provider);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const node = await startHardhatNode({ miningIntervalMs: 1000 });
  const workdir = mkdtempSync(join(tmpdir(), "bench-gateway-"));
  const provider = new JsonRpcProvider(node.url, undefined, { batchMaxCount: 1, pollingInterval: 200 });
  // A fresh schema per run, as the gateway tests make one (test/gateway/support/harness.ts), dropped at the end.
  const schema = DATABASE_URL ? `bench_gw_${process.pid}_${Date.now()}` : undefined;
  const gateways: Gateway[] = [];
  try {
    const [deployer, authority, operator, verifier, owner] = [0, 1, 2, 3, 4].map((i) => account(i, provider));
    // The deployer's transactions go out back to back before a block is mined: it counts its own nonces, as the
    // gateway tests' harness does (the node's "pending" count lagged behind and the second one was refused).
    const deployment = await deployPlatform(new NonceManager(deployer), {
      authority: authority.address,
      operator: operator.address,
      verifier: verifier.address,
    });
    const deploymentFile = join(workdir, "deployment.json");
    await writeDeployment(deploymentFile, deployment);
    const ledger = SecuredAssetLedger__factory.connect(deployment.ledger, operator);
    const domain = ledgerDomain(deployment.chainId, deployment.ledger);
    const holders = Array.from({ length: HOLDERS }, () => Wallet.createRandom());
    console.log(`node ${node.url}, ledger ${deployment.ledger}; onboarding ${HOLDERS} holders`);

    // Setup (not measured): permit, type, disclosure, participants, an issuance, units for every holder.
    const GRAIN = encodeBytes32String("GRAIN");
    await (
      await ledger.connect(authority).grantPermit(operator.address, {
        legalName: "Bench Platform LLP",
        bin: "230140012340",
        permitNumber: "B-1",
        scope: "issuance and circulation",
      })
    ).wait();
    await (await ledger.connect(authority).listAssetType(GRAIN, "Grain", 1)).wait();
    const disclosureHash = keccakText("risks v1");
    await (await ledger.publishDisclosure(disclosureHash, "https://platform.kz/risks/v1")).wait();
    let opNonce = await provider.getTransactionCount(operator.address, "pending");
    const onboarding = [];
    for (const w of [owner, ...holders]) {
      const sig = await w.signTypedData(domain, ACKNOWLEDGEMENT_TYPES, {
        account: w.address,
        version: 1,
        documentHash: disclosureHash,
        deadline: 4_000_000_000n,
      });
      onboarding.push(
        await ledger.registerParticipantWithAcknowledgement(
          w.address,
          1,
          keccakText(`kyc:${w.address}`),
          1,
          4_000_000_000n,
          sig,
          { nonce: opNonce++, gasLimit: GAS },
        ),
      );
    }
    await Promise.all(onboarding.map((tx) => tx.wait()));

    const units = BigInt(N) * 10n;
    const issuer = { legalName: "Steppe Grain LLP", bin: "190440005676", registeredAddress: "Astana" };
    const decision = {
      documentHash: keccakText("decision"),
      uri: "https://steppegrain.kz/d.pdf",
      rightsType: encodeBytes32String("OWNERSHIP"),
      rightsExtent: "1 unit = 1 tonne",
      units,
    };
    const evidenceHash = keccakText("receipt");
    const attestation = attestationMessage({
      owner: owner.address,
      evidenceHash,
      assetType: GRAIN,
      units,
      nonce: 1n,
      expiry: 4_000_000_000n,
    });
    const attSig = await verifier.signTypedData(domain, ATTESTATION_TYPES, attestation);
    const ownerSig = await owner.signTypedData(
      domain,
      ISSUANCE_TYPES,
      issuanceRequestMessage({
        owner: owner.address,
        assetType: GRAIN,
        decision,
        issuer,
        evidenceHash,
        verifier: verifier.address,
        nonce: 1n,
        deadline: 4_000_000_000n,
      }),
    );
    await (
      await ledger.issue(
        GRAIN,
        decision,
        issuer,
        { ...attestation, verifier: verifier.address, signature: attSig },
        4_000_000_000n,
        ownerSig,
        { nonce: opNonce++, gasLimit: 2_000_000n },
      )
    ).wait();
    const assetId = 1n;

    const sign = (
      from: Wallet | HDNodeWallet,
      to: string,
      nonce: bigint,
      amount = 1n,
    ): Promise<{ auth: TransferAuthorization; signature: string }> => {
      const auth: TransferAuthorization = {
        from: from.address,
        to,
        assetId,
        amount,
        nonce,
        deadline: 4_000_000_000n,
        ref: ZeroHash,
      };
      return from.signTypedData(domain, TRANSFER_TYPES, auth).then((signature) => ({ auth, signature }));
    };
    // Each holder gets enough units to pay every one of its transfers before it is paid by its neighbour:
    // the clients are not synchronised, so a payment may arrive after the one it would have funded.
    const perHolder = Math.ceil(N / HOLDERS);
    const funding = [];
    for (let i = 0; i < holders.length; i++)
      funding.push(await sign(owner, holders[i].address, BigInt(i), BigInt(2 * perHolder + 10)));
    for (let i = 0; i < funding.length; i += 100) {
      const chunk = funding.slice(i, i + 100);
      await (
        await ledger.transferBatchWithAuthorization(
          chunk.map((c) => c.auth),
          chunk.map((c) => c.signature),
          { nonce: opNonce++, gasLimit: 15_000_000n },
        )
      ).wait();
    }

    // The transfers: holder i pays holder i+1, one unit, in rounds; the first half for the baseline.
    const plan: { auth: TransferAuthorization; signature: string }[][] = [[], []];
    for (const [half, offset] of [
      [0, 0],
      [1, perHolder],
    ] as const) {
      for (let r = 0; r < perHolder; r++) {
        for (let i = 0; i < HOLDERS && plan[half].length < N; i++) {
          plan[half].push(await sign(holders[i], holders[(i + 1) % HOLDERS].address, BigInt(offset + r)));
        }
      }
    }
    // Every holder must have signed for each round in both halves, so halves stay in nonce order.
    if (N % HOLDERS !== 0) throw new Error("TRANSFERS must be a multiple of HOLDERS");

    // Baseline: one transaction per transfer, straight to the node, pipelined nonces.
    const network = await provider.getNetwork();
    const fee = await provider.getFeeData();
    const base = await provider.getTransactionCount(operator.address, "pending");
    const rawStart = performance.now();
    const txs = plan[0].map((p, j) => ({
      to: deployment.ledger,
      data: ledger.interface.encodeFunctionData("transferWithAuthorization", [p.auth, p.signature]),
      nonce: base + j,
      gasLimit: 200_000n,
      chainId: network.chainId,
      type: 2,
      maxFeePerGas: fee.maxFeePerGas ?? 2_000_000_000n,
      maxPriorityFeePerGas: fee.maxPriorityFeePerGas ?? 1_000_000_000n,
    }));
    const hashes = new Array<string>(txs.length);
    await pool(
      txs.map((t, j) => ({ t, j })),
      CONCURRENCY,
      async ({ t, j }) => {
        const raw = await operator.signTransaction(t);
        hashes[j] = (await provider.broadcastTransaction(raw)).hash;
      },
    );
    while ((await provider.getTransactionCount(operator.address, "latest")) < base + txs.length)
      await new Promise((r) => setTimeout(r, 100));
    const rawSeconds = (performance.now() - rawStart) / 1000;
    let rawOk = 0;
    await pool(hashes, 20, async (h) => {
      if ((await provider.getTransactionReceipt(h))?.status === 1) rawOk++;
    });
    if (rawOk !== N) throw new Error(`baseline: only ${rawOk} of ${N} transfers succeeded`);

    // Gateway: CONCURRENCY clients, each owning some holders and submitting their transfers in nonce order.
    const config = loadConfig({
      RPC_URL: node.url,
      DEPLOYMENT_FILE: deploymentFile,
      OPERATOR_KEY: operator.privateKey,
      ...(DATABASE_URL ? { DATABASE_URL, DATABASE_SCHEMA: schema } : { SQLITE_FILE: join(workdir, "gateway.sqlite") }),
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      // The decision checks would fetch the benchmark asset's made-up URI; they do not touch transfers.
      SUPERVISION_ENABLED: "false",
      // On a loaded machine the node can take more than the default second to answer a probe; a failed probe
      // refuses writes with 503, which the benchmark would count as refused transfers.
      CHAIN_PROBE_TIMEOUT_MS: process.env.CHAIN_PROBE_TIMEOUT_MS ?? "5000",
    });
    // The instances share the database and the operator key; the outbox's lane lease lets one drive the key.
    const urls: string[] = [];
    for (let i = 0; i < INSTANCES; i++) {
      const gateway = await createGateway(config);
      gateways.push(gateway);
      urls.push((await gateway.start()).url);
    }
    console.log(
      `gateway: ${INSTANCES} instance${INSTANCES > 1 ? "s" : ""} on ${
        DATABASE_URL ? `PostgreSQL (schema ${schema})` : "SQLite"
      }: ${urls.join(", ")}`,
    );
    const { secret } = await gateways[0].context.apiKeys.create("bench", "operator");
    const byHolder = new Map<string, { auth: TransferAuthorization; signature: string }[]>();
    for (const p of plan[1]) byHolder.set(p.auth.from, [...(byHolder.get(p.auth.from) ?? []), p]);
    const owners: string[][] = Array.from({ length: CONCURRENCY }, () => []);
    [...byHolder.keys()].forEach((h, i) => owners[i % CONCURRENCY].push(h));
    const clients: TransferBody[][] = owners.map((owned) => {
      const requests: TransferBody[] = [];
      for (let r = 0; r < perHolder; r++) {
        for (const h of owned) {
          const p = byHolder.get(h)![r];
          requests.push({
            authorization: {
              ...p.auth,
              assetId: p.auth.assetId.toString(),
              amount: p.auth.amount.toString(),
              nonce: p.auth.nonce.toString(),
              deadline: p.auth.deadline.toString(),
            },
            signature: p.signature,
          });
        }
      }
      return requests;
    });
    const profiler = PROFILE ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post("Profiler.enable");
      await profiler.post("Profiler.start");
    }
    const result = await runClientsOnWorker({ urls, apiKey: secret, clients });
    const gwSeconds = (result.lastPostedAt - result.startedAt) / 1000;
    if (profiler) {
      const { profile } = (await profiler.post("Profiler.stop")) as { profile: CpuProfile };
      profiler.disconnect();
      const file = process.env.PROFILE_FILE || join(tmpdir(), `bench-gateway-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      const summary = summarizeProfile(profile, { root: resolve(__dirname, ".."), topN: 15 });
      console.log(
        `CPU profile of the gateway's event loop: ${file} (${summary.samples} samples over ${(summary.durationMs / 1000).toFixed(1)} s)`,
      );
      console.log("| self % | samples | function |\n|---:|---:|---|");
      for (const f of summary.top) console.log(`| ${f.percent.toFixed(1)} | ${f.samples} | \`${f.name}\` |`);
      console.log("| self % | samples | area |\n|---:|---:|---|");
      for (const a of summary.areas) console.log(`| ${a.percent.toFixed(1)} | ${a.samples} | ${a.area} |`);
    }
    for (const g of gateways.splice(0)) await g.stop();
    for (const r of result.refused.slice(0, 5)) console.error(r);
    if (result.refused.length + result.failed > 0)
      throw new Error(`gateway: ${result.refused.length} refused, ${result.failed} failed of ${N}`);
    const latencies = result.latencies;

    latencies.sort((a, b) => a - b);
    const gatewayTps = N / gwSeconds;
    const rawTps = N / rawSeconds;
    console.log("| run | transfers | seconds | transfers/s |\n|---|---:|---:|---:|");
    console.log(`| bare client, one tx per transfer | ${N} | ${rawSeconds.toFixed(2)} | ${rawTps.toFixed(1)} |`);
    console.log(
      `| gateway (HTTP, checks, outbox, batches) | ${N} | ${gwSeconds.toFixed(2)} | ${gatewayTps.toFixed(1)} |`,
    );
    console.log(
      `gateway latency request -> posted: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
    );
    console.log(
      JSON.stringify({
        transfers: N,
        instances: INSTANCES,
        database: DATABASE_URL ? "postgres" : "sqlite",
        gatewayTps: Number(gatewayTps.toFixed(1)),
        rawTps: Number(rawTps.toFixed(1)),
        ratio: Number((gatewayTps / rawTps).toFixed(3)),
        p50Ms: Math.round(percentile(latencies, 50)),
        p99Ms: Math.round(percentile(latencies, 99)),
      }),
    );
  } finally {
    for (const g of gateways) await g.stop().catch(() => undefined);
    if (DATABASE_URL && schema) {
      const c = new Client({ connectionString: DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
    provider.destroy();
    await node.stop();
    rmSync(workdir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
