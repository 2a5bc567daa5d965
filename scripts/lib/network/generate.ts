import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Genesis } from "./genesis";
import { buildGenesis, requestTimeoutSeconds } from "./genesis";
import type { NodeKey } from "./keys";
import { randomKeys, readValidatorKeys, seededKeys } from "./keys";
import type { AccountRole, AllowedAccount, InitOptions, NetworkSpec } from "./options";
import { NetworkInputError, parseInitOptions } from "./options";
import type { NodePlan } from "./nodes";
import {
  BESU_CONTAINER_USER,
  BESU_IMAGE,
  composeYaml,
  networkEnv,
  nodeConfigToml,
  permissionsToml,
  planNodes,
  rpcUrl,
  setupCommands,
} from "./nodes";

export interface GeneratedFile {
  /** Relative to the output directory, with forward slashes. */
  path: string;
  content: string;
  /** Private keys are written readable by their owner only. */
  secret?: boolean;
}

export type KeySource = "seed" | "random" | "validator-keys";

/**
 * Where a node's private key is: written here ("generated", mode 0600), copied here from --validator-keys, or, when
 * only its public key was brought, "on its machine": no key file is written and that validator's operator puts it
 * at nodes/<name>/key there.
 */
export type PrivateKeyPlace = "generated" | "validator-keys" | "on its machine";

/** network.json: what was generated, for the runbook's commands and for scripts. */
export interface NetworkSummary {
  chainId: number;
  blockPeriodSeconds: number;
  requestTimeoutSeconds: number;
  /** 0: an empty block every block period. */
  emptyBlockPeriodSeconds: number;
  besuImage: string;
  /** The user the containers run as, which must own nodes/ and data/ (setup, in the README). */
  containerUser: string;
  keys: KeySource;
  rpcUrl: string;
  setup: string[];
  nodes: Array<{
    name: string;
    role: NodePlan["role"];
    address: string;
    enode: string;
    rpcUrl: string;
    metrics: string;
    privateKey: PrivateKeyPlace;
    keyDir?: string;
  }>;
  accountsAllowlist: AllowedAccount[];
}

export interface NetworkPlan {
  spec: NetworkSpec;
  nodes: NodePlan[];
  genesis: Genesis;
  summary: NetworkSummary;
  files: GeneratedFile[];
  warnings: string[];
}

export const SEEDED_KEYS_WARNING =
  "WARNING: the node keys are derived from --seed: anyone who knows the seed holds every validator's key. Use seeded " +
  "keys for test networks only. For a real network omit --seed (keys from the system's random generator) or bring " +
  "your own validator keys with --validator-keys <dir> (one subdirectory per validator holding Besu's `key` or " +
  "`key.priv` file, or only its `key.pub` to keep the private key on the validator's machine).";

function resolveKeys(spec: NetworkSpec): { validators: NodeKey[]; rpc: NodeKey[]; source: KeySource } {
  if (spec.validatorKeysDir !== undefined) {
    const validators = readValidatorKeys(spec.validatorKeysDir);
    if (validators.length !== spec.validators) {
      throw new NetworkInputError(
        `--validator-keys: ${validators.length} keys in ${spec.validatorKeysDir}, --validators is ${spec.validators}`,
      );
    }
    const rpc = spec.seed !== undefined ? seededKeys(spec.seed, "rpc", spec.rpcNodes) : randomKeys(spec.rpcNodes);
    return { validators, rpc, source: "validator-keys" };
  }
  if (spec.seed !== undefined) {
    return {
      validators: seededKeys(spec.seed, "validator", spec.validators),
      rpc: seededKeys(spec.seed, "rpc", spec.rpcNodes),
      source: "seed",
    };
  }
  return { validators: randomKeys(spec.validators), rpc: randomKeys(spec.rpcNodes), source: "random" };
}

function privateKeyPlace(n: NodePlan, source: KeySource): PrivateKeyPlace {
  if (n.key.privateKey === undefined) return "on its machine";
  return n.role === "validator" && source === "validator-keys" ? "validator-keys" : "generated";
}

function warningsFor(spec: NetworkSpec, source: KeySource, nodes: readonly NodePlan[]): string[] {
  const w: string[] = [];
  if (source === "seed") w.push(SEEDED_KEYS_WARNING);
  const away = nodes.filter((n) => n.key.privateKey === undefined);
  if (away.length) {
    w.push(
      `note: no private key here for ${away.map((n) => `${n.name} (${n.key.keyDir}/)`).join(", ")}: on each one's machine, its ` +
        `operator puts it at nodes/<name>/key before the first start (one line, 0x and 64 hex digits; ` +
        `\`sudo install -m 0600 -o 1000 -g 1000 <key file> nodes/<name>/key\`). Without it Besu would make a new key, ` +
        "which no allowlist or validator set knows.",
    );
  }
  if (spec.validators < 4) {
    w.push(
      `WARNING: ${spec.validators} validator(s): QBFT needs 4 to keep producing blocks with one validator down or faulty.`,
    );
  }
  const roles = new Set(spec.accounts.flatMap((a) => a.roles));
  const missing: Array<[AccountRole, string]> = [
    ["deployer", "`npm run deploy -- --network besu` (DEPLOYER_KEY)"],
    ["operator", "the gateway's operator key"],
    ["authority", "the authority (permits, asset types)"],
  ];
  for (const [role, who] of missing) {
    if (!roles.has(role)) {
      w.push(
        `note: no --${role}: unless its address is among --accounts, ${who} cannot send transactions on this network.`,
      );
    }
  }
  return w;
}

function keyCell(n: NetworkSummary["nodes"][number]): string {
  const from = n.keyDir !== undefined ? ` (from ${n.keyDir}/)` : "";
  return n.privateKey === "on its machine"
    ? `on its machine: its operator puts it at \`nodes/${n.name}/key\`${from}`
    : `\`nodes/${n.name}/key\`${from}`;
}

function readme(summary: NetworkSummary, warnings: string[]): string {
  const lines = [
    `# Besu QBFT network, chain id ${summary.chainId}`,
    "",
    "Generated by `npm run network -- init`. The runbook is docs/network.md in the platform's repository.",
    "",
    "| file | what |",
    "|---|---|",
    "| `genesis.json` | QBFT genesis: validators in `extraData`, Cancun rules from block 0, free gas |",
    "| `permissions_config.toml` | nodes and accounts allowlists, identical on every node |",
    "| `nodes/<name>/config.toml` | the node's Besu configuration (paths are inside the container) |",
    "| `nodes/<name>/key` | the node's private key (mode 0600): keep it secret, back it up offline; absent for a validator that keeps its key on its own machine |",
    "| `nodes/<name>/key.pub`, `address` | its public key (enode id) and address |",
    `| \`docker-compose.yml\` | starts the nodes with \`${summary.besuImage}\` (host networking, Linux) |`,
    "| `network.env` | RPC_URL, CHAIN_ID, CONFIRMATIONS, DEPLOYMENT_FILE for the gateways and the deployment |",
    "| `network.json` | the nodes, their enode URLs and addresses, the accounts allowlist |",
    "",
    "## Before the first start",
    "",
    `The containers run as the image's \`besu\` user (${summary.containerUser}), which must read the keys and own the data directories.`,
    "In this directory (one machine per node: on each machine, with that node's directory only):",
    "",
    "```bash",
    ...summary.setup,
    "docker compose up -d",
    "```",
    "",
    "| node | role | address | private key | enode |",
    "|---|---|---|---|---|",
    ...summary.nodes.map((n) => `| ${n.name} | ${n.role} | ${n.address} | ${keyCell(n)} | \`${n.enode}\` |`),
    "",
  ];
  if (warnings.length) lines.push(...warnings.map((w) => `> ${w}`), "");
  return lines.join("\n");
}

/** Everything `init` writes, computed in memory (no file is touched): same spec and keys give the same bytes. */
export function planNetwork(spec: NetworkSpec): NetworkPlan {
  const keys = resolveKeys(spec);
  const nodes = planNodes(keys.validators, keys.rpc, spec.hosts);
  const validators = nodes.filter((n) => n.role === "validator");
  const genesis = buildGenesis({
    chainId: spec.chainId,
    blockPeriodSeconds: spec.blockPeriodSeconds,
    emptyBlockPeriodSeconds: spec.emptyBlockPeriodSeconds,
    validators: validators.map((n) => n.key.address),
  });
  const deploymentFile = join(resolve(spec.out), "deployment.json");
  const summary: NetworkSummary = {
    chainId: spec.chainId,
    blockPeriodSeconds: spec.blockPeriodSeconds,
    requestTimeoutSeconds: requestTimeoutSeconds(spec.blockPeriodSeconds),
    emptyBlockPeriodSeconds: spec.emptyBlockPeriodSeconds,
    besuImage: BESU_IMAGE,
    containerUser: BESU_CONTAINER_USER,
    keys: keys.source,
    rpcUrl: rpcUrl(nodes),
    setup: setupCommands(nodes),
    nodes: nodes.map((n) => ({
      name: n.name,
      role: n.role,
      address: n.key.address,
      enode: n.enode,
      rpcUrl: `http://${n.rpcHost === "0.0.0.0" ? n.p2pHost : n.rpcHost}:${n.rpcPort}`,
      metrics: `127.0.0.1:${n.metricsPort}`,
      privateKey: privateKeyPlace(n, keys.source),
      ...(n.key.keyDir !== undefined ? { keyDir: n.key.keyDir } : {}),
    })),
    accountsAllowlist: spec.accounts,
  };
  const warnings = warningsFor(spec, keys.source, nodes);
  const files: GeneratedFile[] = [
    { path: "README.md", content: readme(summary, warnings) },
    { path: "genesis.json", content: `${JSON.stringify(genesis, null, 2)}\n` },
    { path: "permissions_config.toml", content: permissionsToml(nodes, spec.accounts) },
    { path: "docker-compose.yml", content: composeYaml(nodes, spec.chainId) },
    { path: "network.env", content: networkEnv(nodes, spec.chainId, deploymentFile) },
    { path: "network.json", content: `${JSON.stringify(summary, null, 2)}\n` },
  ];
  for (const n of nodes) {
    files.push({ path: `nodes/${n.name}/config.toml`, content: nodeConfigToml(n, nodes) });
    // Besu's own key file format: one line, 0x and 64 hex digits. None for a validator whose key stays on its machine.
    if (n.key.privateKey !== undefined)
      files.push({ path: `nodes/${n.name}/key`, content: n.key.privateKey, secret: true });
    files.push(
      { path: `nodes/${n.name}/key.pub`, content: `0x${n.key.publicKey}` },
      { path: `nodes/${n.name}/address`, content: n.key.address },
    );
  }
  return { spec, nodes, genesis, summary, files, warnings };
}

function nonEmptyDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && readdirSync(path).length > 0;
}

/** Refuses to overwrite unless --force, and never overwrites a network that has already run (its data/). */
function checkOut(out: string, force: boolean): void {
  if (existsSync(out) && !statSync(out).isDirectory())
    throw new NetworkInputError(`--out: ${out} exists and is not a directory`);
  if (!nonEmptyDir(out)) return;
  if (!force)
    throw new NetworkInputError(
      `--out: ${out} is not empty; choose an empty directory or pass --force to replace the generated files`,
    );
  if (nonEmptyDir(join(out, "data"))) {
    throw new NetworkInputError(
      `--out: ${join(out, "data")} holds chain data; a new genesis would not match it. Move it away first to start a new chain`,
    );
  }
}

export function writeNetwork(plan: NetworkPlan): void {
  const out = resolve(plan.spec.out);
  checkOut(out, plan.spec.force);
  mkdirSync(out, { recursive: true });
  // Nodes of an earlier run with other names would otherwise stay behind with stale keys.
  if (plan.spec.force) {
    try {
      rmSync(join(out, "nodes"), { recursive: true, force: true });
    } catch (err) {
      throw new NetworkInputError(
        `--force: cannot remove ${join(out, "nodes")} (${(err as Error).message.split("\n")[0]}); after the setup step it belongs to ` +
          `the containers' user (${BESU_CONTAINER_USER}): remove it with sudo first`,
      );
    }
  }
  for (const f of plan.files) {
    const target = join(out, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.content, { mode: f.secret ? 0o600 : 0o644 });
  }
}

/** `network init`: validates, computes every file, then writes them; on bad input it throws before writing anything. */
export function initNetwork(options: InitOptions): NetworkPlan {
  const spec = parseInitOptions(options);
  checkOut(resolve(spec.out), spec.force);
  const plan = planNetwork(spec);
  writeNetwork(plan);
  return plan;
}
