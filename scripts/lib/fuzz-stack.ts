import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  JsonRpcProvider,
  NonceManager,
  Signature,
  Wallet,
  encodeBytes32String,
  id as keccakText,
  keccak256,
  toUtf8Bytes,
  ZeroHash,
} from "ethers";
import type { TypedDataDomain } from "ethers";
import pino from "pino";
import { Client } from "pg";
import { In } from "typeorm";
import { startHardhatNode } from "./hardhat-node";
import type { LocalNode } from "./hardhat-node";
import { devWallet } from "./dev-accounts";
import type { Config } from "../../server/config";
import { createGateway } from "../../server/main";
import type { Gateway } from "../../server/main";
import { deployPlatform, writeDeployment } from "../../server/chain/deployment";
import type { Deployment } from "../../server/chain/deployment";
import {
  ACKNOWLEDGEMENT_TYPES,
  ATTESTATION_TYPES,
  attestationMessage,
  DECISION_CHANGE_TYPES,
  decisionChangeMessage,
  ISSUANCE_TYPES,
  issuanceRequestMessage,
  OBLIGATIONS_TYPES,
  REDEMPTION_TYPES,
  TRANSFER_TYPES,
  ledgerDomain,
} from "../../server/domain/eip712";
import { controlDigit } from "../../server/domain/identification-number";
import { ApiKeyService } from "../../server/services/api-keys";
import { ChainTransaction, Operation } from "../../server/persistence/entities";
import type { Role } from "../../server/persistence/entities";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import type { SignedTransfer } from "../../server/domain/signed-transfer";

export const FAR_FUTURE = "4000000000";

/** A valid BIN/IIN: eleven digits and their mod-11 control digit (the gateway and the ledger check it). */
export function identificationNumber(first11: string): string {
  const d = controlDigit(first11);
  if (d === null) throw new Error(`no control digit makes ${first11} a valid number`);
  return first11 + String(d);
}
const PLATFORM_BIN = identificationNumber("23014001234");
const SACRIFICIAL_BIN = identificationNumber("19044000567");
const HOLDER_IIN = identificationNumber("90010130012");
/** A loopback port nothing listens on: subscriptions are valid, their deliveries fail fast. */
export const WEBHOOK_URL = "http://127.0.0.1:9/fuzz-hook";
const ISSUER = { legalName: "Steppe Grain LLP", bin: SACRIFICIAL_BIN, registeredAddress: "Astana, Mangilik El 55" };

export type { SignedTransfer };

/**
 * The state the corpus is written against. "Live" entities are the ones the canary needs (the operator's permit,
 * asset type GRAIN, holders A and B, asset X); mutating requests aim at the "sacrificial" ones (a second permit,
 * holder C, asset Y, type FUZZ, a spare subscription and rule) so that a request wrongly accepted cannot stop the
 * canary — it is reported as accepted instead.
 */
export interface World {
  seed: number;
  chainId: number;
  ledger: string;
  deployBlock: number;
  domain: TypedDataDomain;
  operator: string;
  verifier: string;
  sacrificialOperator: string;
  holders: { A: Wallet; B: Wallet; C: Wallet; D: Wallet };
  assets: { live: string; sacrificial: string };
  assetTypes: { live: string; sacrificial: string };
  disclosure: { version: number; documentHash: string };
  ids: { subscription: string; rule: string; filedRequest: string; postedRequest: string; operation: string };
  validBin: string;
  validIin: string;
  /** Payloads signed once at setup; the corpus breaks copies of them. */
  signed: {
    transfer: SignedTransfer;
    redemption: Record<string, string>;
    acknowledgement: { account: string; deadline: string; signature: string };
    obligations: { deadline: string; signature: string };
    filing: Record<string, unknown>;
    attestation: { verifier: string; expiry: string; signature: string };
    /** The issuer's (holder C's) signed change of the sacrificial asset's decision. */
    decisionChange: { documentHash: string; uri: string; reason: string; deadline: string; issuerSignature: string };
  };
}

export interface Snapshot {
  [key: string]: string;
}

export interface Stack {
  url: string;
  keys: Record<Role, string>;
  world: World;
  gateway: Gateway;
  logFile: string;
  /** Ledger state (records, balances, signer nonces) and the gateway's operation and transaction counts. */
  snapshot(): Promise<Snapshot>;
  /** Resolves once no operation is pending or submitted (an accepted request's effects are complete). */
  settled(timeoutMs?: number): Promise<boolean>;
  call(
    method: string,
    path: string,
    role: Role | null,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: ApiBody }>;
  stop(): Promise<void>;
}

export interface ApiBody {
  [key: string]: unknown;
  operation?: { id: string; status: string; recordSequence?: string; error?: unknown };
  error?: { code: string; message: string };
}

/** Polls `check` until it returns true or the deadline passes (conditions, not fixed sleeps). */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Deterministic per seed, so a replayed seed names the same holders. */
function seededWallet(seed: number, label: string): Wallet {
  return new Wallet(keccak256(toUtf8Bytes(`npm run fuzz:${seed}:${label}`)));
}

export type FuzzDatabase = "sqlite" | "postgres";
export const DEFAULT_FUZZ_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

/** A database URL without its password, for the log. */
function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

/**
 * A Hardhat node (automine) on a free port, the platform deployed, a gateway on port 0 with its database (SQLite in
 * a temp dir, or a fresh schema of the PostgreSQL database at DATABASE_URL, dropped at the end), one API key per
 * role, and a realistic state set up through the gateway itself.
 */
export async function startStack(
  seed: number,
  say: (msg: string) => void,
  opts: { database?: FuzzDatabase } = {},
): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "gateway-fuzz-"));
  const logFile = join(dir, "gateway.log");
  let node: LocalNode | null = null;
  let provider: JsonRpcProvider | null = null;
  let gateway: Gateway | null = null;
  const pgUrl = process.env.DATABASE_URL || DEFAULT_FUZZ_DATABASE_URL;
  const schema = opts.database === "postgres" ? `fuzz_${seed}_${process.pid}_${Date.now()}` : null;
  const database: Config["database"] = schema
    ? { type: "postgres", url: pgUrl, schema }
    : { type: "sqlite", file: join(dir, "gateway.sqlite") };
  const dropSchema = async () => {
    if (!schema) return;
    const c = new Client({ connectionString: pgUrl });
    try {
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } catch (err) {
      say(`could not drop schema ${schema}: ${(err as Error).message}`);
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  // However the process ends, the node child and the temp dir go with it (the schema only on an orderly stop).
  const onExit = () => {
    void node?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  const cleanup = async () => {
    await gateway?.stop().catch(() => undefined);
    provider?.destroy();
    await node?.stop();
    await dropSchema();
    rmSync(dir, { recursive: true, force: true });
    process.removeListener("exit", onExit);
  };
  try {
    say("starting a Hardhat node…");
    node = await startHardhatNode();
    provider = new JsonRpcProvider(node.url, 31337, { staticNetwork: true, cacheTimeout: -1 });
    const [authority, operator, verifier] = [1, 2, 3].map((i) => devWallet(i, provider!));
    const deployment: Deployment = await deployPlatform(new NonceManager(devWallet(0, provider)), {
      authority: authority.address,
      operator: operator.address,
      verifier: verifier.address,
    });
    const deploymentFile = join(dir, "deployment.json");
    await writeDeployment(deploymentFile, deployment);
    const config: Config = {
      rpcUrl: node.url,
      chainId: 31337,
      deploymentFile,
      operatorKey: operator.privateKey,
      authorityKey: authority.privateKey,
      database,
      port: 0,
      host: "127.0.0.1",
      logLevel: "error",
      batchMax: 100,
      batchWaitMs: 5,
      batchHoldMs: 250,
      maxInFlight: 1,
      confirmations: 1,
      pollIntervalMs: 50,
      waitTimeoutMs: 30_000,
      bodyLimit: "100kb",
      rateLimitPerMinute: 10_000_000,
      submitterEnabled: true,
      // Outbound fetches (decision documents, webhooks) go nowhere useful here: fail them fast. Webhooks point at
      // a closed loopback port (the subscription URL must resolve), so deliveries fail at once.
      supervision: { decisionFetchTimeoutMs: 2_000, webhookTimeoutMs: 2_000, outboundAllow: ["127.0.0.1/32"] },
    };
    // Errors only, to a file: the 5xx findings are matched to their logged cause by request id.
    const logger = pino({ level: "error" }, pino.destination({ dest: logFile, sync: true }));
    say(
      schema
        ? `starting the gateway on PostgreSQL ${shownUrl(pgUrl)}, schema ${schema} (dropped at the end)…`
        : "starting the gateway on SQLite…",
    );
    gateway = await createGateway(config, logger);
    const { url } = await gateway.start();
    const apiKeys = new ApiKeyService(gateway.internals.db);
    const keys = {} as Record<Role, string>;
    for (const role of ["authority", "operator", "verifier", "monitor"] as Role[])
      keys[role] = (await apiKeys.create(`fuzz-${role}`, role)).secret;

    const call: Stack["call"] = async (method, path, role, body, headers = {}) => {
      const res = await fetch(url + path, {
        method,
        headers: {
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...(role ? { authorization: `Bearer ${keys[role]}` } : {}),
          ...headers,
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      let parsed: ApiBody = {};
      try {
        parsed = text ? (JSON.parse(text) as ApiBody) : {};
      } catch {
        parsed = { raw: text };
      }
      return { status: res.status, body: parsed };
    };
    const posted = async (
      method: string,
      path: string,
      role: Role,
      body?: unknown,
      headers?: Record<string, string>,
    ) => {
      const r = await call(method, path, role, body, headers);
      if (r.status !== 200 || r.body.operation?.status !== "posted")
        throw new Error(`setup: ${method} ${path} -> ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
      return r.body.operation;
    };
    const created = async (method: string, path: string, role: Role, body: unknown) => {
      const r = await call(method, path, role, body);
      if (r.status < 200 || r.status > 299)
        throw new Error(`setup: ${method} ${path} -> ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
      return r.body;
    };

    say("setting up: permits, asset types, disclosure, participants, assets…");
    const domain = ledgerDomain(deployment.chainId, deployment.ledger);
    const holders = {
      A: seededWallet(seed, "A"),
      B: seededWallet(seed, "B"),
      C: seededWallet(seed, "C"),
      D: seededWallet(seed, "D"),
    };
    const sacrificialOperator = seededWallet(seed, "operator").address;
    const permitOp = await posted("POST", "/v1/permits?wait=true", "authority", {
      operator: operator.address,
      legalName: "Digital Platform LLP",
      bin: PLATFORM_BIN,
      permitNumber: "KZ-SDA-0001",
      scope: "issuance and circulation",
    });
    await Promise.all([
      posted("POST", "/v1/permits?wait=true", "authority", {
        operator: sacrificialOperator,
        legalName: "Sacrificial Platform LLP",
        bin: SACRIFICIAL_BIN,
        permitNumber: "KZ-SDA-0002",
        scope: "circulation",
      }),
      posted("POST", "/v1/asset-types?wait=true", "authority", {
        code: "GRAIN",
        name: "Grain in a certified elevator",
        category: "TangibleAsset",
      }),
      posted("POST", "/v1/asset-types?wait=true", "authority", {
        code: "FUZZ",
        name: "Sacrificial asset type",
        category: "Service",
      }),
    ]);
    const disclosureText = "Risk disclosure v1: digital assets may lose value.";
    await posted("POST", "/v1/disclosures?wait=true", "operator", {
      text: disclosureText,
      uri: "https://platform.kz/risks/v1",
    });
    const documentHash = keccakText(disclosureText);
    const ack = async (w: Wallet, version: number, hash: string) => ({
      version,
      deadline: FAR_FUTURE,
      signature: await w.signTypedData(domain, ACKNOWLEDGEMENT_TYPES, {
        account: w.address,
        version,
        documentHash: hash,
        deadline: FAR_FUTURE,
      }),
    });
    await Promise.all(
      (
        [
          ["A", true],
          ["B", true],
          ["C", true],
          ["D", false],
        ] as const
      ).map(async ([name, acknowledged]) => {
        const w = holders[name];
        await posted("POST", "/v1/participants?wait=true", "operator", {
          address: w.address,
          kind: "NaturalPerson",
          identity: { fullName: `Holder ${name}`, iin: HOLDER_IIN },
          ...(acknowledged ? { acknowledgement: await ack(w, 1, documentHash) } : {}),
        });
      }),
    );

    const assetType = encodeBytes32String("GRAIN");
    const filingFor = async (owner: Wallet, units: string, nonce: string) => {
      const decision = {
        documentHash: keccakText(`decision ${seed} ${nonce}`),
        uri: "https://steppegrain.kz/decisions/2026-01.pdf",
        rightsType: encodeBytes32String("OWNERSHIP_SHARE"),
        rightsExtent: "1 unit = 1 tonne of wheat",
        units,
      };
      const evidenceHash = keccakText(`warehouse receipt ${seed} ${nonce}`);
      const ownerSignature = await owner.signTypedData(
        domain,
        ISSUANCE_TYPES,
        issuanceRequestMessage({
          owner: owner.address,
          assetType,
          decision,
          issuer: ISSUER,
          evidenceHash,
          verifier: verifier.address,
          nonce,
          deadline: FAR_FUTURE,
        }),
      );
      return {
        owner: owner.address,
        assetType: "GRAIN",
        decision,
        issuer: { ...ISSUER },
        evidenceHash,
        verifier: verifier.address,
        nonce,
        deadline: FAR_FUTURE,
        ownerSignature,
      };
    };
    const attestationFor = async (owner: string, evidenceHash: string, units: string, nonce: string) => ({
      verifier: verifier.address,
      expiry: FAR_FUTURE,
      signature: await verifier.signTypedData(
        domain,
        ATTESTATION_TYPES,
        attestationMessage({ owner, evidenceHash, assetType, units, nonce, expiry: FAR_FUTURE }),
      ),
    });
    const issue = async (owner: Wallet, units: string, nonce: string) => {
      const filing = await filingFor(owner, units, nonce);
      const filed = await created("POST", "/v1/issuance-requests", "operator", filing);
      const id = String(filed.id);
      await created(
        "POST",
        `/v1/issuance-requests/${id}/attestation`,
        "verifier",
        await attestationFor(owner.address, filing.evidenceHash, units, nonce),
      );
      await posted("POST", `/v1/issuance-requests/${id}/post?wait=true`, "operator");
      const request = await created("GET", `/v1/issuance-requests/${id}`, "operator", undefined);
      return { assetId: String(request.assetId), requestId: id };
    };
    const live = await issue(holders.A, "1000000", "1");
    const sacrificial = await issue(holders.C, "1000", "2");
    const spareFiling = await filingFor(holders.C, "500", "3");
    const filedRequest = String((await created("POST", "/v1/issuance-requests", "operator", spareFiling)).id);
    const subscription = await created("POST", "/v1/subscriptions", "operator", {
      url: WEBHOOK_URL,
      eventTypes: ["permit.changed"],
      description: "sacrificial",
    });
    const rule = await created("POST", "/v1/monitoring/rules", "authority", {
      name: "sacrificial rule",
      kind: "single-movement",
      thresholdUnits: "1000000000",
    });

    // The issuer's order to change the sacrificial asset's decision, from the decision in force at setup.
    const decisionChangeFor = async (issuer: Wallet, assetId: string) => {
      const asset = await created("GET", `/v1/assets/${assetId}`, "operator", undefined);
      const change = {
        documentHash: keccakText(`decision change ${seed}`),
        uri: "https://steppegrain.kz/decisions/2026-02.pdf",
        reason: "amended decision",
        deadline: FAR_FUTURE,
      };
      const issuerSignature = await issuer.signTypedData(
        domain,
        DECISION_CHANGE_TYPES,
        decisionChangeMessage({
          assetId,
          previousHash: String((asset.decision as { documentHash: string }).documentHash),
          newHash: change.documentHash,
          newUri: change.uri,
          reason: change.reason,
          deadline: change.deadline,
        }),
      );
      return { ...change, issuerSignature };
    };
    // The payloads the corpus breaks: each valid as signed, so that breaking it is the only reason to refuse it.
    const nonce = String(
      (await created("GET", `/v1/holders/${holders.A.address}/nonces/${live.assetId}`, "operator", undefined))
        .nextNonce,
    );
    const authorization = {
      from: holders.A.address,
      to: holders.B.address,
      assetId: live.assetId,
      amount: "1",
      nonce,
      deadline: FAR_FUTURE,
      ref: keccakText(`fuzz ${seed}`),
    };
    const redemption = {
      holder: holders.A.address,
      assetId: live.assetId,
      amount: "1",
      nonce,
      deadline: FAR_FUTURE,
      ref: ZeroHash,
    };
    const signed: World["signed"] = {
      transfer: { authorization, signature: await holders.A.signTypedData(domain, TRANSFER_TYPES, authorization) },
      redemption: { ...redemption, signature: await holders.A.signTypedData(domain, REDEMPTION_TYPES, redemption) },
      acknowledgement: await ack(holders.D, 1, documentHash).then(({ deadline, signature }) => ({
        account: holders.D.address,
        deadline,
        signature,
      })),
      obligations: {
        deadline: FAR_FUTURE,
        signature: await holders.C.signTypedData(domain, OBLIGATIONS_TYPES, {
          assetId: sacrificial.assetId,
          deadline: FAR_FUTURE,
        }),
      },
      filing: await filingFor(holders.C, "700", "4"),
      attestation: await attestationFor(holders.C.address, spareFiling.evidenceHash, "500", "3"),
      decisionChange: await decisionChangeFor(holders.C, sacrificial.assetId),
    };
    // Sanity: the signatures are canonical 65-byte ones (the corpus derives the compact and high-s forms from them).
    Signature.from(signed.transfer.signature);

    const world: World = {
      seed,
      chainId: deployment.chainId,
      ledger: deployment.ledger,
      deployBlock: deployment.deployBlock,
      domain,
      operator: operator.address,
      verifier: verifier.address,
      sacrificialOperator,
      holders,
      assets: { live: live.assetId, sacrificial: sacrificial.assetId },
      assetTypes: { live: "GRAIN", sacrificial: "FUZZ" },
      disclosure: { version: 1, documentHash },
      ids: {
        subscription: String((subscription.subscription as { id: string }).id),
        rule: String(rule.id),
        filedRequest,
        postedRequest: live.requestId,
        operation: permitOp.id,
      },
      validBin: PLATFORM_BIN,
      validIin: HOLDER_IIN,
      signed,
    };

    const ledger = SecuredAssetLedger__factory.connect(deployment.ledger, provider);
    const accounts = [holders.A.address, holders.B.address, holders.C.address, holders.D.address];
    const assetIds = [live.assetId, sacrificial.assetId];
    const gw = gateway;
    const rpc = provider;
    const snapshot = async (): Promise<Snapshot> => {
      const m = gw.dataSource.manager;
      const [assetCount, infos, balances, frozen, operatorNonce, authorityNonce, operations, transactions] =
        await Promise.all([
          ledger.assetCount(),
          Promise.all(assetIds.map((id) => ledger.assetInfo(id))),
          Promise.all(assetIds.flatMap((id) => accounts.map((a) => ledger.balanceOf(a, id)))),
          Promise.all(assetIds.flatMap((id) => accounts.map((a) => ledger.getFrozenTokens(a, id)))),
          rpc.getTransactionCount(operator.address, "latest"),
          rpc.getTransactionCount(authority.address, "latest"),
          m.count(Operation),
          m.count(ChainTransaction),
        ]);
      const snap: Snapshot = {
        assetCount: assetCount.toString(),
        operatorNonce: String(operatorNonce),
        authorityNonce: String(authorityNonce),
        operations: String(operations),
        chainTransactions: String(transactions),
      };
      assetIds.forEach((id, i) => {
        snap[`asset ${id} recordCount`] = infos[i].recordCount.toString();
        snap[`asset ${id} recordHead`] = infos[i].recordHead;
        snap[`asset ${id} status`] = infos[i].status.toString();
        accounts.forEach((a, j) => {
          snap[`balance ${id} ${a}`] = balances[i * accounts.length + j].toString();
          snap[`frozen ${id} ${a}`] = frozen[i * accounts.length + j].toString();
        });
      });
      return snap;
    };
    const settled = (timeoutMs = 60_000) =>
      waitFor(
        async () =>
          (await gw.dataSource.manager.count(Operation, { where: { status: In(["pending", "submitted"]) } })) === 0,
        timeoutMs,
      );

    return {
      url,
      keys,
      world,
      gateway,
      logFile,
      snapshot,
      settled,
      call,
      stop: async () => {
        await cleanup();
        gateway = null;
        node = null;
        provider = null;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Differences between two snapshots, "key: before -> after". */
export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]).map((k) => `${k}: ${before[k] ?? "-"} -> ${after[k] ?? "-"}`);
}
