import { readFile } from "node:fs/promises";
import { Wallet, computeAddress, getAddress } from "ethers";
import type { TypedDataDomain } from "ethers";
import { ConfigError } from "../config";
import type { Config } from "../config";
import type { SignerName } from "../domain/roles";
import { SignatureThreads } from "./signatures";
import { LocalKeySigner } from "./signer";
import type { TransactionSigner } from "./signer";
import { RemoteSigner } from "./signer-remote";

/** The part of the configuration that says how the gateway signs. */
export type SignerConfig = Pick<
  Config,
  | "operatorKey"
  | "operatorKeystore"
  | "operatorSignerUrl"
  | "operatorAddress"
  | "authorityKey"
  | "authoritySignerUrl"
  | "authorityAddress"
  | "signerTimeoutMs"
>;

/** How one signer is configured: exactly one of these. */
export type SignerWay =
  | { kind: "key"; privateKey: string }
  | { kind: "keystore"; file: string; password: string }
  | { kind: "remote"; url: string; address: string };

/**
 * The configured way of each signer: exactly one for the operator, at most one for the authority. Checked here as
 * well as in loadConfig, for configurations built in code (tests, scripts).
 */
export function signerWays(config: SignerConfig): Partial<Record<SignerName, SignerWay>> {
  const operator: SignerWay[] = [];
  if (config.operatorKey) operator.push({ kind: "key", privateKey: config.operatorKey });
  if (config.operatorKeystore) operator.push({ kind: "keystore", ...config.operatorKeystore });
  if (config.operatorSignerUrl) {
    if (!config.operatorAddress) throw new ConfigError("OPERATOR_ADDRESS: required with OPERATOR_SIGNER_URL");
    operator.push({ kind: "remote", url: config.operatorSignerUrl, address: config.operatorAddress });
  }
  if (operator.length !== 1)
    throw new ConfigError("set exactly one of OPERATOR_KEY, OPERATOR_KEYSTORE_FILE and OPERATOR_SIGNER_URL");
  const authority: SignerWay[] = [];
  if (config.authorityKey) authority.push({ kind: "key", privateKey: config.authorityKey });
  if (config.authoritySignerUrl) {
    if (!config.authorityAddress) throw new ConfigError("AUTHORITY_ADDRESS: required with AUTHORITY_SIGNER_URL");
    authority.push({ kind: "remote", url: config.authoritySignerUrl, address: config.authorityAddress });
  }
  if (authority.length > 1) throw new ConfigError("set only one of AUTHORITY_KEY and AUTHORITY_SIGNER_URL");
  return { operator: operator[0], ...(authority.length ? { authority: authority[0] } : {}) };
}

export interface OpenedSigners {
  /** The signature threads, with the local keys installed (none when every signer is remote). */
  threads: SignatureThreads;
  signers: Partial<Record<SignerName, TransactionSigner>>;
}

/**
 * Loads the local keys (decrypting a keystore), starts the signature threads with them installed once, and checks
 * each remote signer: it must answer and list its configured address (eth_accounts), or the gateway does not start.
 * A configured address (OPERATOR_ADDRESS, AUTHORITY_ADDRESS) must also be a local key's.
 */
export async function openSigners(
  config: SignerConfig,
  domain: TypedDataDomain,
  chainId: bigint,
  threadCount: number,
): Promise<OpenedSigners> {
  const ways = signerWays(config);
  const expected: Record<SignerName, string | undefined> = {
    operator: config.operatorAddress,
    authority: config.authorityAddress,
  };
  const keys: Partial<Record<SignerName, { key: string; address: string; kind: "key" | "keystore" }>> = {};
  for (const [name, way] of Object.entries(ways) as [SignerName, SignerWay][]) {
    if (way.kind === "remote") continue;
    const raw =
      way.kind === "key"
        ? way.privateKey
        : (await Wallet.fromEncryptedJson(await readFile(way.file, "utf8"), way.password)).privateKey;
    const key = raw.startsWith("0x") ? raw : `0x${raw}`;
    const address = computeAddress(key);
    const want = expected[name];
    if (want && getAddress(want) !== address)
      throw new ConfigError(
        `${name.toUpperCase()}_ADDRESS ${want} is not the address of the configured ${name} key (${address})`,
      );
    keys[name] = { key, address, kind: way.kind };
  }
  const installed = Object.fromEntries(Object.entries(keys).map(([name, k]) => [name, k.key]));
  const threads = new SignatureThreads(domain, threadCount, installed);
  try {
    const signers: Partial<Record<SignerName, TransactionSigner>> = {};
    for (const [name, way] of Object.entries(ways) as [SignerName, SignerWay][]) {
      if (way.kind !== "remote") {
        signers[name] = new LocalKeySigner(name, keys[name]!.kind, keys[name]!.address, threads);
        continue;
      }
      const remote = new RemoteSigner(name, way.url, way.address, {
        chainId,
        timeoutMs: config.signerTimeoutMs ?? 10_000,
        encode: (call) => threads.encodeCall(call),
      });
      await remote.verify();
      signers[name] = remote;
    }
    return { threads, signers };
  } catch (err) {
    await threads.destroy();
    throw err;
  }
}
