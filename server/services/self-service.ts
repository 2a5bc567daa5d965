import { createHash } from "node:crypto";
import { getAddress, TypedDataEncoder, ZeroHash } from "ethers";
import type { TypedDataField } from "ethers";
import type { LedgerClient } from "../chain/ledger";
import { ACKNOWLEDGEMENT_TYPES, REDEMPTION_TYPES, TRANSFER_TYPES } from "../chain/eip712";
import { AppError } from "../errors";
import type { DisclosureService } from "./disclosures";
import type { TransferService } from "./transfers";

/** What a wallet's eth_signTypedData_v4 takes: the domain, every type (EIP712Domain included), the message. */
export type TypedDataPayload = {
  domain: Record<string, unknown>;
  types: Record<string, TypedDataField[]>;
  primaryType: string;
  message: Record<string, unknown>;
};

/** How long a prepared authorization stays valid when the participant does not say (one hour). */
const DEFAULT_VALIDITY_S = 3_600;

/**
 * A participant's session acts under a client id of its own, stable across sessions (idempotency keys and operations
 * are scoped by it): a UUID-shaped digest of the address.
 */
export function participantClientId(address: string): string {
  const h = createHash("sha256")
    .update(`participant:${getAddress(address)}`)
    .digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Typed data served, not reverse-engineered: the exact EIP-712 payload a participant signs for each action, with
 * the ledger's domain, the next free nonce and a deadline filled in, ready for eth_signTypedData_v4.
 */
export class SelfService {
  constructor(
    private readonly chain: LedgerClient,
    private readonly transfers: TransferService,
    private readonly disclosures: DisclosureService,
  ) {}

  private payload(
    types: Record<string, TypedDataField[]>,
    message: Record<string, unknown>,
  ): TypedDataPayload & { digest: string } {
    // ethers builds the payload (EIP712Domain from the domain's fields; values checked against their types); the
    // message and domain are returned as given, addresses checksummed and numbers as decimal strings.
    const p = TypedDataEncoder.getPayload(this.chain.domain, types, message) as TypedDataPayload;
    const d = this.chain.domain;
    return {
      domain: { name: d.name, version: d.version, chainId: Number(d.chainId), verifyingContract: d.verifyingContract },
      types: p.types,
      primaryType: p.primaryType,
      message,
      digest: TypedDataEncoder.hash(this.chain.domain, types, message),
    };
  }

  private deadline(validitySeconds?: number): string {
    return String(Math.floor(Date.now() / 1000) + (validitySeconds ?? DEFAULT_VALIDITY_S));
  }

  async transfer(
    from: string,
    input: { to: string; assetId: string; amount: string; ref?: string; validitySeconds?: number },
  ) {
    const sender = getAddress(from);
    const to = getAddress(input.to);
    if (to === sender) throw new AppError("TRANSFER_TO_SELF", { from: sender, to });
    const { nextNonce } = await this.transfers.nonces(sender, input.assetId);
    return this.payload(TRANSFER_TYPES, {
      from: sender,
      to,
      assetId: input.assetId,
      amount: input.amount,
      nonce: nextNonce,
      deadline: this.deadline(input.validitySeconds),
      ref: input.ref ?? ZeroHash,
    });
  }

  async redemption(holder: string, input: { assetId: string; amount: string; ref?: string; validitySeconds?: number }) {
    const h = getAddress(holder);
    const { nextNonce } = await this.transfers.nonces(h, input.assetId);
    return this.payload(REDEMPTION_TYPES, {
      holder: h,
      assetId: input.assetId,
      amount: input.amount,
      nonce: nextNonce,
      deadline: this.deadline(input.validitySeconds),
      ref: input.ref ?? ZeroHash,
    });
  }

  /** The current risk disclosure's acknowledgement, with the document's hash and URI shown before signing. */
  async acknowledgement(account: string, validitySeconds?: number) {
    const d = await this.disclosures.current();
    return {
      disclosure: { version: d.version, documentHash: d.documentHash, uri: d.uri, text: d.text },
      ...this.payload(ACKNOWLEDGEMENT_TYPES, {
        account: getAddress(account),
        version: d.version,
        documentHash: d.documentHash,
        deadline: this.deadline(validitySeconds),
      }),
    };
  }
}
