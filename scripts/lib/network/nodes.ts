import { stringify as toToml } from "smol-toml";
import { Scalar, stringify as toYaml } from "yaml";
import type { NodeKey } from "./keys";
import { enodeUrl } from "./keys";
import type { HostsSpec } from "./hosts";
import { DEFAULT_P2P_PORT, placeHosts } from "./hosts";
import type { AllowedAccount } from "./options";

/** Official image, pinned: every node of a network must run the same Besu (a node on another version may fork). */
export const BESU_IMAGE = "hyperledger/besu:26.8.0";

/**
 * The user the containers run as: the image's `besu` user (uid and gid 1000). Run as root, the image's entry script
 * (besu-entry.sh) gives `besu` only the paths `besu --print-paths-and-exit` lists (the data path and the genesis
 * file), not the mounted node key, which then cannot be read; run as this user, the script starts Besu directly and
 * changes nothing. So the files it reads and the data directory it writes are given to it beforehand: {@link setupCommands}.
 */
export const BESU_CONTAINER_USER = "1000:1000";

/** Run once in the output directory before the first start: the data directories, owned with the keys by the container's user. */
export function setupCommands(nodes: readonly Pick<NodePlan, "name">[]): string[] {
  return [
    `mkdir -p ${nodes.map((n) => `data/${n.name}`).join(" ")}`,
    `sudo chown -R ${BESU_CONTAINER_USER} nodes data`,
  ];
}

/** Paths inside the container (the compose file mounts the generated files there). */
export const CONTAINER = {
  genesis: "/config/genesis.json",
  permissions: "/config/permissions_config.toml",
  nodeDir: "/config/node",
  config: "/config/node/config.toml",
  key: "/config/node/key",
  data: "/data",
} as const;

/**
 * JSON-RPC APIs per role. Validators: what a validator's operator needs to read the chain and vote on validators
 * (QBFT), on localhost only. The RPC node serves the gateways and the deployment: eth_* and net_version only; no
 * ADMIN, DEBUG, MINER, PERM, TRACE or TXPOOL (the gateway reads neither the pool nor traces).
 */
export const VALIDATOR_RPC_APIS = ["ETH", "NET", "QBFT", "WEB3"] as const;
export const RPC_NODE_APIS = ["ETH", "NET", "WEB3"] as const;

const RPC_NODE_HTTP_PORT = 8545;
const VALIDATOR_HTTP_PORT = 8645;
const METRICS_PORT = 9545;

export type NodeRole = "validator" | "rpc";

export interface NodePlan {
  name: string;
  role: NodeRole;
  key: NodeKey;
  /** Address advertised to peers and written in enode URLs. */
  p2pHost: string;
  p2pPort: number;
  /** Interface the P2P listener binds. */
  p2pInterface: string;
  rpcHost: string;
  rpcPort: number;
  metricsPort: number;
  enode: string;
}

/**
 * Places the nodes. Without hosts, all nodes run on one machine (a test or staging network): loopback addresses,
 * one port per node. With hosts, one node per machine: the standard ports, P2P on all interfaces, and the RPC node's
 * JSON-RPC open to the gateways' network (restrict it with a firewall). A plain --hosts list follows the nodes'
 * order (validator-1, -2, ... in ascending address order, then rpc-1, ...); named entries match a node's name or,
 * for a brought validator key, its directory.
 */
export function planNodes(
  validatorKeys: readonly NodeKey[],
  rpcKeys: readonly NodeKey[],
  hostsSpec?: HostsSpec,
): NodePlan[] {
  // Besu keeps validators in ascending address order (a TreeSet); naming them in that order makes validator-1 the
  // first address in extraData.
  const validators = [...validatorKeys].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const entries: Array<{ name: string; role: NodeRole; key: NodeKey }> = [
    ...validators.map((key, i) => ({ name: `validator-${i + 1}`, role: "validator" as const, key })),
    ...rpcKeys.map((key, i) => ({ name: `rpc-${i + 1}`, role: "rpc" as const, key })),
  ];
  const hosts = hostsSpec
    ? placeHosts(
        hostsSpec,
        entries.map((e) => ({ name: e.name, keyDir: e.key.keyDir })),
      )
    : undefined;
  let validatorIndex = 0;
  let rpcIndex = 0;
  return entries.map((e, k) => {
    const own = hosts?.[k];
    const p2pHost = own ? own.host : "127.0.0.1";
    const p2pPort = own ? own.port : DEFAULT_P2P_PORT + k;
    const localIndex = e.role === "validator" ? validatorIndex++ : rpcIndex++;
    const rpcPort = own
      ? RPC_NODE_HTTP_PORT
      : (e.role === "rpc" ? RPC_NODE_HTTP_PORT : VALIDATOR_HTTP_PORT) + localIndex;
    return {
      ...e,
      p2pHost,
      p2pPort,
      p2pInterface: own ? "0.0.0.0" : "127.0.0.1",
      // A validator's JSON-RPC (votes) answers on its own machine only.
      rpcHost: e.role === "validator" || !own ? "127.0.0.1" : "0.0.0.0",
      rpcPort,
      metricsPort: own ? METRICS_PORT : METRICS_PORT + k,
      enode: enodeUrl(e.key, p2pHost, p2pPort),
    };
  });
}

/** The URL the gateways and the deployment use: the first RPC node. */
export function rpcUrl(nodes: readonly NodePlan[]): string {
  const rpc = nodes.find((n) => n.role === "rpc");
  if (!rpc) throw new Error("no RPC node");
  return `http://${rpc.p2pHost}:${rpc.rpcPort}`;
}

type TomlValue = string | number | boolean | string[];

/** One node's Besu configuration file (`--config-file`); keys are Besu's option names. */
export function nodeConfig(node: NodePlan, all: readonly NodePlan[]): Record<string, TomlValue> {
  // Bootnodes: the validators (every node finds the others through them); Besu requires them in the nodes allowlist.
  const bootnodes = all.filter((n) => n.role === "validator" && n.name !== node.name).map((n) => n.enode);
  const hostAllowlist = ["localhost", "127.0.0.1"];
  if (node.rpcHost !== "127.0.0.1") hostAllowlist.push(node.p2pHost);
  return {
    "data-path": CONTAINER.data,
    "genesis-file": CONTAINER.genesis,
    "node-private-key-file": CONTAINER.key,
    // Every node imports every block (FULL, Besu's default with a genesis file) into FOREST storage, which keeps every
    // past state: the deployment script and the gateway's record verification read contract state at past blocks
    // (a Bonsai node answers for its last 512 only), and any node can take over as the RPC node. Not BONSAI: with
    // FULL sync Besu forces --bonsai-limit-trie-logs-enabled=false, so its trie logs (one per block, empty blocks
    // too) would grow without limit anyway. Disk growth: docs/network.md, "Disk".
    "sync-mode": "FULL",
    "data-storage-format": "FOREST",
    // Refuse to start on a database written by a newer Besu (an accidental downgrade can corrupt it).
    "version-compatibility-protection": true,
    "min-gas-price": 0,
    "p2p-host": node.p2pHost,
    "p2p-interface": node.p2pInterface,
    "p2p-port": node.p2pPort,
    // Host networking: advertise exactly p2p-host:p2p-port, the address in the enode URLs and the nodes allowlist.
    "nat-method": "NONE",
    "discovery-enabled": true,
    // A lone validator has no other validator to find; an empty list is left out rather than handed to Besu.
    ...(bootnodes.length ? { bootnodes } : {}),
    "rpc-http-enabled": true,
    "rpc-http-host": node.rpcHost,
    "rpc-http-port": node.rpcPort,
    "rpc-http-api": [...(node.role === "validator" ? VALIDATOR_RPC_APIS : RPC_NODE_APIS)],
    "host-allowlist": hostAllowlist,
    "metrics-enabled": true,
    "metrics-host": "127.0.0.1",
    "metrics-port": node.metricsPort,
    "permissions-nodes-config-file-enabled": true,
    "permissions-nodes-config-file": CONTAINER.permissions,
    "permissions-accounts-config-file-enabled": true,
    "permissions-accounts-config-file": CONTAINER.permissions,
  };
}

export function nodeConfigToml(node: NodePlan, all: readonly NodePlan[]): string {
  const what = node.role === "validator" ? "QBFT validator" : "RPC node for the gateways and the deployment";
  return (
    `# ${node.name}: ${what}. Generated by \`npm run network -- init\`; see docs/network.md.\n` +
    `${toToml(nodeConfig(node, all))}\n`
  );
}

/**
 * Local permissioning, the same file on every node: only these nodes may connect, only these accounts may send
 * transactions (checked on submission, on propagation and when a validator builds a block).
 */
export function permissionsToml(nodes: readonly NodePlan[], accounts: readonly AllowedAccount[]): string {
  const who = accounts.map((a) => `#   ${a.address}  ${a.roles.join(", ")}`).join("\n");
  return (
    "# Local permissioning of every node (Besu's permissions_config.toml). Keep the copies identical.\n" +
    "# accounts-allowlist: the accounts that may send transactions; validators send none.\n" +
    `${who}\n` +
    `${toToml({ "accounts-allowlist": accounts.map((a) => a.address), "nodes-allowlist": nodes.map((n) => n.enode) })}\n`
  );
}

function quoted(value: string): Scalar<string> {
  const s = new Scalar(value);
  s.type = Scalar.QUOTE_DOUBLE;
  return s;
}

export function composeYaml(nodes: readonly NodePlan[], chainId: number): string {
  const services: Record<string, unknown> = {};
  for (const n of nodes) {
    services[n.name] = {
      image: BESU_IMAGE,
      // The image's besu user: it must own the data directory and read the key (0600), see setupCommands. Quoted:
      // a YAML 1.1 reader would take 1000:1000 for a base-60 number.
      user: quoted(BESU_CONTAINER_USER),
      // The enode URLs, the allowlist and the ports above are the host's own: no port mapping, no NAT in between.
      network_mode: "host",
      restart: "unless-stopped",
      command: [`--config-file=${CONTAINER.config}`],
      // The image sets BESU_RPC_HTTP_HOST=0.0.0.0, and Besu ranks environment variables above the config file:
      // repeat the configured host so a validator's JSON-RPC stays on localhost.
      environment: { BESU_RPC_HTTP_HOST: n.rpcHost },
      volumes: [
        `./genesis.json:${CONTAINER.genesis}`,
        `./permissions_config.toml:${CONTAINER.permissions}`,
        `./nodes/${n.name}:${CONTAINER.nodeDir}`,
        `./data/${n.name}:${CONTAINER.data}`,
      ],
      stop_grace_period: "1m",
    };
  }
  const header =
    "# QBFT network generated by `npm run network -- init`; see docs/network.md.\n" +
    `# Once, in this directory, before the first start (the containers run as the image's besu user, ${BESU_CONTAINER_USER}):\n` +
    setupCommands(nodes)
      .map((c) => `#   ${c}\n`)
      .join("") +
    "# One machine: `docker compose up -d`. One node per machine (--hosts): `docker compose up -d <node>` on each.\n";
  return header + toYaml({ name: `besu-qbft-${chainId}`, services }, { lineWidth: 0 });
}

/** A value a POSIX shell, dotenv and systemd's EnvironmentFile read the same way. */
function envValue(value: string): string {
  return /^[A-Za-z0-9_./:@%+,-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

/**
 * What the gateways (and `npm run deploy -- --network besu`) need to reach this network. DEPLOYMENT_FILE is the
 * network's own deployment file in the output directory, never the development stack's data/deployment.json.
 */
export function networkEnv(nodes: readonly NodePlan[], chainId: number, deploymentFile: string): string {
  const url = rpcUrl(nodes);
  return [
    "# Gateway and deployment settings for this network; merge into their environment.",
    `RPC_URL=${url}`,
    `BESU_RPC_URL=${url}`,
    `CHAIN_ID=${chainId}`,
    "# QBFT blocks are final once added: one confirmation is enough.",
    "CONFIRMATIONS=1",
    "# This network's deployment: `npm run deploy -- --network besu` writes it, the gateways read it (on a gateway's",
    "# own machine, point it at that machine's copy).",
    `DEPLOYMENT_FILE=${envValue(deploymentFile)}`,
    "",
  ].join("\n");
}
