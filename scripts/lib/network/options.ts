import { getAddress, isAddress, ZeroAddress } from "ethers";
import type { HostsSpec } from "./hosts";
import { parseHosts } from "./hosts";
import { NetworkInputError } from "./errors";

export { NetworkInputError };

/** The options of `network init` as commander hands them over (strings, unparsed). */
export interface InitOptions {
  validators?: string;
  out?: string;
  seed?: string;
  chainId?: string;
  blockPeriod?: string;
  emptyBlockPeriod?: string;
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

export interface NetworkSpec {
  out: string;
  validators: number;
  rpcNodes: number;
  chainId: number;
  blockPeriodSeconds: number;
  /** QBFT's emptyblockperiodseconds: 0 = an empty block every block period (the key is left out of the genesis). */
  emptyBlockPeriodSeconds: number;
  seed?: string;
  validatorKeysDir?: string;
  accounts: AllowedAccount[];
  /** One P2P address per node when the nodes run on separate machines; matched to the nodes once keys are known. */
  hosts?: HostsSpec;
  force: boolean;
}

/**
 * No default chain id: EIP-712 signatures (transfers, attestations) bind the chain id and the ledger's address, and
 * the same deployer with the same nonce gives the same address on every chain, so two networks sharing a chain id
 * (staging and production generated with one default) would accept each other's holder signatures.
 */
export const CHAIN_ID_EXAMPLE = "--chain-id 7007 (staging), --chain-id 7008 (production)";
/** `hardhat node`'s chain: `npm start` runs on it and only on it, with Hardhat's well-known keys. */
export const HARDHAT_DEVELOPMENT_CHAIN_ID = 31337;
export const DEFAULT_BLOCK_PERIOD_SECONDS = 1;
/**
 * Longest --empty-block-period accepted. With Besu 26.8.0, if the proposer of an idle height stops, transactions
 * arriving at the other validators wait until the empty block period has passed (fixed after 26.8.0, Besu PR 11031).
 */
export const MAX_EMPTY_BLOCK_PERIOD_SECONDS = 300;
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
  if (!isAddress(v))
    throw new NetworkInputError(
      `${name}: '${value}' is not an address (0x and 40 hex digits, checksum respected if mixed case)`,
    );
  if (getAddress(v) === ZeroAddress) throw new NetworkInputError(`${name}: the zero address cannot sign transactions`);
  // Besu lower-cases the allowlist itself; writing it lower-case keeps the file and the comparisons plain.
  return v.toLowerCase();
}

/** Validates everything before any key is made or file written. */
export function parseInitOptions(o: InitOptions): NetworkSpec {
  if (!o.out) throw new NetworkInputError("--out <dir> is required");
  if (o.validators === undefined) throw new NetworkInputError("--validators <n> is required");
  const validators = integer("--validators", o.validators, 0, 1, MAX_VALIDATORS);
  const rpcNodes = integer("--rpc-nodes", o.rpcNodes, 1, 1, MAX_RPC_NODES);
  if (o.chainId === undefined || o.chainId.trim() === "") {
    throw new NetworkInputError(
      "--chain-id <id> is required: give every network its own chain id, e.g. " +
        CHAIN_ID_EXAMPLE +
        ". EIP-712 " +
        "signatures bind the chain id and the ledger's address, so two networks sharing both accept each other's holder signatures.",
    );
  }
  const chainId = integer("--chain-id", o.chainId, 0, 1, MAX_CHAIN_ID);
  if (chainId === HARDHAT_DEVELOPMENT_CHAIN_ID) {
    throw new NetworkInputError(
      `--chain-id: ${HARDHAT_DEVELOPMENT_CHAIN_ID} is Hardhat's development chain (npm start, Hardhat's well-known keys); choose another, e.g. ${CHAIN_ID_EXAMPLE}`,
    );
  }
  const blockPeriodSeconds = integer("--block-period", o.blockPeriod, DEFAULT_BLOCK_PERIOD_SECONDS, 1, 60);
  const emptyBlockPeriodSeconds = integer(
    "--empty-block-period",
    o.emptyBlockPeriod,
    0,
    0,
    MAX_EMPTY_BLOCK_PERIOD_SECONDS,
  );
  if (emptyBlockPeriodSeconds !== 0 && emptyBlockPeriodSeconds <= blockPeriodSeconds) {
    throw new NetworkInputError(
      `--empty-block-period must be 0 (off) or more than the block period (${blockPeriodSeconds} s), got ${emptyBlockPeriodSeconds}`,
    );
  }
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
  for (const a of (o.accounts ?? "").split(",").filter((s) => s.trim() !== ""))
    add(address("--accounts", a), "account");
  if (accounts.length === 0) {
    // With account permissioning on and an empty allowlist, Besu refuses every transaction, deployment included.
    throw new NetworkInputError(
      "no account could send transactions: give --operator, --authority, --deployer and/or --accounts",
    );
  }

  const hosts = o.hosts !== undefined ? parseHosts(o.hosts) : undefined;
  // A plain list's length is known now (a named list is matched to the nodes once their keys are read).
  if (hosts?.kind === "list" && o.validatorKeys === undefined && hosts.hosts.length !== validators + rpcNodes) {
    throw new NetworkInputError(
      `--hosts: ${hosts.hosts.length} given, ${validators + rpcNodes} needed (validators in ascending address order, then RPC nodes)`,
    );
  }

  return {
    out: o.out,
    validators,
    rpcNodes,
    chainId,
    blockPeriodSeconds,
    emptyBlockPeriodSeconds,
    seed: o.seed,
    validatorKeysDir: o.validatorKeys,
    accounts,
    hosts,
    force: o.force === true,
  };
}
