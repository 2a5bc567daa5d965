import { isIPv4 } from "node:net";
import { getAddress, isAddress, ZeroAddress } from "ethers";

/** Bad input to `network init`: the message says what to change. Nothing has been written when it is thrown. */
export class NetworkInputError extends Error {}

/** The options of `network init` as commander hands them over (strings, unparsed). */
export interface InitOptions {
  validators?: string;
  out?: string;
  seed?: string;
  chainId?: string;
  blockPeriod?: string;
  operator?: string;
  authority?: string;
  deployer?: string;
  accounts?: string;
  validatorKeys?: string;
  rpcNodes?: string;
  hosts?: string;
  force?: boolean;
}

export type AccountRole = "operator" | "authority" | "deployer" | "account";

/** An account allowed to send transactions (Besu's accounts allowlist), with why it is there. */
export interface AllowedAccount {
  address: string;
  roles: AccountRole[];
}

export interface HostPort {
  host: string;
  port: number;
}

export interface NetworkSpec {
  out: string;
  validators: number;
  rpcNodes: number;
  chainId: number;
  blockPeriodSeconds: number;
  seed?: string;
  validatorKeysDir?: string;
  accounts: AllowedAccount[];
  /** One P2P address per node (validators, then RPC nodes) when the nodes run on separate machines. */
  hosts?: HostPort[];
  force: boolean;
}

export const DEFAULT_CHAIN_ID = 1337;
export const DEFAULT_BLOCK_PERIOD_SECONDS = 1;
export const DEFAULT_P2P_PORT = 30303;
const MAX_VALIDATORS = 64;
const MAX_RPC_NODES = 16;
// Largest chain id wallets and EIP-155 signers handle safely (EIP-2294): floor((2^53 - 1) / 2) - 36.
const MAX_CHAIN_ID = 4503599627370476;

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim())) throw new NetworkInputError(`${name} must be a whole number, got '${value}'`);
  const n = Number(value);
  if (n < min || n > max) throw new NetworkInputError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function address(name: string, value: string): string {
  const v = value.trim();
  if (!isAddress(v)) throw new NetworkInputError(`${name}: '${value}' is not an address (0x and 40 hex digits, checksum respected if mixed case)`);
  if (getAddress(v) === ZeroAddress) throw new NetworkInputError(`${name}: the zero address cannot sign transactions`);
  // Besu lower-cases the allowlist itself; writing it lower-case keeps the file and the comparisons plain.
  return v.toLowerCase();
}

function hostPort(value: string): HostPort {
  const m = /^([^:]+)(?::(\d+))?$/.exec(value.trim());
  if (!m || !isIPv4(m[1])) {
    // Besu's nodes allowlist takes IP addresses only (host names need its early-access DNS option).
    throw new NetworkInputError(`--hosts: '${value}' is not an IPv4 address with an optional :port`);
  }
  const port = m[2] === undefined ? DEFAULT_P2P_PORT : Number(m[2]);
  if (port < 1 || port > 65535) throw new NetworkInputError(`--hosts: port ${port} out of range`);
  return { host: m[1], port };
}

/** Validates everything before any key is made or file written. */
export function parseInitOptions(o: InitOptions): NetworkSpec {
  if (!o.out) throw new NetworkInputError("--out <dir> is required");
  if (o.validators === undefined) throw new NetworkInputError("--validators <n> is required");
  const validators = integer("--validators", o.validators, 0, 1, MAX_VALIDATORS);
  const rpcNodes = integer("--rpc-nodes", o.rpcNodes, 1, 1, MAX_RPC_NODES);
  const chainId = integer("--chain-id", o.chainId, DEFAULT_CHAIN_ID, 1, MAX_CHAIN_ID);
  const blockPeriodSeconds = integer("--block-period", o.blockPeriod, DEFAULT_BLOCK_PERIOD_SECONDS, 1, 60);
  if (o.seed !== undefined && o.seed.length === 0) throw new NetworkInputError("--seed must not be empty");

  const accounts: AllowedAccount[] = [];
  const add = (addr: string, role: AccountRole) => {
    const found = accounts.find((a) => a.address === addr);
    if (!found) accounts.push({ address: addr, roles: [role] });
    else if (!found.roles.includes(role)) found.roles.push(role);
  };
  if (o.operator !== undefined) add(address("--operator", o.operator), "operator");
  if (o.authority !== undefined) add(address("--authority", o.authority), "authority");
  if (o.deployer !== undefined) add(address("--deployer", o.deployer), "deployer");
  for (const a of (o.accounts ?? "").split(",").filter((s) => s.trim() !== "")) add(address("--accounts", a), "account");
  if (accounts.length === 0) {
    // With account permissioning on and an empty allowlist, Besu refuses every transaction, deployment included.
    throw new NetworkInputError("no account could send transactions: give --operator, --authority, --deployer and/or --accounts");
  }

  let hosts: HostPort[] | undefined;
  if (o.hosts !== undefined) {
    hosts = o.hosts.split(",").filter((s) => s.trim() !== "").map(hostPort);
    if (hosts.length !== validators + rpcNodes) {
      throw new NetworkInputError(`--hosts: ${hosts.length} given, ${validators + rpcNodes} needed (validators, then RPC nodes)`);
    }
    // One node per machine: every node uses the standard RPC and metrics ports there.
    const ips = hosts.map((h) => h.host);
    if (new Set(ips).size !== ips.length) throw new NetworkInputError("--hosts: each node needs its own IP address");
  }

  return {
    out: o.out, validators, rpcNodes, chainId, blockPeriodSeconds, seed: o.seed, validatorKeysDir: o.validatorKeys,
    accounts, hosts, force: o.force === true,
  };
}
