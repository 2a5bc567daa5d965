import { createHash } from "node:crypto";
import { getAddress, keccak256, ZeroHash } from "ethers";
import type { TypedDataField } from "ethers";
import type { LedgerClient } from "../chain/ledger";
import {
  ACKNOWLEDGEMENT_TYPES,
  ATTESTATION_TYPES,
  DECISION_CHANGE_TYPES,
  decisionChangeMessage,
  ISSUANCE_TYPES,
  issuanceRequestMessage,
  issuerDetailsHash,
  OBLIGATIONS_TYPES,
  REDEMPTION_TYPES,
  TRANSFER_TYPES,
} from "../domain/eip712";
import { typedDataPayload } from "../chain/typed-data";
import type { TypedDataPayload } from "../chain/typed-data";
import { AppError } from "../errors";
import type { DisclosureService } from "./disclosures";
import type { TransferService } from "./transfers";
import type { IssuanceService } from "./issuance";
import { assetTypeCode, assetTypeLabel } from "./registry";
import { ASSET_STATUSES, enumMember } from "../domain/ledger-enums";

export type { TypedDataPayload };

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

/** The human inputs of an issuance request, as the owner gives them; the server computes every hash. */
export interface IssuanceDraft {
  /** The asset type's code as listed (e.g. GRAIN), or its bytes32. */
  assetType: string;
  decision: {
    /** keccak256 of the decision document's bytes, when the owner hashed it; else `document`. */
    documentHash?: string;
    /** The decision document's bytes, base64: the server hashes them (keccak256) and keeps nothing. */
    document?: string;
    uri: string;
    /** A label of at most 31 bytes (e.g. OWNERSHIP_SHARE), signed as bytes32, or a bytes32. */
    rightsType: string;
    rightsExtent: string;
    units: string;
  };
  issuer: { legalName: string; bin: string; registeredAddress: string };
  /** keccak256 of the collateral evidence (warehouse receipt, pledge agreement), or `evidence`. */
  evidenceHash?: string;
  /** The evidence's bytes, base64, hashed by the server. */
  evidence?: string;
  verifier: string;
  /** The request's nonce; the next free one when not given. */
  nonce?: string;
  validitySeconds?: number;
}

const hashOf = (hash: string | undefined, base64: string | undefined): string =>
  hash ?? (base64 !== undefined ? keccak256(Buffer.from(base64, "base64")) : ZeroHash);

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

  private payload(types: Record<string, TypedDataField[]>, message: Record<string, unknown>) {
    return typedDataPayload(this.chain.domain, types, message);
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
    await this.transfers.precheck(sender, to, input.assetId, input.amount);
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
    // The ledger's rules first, so a redemption it would refuse is never signed (as for a transfer).
    await this.transfers.redemptionPrecheck(h, input.assetId, input.amount);
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

  /**
   * The owner's IssuanceRequest prepared from human inputs (Art. 5, 6.5): the server computes the decision
   * document's and the evidence's keccak256 (when given their bytes), the asset type's and the rights type's bytes32
   * and the issuer details' hash keccak256(abi.encode(legalName, bin, registeredAddress)), and shows them; the
   * filing's checks that need no signature run first (every element, the BIN/IIN, the URI, the type recognised, the
   * verifier trusted), so a request that would be refused is not signed. `filing` is the body of
   * POST /v1/me/issuance-requests less `ownerSignature`.
   */
  async issuanceRequest(issuance: IssuanceService, owner: string, d: IssuanceDraft) {
    const o = getAddress(owner);
    const verifier = getAddress(d.verifier);
    const assetType = assetTypeCode(d.assetType);
    const rightsType = assetTypeCode(d.decision.rightsType);
    const decision = {
      documentHash: hashOf(d.decision.documentHash, d.decision.document),
      uri: d.decision.uri,
      rightsType,
      rightsExtent: d.decision.rightsExtent,
      units: d.decision.units,
    };
    const issuer = {
      legalName: d.issuer.legalName,
      bin: d.issuer.bin,
      registeredAddress: d.issuer.registeredAddress,
    };
    const evidenceHash = hashOf(d.evidenceHash, d.evidence);
    await issuance.precheck({ owner: o, assetType: d.assetType, decision, issuer, evidenceHash, verifier });
    const nonce = d.nonce ?? (await issuance.nextNonce(o));
    const deadline = this.deadline(d.validitySeconds);
    const message = issuanceRequestMessage({
      owner: o,
      assetType,
      decision,
      issuer,
      evidenceHash,
      verifier,
      nonce,
      deadline,
    });
    return {
      computed: {
        assetType,
        assetTypeLabel: assetTypeLabel(assetType),
        decisionHash: decision.documentHash,
        decisionHashFrom: d.decision.documentHash ? "given" : "keccak256(document)",
        rightsType,
        rightsTypeLabel: assetTypeLabel(rightsType),
        issuerDetailsHash: issuerDetailsHash(issuer),
        issuerDetailsHashOf: "keccak256(abi.encode(string legalName, string bin, string registeredAddress))",
        evidenceHash,
        evidenceHashFrom: d.evidenceHash ? "given" : "keccak256(evidence)",
      },
      filing: {
        owner: o,
        assetType: d.assetType,
        decision,
        issuer,
        evidenceHash,
        verifier,
        nonce,
        deadline,
      },
      ...this.payload(ISSUANCE_TYPES, message),
    };
  }

  /**
   * The collateral verifier's CollateralAttestation for a request that names it (Art. 6.8), with the request shown
   * (owner, evidence hash, type, units) and an expiry; `POST /v1/me/issuance-requests/{id}/attestation` takes
   * `{ verifier, expiry, signature }`.
   */
  async attestation(issuance: IssuanceService, self: string, requestId: string, validitySeconds?: number) {
    const { request, message } = await issuance.attestationToSign(requestId, self, this.deadline(validitySeconds));
    return { request, ...this.payload(ATTESTATION_TYPES, message) };
  }

  /** The asset's issuer and decision in force; only the issuer prepares what the issuer signs (403 for another). */
  async requireIssuer(assetId: string, self: string) {
    const read = await this.chain.view(this.chain.ledger.assetInfo, [BigInt(assetId)]).catch((err: unknown) => {
      if (this.chain.decodeRevert(err)?.code === "ASSET_NOT_FOUND") throw new AppError("ASSET_NOT_FOUND", { assetId });
      throw err;
    });
    if (enumMember(ASSET_STATUSES, read.value.status) === "None") throw new AppError("ASSET_NOT_FOUND", { assetId });
    const issuer = getAddress(read.value.issuer);
    if (issuer !== getAddress(self)) throw new AppError("NOT_YOUR_ACCOUNT", { session: self, issuer, assetId });
    return { issuer, decisionHash: read.value.decisionHash };
  }

  /** The issuer's ObligationsFulfilled declaration (Art. 7.1) for its asset. */
  async obligations(self: string, assetId: string, validitySeconds?: number) {
    const { issuer } = await this.requireIssuer(assetId, self);
    return {
      issuer,
      ...this.payload(OBLIGATIONS_TYPES, { assetId, deadline: this.deadline(validitySeconds) }),
    };
  }

  /** The issuer's DecisionChange order (Art. 7.1) from the decision in force now (`previousHash`). */
  async decisionChange(
    self: string,
    input: {
      assetId: string;
      documentHash?: string;
      document?: string;
      uri: string;
      reason: string;
      validitySeconds?: number;
    },
  ) {
    const { issuer, decisionHash } = await this.requireIssuer(input.assetId, self);
    const newHash = hashOf(input.documentHash, input.document);
    return {
      issuer,
      computed: { previousHash: decisionHash, newHash },
      ...this.payload(
        DECISION_CHANGE_TYPES,
        decisionChangeMessage({
          assetId: input.assetId,
          previousHash: decisionHash,
          newHash,
          newUri: input.uri,
          reason: input.reason,
          deadline: this.deadline(input.validitySeconds),
        }),
      ),
    };
  }
}
