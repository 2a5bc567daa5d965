import { ethers } from "hardhat";
import { AbiCoder, dataSlice, keccak256 } from "ethers";
import type { ContractTransactionResponse, Log, TypedDataDomain } from "ethers";
import type { SecuredAssetLedger } from "../../typechain-types";
import { ledgerDomain } from "../../server/domain/eip712";
import type { TransferRecord } from "../../server/chain/records";

/** Shared by the ledger tests: foreign EIP-712 domains, transfer records and small enum mirrors. */

export const AssetStatus = { None: 0n, Active: 1n, Suspended: 2n, Closed: 3n } as const;
export const PermitStatus = { None: 0n, Active: 1n, Suspended: 2n, Revoked: 3n } as const;
export const ZERO_HEAD = "0x" + "00".repeat(24);

/** The ledger's domain on another chain id. */
export async function otherChainDomain(ledger: SecuredAssetLedger): Promise<TypedDataDomain> {
  const { chainId } = await ethers.provider.getNetwork();
  return ledgerDomain(chainId + 1n, await ledger.getAddress());
}

/** The ledger's domain name and chain but another verifying contract. */
export async function otherContractDomain(): Promise<TypedDataDomain> {
  const { chainId } = await ethers.provider.getNetwork();
  return ledgerDomain(chainId, ethers.Wallet.createRandom().address);
}

/** One transfer record as RecordPosted carries it. */
export type PostedRecord = TransferRecord;

function toRecord(ledger: SecuredAssetLedger, log: Log): PostedRecord | null {
  const parsed = ledger.interface.parseLog(log);
  if (!parsed || parsed.name !== "RecordPosted") return null;
  const o = parsed.args.toObject() as Record<string, unknown>;
  return {
    assetId: o.assetId as bigint,
    sequence: o.sequence as bigint,
    from: o.from as string,
    to: o.to as string,
    amount: o.amount as bigint,
    ref: o.ref as string,
    postedAt: o.postedAt as bigint,
  };
}

/** Every RecordPosted event of `assetId`, ordered by sequence, as an off-chain copy reads them. */
export async function recordsOf(ledger: SecuredAssetLedger, assetId: bigint): Promise<PostedRecord[]> {
  const events = await ledger.queryFilter(ledger.filters.RecordPosted(assetId));
  return events
    .map((e) => toRecord(ledger, e))
    .filter((r): r is PostedRecord => r !== null)
    .sort((a, b) => (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0));
}

/** The records a transaction posted, in log order. */
export async function recordsIn(
  ledger: SecuredAssetLedger,
  tx: ContractTransactionResponse | Promise<ContractTransactionResponse>,
): Promise<PostedRecord[]> {
  const receipt = await (await tx).wait();
  return (receipt?.logs ?? []).map((l) => toRecord(ledger, l)).filter((r): r is PostedRecord => r !== null);
}

const coder = AbiCoder.defaultAbiCoder();

/**
 * The record hash as ISecuredAssetLedger documents it: the first 24 bytes of keccak256(abi.encode(bytes24 previous,
 * assetId, sequence, from, to, amount, ref, postedAt)); the first record's previous hash is zero.
 */
export function ledgerRecordHash(previous: string, r: PostedRecord): string {
  const encoded = coder.encode(
    ["bytes24", "uint256", "uint256", "address", "address", "uint256", "bytes32", "uint256"],
    [previous, r.assetId, r.sequence, r.from, r.to, r.amount, r.ref, r.postedAt],
  );
  return dataSlice(keccak256(encoded), 0, 24);
}

/** Recomputes the chain of one asset's records; throws on a gap in the sequence. */
export function recomputeChain(records: PostedRecord[]): { count: bigint; head: string; hashes: string[] } {
  let head = ZERO_HEAD;
  const hashes: string[] = [];
  records.forEach((r, i) => {
    if (r.sequence !== BigInt(i + 1)) throw new Error(`record ${i + 1} missing (found ${r.sequence})`);
    head = ledgerRecordHash(head, r);
    hashes.push(head);
  });
  return { count: BigInt(records.length), head, hashes };
}
