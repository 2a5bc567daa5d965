import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import request from "supertest";
import { encodeBytes32String, id as keccakText, NonceManager, Wallet, ZeroHash } from "ethers";
import pino from "pino";
import type { Config } from "../../../server/config";
import { createGateway } from "../../../server/main";
import type { Gateway } from "../../../server/main";
import { deployPlatform, writeDeployment } from "../../../server/chain/deployment";
import type { Deployment } from "../../../server/chain/deployment";
import {
  ACKNOWLEDGEMENT_TYPES,
  ATTESTATION_TYPES,
  attestationMessage,
  DECISION_CHANGE_TYPES,
  decisionChangeMessage,
  ISSUANCE_TYPES,
  issuanceRequestMessage,
  ledgerDomain,
  TRANSFER_TYPES,
} from "../../../server/domain/eip712";
import { ApiKeyService } from "../../../server/services/api-keys";
import { ChainTransaction, Operation } from "../../../server/persistence/entities";
import type { Role } from "../../../server/persistence/entities";
import { sharedNode, devWallet } from "./node";
import type { NodeHandle } from "./node";

export const FAR_FUTURE = "4000000000";
export const GRAIN = "GRAIN";
export const PERMIT = {
  legalName: "Digital Platform LLP",
  bin: "230140012340",
  permitNumber: "KZ-SDA-0001",
  scope: "issuance and circulation",
};
export const ISSUER = {
  legalName: "Steppe Grain LLP",
  bin: "190440005676",
  registeredAddress: "Astana, Mangilik El 55",
};

let schemaCounter = 0;

export interface TestEnv {
  node: NodeHandle;
  deployment: Deployment;
  config: Config;
  gateway: Gateway;
  url: string;
  keys: Record<Role, string>;
  authority: Wallet;
  operator: Wallet;
  verifier: Wallet;
  http: ReturnType<typeof request>;
  /** Restarts the gateway on the same database and chain (optionally with other settings). */
  restart(overrides?: Partial<Config>): Promise<void>;
  stopGateway(): Promise<void>;
  close(): Promise<void>;
  counts(): Promise<{ operations: number; transactions: number; operatorNonce: number }>;
}

/** A chain the platform is already deployed on (its roles development accounts 1-3), for `startEnv` to use. */
export interface ExistingDeployment {
  node: NodeHandle;
  deployment: Deployment;
  /** The deployment file the gateway reads. */
  deploymentFile: string;
}

/**
 * Fresh contracts on the shared node (or the given deployment on its own node), a fresh database (SQLite temp
 * file, or a new PostgreSQL schema), a gateway on port 0.
 */
export async function startEnv(overrides: Partial<Config> = {}, existing?: ExistingDeployment): Promise<TestEnv> {
  const node = existing?.node ?? (await sharedNode());
  const authority = devWallet(1, node.provider);
  const operator = devWallet(2, node.provider);
  const verifier = devWallet(3, node.provider);
  const deployment =
    existing?.deployment ??
    (await deployPlatform(new NonceManager(devWallet(0, node.provider)), {
      authority: authority.address,
      operator: operator.address,
      verifier: verifier.address,
    }));
  const dir = mkdtempSync(join(tmpdir(), "gateway-test-"));
  const deploymentFile = existing?.deploymentFile ?? join(dir, "deployment.json");
  if (!existing) await writeDeployment(deploymentFile, deployment);
  let database: Config["database"] = { type: "sqlite", file: join(dir, "gateway.sqlite") };
  let dropSchema: (() => Promise<void>) | null = null;
  if (process.env.DATABASE_URL) {
    const schema = `gw_test_${process.pid}_${Date.now()}_${schemaCounter++}`;
    database = { type: "postgres", url: process.env.DATABASE_URL, schema };
    dropSchema = async () => {
      const c = new Client({ connectionString: process.env.DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    };
  }
  const config: Config = {
    rpcUrl: node.url,
    chainId: node.chainId,
    deploymentFile,
    operatorKey: operator.privateKey,
    authorityKey: authority.privateKey,
    database,
    port: 0,
    host: "127.0.0.1",
    logLevel: "silent",
    batchMax: 100,
    batchWaitMs: 5,
    batchHoldMs: 250,
    // The shared Hardhat node automines: one transaction in flight at a time. A given node (Anvil on an interval)
    // takes the default (8), as a chain mining on an interval does.
    maxInFlight: existing ? 8 : 1,
    confirmations: 1,
    pollIntervalMs: 50,
    waitTimeoutMs: 30_000,
    bodyLimit: "100kb",
    rateLimitPerMinute: 100_000,
    submitterEnabled: true,
    // A loaded test machine can be slow to answer: only the outage tests ask for a fast verdict.
    chainProbeTimeoutMs: 3_000,
    ...overrides,
  };
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  let gateway = await createGateway(config, logger);
  let { url } = await gateway.start();
  const apiKeys = new ApiKeyService(gateway.internals.db);
  const keys = {} as Record<Role, string>;
  for (const role of ["authority", "operator", "verifier", "monitor"] as Role[])
    keys[role] = (await apiKeys.create(`test-${role}`, role)).secret;
  let running = true;
  const env: TestEnv = {
    node,
    deployment,
    config,
    gateway,
    url,
    keys,
    authority,
    operator,
    verifier,
    http: request(url),
    async stopGateway() {
      if (running) await env.gateway.stop();
      running = false;
    },
    async restart(o: Partial<Config> = {}) {
      await env.stopGateway();
      Object.assign(config, o);
      gateway = await createGateway(config, logger);
      ({ url } = await gateway.start());
      running = true;
      env.gateway = gateway;
      env.url = url;
      env.http = request(url);
    },
    async close() {
      await env.stopGateway();
      if (dropSchema) await dropSchema();
      rmSync(dir, { recursive: true, force: true });
    },
    async counts() {
      const m = env.gateway.dataSource.manager;
      return {
        operations: await m.count(Operation),
        transactions: await m.count(ChainTransaction),
        operatorNonce: await node.provider.getTransactionCount(operator.address, "latest"),
      };
    },
  };
  return env;
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

export function domain(env: TestEnv, overrides: { chainId?: number; verifyingContract?: string } = {}) {
  return ledgerDomain(
    overrides.chainId ?? env.deployment.chainId,
    overrides.verifyingContract ?? env.deployment.ledger,
  );
}

export async function signAck(
  env: TestEnv,
  holder: Wallet,
  version: number,
  documentHash: string,
  deadline = FAR_FUTURE,
) {
  return holder.signTypedData(domain(env), ACKNOWLEDGEMENT_TYPES, {
    account: holder.address,
    version,
    documentHash,
    deadline,
  });
}

export async function signTransfer(
  env: TestEnv,
  holder: Wallet,
  auth: { from: string; to: string; assetId: string; amount: string; nonce: string; deadline: string; ref: string },
  dom = domain(env),
) {
  return holder.signTypedData(dom, TRANSFER_TYPES, auth);
}

/** Sets up through the API: permit, asset type, disclosure v1. Returns the disclosure's hash. */
export async function bootstrapPlatform(env: TestEnv): Promise<{ documentHash: string }> {
  const a = bearer(env.keys.authority);
  const o = bearer(env.keys.operator);
  await expectPosted(
    env.http
      .post("/v1/permits?wait=true")
      .set(a)
      .send({ operator: env.operator.address, ...PERMIT }),
  );
  await expectPosted(
    env.http
      .post("/v1/asset-types?wait=true")
      .set(a)
      .send({ code: GRAIN, name: "Grain in a certified elevator", category: "TangibleAsset" }),
  );
  await expectPosted(
    env.http
      .post("/v1/disclosures?wait=true")
      .set(o)
      .send({ text: "Risk disclosure v1: digital assets may lose value.", uri: "https://platform.kz/risks/v1" }),
  );
  return { documentHash: keccakText("Risk disclosure v1: digital assets may lose value.") };
}

export async function onboard(env: TestEnv, holder: Wallet, documentHash: string, version = 1) {
  const signature = await signAck(env, holder, version, documentHash);
  await expectPosted(
    env.http
      .post("/v1/participants?wait=true")
      .set(bearer(env.keys.operator))
      .send({
        address: holder.address,
        kind: "NaturalPerson",
        identity: { fullName: `Holder ${holder.address.slice(2, 8)}`, iin: "900101300126" },
        acknowledgement: { version, deadline: FAR_FUTURE, signature },
      }),
  );
}

/** Files, attests and posts an issuance of `units` to `owner`; returns the asset id. */
export async function issue(
  env: TestEnv,
  owner: Wallet,
  units = "1000000",
  nonce = String(Math.floor(Math.random() * 1e12)),
) {
  const filing = await buildFiling(env, owner, units, nonce);
  const filed = await env.http.post("/v1/issuance-requests").set(bearer(env.keys.operator)).send(filing);
  if (filed.status !== 201) throw new Error(`filing: ${filed.status} ${JSON.stringify(filed.body)}`);
  const attestation = await attest(env, owner.address, filing.evidenceHash, nonce, units);
  const att = await env.http
    .post(`/v1/issuance-requests/${filed.body.id}/attestation`)
    .set(bearer(env.keys.verifier))
    .send(attestation);
  if (att.status !== 200) throw new Error(`attestation: ${att.status} ${JSON.stringify(att.body)}`);
  const posted = await expectPosted(
    env.http.post(`/v1/issuance-requests/${filed.body.id}/post?wait=true`).set(bearer(env.keys.operator)),
  );
  const req = await env.http.get(`/v1/issuance-requests/${filed.body.id}`).set(bearer(env.keys.operator));
  return {
    assetId: req.body.assetId as string,
    requestId: filed.body.id as string,
    operation: posted.body.operation as { id: string; recordSequence?: string; rightsArisenAt?: string },
  };
}

/**
 * The owner's signed issuance request as filed: decision, issuer details, evidence and the verifier the owner names
 * (the test environment's verifier unless given), signed as the ledger's IssuanceRequest.
 */
export async function buildFiling(
  env: TestEnv,
  owner: Wallet,
  units: string,
  nonce: string,
  opts: {
    decision?: { documentHash?: string; uri?: string; rightsExtent?: string };
    issuer?: typeof ISSUER;
    verifier?: string;
  } = {},
) {
  const assetType = encodeBytes32String(GRAIN);
  const decision = {
    documentHash: keccakText(`decision ${nonce}`),
    uri: "https://steppegrain.kz/decisions/2026-01.pdf",
    rightsType: encodeBytes32String("OWNERSHIP_SHARE"),
    rightsExtent: "1 unit = 1 tonne of wheat",
    ...opts.decision,
    units,
  };
  const issuer = { ...(opts.issuer ?? ISSUER) };
  const evidenceHash = keccakText(`warehouse receipt ${nonce}`);
  const verifier = opts.verifier ?? env.verifier.address;
  const ownerSignature = await owner.signTypedData(
    domain(env),
    ISSUANCE_TYPES,
    issuanceRequestMessage({
      owner: owner.address,
      assetType,
      decision,
      issuer,
      evidenceHash,
      verifier,
      nonce,
      deadline: FAR_FUTURE,
    }),
  );
  return {
    owner: owner.address,
    assetType: GRAIN,
    decision,
    issuer,
    evidenceHash,
    verifier,
    nonce,
    deadline: FAR_FUTURE,
    ownerSignature,
  };
}

/** A verifier's collateral attestation of `units` units for the owner's request (the environment's verifier unless given). */
export async function attest(
  env: TestEnv,
  owner: string,
  evidenceHash: string,
  nonce: string,
  units: string,
  opts: { expiry?: string; verifier?: Wallet } = {},
) {
  const expiry = opts.expiry ?? FAR_FUTURE;
  const verifier = opts.verifier ?? env.verifier;
  const signature = await verifier.signTypedData(
    domain(env),
    ATTESTATION_TYPES,
    attestationMessage({ owner, evidenceHash, assetType: encodeBytes32String(GRAIN), units, nonce, expiry }),
  );
  return { verifier: verifier.address, expiry, signature };
}

/**
 * The body of POST /v1/assets/{assetId}/decision: the change signed by `issuer` as the ledger's DecisionChange,
 * from the decision in force now (read through the API) unless `previousHash` is given.
 */
export async function decisionChangeBody(
  env: TestEnv,
  issuer: Wallet,
  assetId: string,
  change: { documentHash: string; uri: string; reason: string },
  opts: { deadline?: string; previousHash?: string } = {},
) {
  const deadline = opts.deadline ?? FAR_FUTURE;
  let previousHash = opts.previousHash;
  if (!previousHash) {
    const asset = await env.http.get(`/v1/assets/${assetId}`).set(bearer(env.keys.monitor));
    if (asset.status !== 200) throw new Error(`asset ${assetId}: ${asset.status} ${JSON.stringify(asset.body)}`);
    previousHash = asset.body.decision.documentHash as string;
  }
  const issuerSignature = await issuer.signTypedData(
    domain(env),
    DECISION_CHANGE_TYPES,
    decisionChangeMessage({
      assetId,
      previousHash,
      newHash: change.documentHash,
      newUri: change.uri,
      reason: change.reason,
      deadline,
    }),
  );
  return { ...change, deadline, issuerSignature };
}

export async function expectPosted(req: PromiseLike<request.Response>): Promise<request.Response> {
  const res = await req;
  if (res.status !== 200 || res.body?.operation?.status !== "posted") {
    throw new Error(`expected a posted operation, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res;
}

export async function transferBody(
  env: TestEnv,
  from: Wallet,
  to: string,
  assetId: string,
  amount: string,
  nonce: string,
  opts: { deadline?: string; ref?: string } = {},
) {
  const authorization = {
    from: from.address,
    to,
    assetId,
    amount,
    nonce,
    deadline: opts.deadline ?? FAR_FUTURE,
    ref: opts.ref ?? ZeroHash,
  };
  return { authorization, signature: await signTransfer(env, from, authorization) };
}

export const randomHolder = () => Wallet.createRandom() as unknown as Wallet;
