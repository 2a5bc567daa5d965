/**
 * The indexer's catch-up against a bare eth_getLogs fetch of the same block range, in the same run.
 *
 *   npm run bench:indexer            (RECORDS=10000 HOLDERS=100 BATCH=200 CHUNK=2000 by default)
 *
 * Starts its own Hardhat node (automine), deploys the platform, onboards holders, issues an asset and posts
 * transfers in batches of BATCH holder-signed authorizations (pipelined operator nonces) until the ledger holds
 * RECORDS transfer records. Then, on the same range: a bare eth_getLogs fetch in CHUNK-block calls with no
 * processing, and the indexer's catch-up into an empty SQLite database (decode, hash chain, records, balances,
 * assets, events, cursor). Then times the verification of the mirrored asset (the hash chain, every record and its
 * proof against the chain's events, the balances against the records): intact, with one record's proof forged, with
 * one balance forged, and with the middle fifth of its records forged (hashes recomputed), and whether it names each
 * forgery. Prints a table and, as its last line, one JSON object.
 */
import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  HDNodeWallet,
  JsonRpcProvider,
  NonceManager,
  Transaction,
  Wallet,
  encodeBytes32String,
  id as keccakText,
  ZeroHash,
} from "ethers";
import { startHardhatNode } from "./lib/hardhat-node";
import { devWallet } from "./lib/dev-accounts";
import { deployPlatform } from "../server/chain/deployment";
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
import { openDatabase } from "../server/persistence/data-source";
import { GATEWAY_MODEL } from "../server/database-model";
import type { Database } from "../server/persistence/data-source";
import { GENESIS_RECORD_HASH, recordHash } from "../server/chain/records";
import { Indexer } from "../server/mirror/indexer";
import { MirrorQueries } from "../server/mirror/queries";

const RECORDS = Number(process.env.RECORDS ?? 10_000);
const HOLDERS = Number(process.env.HOLDERS ?? 100);
const BATCH = Number(process.env.BATCH ?? 200);
const CHUNK = Number(process.env.CHUNK ?? 2_000);
const FAR = 4_000_000_000n;

const account = (i: number, provider: JsonRpcProvider) => devWallet(i, provider);

async function main() {
  const node = await startHardhatNode();
  const workdir = mkdtempSync(join(tmpdir(), "bench-indexer-"));
  const provider = new JsonRpcProvider(node.url, undefined, { batchMaxCount: 1, pollingInterval: 100 });
  try {
    const [deployer, authority, operator, verifier, owner] = [0, 1, 2, 3, 4].map((i) => account(i, provider));
    // A nonce manager: the provider caches eth_getTransactionCount for 250 ms, and the second deployment can reuse a nonce.
    const deployment = await deployPlatform(new NonceManager(deployer), {
      authority: authority.address,
      operator: operator.address,
      verifier: verifier.address,
    });
    const ledger = SecuredAssetLedger__factory.connect(deployment.ledger, operator);
    const domain = ledgerDomain(deployment.chainId, deployment.ledger);
    const holders = Array.from({ length: HOLDERS }, () => Wallet.createRandom());
    const transfers = RECORDS - HOLDERS - 1;
    if (transfers < 0) throw new Error("RECORDS must exceed HOLDERS + 1");
    console.log(`node ${node.url}, ledger ${deployment.ledger}; ${HOLDERS} holders, ${RECORDS} records to post`);

    const GRAIN = encodeBytes32String("GRAIN");
    const authoritySigner = new NonceManager(authority);
    await (
      await ledger.connect(authoritySigner).grantPermit(operator.address, {
        legalName: "Bench Platform LLP",
        bin: "230140012340",
        permitNumber: "B-1",
        scope: "issuance and circulation",
      })
    ).wait();
    await (await ledger.connect(authoritySigner).listAssetType(GRAIN, "Grain", 1)).wait();
    const disclosureHash = keccakText("risks v1");
    let opNonce = await provider.getTransactionCount(operator.address, "latest");
    await (await ledger.publishDisclosure(disclosureHash, "https://platform.kz/risks/v1", { nonce: opNonce++ })).wait();
    const onboarding = [];
    for (const w of [owner, ...holders]) {
      const sig = await w.signTypedData(domain, ACKNOWLEDGEMENT_TYPES, {
        account: w.address,
        version: 1,
        documentHash: disclosureHash,
        deadline: FAR,
      });
      onboarding.push(
        await ledger.registerParticipantWithAcknowledgement(w.address, 1, keccakText(`kyc:${w.address}`), 1, FAR, sig, {
          nonce: opNonce++,
          gasLimit: 400_000n,
        }),
      );
    }
    await Promise.all(onboarding.map((tx) => tx.wait()));

    const units = BigInt(RECORDS) * 10n;
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
      expiry: FAR,
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
        deadline: FAR,
      }),
    );
    await (
      await ledger.issue(
        GRAIN,
        decision,
        issuer,
        { ...attestation, verifier: verifier.address, signature: attSig },
        FAR,
        ownerSig,
        { nonce: opNonce++, gasLimit: 2_000_000n },
      )
    ).wait();
    const assetId = 1n;

    const sign = async (from: Wallet | HDNodeWallet, to: string, nonce: bigint, amount: bigint) => {
      const auth: TransferAuthorization = {
        from: from.address,
        to,
        assetId,
        amount,
        nonce,
        deadline: FAR,
        ref: ZeroHash,
      };
      return { auth, signature: await from.signTypedData(domain, TRANSFER_TYPES, auth) };
    };
    // Funding (one record per holder), then holder i pays holder i+1 one unit, round after round.
    const plan: { auth: TransferAuthorization; signature: string }[] = [];
    for (let i = 0; i < HOLDERS; i++)
      plan.push(await sign(owner, holders[i].address, BigInt(i), units / BigInt(2 * HOLDERS)));
    const signStart = performance.now();
    for (let k = 0; k < transfers; k++) {
      const i = k % HOLDERS;
      plan.push(await sign(holders[i], holders[(i + 1) % HOLDERS].address, BigInt(Math.floor(k / HOLDERS)), 1n));
    }
    console.log(
      `signed ${plan.length} authorizations in ${((performance.now() - signStart) / 1000).toFixed(1)} s; posting in batches of ${BATCH}`,
    );
    const postStart = performance.now();
    // Signed locally and broadcast with a retry: under automine a big batch takes a while to mine, and the node
    // may drop a kept-alive connection meanwhile (ECONNRESET); the hash tells whether the node has the transaction.
    const network = await provider.getNetwork();
    const fee = await provider.getFeeData();
    const hashes: string[] = [];
    for (let i = 0; i < plan.length; i += BATCH) {
      const chunk = plan.slice(i, i + BATCH);
      const raw = await operator.signTransaction({
        to: deployment.ledger,
        data: ledger.interface.encodeFunctionData("transferBatchWithAuthorization", [
          chunk.map((c) => c.auth),
          chunk.map((c) => c.signature),
        ]),
        nonce: opNonce++,
        gasLimit: 29_000_000n,
        chainId: network.chainId,
        type: 2,
        maxFeePerGas: fee.maxFeePerGas ?? 2_000_000_000n,
        maxPriorityFeePerGas: fee.maxPriorityFeePerGas ?? 1_000_000_000n,
      });
      const hash = Transaction.from(raw).hash!;
      for (let attempt = 0; ; attempt++) {
        try {
          await provider.send("eth_sendRawTransaction", [raw]);
          break;
        } catch (err) {
          if (await provider.getTransaction(hash).catch(() => null)) break;
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      hashes.push(hash);
    }
    for (const h of hashes) {
      const receipt = await provider.waitForTransaction(h);
      if (receipt?.status !== 1) throw new Error(`batch ${h} failed`);
    }
    const info = await ledger.assetInfo(assetId);
    if (Number(info.recordCount) !== RECORDS) {
      const rejected = await ledger.queryFilter(ledger.filters.AuthorizationRejected(), deployment.deployBlock);
      const reasons = new Map<string, number>();
      for (const e of rejected) reasons.set(String(e.args.reason), (reasons.get(String(e.args.reason)) ?? 0) + 1);
      console.error("rejected authorizations by TransferCheck reason:", Object.fromEntries(reasons));
    }
    if (Number(info.recordCount) !== RECORDS)
      throw new Error(`expected ${RECORDS} records on chain, found ${info.recordCount} (rejected authorizations?)`);
    const head = await provider.getBlockNumber();
    console.log(
      `posted in ${((performance.now() - postStart) / 1000).toFixed(1)} s; blocks ${deployment.deployBlock}-${head}`,
    );

    // Bare fetch: the same range, the same chunks, no processing.
    const rawFetch = async () => {
      let logs = 0;
      for (let from = deployment.deployBlock; from <= head; from += CHUNK) {
        const to = Math.min(from + CHUNK - 1, head);
        const result = (await provider.send("eth_getLogs", [
          { address: deployment.ledger, fromBlock: "0x" + from.toString(16), toBlock: "0x" + to.toString(16) },
        ])) as unknown[];
        logs += result.length;
      }
      return logs;
    };
    await rawFetch(); // warm-up, not measured
    const rawStart = performance.now();
    const logCount = await rawFetch();
    const rawSeconds = (performance.now() - rawStart) / 1000;

    // The indexer, from an empty database.
    const db = await openDatabase({ type: "sqlite", file: join(workdir, "mirror.sqlite") }, GATEWAY_MODEL);
    const indexer = new Indexer(db, provider, deployment, { confirmations: 1, chunkBlocks: CHUNK });
    const idxStart = performance.now();
    const result = await indexer.sync({ untilBlock: head });
    const indexerSeconds = (performance.now() - idxStart) / 1000;
    const queries = new MirrorQueries(db, ledger, deployment);
    const verifyStart = performance.now();
    const verdict = await queries.verify(assetId.toString());
    const verifySeconds = (performance.now() - verifyStart) / 1000;
    if (result.records !== RECORDS) throw new Error(`indexer mirrored ${result.records} records, expected ${RECORDS}`);
    if (!verdict.verified)
      throw new Error(
        `mirror does not verify: ${JSON.stringify(verdict, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`,
      );
    // Forgeries the record hash does not cover: one record's block hash (its proof), then one holder's balance;
    // each is put back after its verification.
    const proofAt = Math.floor(RECORDS * 0.4);
    const [{ block_hash: realHash }]: Array<{ block_hash: string }> = await db.manager.query(
      "SELECT block_hash FROM mirror_records WHERE asset_id = ? AND sequence = ?",
      [assetId.toString(), proofAt],
    );
    await db.manager.query("UPDATE mirror_records SET block_hash = ? WHERE asset_id = ? AND sequence = ?", [
      "0x" + "ab".repeat(32),
      assetId.toString(),
      proofAt,
    ]);
    const proofStart = performance.now();
    const proofForged = await queries.verify(assetId.toString());
    const proofSeconds = (performance.now() - proofStart) / 1000;
    await db.manager.query("UPDATE mirror_records SET block_hash = ? WHERE asset_id = ? AND sequence = ?", [
      realHash,
      assetId.toString(),
      proofAt,
    ]);
    const proofLocated =
      !proofForged.verified &&
      Number(proofForged.firstDivergentSequence) === proofAt &&
      proofForged.reason === "proof differs from the chain";
    const holder = holders[0].address.toLowerCase();
    const [{ balance: realBalance }]: Array<{ balance: string }> = await db.manager.query(
      "SELECT balance FROM mirror_balances WHERE asset_id = ? AND holder = ?",
      [assetId.toString(), holder],
    );
    await db.manager.query("UPDATE mirror_balances SET balance = ? WHERE asset_id = ? AND holder = ?", [
      (BigInt(realBalance) + 1n).toString(),
      assetId.toString(),
      holder,
    ]);
    const balanceStart = performance.now();
    const balanceForged = await queries.verify(assetId.toString());
    const balanceSeconds = (performance.now() - balanceStart) / 1000;
    await db.manager.query("UPDATE mirror_balances SET balance = ? WHERE asset_id = ? AND holder = ?", [
      realBalance,
      assetId.toString(),
      holder,
    ]);
    const balanceLocated =
      !balanceForged.verified &&
      balanceForged.reason === "balance differs from the records" &&
      balanceForged.holder === holder;
    // A forger rewrites the middle fifth of the records and recomputes every stored hash after it: the cheap check
    // sees only the head; locating the first forged record takes the chain's events.
    const forgedFrom = Math.floor(RECORDS * 0.4);
    await forgeRange(db, assetId.toString(), forgedFrom, Math.floor(RECORDS * 0.6), holders[0].address);
    const forgedStart = performance.now();
    const forged = await queries.verify(assetId.toString());
    const forgedSeconds = (performance.now() - forgedStart) / 1000;
    await db.close();
    if (forged.verified) throw new Error("a forged mirror verifies");
    const located = Number(forged.firstDivergentSequence) === forgedFrom;

    const ratio = indexerSeconds / rawSeconds;
    console.log("| run | blocks | logs | records | seconds | records/s |\n|---|---:|---:|---:|---:|---:|");
    console.log(
      `| bare eth_getLogs (${CHUNK}-block chunks) | ${head - deployment.deployBlock + 1} | ${logCount} | - | ${rawSeconds.toFixed(3)} | - |`,
    );
    console.log(
      `| indexer catch-up (SQLite, empty) | ${head - deployment.deployBlock + 1} | ${logCount} | ${result.records} | ${indexerSeconds.toFixed(3)} | ${(result.records / indexerSeconds).toFixed(0)} |`,
    );
    const st = indexer.stats;
    console.log(
      `indexer split: waiting for eth_getLogs ${(st.fetchWaitMs / 1000).toFixed(3)} s, decoding ${(st.decodeMs / 1000).toFixed(3)} s, writing ${(st.writeMs / 1000).toFixed(3)} s over ${st.ranges} ranges`,
    );
    console.log(
      `mirror verified (hash chain, records and proofs against the chain's events, balances): ${verdict.count} records, head ${verdict.head}, in ${verifySeconds.toFixed(3)} s`,
    );
    const said = (v: typeof proofForged) =>
      v.verified
        ? "verified"
        : `sequence ${v.firstDivergentSequence} (${v.reason}${v.holder ? `, holder ${v.holder}` : ""})`;
    console.log(
      `forged block hash of sequence ${proofAt}: verification says ${said(proofForged)} in ${proofSeconds.toFixed(3)} s${proofLocated ? "" : " — NOT located"}`,
    );
    console.log(
      `forged balance of ${holder}: verification says ${said(balanceForged)} in ${balanceSeconds.toFixed(3)} s${balanceLocated ? "" : " — NOT located"}`,
    );
    console.log(
      `forged sequences ${forgedFrom}-${Math.floor(RECORDS * 0.6)} (hashes recomputed): verification says sequence ${forged.firstDivergentSequence} (${forged.reason}) in ${forgedSeconds.toFixed(3)} s${located ? "" : ` — NOT the first forged record (${forgedFrom})`}`,
    );
    console.log(
      JSON.stringify({
        records: RECORDS,
        indexerSeconds: Number(indexerSeconds.toFixed(3)),
        rawGetLogsSeconds: Number(rawSeconds.toFixed(3)),
        ratio: Number(ratio.toFixed(3)),
        verifySeconds: Number(verifySeconds.toFixed(3)),
        forgedVerifySeconds: Number(forgedSeconds.toFixed(3)),
        forgedLocated: located,
        proofForgedVerifySeconds: Number(proofSeconds.toFixed(3)),
        proofForgedLocated: proofLocated,
        balanceForgedVerifySeconds: Number(balanceSeconds.toFixed(3)),
        balanceForgedLocated: balanceLocated,
      }),
    );
  } finally {
    provider.destroy();
    await node.stop();
    rmSync(workdir, { recursive: true, force: true });
  }
}

/**
 * Rewrites the recipient and amount of records `from`..`to` of an asset in the mirror and recomputes every stored
 * hash from `from` to the end, as a forger with write access to the database would.
 */
async function forgeRange(db: Database, assetId: string, from: number, to: number, recipient: string): Promise<void> {
  await db.transaction(async (em) => {
    const before: Array<{ record_hash: string }> = await em.query(
      "SELECT record_hash FROM mirror_records WHERE asset_id = ? AND sequence = ?",
      [assetId, from - 1],
    );
    let previous = before.length > 0 ? before[0].record_hash : GENESIS_RECORD_HASH;
    const rows: Array<{
      tx_hash: string;
      log_index: number;
      sequence: number;
      from_address: string;
      to_address: string;
      amount: string;
      ref: string;
      posted_at: number | string;
    }> = await em.query(
      "SELECT tx_hash, log_index, sequence, from_address, to_address, amount, ref, posted_at FROM mirror_records WHERE asset_id = ? AND sequence >= ? ORDER BY sequence",
      [assetId, from],
    );
    for (const r of rows) {
      const forged = r.sequence <= to;
      const toAddress = forged ? recipient.toLowerCase() : r.to_address;
      const amount = forged ? "7" : r.amount;
      const h = recordHash(previous, {
        assetId: BigInt(assetId),
        sequence: BigInt(r.sequence),
        from: r.from_address,
        to: toAddress,
        amount: BigInt(amount),
        ref: r.ref,
        postedAt: BigInt(r.posted_at),
      });
      await em.query(
        "UPDATE mirror_records SET to_address = ?, amount = ?, record_hash = ?, previous_hash = ? WHERE tx_hash = ? AND log_index = ?",
        [toAddress, amount, h, previous, r.tx_hash, r.log_index],
      );
      previous = h;
    }
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
