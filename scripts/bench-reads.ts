/**
 * Reads that do not grow with history (issue 12 §3): the API's mirror reads on a large mirror against the same reads
 * on a small one, in the same run.
 *
 *   npm run bench:reads                       (1,000,000 records; the small database has 10,000)
 *   npm run bench:reads -- --records 200000   (a smaller run)   --quick = --records 100000
 *   DATABASE_URL=postgres://... npm run bench:reads   (PostgreSQL, a schema of its own per database, dropped after)
 *
 * Seeds each database (a SQLite file in a temp directory by default) through the mirror's own write path,
 * `writeRange` in one transaction per 100 blocks: N records over 1,000 assets and N/10 holders, a valid hash chain
 * per asset, one asset (#1) holding a tenth of the records (100,000 at 1M), issuers sending to random holders and
 * holders passing units on. No chain: the records are made here, as the indexer would decode them.
 * Then serves the API in-process (the gateway's Express app on a real port, the mirror's routes; no node) and
 * measures, one request at a time: a participant's holdings, an asset's records page at a random cursor, a
 * participant's records page (GET /v1/records?participant=, including the heaviest participants: the issuers), each
 * p50/p99 over SAMPLES requests after a warm-up; and the mirror's hash-chain verification of asset #1 (every record
 * read and its hash recomputed). Prints a table and, as its last line, one JSON object.
 */
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import pino from "pino";
import { openDatabase } from "../server/persistence/data-source";
import type { Database } from "../server/persistence/data-source";
import { GATEWAY_MODEL } from "../server/database-model";
import type { Config } from "../server/config";
import type { AppContext } from "../server/context";
import { buildApp } from "../server/http/app";
import { GatewayMetrics } from "../server/http/metrics";
import { ApiKeyService } from "../server/services/api-keys";
import { AuditService } from "../server/services/audit";
import { MirrorQueries } from "../server/mirror/queries";
import { writeRange } from "../server/mirror/store";
import { GENESIS_RECORD_HASH, recordHashFromWords } from "../server/chain/decode";
import type { DecodedRecord } from "../server/chain/decode";
import type { Deployment } from "../server/chain/deployment";
import type { SecuredAssetLedger } from "../typechain-types";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const QUICK = process.argv.includes("--quick");
const RECORDS = Number(arg("--records") ?? process.env.RECORDS ?? (QUICK ? 100_000 : 1_000_000));
const SMALL = Math.min(Number(arg("--small") ?? 10_000), RECORDS);
const SAMPLES = Number(arg("--samples") ?? process.env.SAMPLES ?? 500);
const ASSETS = 1_000;
const PER_BLOCK = 100;
const BLOCKS_PER_TX = 100;
const PAGE = 50;

/** A deterministic pseudo-random generator (mulberry32): the same data on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const word = (n: bigint | number) => BigInt(n).toString(16).padStart(64, "0");
const addressWord = (a: string) => a.slice(2).padStart(64, "0");
const ZERO = "0x" + "00".repeat(20);

interface Seeded {
  records: number;
  assets: number;
  holders: string[];
  /** Asset #1: its record count and head, as computed here. */
  big: { assetId: string; count: number; head: string };
  /** Each asset's record count. */
  counts: number[];
  lastBlock: number;
  seedMs: number;
}

/** Fills the mirror with `total` records through writeRange, one transaction per BLOCKS_PER_TX blocks. */
async function seed(db: Database, total: number): Promise<Seeded> {
  const t0 = performance.now();
  const random = rng(total);
  const assets = Math.min(ASSETS, Math.max(1, Math.floor(total / 10)));
  const holders = Array.from(
    { length: Math.max(2, Math.floor(total / 10)) },
    () => "0x" + randomBytes(20).toString("hex"),
  );
  const issuerOf = (a: number) => holders[(a * 7919) % holders.length];
  const sequence = new Array<number>(assets + 1).fill(0);
  const head = new Array<string>(assets + 1).fill(GENESIS_RECORD_HASH);
  /** Per asset, recent recipients who may pass units on (a small ring, so memory stays flat). */
  const recipients: string[][] = Array.from({ length: assets + 1 }, () => []);
  const lastBlock = Math.ceil(total / PER_BLOCK);
  const blockHash = (b: number) => "0x" + word(b + 0xb10c);
  let made = 0;
  let block = 0;
  const postedAt0 = 1_780_000_000;
  while (made < total) {
    const from = block + 1;
    const records: DecodedRecord[] = [];
    for (let b = 0; b < BLOCKS_PER_TX && made < total; b++) {
      block++;
      for (let i = 0; i < PER_BLOCK && made < total; i++, made++) {
        // A tenth of the records in asset #1; the rest spread over the others.
        const a = made % 10 === 0 || assets === 1 ? 1 : 2 + Math.floor(random() * (assets - 1));
        const seq = ++sequence[a];
        let sender: string;
        let receiver: string;
        let amount: bigint;
        if (seq === 1) {
          [sender, receiver, amount] = [ZERO, issuerOf(a), 10n ** 15n];
        } else {
          const ring = recipients[a];
          const passOn = ring.length > 0 && random() < 0.3;
          sender = passOn ? ring[Math.floor(random() * ring.length)] : issuerOf(a);
          receiver = holders[Math.floor(random() * holders.length)];
          if (receiver === sender) receiver = holders[(holders.indexOf(receiver) + 1) % holders.length];
          amount = passOn ? 1n : BigInt(2 + Math.floor(random() * 100));
          if (ring.length < 64) ring.push(receiver);
          else ring[Math.floor(random() * 64)] = receiver;
        }
        const assetWord = word(a);
        const postedAt = postedAt0 + block * 2;
        const ref = word(made);
        const dataWords = word(seq) + addressWord(sender) + addressWord(receiver) + word(amount) + ref + word(postedAt);
        head[a] = recordHashFromWords(head[a], assetWord, dataWords);
        records.push({
          txHash: "0x" + word(made + 1),
          logIndex: i,
          blockNumber: block,
          blockHash: blockHash(block),
          assetId: String(a),
          sequence: seq,
          from: sender,
          to: receiver,
          amount,
          ref: "0x" + ref,
          postedAt,
          assetWord,
          dataWords,
        });
      }
    }
    await db.transaction((em) =>
      writeRange(em, { from, to: block, toHash: blockHash(block), records, changes: [], faults: [] }, lastBlock),
    );
    if (made % 100_000 < PER_BLOCK * BLOCKS_PER_TX)
      process.stderr.write(`  seeded ${made.toLocaleString("en")} / ${total.toLocaleString("en")}\n`);
  }
  return {
    records: total,
    assets,
    holders,
    big: { assetId: "1", count: sequence[1], head: head[1] },
    counts: sequence.slice(1),
    lastBlock,
    seedMs: performance.now() - t0,
  };
}

/** The gateway's Express app on the mirror alone: no node (the routes measured do not reach it). */
async function serve(db: Database, queries: MirrorQueries): Promise<{ server: Server; url: string; key: string }> {
  const log = pino({ level: "silent" });
  const config = {
    bodyLimit: "100kb",
    rateLimitPerMinute: 10_000_000,
    corsOrigins: [],
    logLevel: "silent",
  } as unknown as Config;
  const apiKeys = new ApiKeyService(db);
  const { secret } = await apiKeys.create("bench-monitor", "monitor");
  const ctx = {
    config,
    log,
    apiKeys,
    audit: new AuditService(db),
    state: { shuttingDown: false },
    metrics: new GatewayMetrics(log),
    // Reads only: no chain, no writes (the mirror's reads never ask the node).
    services: { health: { chainDownSince: () => null } },
    mirror: {
      queries,
      freshness: {
        asOf: async () => {
          const rows: Array<{ block_number: number }> = await db.manager.query(
            "SELECT block_number FROM mirror_cursor",
          );
          return Number(rows[0]?.block_number ?? -1);
        },
      },
    },
  } as unknown as AppContext;
  const app = buildApp(ctx);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, key: secret };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const round = (x: number) => Math.round(x * 100) / 100;

interface Figures {
  p50: number;
  p99: number;
}

async function measure(
  name: string,
  url: string,
  key: string,
  path: () => string,
  check: (body: { items: unknown[] }) => void,
): Promise<Figures> {
  const get = async () => {
    const res = await fetch(url + path(), { headers: { authorization: `Bearer ${key}` } });
    const body = (await res.json()) as { items: unknown[] };
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(body)}`);
    check(body);
  };
  for (let i = 0; i < Math.min(50, SAMPLES); i++) await get();
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await get();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: round(percentile(times, 50)), p99: round(percentile(times, 99)) };
}

interface Run {
  records: number;
  assets: number;
  holders: number;
  seedSeconds: number;
  holdings: Figures;
  assetRecordsPage: Figures;
  participantRecordsPage: Figures;
  /** The hash-chain verification of asset #1. */
  verification: { records: number; ms: number; verified: boolean };
}

async function benchOne(total: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "bench-reads-"));
  const schema = `bench_reads_${process.pid}_${total}`;
  const pg = process.env.DATABASE_URL;
  const db = await openDatabase(
    pg ? { type: "postgres", url: pg, schema } : { type: "sqlite", file: join(dir, "mirror.sqlite") },
    GATEWAY_MODEL,
  );
  try {
    process.stderr.write(`seeding ${total.toLocaleString("en")} records (${pg ? "PostgreSQL" : "SQLite"})\n`);
    const s = await seed(db, total);
    await db.manager.query("ANALYZE"); // planner statistics, as a database that has been running has them
    const deployment = { ledger: ZERO, deployBlock: 1 } as unknown as Deployment;
    const queries = new MirrorQueries(db, {} as SecuredAssetLedger, deployment);
    const { server, url, key } = await serve(db, queries);
    try {
      const random = rng(7);
      const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
      const nonEmpty = (b: { items: unknown[] }) => {
        if (b.items.length === 0) throw new Error("an empty page where records were expected");
      };
      const any = () => undefined;
      // Holders: random ones, and now and then an issuer (hundreds of holdings at most: one per asset).
      const holderOf = () =>
        random() < 0.05 ? s.holders[(Math.floor(random() * s.assets + 1) * 7919) % s.holders.length] : pick(s.holders);
      const holdings = await measure(
        "holdings",
        url,
        key,
        () => `/v1/participants/${holderOf()}/holdings?limit=${PAGE}`,
        any,
      );
      const cursorOf = (n: number) => Buffer.from(JSON.stringify([n])).toString("base64url");
      const assetRecordsPage = await measure(
        "asset records",
        url,
        key,
        () => {
          // Asset #1 (a tenth of all records) one time in ten, at a random place in its chain.
          const a = random() < 0.1 ? 1 : 1 + Math.floor(random() * s.assets);
          const count = s.counts[a - 1];
          const after = Math.floor(random() * Math.max(count - PAGE, 0));
          return `/v1/assets/${a}/records?limit=${PAGE}${after > 0 ? `&cursor=${cursorOf(after)}` : ""}`;
        },
        nonEmpty,
      );
      const participantRecordsPage = await measure(
        "participant records",
        url,
        key,
        () => `/v1/records?participant=${holderOf()}&limit=${PAGE}`,
        any,
      );
      const t = performance.now();
      const verdict = await queries.verifyHashChain(s.big.assetId, s.lastBlock, BigInt(s.big.count), s.big.head);
      const ms = round(performance.now() - t);
      if (!verdict.verified)
        throw new Error(
          `verification failed: ${JSON.stringify(verdict, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`,
        );
      return {
        records: total,
        assets: s.assets,
        holders: s.holders.length,
        seedSeconds: round(s.seedMs / 1000),
        holdings,
        assetRecordsPage,
        participantRecordsPage,
        verification: { records: s.big.count, ms, verified: verdict.verified },
      };
    } finally {
      server.closeAllConnections();
      server.close();
    }
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
    if (pg) {
      const c = new Client({ connectionString: pg });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
  }
}

async function main() {
  const small = await benchOne(SMALL);
  const large = await benchOne(RECORDS);
  const ratio = (k: "holdings" | "assetRecordsPage" | "participantRecordsPage") =>
    round(large[k].p99 / Math.max(small[k].p99, 0.01));
  const goals = {
    p99Under25ms: (["holdings", "assetRecordsPage", "participantRecordsPage"] as const).every(
      (k) => large[k].p99 <= 25,
    ),
    p99Within1_5xOfSmall: (["holdings", "assetRecordsPage", "participantRecordsPage"] as const).every(
      (k) => large[k].p99 <= 1.5 * small[k].p99,
    ),
    verificationUnder3s: large.verification.records < 100_000 || large.verification.ms < 3_000,
  };
  const rows = [
    ["", `${small.records.toLocaleString("en")} records`, `${large.records.toLocaleString("en")} records`, "p99 ratio"],
    [
      "holdings p50/p99 ms",
      `${small.holdings.p50} / ${small.holdings.p99}`,
      `${large.holdings.p50} / ${large.holdings.p99}`,
      String(ratio("holdings")),
    ],
    [
      "asset records page p50/p99 ms",
      `${small.assetRecordsPage.p50} / ${small.assetRecordsPage.p99}`,
      `${large.assetRecordsPage.p50} / ${large.assetRecordsPage.p99}`,
      String(ratio("assetRecordsPage")),
    ],
    [
      "participant records page p50/p99 ms",
      `${small.participantRecordsPage.p50} / ${small.participantRecordsPage.p99}`,
      `${large.participantRecordsPage.p50} / ${large.participantRecordsPage.p99}`,
      String(ratio("participantRecordsPage")),
    ],
    [
      "verification of asset #1",
      `${small.verification.records} records: ${small.verification.ms} ms`,
      `${large.verification.records} records: ${large.verification.ms} ms`,
      "",
    ],
    ["seeding s", String(small.seedSeconds), String(large.seedSeconds), ""],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join("  "));
  console.log(
    JSON.stringify({
      database: process.env.DATABASE_URL ? "postgres" : "sqlite",
      samples: SAMPLES,
      pageSize: PAGE,
      small,
      large,
      p99Ratio: {
        holdings: ratio("holdings"),
        assetRecordsPage: ratio("assetRecordsPage"),
        participantRecordsPage: ratio("participantRecordsPage"),
      },
      goals,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
