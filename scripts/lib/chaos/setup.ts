/**
 * One trial's platform: fresh contracts on the shared node, a fresh database (a SQLite file, or a PostgreSQL schema
 * of its own), API keys created as `npm run cli -- api-key create` does, gateway instances started as child
 * processes, then set up through the gateway's API as the gateway tests do (test/gateway/support/harness.ts):
 * permit, asset type, disclosure, holders registered with their acknowledgement, an issuance to an owner, and every
 * holder funded by the owner's signed transfers.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import {
  encodeBytes32String,
  id as keccakText,
  JsonRpcProvider,
  NonceManager,
  Wallet,
  type TypedDataDomain,
} from "ethers";
import { deployPlatform, writeDeployment } from "../../../server/chain/deployment";
import type { Deployment } from "../../../server/chain/deployment";
import {
  ACKNOWLEDGEMENT_TYPES,
  ATTESTATION_TYPES,
  attestationMessage,
  ISSUANCE_TYPES,
  issuanceRequestMessage,
  ledgerDomain,
  TRANSFER_TYPES,
} from "../../../server/domain/eip712";
import { openDatabase } from "../../../server/persistence/data-source";
import { GATEWAY_MODEL } from "../../../server/database-model";
import type { Config } from "../../../server/config";
import { ApiKeyService } from "../../../server/services/api-keys";
import { devWallet } from "../dev-accounts";
import { freePort } from "../hardhat-node";
import { call, operationOf, pool, problemCode } from "./client";
import type { Answer } from "./client";
import { GatewayInstance, sleep, startProxy } from "./processes";
import type { CutProxy, Runtime } from "./processes";
import type { SignedTransfer } from "../../../server/domain/signed-transfer";

export const FAR_FUTURE = "4000000000";
const GRAIN = "GRAIN";
export const PG_URL_DEFAULT = "postgres://postgres@127.0.0.1:5432/test";

export interface TrialOptions {
  name: string;
  dir: string;
  nodeUrl: string;
  provider: JsonRpcProvider;
  database: "sqlite" | "postgres";
  pgUrl: string;
  instances: number;
  holders: number;
  /** Units each holder receives from the owner. */
  unitsPerHolder: number;
  /** PostgreSQL reached through a proxy the harness can cut (db-outage). */
  dbProxy?: boolean;
  /** Extra gateway settings (environment variables). */
  gatewayEnv?: Record<string, string>;
  runtime: Runtime;
  log: (msg: string) => void;
}

export interface Transfer {
  key: string;
  from: string;
  nonce: number;
  ref: string;
  body: SignedTransfer;
}

export interface Trial {
  deployment: Deployment;
  domain: TypedDataDomain;
  keys: { operator: string; authority: string; verifier: string; monitor: string };
  instances: GatewayInstance[];
  holders: Wallet[];
  owner: Wallet;
  assetId: string;
  startBlock: number;
  database: Config["database"];
  proxy?: CutProxy;
  /** Signs a holder's transfer with a `ref` unique to this trial, this holder and this nonce. */
  sign(from: Wallet, to: string, nonce: number, amount?: number): Promise<Transfer>;
  close(): Promise<void>;
}

/** The first alive instance from `start` on (round robin), or undefined when none is. */
export function aliveFrom(instances: GatewayInstance[], start: number): GatewayInstance | undefined {
  for (let k = 0; k < instances.length; k++) {
    const inst = instances[(start + k) % instances.length];
    if (inst.alive) return inst;
  }
  return undefined;
}

/** A write through the API, resent (same Idempotency-Key) on 409/429/5xx/no answer, until 2xx or a 4xx. */
async function write(
  t: { instances: GatewayInstance[] },
  apiKey: string,
  path: string,
  body: unknown,
  idempotencyKey: string,
  what: string,
  attempts = 40,
): Promise<Answer> {
  let last: Answer | undefined;
  for (let i = 0; i < attempts; i++) {
    const inst = aliveFrom(t.instances, i);
    if (inst) {
      last = await call(inst.url, "POST", path, { apiKey, body, idempotencyKey, timeoutMs: 90_000 });
      if (last.status >= 200 && last.status < 300) return last;
      if (last.status >= 400 && last.status < 500 && last.status !== 409 && last.status !== 429) break;
    }
    await sleep(500 + i * 250);
  }
  throw new Error(
    `setup: ${what}: ${last?.status} ${problemCode(last!) ?? ""} ${JSON.stringify(last?.body ?? last?.error)}`,
  );
}

function expectPosted(a: Answer, what: string): Answer {
  const op = operationOf(a);
  if (op?.status !== "posted") throw new Error(`setup: ${what}: not posted: ${a.status} ${JSON.stringify(a.body)}`);
  return a;
}

export async function setUpTrial(o: TrialOptions): Promise<Trial> {
  mkdirSync(o.dir, { recursive: true });
  const authority = devWallet(1, o.provider);
  const operator = devWallet(2, o.provider);
  const verifier = devWallet(3, o.provider);
  const deployment = await deployPlatform(new NonceManager(devWallet(0, o.provider)), {
    authority: authority.address,
    operator: operator.address,
    verifier: verifier.address,
  });
  const deploymentFile = join(o.dir, "deployment.json");
  await writeDeployment(deploymentFile, deployment);
  const domain = ledgerDomain(deployment.chainId, deployment.ledger);
  const startBlock = await o.provider.getBlockNumber();

  // The database: a fresh SQLite file, or a fresh PostgreSQL schema; migrated and keyed before any gateway starts.
  let database: Config["database"];
  let proxy: CutProxy | undefined;
  const dbEnv: Record<string, string> = {};
  let dropSchema: (() => Promise<void>) | undefined;
  if (o.database === "sqlite") {
    database = { type: "sqlite", file: join(o.dir, "gateway.sqlite") };
    dbEnv.SQLITE_FILE = database.file;
  } else {
    const schema = `chaos_${o.name.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${Date.now().toString(36)}`.slice(0, 63);
    database = { type: "postgres", url: o.pgUrl, schema };
    dbEnv.DATABASE_SCHEMA = schema;
    dbEnv.DATABASE_URL = o.pgUrl;
    if (o.dbProxy) {
      const u = new URL(o.pgUrl);
      proxy = await startProxy(u.hostname, Number(u.port || 5432));
      u.host = `127.0.0.1:${proxy.port}`;
      dbEnv.DATABASE_URL = u.toString();
    }
    dropSchema = async () => {
      const c = new Client({ connectionString: o.pgUrl });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    };
  }
  const db = await openDatabase(database, GATEWAY_MODEL);
  const apiKeys = new ApiKeyService(db);
  const keys = {
    operator: (await apiKeys.create("chaos-operator", "operator")).secret,
    authority: (await apiKeys.create("chaos-authority", "authority")).secret,
    verifier: (await apiKeys.create("chaos-verifier", "verifier")).secret,
    monitor: (await apiKeys.create("chaos-monitor", "monitor")).secret,
  };
  await db.close();

  const env: Record<string, string> = {
    HOST: "127.0.0.1",
    RPC_URL: o.nodeUrl,
    DEPLOYMENT_FILE: deploymentFile,
    OPERATOR_KEY: operator.privateKey,
    AUTHORITY_KEY: authority.privateKey,
    LOG_LEVEL: "warn",
    SUPERVISION_ENABLED: "false",
    RATE_LIMIT_PER_MINUTE: "1000000",
    ...dbEnv,
    ...o.gatewayEnv,
  };
  const instances: GatewayInstance[] = [];
  for (let i = 0; i < o.instances; i++)
    instances.push(new GatewayInstance(`gw${i}`, await freePort(), env, join(o.dir, `gw${i}.log`), o.runtime));
  await Promise.all(instances.map((i) => i.startSupervised(5, o.log)));
  o.log(`${o.instances} gateway instance(s) up (${instances.map((i) => i.url).join(", ")}), logs in ${o.dir}`);

  const t = { instances };
  const tag = o.name;
  // Platform: permit, asset type, disclosure (authority, authority, operator).
  expectPosted(
    await write(
      t,
      keys.authority,
      "/v1/permits?wait=true",
      {
        operator: operator.address,
        legalName: "Chaos Platform LLP",
        bin: "230140012340",
        permitNumber: "KZ-SDA-CHAOS",
        scope: "issuance and circulation",
      },
      `${tag}:permit`,
      "permit",
    ),
    "permit",
  );
  expectPosted(
    await write(
      t,
      keys.authority,
      "/v1/asset-types?wait=true",
      { code: GRAIN, name: "Grain in a certified elevator", category: "TangibleAsset" },
      `${tag}:type`,
      "asset type",
    ),
    "asset type",
  );
  const text = "Risk disclosure v1: digital assets may lose value.";
  expectPosted(
    await write(
      t,
      keys.operator,
      "/v1/disclosures?wait=true",
      { text, uri: "https://platform.kz/risks/v1" },
      `${tag}:disclosure`,
      "disclosure",
    ),
    "disclosure",
  );
  const documentHash = keccakText(text);

  const owner = Wallet.createRandom() as unknown as Wallet;
  const holders = Array.from({ length: o.holders }, () => Wallet.createRandom() as unknown as Wallet);
  await pool([owner, ...holders], 16, async (w) => {
    const signature = await w.signTypedData(domain, ACKNOWLEDGEMENT_TYPES, {
      account: w.address,
      version: 1,
      documentHash,
      deadline: FAR_FUTURE,
    });
    expectPosted(
      await write(
        t,
        keys.operator,
        "/v1/participants?wait=true",
        {
          address: w.address,
          kind: "NaturalPerson",
          identity: { fullName: `Holder ${w.address.slice(2, 8)}`, iin: "900101300126" },
          acknowledgement: { version: 1, deadline: FAR_FUTURE, signature },
        },
        `${tag}:participant:${w.address}`,
        `participant ${w.address}`,
      ),
      "participant",
    );
  });
  o.log(`${o.holders + 1} participants registered with their acknowledgement`);

  // Issuance to the owner: filed (operator), attested (verifier), posted (operator).
  const units = String(o.holders * o.unitsPerHolder + 1000);
  const issuanceNonce = "1";
  const assetType = encodeBytes32String(GRAIN);
  const decision = {
    documentHash: keccakText(`decision ${tag}`),
    uri: "https://steppegrain.kz/decisions/2026-01.pdf",
    rightsType: encodeBytes32String("OWNERSHIP_SHARE"),
    rightsExtent: "1 unit = 1 tonne of wheat",
    units,
  };
  const issuer = { legalName: "Steppe Grain LLP", bin: "190440005676", registeredAddress: "Astana, Mangilik El 55" };
  const evidenceHash = keccakText(`warehouse receipt ${tag}`);
  const ownerSignature = await owner.signTypedData(
    domain,
    ISSUANCE_TYPES,
    issuanceRequestMessage({
      owner: owner.address,
      assetType,
      decision,
      issuer,
      evidenceHash,
      verifier: verifier.address,
      nonce: issuanceNonce,
      deadline: FAR_FUTURE,
    }),
  );
  const filed = await write(
    t,
    keys.operator,
    "/v1/issuance-requests",
    {
      owner: owner.address,
      assetType: GRAIN,
      decision,
      issuer,
      evidenceHash,
      verifier: verifier.address,
      nonce: issuanceNonce,
      deadline: FAR_FUTURE,
      ownerSignature,
    },
    `${tag}:filing`,
    "issuance filing",
  );
  const requestId = String(filed.body?.id);
  const attSig = await verifier.signTypedData(
    domain,
    ATTESTATION_TYPES,
    attestationMessage({
      owner: owner.address,
      evidenceHash,
      assetType,
      units,
      nonce: issuanceNonce,
      expiry: FAR_FUTURE,
    }),
  );
  await write(
    t,
    keys.verifier,
    `/v1/issuance-requests/${requestId}/attestation`,
    { verifier: verifier.address, expiry: FAR_FUTURE, signature: attSig },
    `${tag}:attestation`,
    "attestation",
  );
  expectPosted(
    await write(t, keys.operator, `/v1/issuance-requests/${requestId}/post?wait=true`, {}, `${tag}:issue`, "issuance"),
    "issuance",
  );
  const req = await call(instances[0].url, "GET", `/v1/issuance-requests/${requestId}`, { apiKey: keys.operator });
  const assetId = String(req.body?.assetId);
  if (!/^\d+$/.test(assetId)) throw new Error(`setup: no asset id: ${JSON.stringify(req.body)}`);

  const sign = async (from: Wallet, to: string, nonce: number, amount = 1): Promise<Transfer> => {
    const ref = keccakText(`chaos ${tag} ${from.address} ${nonce}`);
    const authorization = {
      from: from.address,
      to,
      assetId,
      amount: String(amount),
      nonce: String(nonce),
      deadline: FAR_FUTURE,
      ref,
    };
    const signature = await from.signTypedData(domain, TRANSFER_TYPES, authorization);
    return {
      key: `${tag}:${from.address}:${nonce}`,
      from: from.address,
      nonce,
      ref,
      body: { authorization, signature },
    };
  };

  // Funding: the owner's signed transfers, one per holder, consecutive nonces.
  const funding = await Promise.all(holders.map((h, i) => sign(owner, h.address, i, o.unitsPerHolder)));
  await pool(funding, 16, async (f) => {
    expectPosted(
      await write(t, keys.operator, "/v1/transfers?wait=true", f.body, f.key, `funding ${f.nonce}`),
      "funding",
    );
  });
  o.log(`asset ${assetId} issued; ${o.holders} holders funded with ${o.unitsPerHolder} units each`);

  return {
    deployment,
    domain,
    keys,
    instances,
    holders,
    owner,
    assetId,
    startBlock,
    database,
    proxy,
    sign,
    async close() {
      await Promise.all(instances.map((i) => i.stop()));
      await proxy?.close();
      if (dropSchema && !process.env.CHAOS_KEEP) await dropSchema().catch(() => undefined);
    },
  };
}
