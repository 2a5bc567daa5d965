import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { Option } from "commander";
import { address, examples, nonNegativeInt, positiveInt, progress, run } from "./command";
import { cursorOf } from "./gateway";
import type { Gateway } from "./gateway";
import { CliExit, EXIT, emit, table, usage } from "./io";
import type { CliIo, GlobalOptions, Opts } from "./io";

/** A mirrored record as GET /v1/records shows it. */
export interface RecordView {
  assetId: string;
  sequence: string;
  from: string;
  to: string;
  amount: string;
  ref: string;
  postedAt: number | string;
  rightsArisenAt: string;
  proof: {
    txHash: string;
    blockNumber: number;
    blockHash: string;
    logIndex: number;
    recordHash: string;
    previousHash: string;
  };
}
interface Page {
  items: RecordView[];
  /** The next page's link (the API's one pagination convention), null on the last page. */
  next: string | null;
}
interface Verification {
  verified: boolean;
  count?: string;
  head?: string;
  firstDivergentSequence?: string;
  reason?: string;
  block: number;
}
interface MirrorStatus {
  block: number | null;
  blockHash: string | null;
  records: number;
  assets: number;
  faults: number;
  safeHead: number;
  confirmations: number;
}
interface AssetSummary {
  assetId: string;
  status: string;
  recordCount: string;
}

/** The columns of the gateway's own CSV export (GET /v1/records/export?format=csv), in its order. */
export const CSV_HEADER =
  "asset_id,sequence,from,to,amount,ref,posted_at,rights_arisen_at,tx_hash,block_number,block_hash,log_index,record_hash,previous_hash\n";
const csvLine = (v: RecordView): string => {
  const p = v.proof;
  return `${[v.assetId, v.sequence, v.from, v.to, v.amount, v.ref, v.postedAt, v.rightsArisenAt, p.txHash, p.blockNumber, p.blockHash, p.logIndex, p.recordHash, p.previousHash].join(",")}\n`;
};

interface Filter {
  asset?: number;
  participant?: string;
  from?: string;
  to?: string;
}
const filterQuery = (o: Filter) => ({ assetId: o.asset, participant: o.participant, from: o.from, to: o.to });
function filterOptions(cmd: Command): Command {
  return cmd
    .option("--participant <address>", "only records from or to this account", address)
    .option("--from <time>", "posted at or after (ISO 8601 or unix seconds)")
    .option("--to <time>", "posted before (ISO 8601 or unix seconds)");
}

async function allAssets(gw: Gateway): Promise<AssetSummary[]> {
  const items: AssetSummary[] = [];
  for (let cursor: string | undefined; ;) {
    const page = await gw.get<{ items: AssetSummary[]; next: string | null }>("/v1/assets", { limit: 500, cursor });
    items.push(...page.items);
    const next = cursorOf(page.next);
    if (!next || page.items.length === 0) return items;
    cursor = next;
  }
}

type Verified = Verification & { assetId: string };

/** Verifies the record chains of the given assets (default: every asset) through the gateway, with a progress bar. */
async function verifyAssets(io: CliIo, gw: Gateway, assetIds?: string[]): Promise<Verified[]> {
  const ids = assetIds ?? (await allAssets(gw)).map((a) => a.assetId);
  const bar = progress(io, "verify |{bar}| {value}/{total} assets | asset {asset}");
  bar.start(ids.length, { asset: "-" });
  const results: Verified[] = [];
  try {
    for (const [i, id] of ids.entries()) {
      results.push({ assetId: id, ...(await gw.get<Verification>(`/v1/assets/${id}/records/verification`)) });
      bar.update(i + 1, { asset: id });
    }
  } finally {
    bar.stop();
  }
  return results;
}

/** Prints verifications (with `extra` beside them in the JSON); EXIT.DIVERGED when one does not match the ledger. */
function printVerification(io: CliIo, o: GlobalOptions, results: Verified[], extra: object = {}, before = ""): void {
  const diverged = results.filter((r) => !r.verified);
  emit(io, o, { ...extra, verified: diverged.length === 0, assets: results }, () =>
    results.length === 0
      ? `${before}no asset to verify`
      : before +
        table(
          ["ASSET", "VERIFIED", "RECORDS", "AT BLOCK", "DETAIL"],
          results.map((r) => [
            r.assetId,
            r.verified ? "yes" : "NO",
            r.count,
            r.block,
            r.verified ? `head ${r.head}` : `diverges at sequence ${r.firstDivergentSequence}: ${r.reason}`,
          ]),
        ),
  );
  if (diverged.length > 0) {
    io.err(`record chain diverges for asset(s) ${diverged.map((d) => d.assetId).join(", ")}\n`);
    throw new CliExit(EXIT.DIVERGED);
  }
}

/** `records list|export|verify`: the mirrored transfer records (Art. 5.1.7) and the proof they are complete. */
export function addRecordCommands(program: Command, io: CliIo): void {
  const records = examples(
    program.command("records").description("transfer records mirrored from the ledger: list, export, verify the chain"),
    "records list --asset 1",
    "records export --asset 1 --format csv --out records-1.csv",
    "records verify",
  );

  examples(
    run(
      filterOptions(
        records
          .command("list")
          .description("one page of an asset's records in chain order, with their proofs")
          .requiredOption("--asset <id>", "the asset", positiveInt)
          .option("--limit <n>", "at most this many (1-500)", positiveInt, 50)
          .option("--cursor <cursor>", "the next page: the cursor the previous page printed"),
      ),
      io,
      async (o: Opts<Filter & { limit: number; cursor?: string }>, gw) => {
        const page = await gw.get<Page>("/v1/records", { ...filterQuery(o), limit: o.limit, cursor: o.cursor });
        emit(io, o, page, () => {
          const t = table(
            ["SEQ", "FROM", "TO", "AMOUNT", "RIGHTS AROSE AT", "BLOCK", "TX"],
            page.items.map((r) => [
              r.sequence,
              r.from,
              r.to,
              r.amount,
              r.rightsArisenAt,
              r.proof.blockNumber,
              r.proof.txHash,
            ]),
          );
          const cursor = cursorOf(page.next);
          return cursor ? `${t}next page: --cursor ${cursor}\n` : t;
        });
      },
    ),
    "records list --asset 1 --limit 20",
    "records list --asset 1 --participant 0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65 --from 2026-01-01T00:00:00Z --json",
  );

  examples(
    run(
      filterOptions(
        records
          .command("export")
          .description("write records to a file (CSV as the gateway's export, or a JSON array), page by page")
          .requiredOption("--out <file>", "the file to write (replaced once complete)")
          .option("--asset <id>", "only this asset (default: every asset)", positiveInt)
          .addOption(new Option("--format <format>", "csv or json").choices(["csv", "json"]).default("csv"))
          .option("--page-size <n>", "records per request (1-500)", positiveInt, 500),
      ),
      io,
      async (o: Opts<Filter & { out: string; format: "csv" | "json"; pageSize: number }>, gw) => {
        if (o.pageSize > 500) usage(io, "--page-size: at most 500");
        const file = resolve(io.env.INIT_CWD ?? process.cwd(), o.out);
        // The bar's total: the asset's record count, or every mirrored record (an upper bound with other filters).
        const total = o.asset
          ? Number((await gw.get<AssetSummary>(`/v1/assets/${o.asset}`)).recordCount ?? 0)
          : (await gw.get<MirrorStatus>("/v1/mirror")).records;
        const partial = `${file}.partial`;
        let fd: number;
        try {
          fd = openSync(partial, "w");
        } catch (err) {
          io.err(`cannot write ${partial}: ${(err as Error).message}\n`);
          throw new CliExit(EXIT.FAILURE);
        }
        const bar = progress(io, "export |{bar}| {value}/{total} records | page {page}");
        let n = 0;
        let pages = 0;
        try {
          writeSync(fd, o.format === "csv" ? CSV_HEADER : "[");
          bar.start(Math.max(total, 1), { page: 0 });
          for (let cursor: string | undefined; ;) {
            const page = await gw.get<Page>("/v1/records", { ...filterQuery(o), limit: o.pageSize, cursor });
            pages++;
            let chunk = "";
            for (const r of page.items)
              chunk += o.format === "csv" ? csvLine(r) : (n++ === 0 ? "\n" : ",\n") + JSON.stringify(r);
            if (o.format === "csv") n += page.items.length;
            writeSync(fd, chunk);
            if (n > total) bar.setTotal(n);
            bar.update(n, { page: pages });
            const next = cursorOf(page.next);
            if (!next || page.items.length === 0) break;
            cursor = next;
          }
          if (o.format === "json") writeSync(fd, n === 0 ? "]\n" : "\n]\n");
          closeSync(fd);
          renameSync(partial, file);
        } catch (err) {
          closeSync(fd);
          rmSync(partial, { force: true });
          throw err;
        } finally {
          bar.stop();
        }
        emit(
          io,
          o,
          { file, format: o.format, records: n, pages },
          () => `${n} records written to ${file} (${pages} pages)`,
        );
      },
    ),
    "records export --asset 1 --out records-1.csv",
    "records export --format json --from 2026-01-01T00:00:00Z --to 2026-04-01T00:00:00Z --out q1.json",
  );

  examples(
    run(
      records
        .command("verify")
        .description("recompute each asset's record chain and compare it with the ledger (exit 5 if one diverges)")
        .option("--asset <id>", "only this asset (default: every asset)", positiveInt),
      io,
      async (o: Opts<{ asset?: number }>, gw) =>
        printVerification(io, o, await verifyAssets(io, gw, o.asset ? [String(o.asset)] : undefined)),
    ),
    "records verify",
    "records verify --asset 3 --json",
  );
}

/** `mirror status` and `sync`: where the gateway's mirror of the ledger stands, and bringing it up to the head. */
export function addMirrorCommands(program: Command, io: CliIo): void {
  const mirror = examples(
    program.command("mirror").description("the gateway's mirror of the ledger's records"),
    "mirror status",
  );
  examples(
    run(
      mirror.command("status").description("cursor block, records and assets mirrored, faults, chain head"),
      io,
      async (o, gw) => {
        const s = await gw.get<MirrorStatus>("/v1/mirror");
        emit(io, o, s, () => mirrorLines(s));
      },
    ),
    "mirror status",
    "mirror status --json",
  );

  examples(
    run(
      program
        .command("sync")
        .description(
          "wait until the gateway's mirror reaches the chain head (or, with --from-block, re-mirror from a block), then verify every asset",
        )
        .option(
          "--from-block <n>",
          "delete the mirrored rows from this block on and mirror them again (authority or operator)",
          nonNegativeInt,
        )
        .option("--timeout <seconds>", "give up waiting for the mirror after this long (exit 4)", positiveInt, 600)
        .option("--no-verify", "skip the verification of the record chains"),
      io,
      async (o: Opts<{ fromBlock?: number; timeout: number; verify: boolean }>, gw) => {
        let resync: unknown;
        const start = await gw.get<MirrorStatus>("/v1/mirror");
        if (o.fromBlock !== undefined) {
          if (!o.json) io.err(`re-mirroring from block ${o.fromBlock}...\n`);
          resync = await gw.post("/v1/mirror/resync", { fromBlock: o.fromBlock });
        } else {
          const target = start.safeHead;
          const from = start.block ?? 0;
          const bar = progress(io, "mirror |{bar}| {percentage}% | block {value}/{total} | {eta_formatted} left");
          bar.start(Math.max(target, 1), {});
          const until = Date.now() + o.timeout * 1000;
          try {
            for (let s = start; (s.block ?? -1) < target;) {
              if (Date.now() > until) {
                io.err(`the mirror is at block ${s.block} after ${o.timeout} s, short of ${target}\n`);
                throw new CliExit(EXIT.UNAVAILABLE);
              }
              await new Promise((r) => setTimeout(r, 500));
              s = await gw.get<MirrorStatus>("/v1/mirror");
              bar.update(Math.max(s.block ?? from, from));
            }
          } finally {
            bar.stop();
          }
        }
        const now = await gw.get<MirrorStatus>("/v1/mirror");
        if (!o.verify) {
          emit(io, o, { mirror: now, ...(resync ? { resync } : {}) }, () => mirrorLines(now));
          return;
        }
        printVerification(
          io,
          o,
          await verifyAssets(io, gw),
          { mirror: now, ...(resync ? { resync } : {}) },
          mirrorLines(now) + "\n",
        );
      },
    ),
    "sync",
    "sync --from-block 1200",
    "sync --no-verify --json",
  );
}

function mirrorLines(s: MirrorStatus): string {
  const behind =
    s.block === null ? "nothing mirrored yet" : `${Math.max(0, s.safeHead - s.block)} block(s) behind the safe head`;
  return [
    `mirrored up to block ${s.block ?? "-"} (${s.blockHash ?? "-"}); ${behind}`,
    `safe head ${s.safeHead} (${s.confirmations} confirmation(s))`,
    `${s.records} records, ${s.assets} assets, ${s.faults} faulty log(s)`,
  ].join("\n");
}
