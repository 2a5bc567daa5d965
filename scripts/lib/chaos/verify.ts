/**
 * The verdict of a trial, from the chain's own events (the ledger's RecordPosted, read from the node with ethers,
 * not from the gateway's database), the operations the gateway acknowledged, and, as a second look at duplicates,
 * the gateway's operations grouped by authorization.
 */
import Database from "better-sqlite3";
import { Client } from "pg";
import type { JsonRpcProvider } from "ethers";
import { SecuredAssetLedger__factory } from "../../../typechain-types";
import type { Config } from "../../../server/config";

/** What the harness knows of one authorization after its clients are done. */
export interface Outcome {
  key: string;
  from: string;
  nonce: number;
  ref: string;
  /** Operation ids the gateway answered with (2xx), in order; normally one. */
  operationIds: string[];
  /** Final status of each operation id seen (pending/submitted/posted/failed), with its error code when failed. */
  statuses: Map<string, { status: string; code?: string }>;
  /** The last refusal when never acknowledged (status and problem code). */
  refused?: string;
}

export interface Verdict {
  accepted: number;
  posted: number;
  lost: number;
  duplicated: number;
  stuck: number;
  /** Stuck operations whose authorization is on chain all the same (the gateway never learnt it was posted). */
  stuckOnChain: number;
  wronglyFailed: number;
  unacknowledged: number;
  onChainUnacknowledged: number;
  failedNotOnChain: number;
  failedCodes: Record<string, number>;
  refusedCodes: Record<string, number>;
  duplicateSources: { chain: number; operationView: number; database: number | null };
  nonceMismatches: number;
  examples: string[];
}

const FINAL = new Set(["posted", "failed"]);

export async function recordsByRef(
  provider: JsonRpcProvider,
  ledger: string,
  assetId: string,
  fromBlock: number,
): Promise<Map<string, number>> {
  const c = SecuredAssetLedger__factory.connect(ledger, provider);
  const to = await provider.getBlockNumber();
  const counts = new Map<string, number>();
  const step = 2_000;
  for (let b = fromBlock; b <= to; b += step) {
    const logs = await c.queryFilter(c.filters.RecordPosted(BigInt(assetId)), b, Math.min(to, b + step - 1));
    for (const l of logs) {
      const ref = String(l.args.ref).toLowerCase();
      counts.set(ref, (counts.get(ref) ?? 0) + 1);
    }
  }
  return counts;
}

/** Authorizations with more than one posted operation in the gateway's database (null if it cannot be read). */
async function databaseDuplicates(db: Config["database"], assetId: string): Promise<string[] | null> {
  const sql =
    "SELECT from_address AS f, nonce AS n, COUNT(*) AS c FROM operations WHERE kind = 'transfer' AND status = 'posted' " +
    "AND asset_id = $1 GROUP BY from_address, nonce HAVING COUNT(*) > 1";
  try {
    if (db.type === "sqlite") {
      const d = new Database(db.file, { readonly: true, fileMustExist: true });
      try {
        const rows = d.prepare(sql.replace("$1", "?")).all(assetId) as { f: string; n: string }[];
        return rows.map((r) => `${r.f}:${r.n}`);
      } finally {
        d.close();
      }
    }
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      if (db.schema) await c.query(`SET search_path TO "${db.schema}"`);
      const r = await c.query<{ f: string; n: string }>(sql, [assetId]);
      return r.rows.map((x) => `${x.f}:${x.n}`);
    } finally {
      await c.end();
    }
  } catch {
    return null;
  }
}

export async function verify(opts: {
  provider: JsonRpcProvider;
  ledger: string;
  assetId: string;
  fromBlock: number;
  database: Config["database"];
  outcomes: Outcome[];
  /** Holder -> its highest nonce + 1 planned, to compare with the ledger's nonce. */
  holders: string[];
}): Promise<Verdict> {
  const onChain = await recordsByRef(opts.provider, opts.ledger, opts.assetId, opts.fromBlock);
  const v: Verdict = {
    accepted: 0,
    posted: 0,
    lost: 0,
    duplicated: 0,
    stuck: 0,
    stuckOnChain: 0,
    wronglyFailed: 0,
    unacknowledged: 0,
    onChainUnacknowledged: 0,
    failedNotOnChain: 0,
    failedCodes: {},
    refusedCodes: {},
    duplicateSources: { chain: 0, operationView: 0, database: null },
    nonceMismatches: 0,
    examples: [],
  };
  const example = (s: string) => {
    if (v.examples.length < 8) v.examples.push(s);
  };
  const duplicated = new Set<string>();
  for (const o of opts.outcomes) {
    const records = onChain.get(o.ref.toLowerCase()) ?? 0;
    if (records > 1) {
      v.duplicateSources.chain++;
      duplicated.add(o.key);
      example(`duplicated on chain: ${o.key} (${records} records)`);
    }
    const posted = [...o.statuses.values()].filter((s) => s.status === "posted").length;
    if (new Set(o.operationIds).size > 1 && posted > 1) {
      v.duplicateSources.operationView++;
      duplicated.add(o.key);
      example(`two operations posted for ${o.key}: ${o.operationIds.join(", ")}`);
    }
    if (o.operationIds.length === 0) {
      v.unacknowledged++;
      if (o.refused) v.refusedCodes[o.refused] = (v.refusedCodes[o.refused] ?? 0) + 1;
      if (records > 0) v.onChainUnacknowledged++;
      continue;
    }
    v.accepted++;
    if (records > 0) v.posted++;
    const states = [...o.statuses.values()];
    const final = states.some((s) => FINAL.has(s.status));
    const failed = states.filter((s) => s.status === "failed");
    for (const f of failed) v.failedCodes[f.code ?? "?"] = (v.failedCodes[f.code ?? "?"] ?? 0) + 1;
    if (failed.length > 0 && records > 0) {
      v.wronglyFailed++;
      example(`failed (${failed.map((f) => f.code).join(",")}) but on chain: ${o.key}`);
    }
    if (!final) {
      v.stuck++;
      if (records > 0) v.stuckOnChain++;
      example(
        `stuck (${states.map((s) => s.status).join(",")}${records > 0 ? ", on chain" : ", not on chain"}): ${o.key}`,
      );
      continue;
    }
    if (records === 0) {
      v.lost++;
      if (failed.length > 0) v.failedNotOnChain++;
      example(
        `accepted, ${states.map((s) => s.status + (s.code ? ` ${s.code}` : "")).join(",")}, not on chain: ${o.key}`,
      );
    }
  }
  const fromDb = await databaseDuplicates(opts.database, opts.assetId);
  if (fromDb) {
    v.duplicateSources.database = fromDb.length;
    const byAuth = new Map(opts.outcomes.map((o) => [`${o.from.toLowerCase()}:${o.nonce}`, o.key]));
    for (const d of fromDb) {
      const key = byAuth.get(d.toLowerCase()) ?? d;
      if (!duplicated.has(key)) example(`two posted operations in the database for ${d}`);
      duplicated.add(key);
    }
  }
  v.duplicated = duplicated.size;

  // The ledger's own nonces: each holder's must equal the number of its authorizations on chain.
  const ledger = SecuredAssetLedger__factory.connect(opts.ledger, opts.provider);
  const perHolder = new Map<string, number>();
  for (const o of opts.outcomes)
    if ((onChain.get(o.ref.toLowerCase()) ?? 0) > 0) perHolder.set(o.from, (perHolder.get(o.from) ?? 0) + 1);
  for (const h of opts.holders) {
    const n = Number(await ledger.nonceOf(h, BigInt(opts.assetId)));
    if (n !== (perHolder.get(h) ?? 0)) v.nonceMismatches++;
  }
  return v;
}
