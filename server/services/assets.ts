import { getAddress } from "ethers";
import { textFaults } from "../chain/ledger";
import { DECISION_CHANGE_TYPES, decisionChangeMessage, OBLIGATIONS_TYPES } from "../domain/eip712";
import type { LedgerClient } from "../chain/ledger";
import type { Operation } from "../persistence/entities";
import { AppError } from "../errors";
import type { KeyValue } from "../persistence/keyset";
import type { OperationService } from "./operations";
import type { IdempotencyService } from "./idempotency";
import { assetTypeLabel } from "./registry";
import { DocumentUriPolicy } from "./document-uri";
import { signatureMismatch } from "../chain/typed-data";
import { ASSET_STATUSES, LEGAL_BASES, enumMember, enumPosition, type LegalBasis } from "../domain/ledger-enums";

const nowSec = () => BigInt(Math.floor(Date.now() / 1000));

export interface DecisionChange {
  documentHash: string;
  uri: string;
  reason: string;
  /** The issuer's EIP-712 DecisionChange signature and its deadline. */
  deadline: string;
  issuerSignature: string;
}

/**
 * Assets: decision, issuer, rights, supply, status (read from the ledger), and asset-level actions. Holders and
 * records are read from the record mirror (server/mirror/queries.ts).
 */
export class AssetService {
  constructor(
    private readonly chain: LedgerClient,
    private readonly operations: OperationService,
    private readonly idempotency: IdempotencyService,
    private readonly documentUris: DocumentUriPolicy = new DocumentUriPolicy(false),
  ) {}

  /** The asset's state; its decision URI may be ill-formed text (see `LedgerClient.view`). */
  private async info(assetId: bigint) {
    const read = await this.chain.view(this.chain.ledger.assetInfo, [assetId]).catch((err: unknown) => {
      const r = this.chain.decodeRevert(err);
      if (r?.code === "ASSET_NOT_FOUND") throw new AppError("ASSET_NOT_FOUND", { assetId: assetId.toString() });
      throw err;
    });
    if (Number(read.value.status) === 0) throw new AppError("ASSET_NOT_FOUND", { assetId: assetId.toString() });
    return read;
  }

  async get(assetId: string) {
    const id = BigInt(assetId);
    const { value: info, texts } = await this.info(id);
    const from = this.chain.deployment.deployBlock;
    const l = this.chain.ledger;
    // Events with text are read leniently: a value any client of the ledger posted must not fail the read.
    const [decisions, issuers, issued, changes] = await Promise.all([
      this.chain.logs(l.filters.IssuanceDecisionRecorded(id), from),
      this.chain.logs(l.filters.IssuerDetailsRecorded(id), from),
      l.queryFilter(l.filters.AssetIssued(id), from),
      this.chain.logs(l.filters.DecisionDocumentChanged(id), from),
    ]);
    const d = decisions[0]?.args;
    const i = issuers[0]?.args;
    const a = issued[0]?.args;
    return {
      assetId,
      status: enumMember(ASSET_STATUSES, info.status),
      issuer: info.issuer,
      assetType: info.assetType,
      assetTypeLabel: assetTypeLabel(info.assetType),
      decision: {
        documentHash: info.decisionHash,
        uri: info.decisionURI,
        rightsType: d?.rightsType ?? null,
        rightsTypeLabel: d ? assetTypeLabel(d.rightsType) : null,
        rightsExtent: d?.rightsExtent ?? null,
        changes: changes.map((c) => ({
          oldHash: c.args.oldHash,
          newHash: c.args.newHash,
          newUri: c.args.newUri,
          reason: c.args.reason,
          blockNumber: c.blockNumber,
        })),
      },
      issuerDetails: i
        ? { legalName: i.legalName, bin: i.bin, registeredAddress: i.registeredAddress, detailsHash: i.detailsHash }
        : null,
      collateral: a ? { evidenceHash: a.collateralEvidenceHash, verifier: a.verifier, operator: a.operator } : null,
      issuedUnits: info.issuedUnits.toString(),
      supply: info.supply.toString(),
      issuedAt: new Date(Number(info.issuedAt) * 1000).toISOString(),
      recordCount: info.recordCount.toString(),
      recordHead: info.recordHead,
      textFaults: [
        ...textFaults(texts, { decisionURI: "decision.uri" }),
        ...textFaults(decisions[0]?.texts ?? [], { rightsExtent: "decision.rightsExtent" }),
        ...changes.flatMap((c, n) => textFaults(c.texts, `decision.changes[${n}].`)),
        ...textFaults(issuers[0]?.texts ?? [], "issuerDetails."),
      ],
    };
  }

  /** The assets in id order, a page at a time: keyset on the asset id (ids run 1..assetCount on chain). */
  async list(limit: number, after: KeyValue[] | null) {
    const count = Number(await this.chain.ledger.assetCount());
    const ids: number[] = [];
    for (let id = after ? Number(after[0]) + 1 : 1; id <= count && ids.length < limit; id++) ids.push(id);
    const items = await Promise.all(
      ids.map(async (id) => {
        const { value: info, texts } = await this.chain.view(this.chain.ledger.assetInfo, [id]);
        return {
          assetId: String(id),
          status: enumMember(ASSET_STATUSES, info.status),
          issuer: info.issuer,
          assetType: info.assetType,
          assetTypeLabel: assetTypeLabel(info.assetType),
          decisionURI: info.decisionURI,
          issuedUnits: info.issuedUnits.toString(),
          supply: info.supply.toString(),
          recordCount: info.recordCount.toString(),
          textFaults: textFaults(texts),
        };
      }),
    );
    const last = ids[ids.length - 1];
    return { items, last: last !== undefined && last < count ? [last] : (null as KeyValue[] | null) };
  }

  setSuspended(
    assetId: string,
    suspended: boolean,
    reason: string,
    clientId: string,
    idem?: string,
  ): Promise<Operation> {
    return this.operations.submitCall(
      {
        kind: suspended ? "asset.suspend" : "asset.resume",
        signer: "authority",
        method: suspended ? "suspendAsset" : "resumeAsset",
        args: [assetId, reason],
        clientId,
        idempotencyId: idem,
      },
      this.idempotency,
    );
  }

  forcedTransfer(
    i: { from: string; to: string; assetId: string; amount: string; basis: LegalBasis; ref: string },
    clientId: string,
    idem?: string,
  ): Promise<Operation> {
    return this.operations.submitCall(
      {
        kind: "forced-transfer",
        signer: "authority",
        method: "forcedTransfer",
        args: [getAddress(i.from), getAddress(i.to), i.assetId, i.amount, enumPosition(LEGAL_BASES, i.basis), i.ref],
        clientId,
        idempotencyId: idem,
      },
      this.idempotency,
    );
  }

  /**
   * Relays the issuer's signed declaration (Art. 7.1), checked before anything is written: the operator's permit,
   * the asset, the deadline (OBLIGATIONS_DECLARATION_EXPIRED), the issuer's signature (ISSUER_SIGNATURE_INVALID);
   * the ledger's other refusals (units outstanding, closed) come from the simulation.
   */
  async obligationsFulfilled(
    assetId: string,
    deadline: string,
    signature: string,
    clientId: string,
    idem?: string,
  ): Promise<Operation> {
    await this.operations.requireOperator();
    const { value: info } = await this.info(BigInt(assetId));
    if (nowSec() > BigInt(deadline)) throw new AppError("OBLIGATIONS_DECLARATION_EXPIRED", { deadline });
    const message = { assetId: BigInt(assetId), deadline: BigInt(deadline) };
    if (!(await this.chain.isValidSignature(info.issuer, OBLIGATIONS_TYPES, message, signature)))
      throw new AppError("ISSUER_SIGNATURE_INVALID", {
        issuer: info.issuer,
        assetId,
        ...signatureMismatch(this.chain.domain, OBLIGATIONS_TYPES, message, signature, info.issuer),
      });
    return this.operations.submitCall(
      {
        kind: "obligations.fulfilled",
        signer: "operator",
        method: "declareObligationsFulfilled",
        args: [assetId, deadline, signature],
        clientId,
        idempotencyId: idem,
      },
      this.idempotency,
    );
  }

  /**
   * Relays the issuer's order to change the decision document (Art. 7.1), checked before anything is written: the
   * URI, the operator's permit, the asset (not closed), the deadline (DECISION_CHANGE_EXPIRED), and the issuer's
   * signature over the change from the decision in force now (ISSUER_SIGNATURE_INVALID, details.previousHash). An
   * order already applied is refused by the simulation (DECISION_CHANGE_REPLAYED).
   */
  async changeDecision(assetId: string, i: DecisionChange, clientId: string, idem?: string): Promise<Operation> {
    this.documentUris.check(i.uri);
    await this.operations.requireOperator();
    const { value: info } = await this.info(BigInt(assetId));
    if (enumMember(ASSET_STATUSES, info.status) === "Closed")
      throw new AppError("DECISION_CHANGE_WHILE_CLOSED", { assetId });
    if (nowSec() > BigInt(i.deadline)) throw new AppError("DECISION_CHANGE_EXPIRED", { deadline: i.deadline });
    const message = decisionChangeMessage({
      assetId,
      previousHash: info.decisionHash,
      newHash: i.documentHash,
      newUri: i.uri,
      reason: i.reason,
      deadline: i.deadline,
    });
    if (!(await this.chain.isValidSignature(info.issuer, DECISION_CHANGE_TYPES, message, i.issuerSignature))) {
      throw new AppError("ISSUER_SIGNATURE_INVALID", {
        issuer: info.issuer,
        assetId,
        previousHash: info.decisionHash,
        ...signatureMismatch(this.chain.domain, DECISION_CHANGE_TYPES, message, i.issuerSignature, info.issuer),
      });
    }
    return this.operations.submitCall(
      {
        kind: "asset.decision-change",
        signer: "operator",
        method: "changeDecisionDocument",
        args: [assetId, i.documentHash, i.uri, i.reason, i.deadline, i.issuerSignature],
        clientId,
        idempotencyId: idem,
      },
      this.idempotency,
    );
  }

  /** Sets a holder's frozen units; an operator cannot change units the authority froze (FROZEN_UNITS_ORDERED_BY_AUTHORITY). */
  async setFrozenTokens(
    assetId: string,
    account: string,
    amount: string,
    role: "authority" | "operator",
    clientId: string,
    idem?: string,
  ): Promise<Operation> {
    if (role === "operator") await this.operations.requireOperator({ orAuthority: true });
    return this.operations.submitCall(
      {
        kind: "asset.freeze-units",
        signer: role,
        method: "setFrozenTokens",
        args: [getAddress(account), assetId, amount],
        clientId,
        idempotencyId: idem,
      },
      this.idempotency,
    );
  }
}
