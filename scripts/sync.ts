/**
 * Mirrors the ledger's events into the gateway's database up to the chain head (less the confirmations), with a
 * progress bar, then verifies every asset's record chain and exits.
 *
 *   npm run sync                       catch up from the cursor (or the deployment block)
 *   npm run sync -- --from-block 1200  delete the mirrored rows from block 1200 on and mirror them again
 *   npm run sync -- --repair           verify; re-sync from the block of the last good record of any divergent asset
 *                                      (balances or supply that differ from verified records: rebuilt from them)
 *
 * Environment: RPC_URL, DEPLOYMENT_FILE, DATABASE_URL / SQLITE_FILE, CONFIRMATIONS (as the gateway).
 *
 * Faulty ledger logs (text that is not UTF-8, data that does not decode) are recorded in mirror_faults and passed
 * over; the summary lists them (and `--json` has them under `faults`). Exit code: 0 when every asset verifies,
 * faults or not; 1 when an asset's record chain diverges or the task itself fails.
 */
import "reflect-metadata";
import { Command } from "commander";
import { SingleBar, Presets } from "cli-progress";
import { FetchRequest, JsonRpcProvider } from "ethers";
import { loadDatabaseConfig } from "../server/config";
import { openDatabase } from "../server/persistence/data-source";
import { GATEWAY_MODEL } from "../server/database-model";
import { readDeployment } from "../server/chain/deployment";
import { SecuredAssetLedger__factory } from "../typechain-types";
import { Indexer } from "../server/mirror/indexer";
import type { SyncProgress } from "../server/mirror/indexer";
import { MirrorQueries } from "../server/mirror/queries";
import { discardRecordsFrom, readCursor, rebuildAssets } from "../server/mirror/store";
import type { FaultView } from "../server/mirror/queries";
import type { KeyValue, KeysetPage } from "../server/persistence/keyset";

interface Options {
  fromBlock?: string;
  repair?: boolean;
  untilBlock?: string;
  confirmations?: string;
  chunk?: string;
  verify: boolean;
  json?: boolean;
}

const program = new Command("sync")
  .description("Mirror the ledger's records into the database up to the chain head, then verify and exit")
  .option("--from-block <n>", "delete the mirrored rows from this block on and mirror them again")
  .option("--repair", "verify every asset and re-sync from the earliest divergence")
  .option("--until-block <n>", "stop at this block")
  .option("--confirmations <n>", "blocks a block must be buried under (default: CONFIRMATIONS or 1)")
  .option("--chunk <n>", "blocks per eth_getLogs call", "2000")
  .option("--no-verify", "skip the verification of the record chains")
  .option("--json", "print the summary as JSON")
  .action(async (opts: Options) => {
    process.exitCode = await run(opts);
  });

async function run(opts: Options): Promise<number> {
  const rpcUrl = process.env.RPC_URL || "http://127.0.0.1:8545";
  const deployment = await readDeployment(process.env.DEPLOYMENT_FILE || "data/deployment.json");
  const req = new FetchRequest(rpcUrl);
  req.timeout = 60_000;
  const provider = new JsonRpcProvider(req, deployment.chainId, { staticNetwork: true });
  const db = await openDatabase(loadDatabaseConfig(), GATEWAY_MODEL);
  const confirmations = Number(opts.confirmations ?? process.env.CONFIRMATIONS ?? 1);
  const indexer = new Indexer(db, provider, deployment, { confirmations, chunkBlocks: Number(opts.chunk) });
  const queries = new MirrorQueries(db, SecuredAssetLedger__factory.connect(deployment.ledger, provider), deployment);
  const bar = new SingleBar(
    {
      format: "mirror |{bar}| {percentage}% | block {block}/{target} | {records} records | {eta_formatted} left",
      noTTYOutput: true,
      notTTYSchedule: 500,
      etaBuffer: 20,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  const onProgress = (p: SyncProgress) => {
    const total = p.target - p.startBlock + 1;
    const payload = { block: p.block, target: p.target, records: p.records };
    if (!started) {
      bar.start(total, 0, payload);
      started = true;
    }
    bar.update(p.block - p.startBlock + 1, payload);
  };
  try {
    const t0 = performance.now();
    let result;
    if (opts.fromBlock !== undefined) {
      result = await indexer.resync(Number(opts.fromBlock), { onProgress });
    } else if (opts.repair) {
      await indexer.sync({ onProgress });
      let from: number | null = null;
      const discard: Array<[string, number]> = [];
      const rebuild: string[] = [];
      for (const assetId of await queries.assetIds()) {
        const v = await queries.verify(assetId);
        if (v.verified) continue;
        const seq = Number(v.firstDivergentSequence);
        if (v.scope === "derived") {
          // The records are the chain's: what was derived from them is recomputed, nothing is fetched again.
          console.error(
            `asset ${assetId}: ${v.reason}${v.holder ? ` (holder ${v.holder})` : ""} at sequence ${seq}; rebuilt from the records`,
          );
          rebuild.push(assetId);
          continue;
        }
        const block = seq > 1 ? await queries.blockOf(assetId, seq - 1) : null;
        const candidate = block ?? deployment.deployBlock;
        console.error(`asset ${assetId}: diverges at sequence ${seq} (${v.reason}); re-sync from block ${candidate}`);
        discard.push([assetId, seq]);
        from = from === null ? candidate : Math.min(from, candidate);
      }
      if (started) bar.stop();
      started = false;
      // Under the cursor's lock, as the indexer writes. The divergent records go first wherever they claim to be
      // on chain (a block number forged below the re-sync block would keep its row), then the re-sync.
      if (rebuild.length > 0 || discard.length > 0) {
        await db.transaction(async (em) => {
          await readCursor(em, true);
          for (const [assetId, seq] of discard) await discardRecordsFrom(em, assetId, seq);
          await rebuildAssets(em, rebuild);
        });
      }
      result =
        from === null
          ? { fromBlock: 0, toBlock: 0, records: 0, reorganised: false }
          : await indexer.resync(from, { onProgress });
    } else {
      result = await indexer.sync({
        untilBlock: opts.untilBlock === undefined ? undefined : Number(opts.untilBlock),
        onProgress,
      });
    }
    if (started) bar.stop();
    const seconds = (performance.now() - t0) / 1000;
    const verification: Record<string, string> = {};
    let failed = 0;
    if (opts.verify) {
      for (const assetId of await queries.assetIds()) {
        const v = await queries.verify(assetId);
        verification[assetId] = v.verified
          ? `verified (${v.count} records, head ${v.head})`
          : `DIVERGES at sequence ${v.firstDivergentSequence}: ${v.reason}`;
        if (!v.verified) failed++;
      }
    }
    const status = await queries.status();
    const faults = await allFaults(queries);
    if (opts.json) {
      const items = faults.map((f) => ({
        blockNumber: f.blockNumber,
        logIndex: f.logIndex,
        txHash: f.txHash,
        kind: f.kind,
        event: f.event,
        message: f.detail.message,
      }));
      console.log(
        JSON.stringify({
          ...result,
          seconds: Number(seconds.toFixed(3)),
          cursor: status.block,
          totalRecords: status.records,
          verification,
          faults: { count: faults.length, items },
        }),
      );
    } else {
      console.log(
        `mirrored ${result.records} records (blocks ${result.fromBlock}-${result.toBlock}) in ${seconds.toFixed(2)} s; cursor at block ${status.block}, ${status.records} records in the mirror`,
      );
      for (const [assetId, text] of Object.entries(verification)) console.log(`asset ${assetId}: ${text}`);
      if (faults.length > 0) {
        console.log(
          `${faults.length} faulty event${faults.length === 1 ? "" : "s"} in the mirror (recorded, alerted and passed over; see docs/operations.md):`,
        );
        for (const f of faults)
          console.log(
            `  block ${f.blockNumber} log ${f.logIndex} tx ${f.txHash}: ${f.kind} (${f.event ?? "unknown event"}) ${f.detail.message}`,
          );
      }
    }
    // Faults alone do not fail the task: they are facts about the chain, recorded; a divergence is the mirror's own.
    return failed > 0 ? 1 : 0;
  } finally {
    if (started) bar.stop();
    await db.close();
    provider.destroy();
  }
}

/** Every fault the mirror holds, in chain order. */
async function allFaults(queries: MirrorQueries): Promise<FaultView[]> {
  const out: FaultView[] = [];
  let after: KeyValue[] | null = null;
  for (;;) {
    const page: KeysetPage<FaultView> = await queries.faults({ limit: 500, after });
    out.push(...page.items);
    if (!page.last) return out;
    after = page.last;
  }
}

program.parseAsync().catch((err: Error) => {
  console.error(`sync failed: ${err.message}`);
  process.exit(1);
});
