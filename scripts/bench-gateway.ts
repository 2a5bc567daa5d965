/**
 * Throughput of the gateway against a bare client, in the same run, on a local node mining every second.
 *
 *   npm run bench:gateway            (TRANSFERS=2000 CONCURRENCY=50 HOLDERS=100 by default)
 *
 * Baseline: the same number of holder-signed transfers sent straight to the node, one transaction per transfer,
 * pipelined nonces, no gateway. Gateway: holder-signed transfers POSTed to /v1/transfers by CONCURRENCY clients
 * (on a worker thread, scripts/lib/transfer-clients.ts),
 * until every one is posted. Prints a table and, as its last line, one JSON object.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HDNodeWallet, JsonRpcProvider, Wallet, encodeBytes32String, id as keccakText, ZeroHash } from "ethers";
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
import { pool, runClientsOnWorker } from "./lib/transfer-clients";
import type { TransferBody } from "./lib/transfer-clients";

const N = Number(process.env.TRANSFERS ?? 2000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 50);
const HOLDERS = Number(process.env.HOLDERS ?? 100);
const GAS = 400_000n;

const account = (i: number, provider: JsonRpcProvider) => devWallet(i, provider);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const node = await startHardhatNode({ miningIntervalMs: 1000 });
  const workdir = mkdtempSync(join(tmpdir(), "bench-gateway-"));
  const provider = new JsonRpcProvider(node.url, undefined, { batchMaxCount: 1, pollingInterval: 200 });
  try {
    const [deployer, authority, operator, verifier, owner] = [0, 1, 2, 3, 4].map((i) => account(i, provider));
    const deployment = await deployPlatform(deployer, {
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
      SQLITE_FILE: join(workdir, "gateway.sqlite"),
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      // The decision checks would fetch the benchmark asset's made-up URI; they do not touch transfers.
      SUPERVISION_ENABLED: "false",
    });
    const gateway = await createGateway(config);
    const { url } = await gateway.start();
    const { secret } = await gateway.context.apiKeys.create("bench", "operator");
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
    const result = await runClientsOnWorker({ url, apiKey: secret, clients });
    const gwSeconds = (result.lastPostedAt - result.startedAt) / 1000;
    await gateway.stop();
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
        gatewayTps: Number(gatewayTps.toFixed(1)),
        rawTps: Number(rawTps.toFixed(1)),
        ratio: Number((gatewayTps / rawTps).toFixed(3)),
        p50Ms: Math.round(percentile(latencies, 50)),
        p99Ms: Math.round(percentile(latencies, 99)),
      }),
    );
  } finally {
    provider.destroy();
    await node.stop();
    rmSync(workdir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
