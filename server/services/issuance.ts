import { randomUUID } from "node:crypto";
import { getAddress, ZeroHash, id as keccakText } from "ethers";
import type { LedgerClient } from "../chain/ledger";
import { ATTESTATION_TYPES, attestationMessage, ISSUANCE_TYPES, issuanceRequestMessage } from "../domain/eip712";
import type { IssuerDetails } from "../domain/eip712";
import type { Submitter } from "../outbox/submitter";
import type { Database } from "../persistence/data-source";
import { IssuanceRequest } from "../persistence/entities";
import type { Operation } from "../persistence/entities";
import { AppError, ERRORS } from "../errors";
import { keyset, pageOf } from "../persistence/keyset";
import type { KeyValue } from "../persistence/keyset";
import type { ErrorCode } from "../errors";
import type { OperationService } from "./operations";
import type { IdempotencyService } from "./idempotency";
import { assetTypeCode, assetTypeLabel } from "./registry";
import { DocumentUriPolicy } from "./document-uri";
import { isValidIdentificationNumber } from "../domain/identification-number";
import { signatureMismatch } from "../chain/typed-data";
import { decodeTimeCursor, encodeTimeCursor } from "./time-cursor";

export interface IssuanceFiling {
  owner: string;
  assetType: string;
  decision: { documentHash: string; uri: string; rightsType: string; rightsExtent: string; units: string };
  issuer: IssuerDetails;
  evidenceHash: string;
  /** The collateral verifier the owner names in the signed request: only its attestation is accepted. */
  verifier: string;
  nonce: string;
  deadline: string;
  ownerSignature: string;
}
/** What the request row keeps in its JSON (`request`): the filing less the owner, type and signature (columns). */
type StoredRequest = Omit<IssuanceFiling, "owner" | "assetType" | "ownerSignature">;
export interface Attestation {
  verifier: string;
  expiry: string;
  signature: string;
}

const VERIFIER_ROLE = keccakText("VERIFIER_ROLE");
const MAX_UNITS = (1n << 96n) - 1n;
const nowSec = () => BigInt(Math.floor(Date.now() / 1000));

/** Art. 5.2: each missing element of a secured asset has its own code; the first one missing is reported. */
function checkElements(f: IssuanceFiling): void {
  const fail = (code: ErrorCode, details?: Record<string, unknown>) => {
    throw new AppError(code, details);
  };
  if (f.decision.documentHash === ZeroHash) fail("ISSUANCE_DECISION_HASH_MISSING");
  if (!f.decision.uri.trim()) fail("ISSUANCE_DECISION_URI_MISSING");
  if (f.decision.rightsType === ZeroHash) fail("ISSUANCE_RIGHTS_TYPE_MISSING");
  if (!f.decision.rightsExtent.trim()) fail("ISSUANCE_RIGHTS_EXTENT_MISSING");
  const units = BigInt(f.decision.units);
  if (units === 0n || units > MAX_UNITS) fail("ISSUANCE_UNITS_INVALID", { units: f.decision.units });
  if (!f.issuer.legalName.trim()) fail("ISSUER_LEGAL_NAME_MISSING");
  if (!isValidIdentificationNumber(f.issuer.bin)) fail("ISSUER_IDENTIFICATION_NUMBER_INVALID", { bin: f.issuer.bin });
  if (!f.issuer.registeredAddress.trim()) fail("ISSUER_ADDRESS_MISSING");
  if (f.evidenceHash === ZeroHash) fail("COLLATERAL_EVIDENCE_MISSING");
}

/**
 * The issuance workflow (Art. 5, 6.5, 6.8): the owner files a signed request (filed), a collateral verifier
 * attests (attested), an operator posts it (submitted -> posted with the asset id, or refused with the code of
 * the missing requirement).
 */
export class IssuanceService {
  constructor(
    private readonly db: Database,
    private readonly chain: LedgerClient,
    private readonly operations: OperationService,
    private readonly idempotency: IdempotencyService,
    submitter: Submitter,
    private readonly documentUris: DocumentUriPolicy = new DocumentUriPolicy(false),
  ) {
    submitter.onSettled("issuance.post", async (em, op, outcome) => {
      const at = new Date().toISOString();
      if (outcome.status === "posted") {
        const issued = outcome.events.find((e) => e.name === "AssetIssued");
        await em.update(
          IssuanceRequest,
          { operationId: op.id },
          {
            status: "posted",
            assetId: issued ? (issued.args.assetId as bigint).toString() : null,
            refusalCode: null,
            refusalDetail: null,
            updatedAt: at,
          },
        );
      } else {
        await em.update(
          IssuanceRequest,
          { operationId: op.id },
          {
            status: "refused",
            refusalCode: outcome.errorCode ?? "TRANSACTION_REVERTED",
            refusalDetail: outcome.errorDetail ? JSON.stringify(outcome.errorDetail) : null,
            updatedAt: at,
          },
        );
      }
    });
  }

  /**
   * Files the owner's request: every element present (Art. 5.2), the type recognised, the named verifier trusted,
   * the deadline ahead, the nonce unused, and the owner's signature over all of it (`issuanceRequestMessage`: the
   * decision's hash, URI, rights type and extent, issuer details, units, evidence and verifier).
   */
  async file(f: IssuanceFiling): Promise<IssuanceRequest> {
    checkElements(f);
    this.documentUris.check(f.decision.uri);
    await this.operations.requireOperator();
    const owner = getAddress(f.owner);
    const verifier = getAddress(f.verifier);
    const assetType = assetTypeCode(f.assetType);
    if (!(await this.chain.ledger.isRecognisedAssetType(assetType)))
      throw new AppError("ASSET_TYPE_NOT_RECOGNISED", { assetType: f.assetType });
    if (!(await this.chain.ledger.hasRole(VERIFIER_ROLE, verifier)))
      throw new AppError("COLLATERAL_VERIFIER_NOT_TRUSTED", { verifier });
    if (nowSec() > BigInt(f.deadline)) throw new AppError("ISSUANCE_REQUEST_EXPIRED", { deadline: f.deadline });
    if (await this.chain.ledger.isIssuanceNonceUsed(owner, BigInt(f.nonce)))
      throw new AppError("COLLATERAL_ATTESTATION_USED", { owner, nonce: f.nonce });
    const value = issuanceRequestMessage({
      owner,
      assetType,
      decision: f.decision,
      issuer: f.issuer,
      evidenceHash: f.evidenceHash,
      verifier,
      nonce: f.nonce,
      deadline: f.deadline,
    });
    if (!(await this.chain.isValidSignature(owner, ISSUANCE_TYPES, value, f.ownerSignature)))
      throw new AppError("ISSUANCE_REQUEST_SIGNATURE_INVALID", {
        owner,
        ...signatureMismatch(this.chain.domain, ISSUANCE_TYPES, value, f.ownerSignature, owner),
      });
    const at = new Date().toISOString();
    const stored: StoredRequest = {
      decision: f.decision,
      issuer: f.issuer,
      evidenceHash: f.evidenceHash,
      verifier,
      nonce: f.nonce,
      deadline: f.deadline,
    };
    const row = Object.assign(new IssuanceRequest(), {
      id: randomUUID(),
      status: "filed",
      owner,
      assetType,
      verifier,
      request: JSON.stringify(stored),
      ownerSignature: f.ownerSignature,
      attestation: null,
      operationId: null,
      assetId: null,
      refusalCode: null,
      refusalDetail: null,
      createdAt: at,
      updatedAt: at,
    } satisfies IssuanceRequest);
    await this.db.transaction((em) => em.insert(IssuanceRequest, row));
    return row;
  }

  /**
   * The checks of `file` that need no signature, run before the owner signs a served request: every element
   * (Art. 5.2), the decision URI, the operator's permit, the type recognised, the named verifier trusted.
   */
  async precheck(f: Omit<IssuanceFiling, "nonce" | "deadline" | "ownerSignature">): Promise<void> {
    checkElements({ ...f, nonce: "0", deadline: "0", ownerSignature: "0x" });
    this.documentUris.check(f.decision.uri);
    await this.operations.requireOperator();
    const assetType = assetTypeCode(f.assetType);
    if (!(await this.chain.ledger.isRecognisedAssetType(assetType)))
      throw new AppError("ASSET_TYPE_NOT_RECOGNISED", { assetType: f.assetType });
    const verifier = getAddress(f.verifier);
    if (!(await this.chain.ledger.hasRole(VERIFIER_ROLE, verifier)))
      throw new AppError("COLLATERAL_VERIFIER_NOT_TRUSTED", { verifier });
  }

  /**
   * The owner's next free request nonce: the lowest neither held by one of its requests here (filed, attested,
   * submitted, or refused and still postable) nor spent on the ledger.
   */
  async nextNonce(owner: string): Promise<string> {
    const o = getAddress(owner);
    const rows = await this.db.manager.find(IssuanceRequest, { where: { owner: o }, select: { request: true } });
    const held = new Set(rows.map((r) => (JSON.parse(r.request) as StoredRequest).nonce));
    for (let n = 0n; ; n++) {
      if (held.has(n.toString())) continue;
      if (!(await this.chain.ledger.isIssuanceNonceUsed(o, n))) return n.toString();
    }
  }

  /** One of the owner's requests: another owner's is refused (403 NOT_YOUR_ACCOUNT). */
  async findOwn(id: string, owner: string): Promise<IssuanceRequest> {
    const row = await this.find(id);
    if (getAddress(row.owner) !== getAddress(owner))
      throw new AppError("NOT_YOUR_ACCOUNT", { session: getAddress(owner), id });
    return row;
  }

  /** The owner's requests, newest first, one keyset page (`next`: the cursor of the next page, null at the end). */
  listForOwner(owner: string, limit: number, cursor?: string) {
    return this.page("r.owner = :owner", { owner: getAddress(owner) }, "DESC", limit, cursor);
  }

  /**
   * The filed requests that name this verifier and wait for its attestation, oldest first: the queue of a
   * verifier signed in with its wallet.
   */
  listForVerifier(verifier: string, limit: number, cursor?: string) {
    return this.page(
      "r.verifier = :verifier AND r.status = 'filed'",
      { verifier: getAddress(verifier) },
      "ASC",
      limit,
      cursor,
    );
  }

  /** One keyset page of requests by (created_at, id) in `order`. */
  private async page(
    where: string,
    params: Record<string, string>,
    order: "ASC" | "DESC",
    limit: number,
    cursor?: string,
  ) {
    const qb = this.db.manager
      .getRepository(IssuanceRequest)
      .createQueryBuilder("r")
      .where(where, params)
      .orderBy("r.created_at", order)
      .addOrderBy("r.id", order)
      .take(limit + 1);
    if (cursor) {
      const [createdAt, id] = decodeTimeCursor(cursor);
      const cmp = order === "DESC" ? "<" : ">";
      qb.andWhere(`(r.created_at ${cmp} :createdAt OR (r.created_at = :createdAt AND r.id ${cmp} :id))`, {
        createdAt,
        id,
      });
    }
    const rows = await qb.getMany();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => this.view(r)),
      next: rows.length > limit && last ? encodeTimeCursor(last.createdAt, last.id) : null,
    };
  }

  async find(id: string): Promise<IssuanceRequest> {
    const row = await this.db.manager.findOneBy(IssuanceRequest, { id });
    if (!row) throw new AppError("ISSUANCE_REQUEST_NOT_FOUND", { id });
    return row;
  }

  /**
   * The CollateralAttestation the named verifier signs for a request (served to a verifier signed in with its
   * wallet): the request's owner, evidence, type, units and nonce, and the given expiry. Another account than the
   * named verifier is refused (403 NOT_YOUR_ACCOUNT); a request not awaiting attestation is ISSUANCE_STATE_INVALID.
   */
  async attestationToSign(id: string, verifier: string, expiry: string) {
    const row = await this.find(id);
    const req = JSON.parse(row.request) as StoredRequest;
    const named = req.verifier ? getAddress(req.verifier) : null;
    if (getAddress(verifier) !== named)
      throw new AppError("NOT_YOUR_ACCOUNT", { session: getAddress(verifier), named, id });
    if (row.status !== "filed" && row.status !== "refused")
      throw new AppError("ISSUANCE_STATE_INVALID", { status: row.status, expected: "filed" });
    return {
      request: this.view(row),
      message: attestationMessage({
        owner: row.owner,
        evidenceHash: req.evidenceHash,
        assetType: row.assetType,
        units: req.decision.units,
        nonce: req.nonce,
        expiry,
      }),
    };
  }

  async attest(id: string, a: Attestation): Promise<IssuanceRequest> {
    const row = await this.find(id);
    if (row.status !== "filed" && row.status !== "refused")
      throw new AppError("ISSUANCE_STATE_INVALID", { status: row.status, expected: "filed" });
    const verifier = getAddress(a.verifier);
    const req = JSON.parse(row.request) as StoredRequest;
    // The owner signed the verifier's address: the ledger would refuse another's attestation as a forged request.
    const named = req.verifier ? getAddress(req.verifier) : null;
    if (verifier !== named) throw new AppError("COLLATERAL_VERIFIER_NOT_NAMED", { verifier, named });
    if (!(await this.chain.ledger.hasRole(VERIFIER_ROLE, verifier)))
      throw new AppError("COLLATERAL_VERIFIER_NOT_TRUSTED", { verifier });
    if (nowSec() > BigInt(a.expiry)) throw new AppError("COLLATERAL_ATTESTATION_EXPIRED", { expiry: a.expiry });
    const value = attestationMessage({
      owner: row.owner,
      evidenceHash: req.evidenceHash,
      assetType: row.assetType,
      units: req.decision.units,
      nonce: req.nonce,
      expiry: a.expiry,
    });
    if (!(await this.chain.isValidSignature(verifier, ATTESTATION_TYPES, value, a.signature)))
      throw new AppError("COLLATERAL_ATTESTATION_SIGNATURE_INVALID", {
        verifier,
        ...signatureMismatch(this.chain.domain, ATTESTATION_TYPES, value, a.signature, verifier),
      });
    row.status = "attested";
    row.attestation = JSON.stringify({ verifier, expiry: a.expiry, signature: a.signature });
    row.updatedAt = new Date().toISOString();
    await this.db.transaction((em) =>
      em.update(
        IssuanceRequest,
        { id },
        { status: row.status, attestation: row.attestation, updatedAt: row.updatedAt },
      ),
    );
    return row;
  }

  private issueArgs(row: IssuanceRequest): unknown[] {
    const req = JSON.parse(row.request) as StoredRequest;
    const att = JSON.parse(row.attestation ?? "null") as Attestation;
    return [
      row.assetType,
      req.decision,
      req.issuer,
      {
        owner: row.owner,
        evidenceHash: req.evidenceHash,
        assetType: row.assetType,
        units: req.decision.units,
        nonce: req.nonce,
        expiry: att.expiry,
        verifier: att.verifier,
        signature: att.signature,
      },
      req.deadline,
      row.ownerSignature,
    ];
  }

  async post(id: string, clientId: string, idempotencyId?: string): Promise<Operation> {
    const row = await this.find(id);
    if (row.status !== "attested" && !(row.status === "refused" && row.attestation))
      throw new AppError("ISSUANCE_STATE_INVALID", { status: row.status, expected: "attested" });
    const args = this.issueArgs(row);
    try {
      await this.operations.requireOperator();
      return await this.operations.submitCall(
        {
          kind: "issuance.post",
          signer: "operator",
          method: "issue",
          args,
          clientId,
          idempotencyId,
          after: async (em, op) => {
            await em.update(
              IssuanceRequest,
              { id },
              {
                status: "submitted",
                operationId: op.id,
                refusalCode: null,
                refusalDetail: null,
                updatedAt: new Date().toISOString(),
              },
            );
          },
        },
        this.idempotency,
      );
    } catch (err) {
      if (err instanceof AppError && err.isRuleRefusal) {
        await this.db.transaction((em) =>
          em.update(
            IssuanceRequest,
            { id },
            {
              status: "refused",
              refusalCode: err.code,
              refusalDetail: JSON.stringify(err.details ?? {}),
              updatedAt: new Date().toISOString(),
            },
          ),
        );
      }
      throw err;
    }
  }

  view(row: IssuanceRequest) {
    const req = JSON.parse(row.request) as Record<string, unknown>;
    const refusal = row.refusalCode
      ? {
          code: row.refusalCode,
          message: ERRORS[row.refusalCode as ErrorCode]?.[1] ?? row.refusalCode,
          details: row.refusalDetail ? (JSON.parse(row.refusalDetail) as Record<string, unknown>) : undefined,
        }
      : null;
    return {
      id: row.id,
      status: row.status,
      owner: row.owner,
      assetType: row.assetType,
      assetTypeLabel: assetTypeLabel(row.assetType),
      ...req,
      ownerSignature: row.ownerSignature,
      attestation: row.attestation ? (JSON.parse(row.attestation) as Attestation) : null,
      operationId: row.operationId,
      assetId: row.assetId,
      refusal,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  /** Issuance requests, newest first, a page at a time: keyset on (createdAt, id). */
  async list(limit: number, after: KeyValue[] | null, status?: string) {
    const qb = this.db.manager.getRepository(IssuanceRequest).createQueryBuilder("r");
    if (status) qb.andWhere("r.status = :status", { status });
    const rows = await keyset(qb, ["r.created_at", "r.id"], "DESC", after, limit).getMany();
    return pageOf(
      rows,
      limit,
      (r) => [r.createdAt, r.id],
      (r) => this.view(r),
    );
  }
}
