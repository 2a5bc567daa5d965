import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { getAddress, isAddress, ZeroAddress } from "ethers";
import hre from "hardhat";
import type { HttpNetworkConfig } from "hardhat/types";
import { listTransactions } from "@nomicfoundation/ignition-core";
import {
  HardhatArtifactResolver,
  readDeploymentParameters,
  resolveDeploymentId,
} from "@nomicfoundation/hardhat-ignition/helpers";
import PlatformModule from "../ignition/modules/Platform";
import { deploymentSchema, writeDeployment } from "../server/chain/deployment";
import type { Deployment } from "../server/chain/deployment";

/**
 * The one deployment path: `npm run deploy -- --network <name>` (scripts/deploy-cli.ts) and `npm start` both run
 * this script under `hardhat run`, which deploys the Ignition module ignition/modules/Platform.ts.
 *
 * Environment (the CLI sets it from its options):
 *   IGNITION_PARAMETERS     parameters file, JSON5 (default ignition/parameters/<network>.json5, then .json)
 *   DEPLOYMENT_FILE         where the gateway reads the deployment (default data/deployment.json)
 *   DEPLOY_FORCE=true       overwrite a deployment file that names another chain
 *   IGNITION_DEPLOYMENT_ID  Ignition journal under ignition/deployments/ (default chain-<chain id>)
 *
 * Every check runs before anything is sent or written; a failed check prints why and exits 1. Ignition keeps a
 * journal, so running the command again resumes an interrupted deployment or reuses a finished one.
 */

/** Which environment variables feed the URL and the deployer key of a network (mirrors hardhat.config.ts). */
const NETWORK_VARIABLES: Record<string, { url?: string; key?: string }> = {
  localhost: { url: "RPC_URL" },
  besu: { url: "BESU_RPC_URL", key: "DEPLOYER_KEY" },
  anvil: { url: "ANVIL_RPC_URL" },
};
/** `hardhat node`'s chain: a dev chain that forgets everything when the node stops. */
const HARDHAT_DEV_CHAIN_ID = 31337;
const ROLES = ["authority", "operator", "verifier"] as const;
type Roles = Record<(typeof ROLES)[number], string>;

const ROOT = hre.config.paths.root;
const TEMPLATE = join(ROOT, "ignition/parameters/besu.json5");

/** A refusal the operator can act on: printed without a stack trace. */
class DeployError extends Error {}

const shown = (p: string) => (relative(process.cwd(), p).startsWith("..") ? p : relative(process.cwd(), p) || p);

/** The URL without user:password (RPC URLs sometimes carry credentials). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = "***";
      u.password = "";
    }
    return u.toString();
  } catch {
    return url;
  }
}

function checkDeployerKey(): void {
  if (hre.network.name === "hardhat") return;
  const accounts = (hre.network.config as HttpNetworkConfig).accounts;
  if (Array.isArray(accounts) && accounts.length === 0) {
    const key = NETWORK_VARIABLES[hre.network.name]?.key;
    throw new DeployError(
      `network ${hre.network.name} needs a deployer key and has none: ` +
        (key
          ? `set ${key} to the deployer's private key (0x followed by 64 hex digits).`
          : `give it \`accounts\` in hardhat.config.ts.`) +
        " The deployer pays for the deployment and receives no role.",
    );
  }
}

function templateHint(): string {
  return `\nStart from the template ${shown(TEMPLATE)}:\n\n${readFileSync(TEMPLATE, "utf8")}`;
}

async function loadParameters(file: string): Promise<Roles> {
  if (!existsSync(file))
    throw new DeployError(
      `parameters file ${shown(file)} not found (--parameters or IGNITION_PARAMETERS).${templateHint()}`,
    );
  let raw: unknown;
  try {
    raw = await readDeploymentParameters(file);
  } catch (err) {
    // Ignition wraps the JSON5 parser's message ("invalid character … at line:column") in `parent`.
    const cause = (err as { parent?: Error }).parent ?? (err as Error);
    throw new DeployError(`parameters file ${shown(file)} is not valid JSON5: ${cause.message}${templateHint()}`);
  }
  const section = (raw as Record<string, unknown> | null)?.[PlatformModule.id];
  if (typeof section !== "object" || section === null || Array.isArray(section)) {
    throw new DeployError(`parameters file ${shown(file)} has no "${PlatformModule.id}" object.${templateHint()}`);
  }
  const values = section as Record<string, unknown>;
  const unknown = Object.keys(values).filter((k) => !(ROLES as readonly string[]).includes(k));
  if (unknown.length) {
    throw new DeployError(
      `parameters file ${shown(file)}: unknown parameter(s) ${unknown.map((k) => `${PlatformModule.id}.${k}`).join(", ")}; expected ${ROLES.join(", ")}.${templateHint()}`,
    );
  }
  const roles = {} as Roles;
  for (const role of ROLES) {
    const value = values[role];
    if (value === undefined)
      throw new DeployError(
        `parameters file ${shown(file)}: ${PlatformModule.id}.${role} is missing.${templateHint()}`,
      );
    if (typeof value !== "string" || !isAddress(value)) {
      throw new DeployError(
        `parameters file ${shown(file)}: ${PlatformModule.id}.${role} is not an address: ${JSON.stringify(value)} ` +
          "(expected 0x followed by 40 hex digits; a mixed-case address needs a valid EIP-55 checksum).",
      );
    }
    roles[role] = getAddress(value);
  }
  if (roles.authority === ZeroAddress) {
    throw new DeployError(
      `parameters file ${shown(file)}: ${PlatformModule.id}.authority is the zero address; the ledger needs the designated authority's address.`,
    );
  }
  return roles;
}

async function connectedChainId(): Promise<number> {
  const request = hre.network.provider.request({ method: "eth_chainId" }) as Promise<string>;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no answer within 15 s")), 15_000);
  });
  try {
    return Number(await Promise.race([request, timeout]));
  } catch (err) {
    const { url } = hre.network.config as HttpNetworkConfig;
    const variable = NETWORK_VARIABLES[hre.network.name]?.url;
    throw new DeployError(
      `cannot reach network ${hre.network.name} at ${redact(url)}` +
        (variable ? ` (the URL comes from ${variable})` : " (its url in hardhat.config.ts)") +
        // Hardhat's HH108 wraps the socket error (ECONNREFUSED, ENOTFOUND…), which says more.
        `: ${((err as { parent?: Error }).parent ?? (err as Error)).message}`,
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Refuses to replace a deployment file of another chain (or not a deployment file at all) unless forced. */
function checkDeploymentFile(file: string, chainId: number, force: boolean): void {
  if (!existsSync(file)) return;
  let existing: Deployment;
  try {
    existing = deploymentSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  } catch (err) {
    if (force) return void console.log(`overwriting ${shown(file)} (not a deployment file) as --force asks`);
    throw new DeployError(
      `${shown(file)} exists and is not a deployment file (${(err as Error).message.split("\n")[0]}); refusing to overwrite it. Choose another --deployment-file (DEPLOYMENT_FILE), or pass --force to replace it.`,
    );
  }
  if (existing.chainId === chainId) return;
  if (force)
    return void console.log(`overwriting ${shown(file)}, which named chain ${existing.chainId}, as --force asks`);
  throw new DeployError(
    `${shown(file)} names chain ${existing.chainId} (ledger ${existing.ledger}) and network ${hre.network.name} is chain ${chainId}; ` +
      "refusing to overwrite it. Choose another --deployment-file (DEPLOYMENT_FILE) for this network, or pass --force to replace it.",
  );
}

/**
 * An Ignition journal whose contracts are not on the chain is stale: a restarted `hardhat node` (discarded, as the
 * dev chain starts empty every time), or a reset network reusing its chain id (refused: Ignition would report the
 * missing contracts as deployed).
 */
async function checkJournal(dir: string, chainId: number): Promise<void> {
  if (!existsSync(dir)) return;
  const addressesFile = join(dir, "deployed_addresses.json");
  const addresses = existsSync(addressesFile)
    ? Object.values(JSON.parse(readFileSync(addressesFile, "utf8")) as Record<string, string>)
    : [];
  const missing: string[] = [];
  for (const a of addresses) if ((await hre.ethers.provider.getCode(a)) === "0x") missing.push(a);
  if (missing.length === 0) return;
  if (chainId === HARDHAT_DEV_CHAIN_ID) {
    console.log(
      `discarding the Ignition journal ${shown(dir)} of an earlier Hardhat node (its contracts are not on this one)`,
    );
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  throw new DeployError(
    `the Ignition journal ${shown(dir)} names contracts that are not on chain ${chainId} (${missing.join(", ")}): ` +
      "was the network reset? Move that directory away to deploy afresh.",
  );
}

/** The block of the ledger's deployment: from the receipt of the transaction in Ignition's journal. */
async function deployBlockOf(ledger: string, journalDir: string | undefined): Promise<number> {
  if (journalDir && existsSync(journalDir)) {
    const txs = await listTransactions(journalDir, new HardhatArtifactResolver(hre));
    const tx = txs.find((t) => t.address !== undefined && t.address.toLowerCase() === ledger.toLowerCase());
    const receipt = tx ? await hre.ethers.provider.getTransactionReceipt(tx.txHash) : null;
    if (receipt) return receipt.blockNumber;
  }
  // The in-process network keeps no journal: find the first block with the code (it keeps all history).
  let low = 0;
  let high = await hre.ethers.provider.getBlockNumber();
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if ((await hre.ethers.provider.getCode(ledger, mid)) === "0x") low = mid + 1;
    else high = mid;
  }
  return low;
}

function defaultParametersFile(): string {
  const base = join(ROOT, "ignition/parameters", hre.network.name);
  return existsSync(`${base}.json`) && !existsSync(`${base}.json5`) ? `${base}.json` : `${base}.json5`;
}

async function main() {
  const network = hre.network.name;
  const parametersFile = resolve(process.env.IGNITION_PARAMETERS || defaultParametersFile());
  const deploymentFile = resolve(process.env.DEPLOYMENT_FILE || "data/deployment.json");
  const force = ["1", "true"].includes((process.env.DEPLOY_FORCE ?? "").toLowerCase());

  checkDeployerKey();
  const roles = await loadParameters(parametersFile);
  const chainId = await connectedChainId();
  const accounts = (await hre.network.provider.request({ method: "eth_accounts" })) as string[];
  if (accounts.length === 0) {
    throw new DeployError(
      `the node of network ${network} has no account to deploy from; use a network with a deployer key (e.g. --network besu with DEPLOYER_KEY).`,
    );
  }
  const inProcess = network === "hardhat";
  if (!inProcess) checkDeploymentFile(deploymentFile, chainId, force);
  let deploymentId: string;
  try {
    // Ignition's own rule (a letter, then letters, digits, - and _): the id names a directory.
    deploymentId = resolveDeploymentId(process.env.IGNITION_DEPLOYMENT_ID || undefined, chainId);
  } catch (err) {
    throw new DeployError((err as Error).message);
  }
  const journalDir = inProcess ? undefined : join(hre.config.paths.ignition, "deployments", deploymentId);
  if (journalDir) await checkJournal(journalDir, chainId);
  if (journalDir && existsSync(journalDir))
    console.log(`Ignition journal ${shown(journalDir)}: steps already done are reused`);

  console.log(
    `deploying ${PlatformModule.id} to network ${network} (chain ${chainId}) from ${getAddress(accounts[0])}, which receives no role`,
  );
  console.log(`  authority ${roles.authority}\n  operator  ${roles.operator}\n  verifier  ${roles.verifier}`);
  const contracts = await hre.ignition
    .deploy(PlatformModule, {
      parameters: { [PlatformModule.id]: roles },
      deploymentId,
      // QBFT/IBFT 2.0 blocks are final once produced; Ignition's default of 5 confirmations only adds waiting.
      config: { requiredConfirmations: 1 },
    })
    .catch((err: Error) => {
      throw new DeployError(
        `Ignition could not deploy: ${err.message}` +
          (journalDir
            ? `\nIts journal is ${shown(journalDir)}: run again to resume once the cause is fixed, or move it away to start afresh.`
            : ""),
      );
    });
  const ledger = await contracts.ledger.getAddress();
  const deployment: Deployment = {
    chainId,
    ledger,
    issuanceRules: await contracts.issuanceRules.getAddress(),
    registerRules: await contracts.registerRules.getAddress(),
    ledgerMigration: await contracts.ledgerMigration.getAddress(),
    deployBlock: await deployBlockOf(ledger, journalDir),
    ...roles,
  };
  console.log(
    `SecuredAssetLedger ${ledger} (IssuanceRules ${deployment.issuanceRules}, RegisterRules ${deployment.registerRules}, LedgerMigration ${deployment.ledgerMigration}), chain ${chainId}, block ${deployment.deployBlock}`,
  );
  if (inProcess) {
    console.log(
      "network hardhat lives inside this command and ends with it: no deployment file written (use --network localhost with `npx hardhat node`)",
    );
    return;
  }
  await writeDeployment(deploymentFile, deployment);
  console.log(
    `deployment written to ${shown(deploymentFile)}; next: the authority grants the operator's permit (grantPermit)`,
  );
}

main().catch((err: Error) => {
  console.error(err instanceof DeployError ? `deploy: ${err.message}` : err);
  process.exitCode = 1;
});
