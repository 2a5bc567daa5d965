import "reflect-metadata";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync, chmodSync } from "node:fs";
import { dirname, join } from "node:path";
import { JsonRpcProvider, encodeBytes32String, id as keccakText } from "ethers";
import pino from "pino";
import type { Logger } from "pino";
import pretty from "pino-pretty";
import { startHardhatNode } from "./lib/hardhat-node";
import { devWallet } from "./lib/dev-accounts";
import type { LocalNode } from "./lib/hardhat-node";
import { isDeployedOn, readDeployment } from "../server/chain/deployment";
import type { Deployment } from "../server/chain/deployment";
import { loadConfig } from "../server/config";
import { createGateway, createLogger } from "../server/main";
import { ApiKeyService } from "../server/services/api-keys";
import type { Role } from "../server/persistence/entities";

/**
 * `npm start`: the whole platform on embedded defaults — a local Hardhat node on :8545 (reused if one is running),
 * the contracts deployed (or reused), development authority/operator/verifier keys (Hardhat's well-known
 * accounts 1-3, printed once), the operator's permit, a listed asset type and a first disclosure, then the
 * gateway on SQLite at http://localhost:8080 (/docs) with development API keys (printed once, kept in
 * data/dev-api-keys.json for the walk-through). Development only: never use these keys on a real network.
 */
const ROOT = join(__dirname, "..");
const dev = (i: number) => devWallet(i);
const DEPLOYMENT_FILE = process.env.DEPLOYMENT_FILE ?? join(ROOT, "data/deployment.json");
const SQLITE_FILE = process.env.SQLITE_FILE ?? join(ROOT, "data/gateway.sqlite");
const KEYS_FILE = join(ROOT, "data/dev-api-keys.json");
const RPC_URL = process.env.RPC_URL ?? "http://127.0.0.1:8545";
const PARAMETERS_FILE = join(ROOT, "ignition/parameters/localhost.json");

/** The only chain `npm start` runs on: `hardhat node`'s development chain (forgotten when the node stops). */
const DEVELOPMENT_CHAIN_ID = 31337;

/**
 * `npm start` serves whatever chain RPC_URL reaches with the development keys, plain-http documents and loopback
 * webhooks. On a real network (after `set -a; . network.env`, say) that would be a production gateway with public
 * keys: refuse every chain but the development one, before anything is deployed, written or started.
 */
function refuseUnlessDevelopmentChain(chainId: bigint | string, found: string): void {
  if (/^\d+$/.test(String(chainId).trim()) && BigInt(String(chainId).trim()) === BigInt(DEVELOPMENT_CHAIN_ID)) return;
  throw new Error(
    `npm start is the development stack: Hardhat's development chain ${DEVELOPMENT_CHAIN_ID}, Hardhat's well-known keys, ` +
      `DOCUMENT_URI_ALLOW_HTTP=true and loopback OUTBOUND_ALLOW; ${found}, so it will not run. ` +
      "For a network, deploy with `npm run deploy -- --network <name>` and start the gateway with the network's own " +
      'settings as docs/network.md (steps 3, "Deploy the contracts", and 4, "Connect the gateways") and docs/operations.md ("Running the gateway") describe. ' +
      "For the development stack, unset CHAIN_ID, RPC_URL and DEPLOYMENT_FILE (a shell that sourced network.env: open a new one).",
  );
}

/**
 * Readable logs for a person at a terminal (LOG_FORMAT=pretty, or unset on a TTY outside NODE_ENV=production);
 * LOG_FORMAT=json, a pipe or production keep pino's JSON lines. The gateway's own logger (createLogger: level,
 * redaction) is kept, only its destination changes. `npm run start:prod` always logs JSON.
 */
function prettyIfWanted(log: Logger): Logger {
  const format = process.env.LOG_FORMAT;
  const wanted = format ? format === "pretty" : process.stdout.isTTY === true && process.env.NODE_ENV !== "production";
  if (!wanted) return log;
  const stream = pretty({
    sync: true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "service,req,res",
    messageFormat: "{msg}{if req.method} {req.method} {req.url}{end}{if res.statusCode} {res.statusCode}{end}",
  });
  // Children (components, requests) read the destination through their parent.
  (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = stream;
  return log;
}

function say(msg: string) {
  process.stdout.write(`[start] ${msg}\n`);
}

async function reachable(url: string): Promise<boolean> {
  const p = new JsonRpcProvider(url, undefined, { staticNetwork: true });
  try {
    await Promise.race([
      p.send("eth_chainId", []),
      new Promise((_, rej) => setTimeout(() => rej(new Error("timeout")), 1500)),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    p.destroy();
  }
}

async function chainIdAt(url: string): Promise<bigint> {
  const p = new JsonRpcProvider(url, undefined, { staticNetwork: true });
  try {
    return BigInt((await p.send("eth_chainId", [])) as string);
  } finally {
    p.destroy();
  }
}

/**
 * The operators' path (scripts/deploy.ts under `hardhat run`) with the development parameters. Asynchronous: a
 * node started here writes its log through this process, which must keep draining it.
 */
function deployWithIgnition(): Promise<void> {
  const child = spawn(
    process.execPath,
    [require.resolve("hardhat/internal/cli/cli"), "run", "scripts/deploy.ts", "--network", "localhost"],
    {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, RPC_URL, DEPLOYMENT_FILE, IGNITION_PARAMETERS: PARAMETERS_FILE },
    },
  );
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error("deployment failed (see above)"))));
  });
}

async function main() {
  // 1. Contracts compiled (a no-op when nothing changed).
  if (
    !existsSync(join(ROOT, "typechain-types/index.ts")) ||
    !existsSync(join(ROOT, "artifacts/contracts/SecuredAssetLedger.sol"))
  ) {
    say("compiling contracts…");
    const r = spawnSync(process.execPath, [require.resolve("hardhat/internal/cli/cli"), "compile"], {
      cwd: ROOT,
      stdio: "inherit",
    });
    if (r.status !== 0) throw new Error("compilation failed");
  }

  // 2. A node: reuse one on RPC_URL, else start `hardhat node` on its port. Only ever the development chain.
  if (process.env.CHAIN_ID)
    refuseUnlessDevelopmentChain(process.env.CHAIN_ID, `the environment sets CHAIN_ID=${process.env.CHAIN_ID}`);
  let node: LocalNode | null = null;
  if (await reachable(RPC_URL)) {
    const reached = await chainIdAt(RPC_URL);
    refuseUnlessDevelopmentChain(reached, `the node at ${RPC_URL} is chain ${reached}`);
    say(`using the node already running at ${RPC_URL}`);
  } else {
    const port = Number(new URL(RPC_URL).port || 8545);
    say(`starting a local Hardhat node on port ${port}…`);
    node = await startHardhatNode({
      port,
      cwd: ROOT,
      miningIntervalMs: process.env.HARDHAT_MINING_INTERVAL ? Number(process.env.HARDHAT_MINING_INTERVAL) : undefined,
    });
  }
  const provider = new JsonRpcProvider(RPC_URL, undefined, { cacheTimeout: -1 });
  const chainId = (await provider.getNetwork()).chainId;
  if (chainId !== BigInt(DEVELOPMENT_CHAIN_ID)) {
    provider.destroy();
    await node?.stop();
    refuseUnlessDevelopmentChain(chainId, `the node at ${RPC_URL} is chain ${chainId}`);
  }
  // Account 0 (the node's first account) deploys; 1-3 are the roles named in ignition/parameters/localhost.json.
  const [authority, operator, verifier] = [1, 2, 3].map((i) => dev(i).connect(provider));

  // 3. The platform: reused if its code is on this node, else deployed (and the old gateway database dropped).
  let deployment: Deployment | null = existsSync(DEPLOYMENT_FILE)
    ? await readDeployment(DEPLOYMENT_FILE).catch(() => null)
    : null;
  if (deployment && (await isDeployedOn(provider, deployment))) {
    say(`reusing the platform at ${deployment.ledger}`);
  } else {
    say("deploying the platform (the Ignition module, as `npm run deploy` does)…");
    await deployWithIgnition();
    deployment = await readDeployment(DEPLOYMENT_FILE);
    const roles = [deployment.authority, deployment.operator, deployment.verifier];
    if (roles.join() !== [authority, operator, verifier].map((w) => w.address).join()) {
      throw new Error(
        `${PARAMETERS_FILE} names ${roles.join(", ")}; npm start needs Hardhat's accounts 1-3 there (its development keys)`,
      );
    }
    for (const f of [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`, KEYS_FILE]) rmSync(f, { force: true });
    say(`deployed: ledger ${deployment.ledger} (chain ${deployment.chainId}, block ${deployment.deployBlock})`);
    process.stdout.write(
      "\n  Development keys (Hardhat's well-known accounts — never use them on a real network):\n" +
        `    authority ${authority.address}  ${authority.privateKey}\n` +
        `    operator  ${operator.address}  ${operator.privateKey}\n` +
        `    verifier  ${verifier.address}  ${verifier.privateKey}\n\n`,
    );
  }

  // 4. Permit, an asset type and a first disclosure, if missing.
  const { SecuredAssetLedger__factory } = await import("../typechain-types");
  const ledger = SecuredAssetLedger__factory.connect(deployment.ledger, provider);
  if (!(await ledger.isPermitted(operator.address))) {
    await (
      await ledger.connect(authority).grantPermit(operator.address, {
        legalName: "Development Platform LLP",
        bin: "230140012340",
        permitNumber: "KZ-SDA-DEV-0001",
        scope: "issuance and circulation",
      })
    ).wait();
    say("granted the operator's permit");
  }
  if (!(await ledger.isRecognisedAssetType(encodeBytes32String("GRAIN")))) {
    await (
      await ledger.connect(authority).listAssetType(encodeBytes32String("GRAIN"), "Grain in a certified elevator", 1)
    ).wait();
    say("listed asset type GRAIN");
  }
  if ((await ledger.currentDisclosureVersion()) === 0n) {
    const text =
      "Risk disclosure v1: a secured digital asset may lose value; rights arise when the transfer record is posted.";
    await (
      await ledger.connect(operator).publishDisclosure(keccakText(text), "https://platform.example/risks/v1")
    ).wait();
    say("published risk disclosure v1");
  }
  provider.destroy();

  // 5. The gateway.
  const config = loadConfig({
    ...process.env,
    RPC_URL,
    DEPLOYMENT_FILE,
    SQLITE_FILE,
    OPERATOR_KEY: process.env.OPERATOR_KEY ?? operator.privateKey,
    AUTHORITY_KEY: process.env.AUTHORITY_KEY ?? authority.privateKey,
    PORT: process.env.PORT ?? "8080",
    // A Hardhat node started here automines (unless HARDHAT_MINING_INTERVAL): one transaction in flight at a time.
    MAX_IN_FLIGHT: process.env.MAX_IN_FLIGHT ?? (node && !process.env.HARDHAT_MINING_INTERVAL ? "1" : undefined),
    // Development on one machine: webhook receivers and document servers on localhost may be called.
    OUTBOUND_ALLOW: process.env.OUTBOUND_ALLOW ?? "127.0.0.0/8,::1/128",
    // Development: decision and disclosure documents may be served over plain http (a local file server).
    DOCUMENT_URI_ALLOW_HTTP: process.env.DOCUMENT_URI_ALLOW_HTTP ?? "true",
  });
  const log = prettyIfWanted(createLogger(config));
  const gateway = await createGateway(config, log);
  const { url } = await gateway.start();

  // 6. Development API keys: created once, printed once, kept for the walk-through.
  const apiKeys = new ApiKeyService(gateway.internals.db);
  let keys: Record<Role, string> | null = existsSync(KEYS_FILE)
    ? (JSON.parse(readFileSync(KEYS_FILE, "utf8")) as Record<Role, string>)
    : null;
  if (keys) {
    for (const secret of Object.values(keys)) if (!(await apiKeys.authenticate(secret))) keys = null;
  }
  if (!keys) {
    keys = {} as Record<Role, string>;
    for (const role of ["authority", "operator", "verifier", "monitor"] as Role[])
      keys[role] = (await apiKeys.create(`dev-${role}`, role)).secret;
    mkdirSync(dirname(KEYS_FILE), { recursive: true });
    writeFileSync(KEYS_FILE, JSON.stringify(keys, null, 2) + "\n");
    chmodSync(KEYS_FILE, 0o600);
    process.stdout.write(
      `\n  Development API keys (shown once; also in ${KEYS_FILE}):\n${Object.entries(keys)
        .map(([r, k]) => `    ${r.padEnd(9)} ${k}`)
        .join("\n")}\n\n`,
    );
  }
  say(`gateway ready at ${url}  —  API docs ${url}/docs  —  walk-through: npm run walkthrough`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping`);
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    await gateway.stop().catch((err: Error) => say(`gateway stop failed: ${err.message}`));
    await node?.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err: Error) => {
  console.error(`[start] failed: ${err.message}`);
  process.exit(1);
});
