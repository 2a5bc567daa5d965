import { getAddress, ZeroHash } from "ethers";
import type { EntityManager } from "typeorm";
import type { LedgerClient } from "../chain/ledger";
import { ACKNOWLEDGEMENT_TYPES } from "../domain/eip712";
import type { Submitter } from "../outbox/submitter";
import type { Database } from "../persistence/data-source";
import { Acknowledgement, Participant } from "../persistence/entities";
import type { Operation } from "../persistence/entities";
import type { Role, SignerName } from "../domain/roles";
import { AppError } from "../errors";
import { keyset, pageOf } from "../persistence/keyset";
import type { KeyValue } from "../persistence/keyset";
import { canonicalJson, identityHashOf } from "../domain/canonical-json";
import type { OperationService } from "./operations";
import type { IdempotencyService } from "./idempotency";
import { randomUUID } from "node:crypto";
import { signatureMismatch } from "../chain/typed-data";
import { PARTICIPANT_KIND_MEMBERS, enumMember, enumPosition, type ParticipantKind } from "../domain/ledger-enums";
import type { Mirror } from "../mirror";

export interface SignedAcknowledgement {
  version: number;
  deadline: string;
  signature: string;
}

/** A participant's slot in the ledger's register and the current disclosure version (ParticipantService.onChain). */
interface ParticipantStatus {
  registered: boolean;
  kind: string | null;
  frozen: boolean;
  frozenByAuthority: boolean;
  contractWallet: boolean;
  acknowledgedVersion: number;
  acknowledgedCurrent: boolean;
  /** 0 before the first disclosure. */
  currentVersion: number;
  registeredAt: string | null;
  identityHash: string;
}

export const signerForRole = (role: Role): SignerName => (role === "authority" ? "authority" : "operator");

/**
 * Participants (Art. 6.3): registration after KYC — the identity data stays here, its hash goes on chain —
 * deregistration, freezes, and the signed risk-disclosure acknowledgements (Art. 6.4).
 */
export class ParticipantService {
  constructor(
    private readonly db: Database,
    private readonly chain: LedgerClient,
    private readonly operations: OperationService,
    private readonly idempotency: IdempotencyService,
    submitter: Submitter,
    private readonly mirror: Mirror,
  ) {
    submitter.onSettled("participant.register", async (em, op, outcome) => {
      const address = (JSON.parse(op.payload) as { args: string[] }).args[0];
      await em.update(
        Participant,
        { address, operationId: op.id },
        { status: outcome.status === "posted" ? "registered" : "failed", updatedAt: new Date().toISOString() },
      );
      await em.update(
        Acknowledgement,
        { operationId: op.id },
        { status: outcome.status === "posted" ? "posted" : "failed" },
      );
    });
    submitter.onSettled("participant.deregister", async (em, op, outcome) => {
      const address = (JSON.parse(op.payload) as { args: string[] }).args[0];
      if (outcome.status === "posted")
        await em.update(Participant, { address }, { status: "deregistered", updatedAt: new Date().toISOString() });
    });
    submitter.onSettled("disclosure.acknowledge", async (em, op, outcome) => {
      await em.update(
        Acknowledgement,
        { operationId: op.id },
        { status: outcome.status === "posted" ? "posted" : "failed" },
      );
    });
  }

  async verifyAcknowledgement(account: string, ack: SignedAcknowledgement): Promise<string> {
    const current = Number(await this.chain.ledger.currentDisclosureVersion());
    if (current === 0) throw new AppError("DISCLOSURE_NOT_PUBLISHED");
    if (ack.version !== current)
      throw new AppError("DISCLOSURE_VERSION_NOT_CURRENT", { version: ack.version, current });
    if (BigInt(Math.floor(Date.now() / 1000)) > BigInt(ack.deadline))
      throw new AppError("ACKNOWLEDGEMENT_EXPIRED", { deadline: ack.deadline });
    const { documentHash } = await this.chain.ledger.disclosure(ack.version);
    const message = { account, version: ack.version, documentHash, deadline: BigInt(ack.deadline) };
    const ok = await this.chain.isValidSignature(account, ACKNOWLEDGEMENT_TYPES, message, ack.signature);
    if (!ok)
      throw new AppError("ACKNOWLEDGEMENT_SIGNATURE_INVALID", {
        account,
        ...signatureMismatch(this.chain.domain, ACKNOWLEDGEMENT_TYPES, message, ack.signature, account),
      });
    return documentHash;
  }

  async register(
    input: {
      address: string;
      kind: ParticipantKind;
      identity: Record<string, unknown>;
      acknowledgement?: SignedAcknowledgement;
    },
    clientId: string,
    idempotencyId?: string,
  ): Promise<Operation> {
    const address = getAddress(input.address);
    await this.operations.requireOperator();
    const existing = await this.db.manager.findOneBy(Participant, { address });
    if (existing && (existing.status === "registered" || existing.status === "registering"))
      throw new AppError("PARTICIPANT_ALREADY_REGISTERED", { address });
    const identityHash = identityHashOf(input.identity);
    const kind = enumPosition(PARTICIPANT_KIND_MEMBERS, input.kind);
    const ack = input.acknowledgement;
    const documentHash = ack ? await this.verifyAcknowledgement(address, ack) : null;
    const [method, args] = ack
      ? [
          "registerParticipantWithAcknowledgement",
          [address, kind, identityHash, ack.version, ack.deadline, ack.signature],
        ]
      : ["registerParticipant", [address, kind, identityHash]];
    return this.operations.submitCall(
      {
        kind: "participant.register",
        signer: "operator",
        method,
        args,
        clientId,
        idempotencyId,
        after: async (em: EntityManager, op: Operation) => {
          const at = new Date().toISOString();
          await em.save(
            Participant,
            Object.assign(new Participant(), {
              address,
              kind: input.kind,
              identity: canonicalJson(input.identity),
              identityHash,
              status: "registering",
              operationId: op.id,
              createdAt: existing?.createdAt ?? at,
              updatedAt: at,
            }),
          );
          if (ack && documentHash)
            await em.insert(Acknowledgement, {
              id: randomUUID(),
              account: address,
              version: ack.version,
              documentHash,
              deadline: ack.deadline,
              signature: ack.signature,
              status: "pending",
              operationId: op.id,
              createdAt: at,
            });
        },
      },
      this.idempotency,
    );
  }

  async acknowledge(
    input: { account: string } & SignedAcknowledgement,
    clientId: string,
    idempotencyId?: string,
  ): Promise<Operation> {
    const account = getAddress(input.account);
    await this.operations.requireOperator();
    const documentHash = await this.verifyAcknowledgement(account, input);
    return this.operations.submitCall(
      {
        kind: "disclosure.acknowledge",
        signer: "operator",
        method: "acknowledgeDisclosureBySig",
        args: [account, input.version, input.deadline, input.signature],
        clientId,
        idempotencyId,
        after: async (em, op) => {
          await em.insert(Acknowledgement, {
            id: randomUUID(),
            account,
            version: input.version,
            documentHash,
            deadline: input.deadline,
            signature: input.signature,
            status: "pending",
            operationId: op.id,
            createdAt: new Date().toISOString(),
          });
        },
      },
      this.idempotency,
    );
  }

  async deregister(address: string, clientId: string, idempotencyId?: string): Promise<Operation> {
    await this.operations.requireOperator();
    return this.operations.submitCall(
      {
        kind: "participant.deregister",
        signer: "operator",
        method: "deregisterParticipant",
        args: [getAddress(address)],
        clientId,
        idempotencyId,
      },
      this.idempotency,
    );
  }

  /** Freezes or unfreezes; an operator cannot lift (PARTICIPANT_FROZEN_BY_AUTHORITY) a freeze the authority ordered. */
  async setFrozen(
    address: string,
    frozen: boolean,
    reason: string,
    role: Role,
    clientId: string,
    idempotencyId?: string,
  ): Promise<Operation> {
    if (signerForRole(role) === "operator") await this.operations.requireOperator({ orAuthority: true });
    return this.operations.submitCall(
      {
        kind: frozen ? "participant.freeze" : "participant.unfreeze",
        signer: signerForRole(role),
        method: frozen ? "freezeParticipant" : "unfreezeParticipant",
        args: [getAddress(address), reason],
        clientId,
        idempotencyId,
      },
      this.idempotency,
    );
  }

  /**
   * A participant: the KYC record this gateway keeps, its slot in the ledger's register and its acknowledgements.
   * The slot is the record mirror's (as of `asOfBlock`, after the bounded wait for this gateway's own last posting).
   */
  async get(address: string) {
    const a = getAddress(address);
    const asOfBlock = await this.mirror.freshness.asOf();
    const [row, p, acks] = await Promise.all([
      this.db.manager.findOneBy(Participant, { address: a }),
      this.onChain(a),
      this.db.manager.find(Acknowledgement, { where: { account: a }, order: { createdAt: "ASC" } }),
    ]);
    if (!row && !p.registered) throw new AppError("NOT_FOUND", { participant: a, asOfBlock });
    return {
      address: a,
      status: row?.status ?? "registered",
      kind: p.kind ?? row?.kind ?? null,
      identity: row ? (JSON.parse(row.identity) as Record<string, unknown>) : null,
      identityHash: row?.identityHash ?? p.identityHash,
      onChain: {
        registered: p.registered,
        frozen: p.frozen,
        // The freeze was the authority's order: only the authority lifts it (an operator's unfreeze is refused).
        frozenByAuthority: p.frozenByAuthority,
        contractWallet: p.contractWallet,
        acknowledgedVersion: p.acknowledgedVersion,
        acknowledgedCurrent: p.acknowledgedCurrent,
        registeredAt: p.registeredAt,
        identityHash: p.identityHash,
      },
      acknowledgements: acks.map((k) => ({
        version: k.version,
        documentHash: k.documentHash,
        deadline: k.deadline,
        signature: k.signature,
        status: k.status,
        createdAt: k.createdAt,
      })),
      asOfBlock,
    };
  }

  /**
   * The participant's slot in the ledger's register (`participant`, `identityHashOf`, `hasAcknowledgedCurrent`) and
   * the current disclosure version, from the record mirror: no ledger call and no log scan per read. A participant the
   * mirror cannot describe by itself is read from the ledger: one copied from a predecessor ledger (its freeze,
   * acknowledgement and registration time came without events of this ledger), or a registration whose block time
   * the indexer has not read yet (mirrored before this version, until its first pass).
   */
  private async onChain(a: string): Promise<ParticipantStatus> {
    const s = await this.mirror.queries.participantStatus(a);
    const e = s.entry;
    const registered = e !== null && e.kind !== "None";
    if (e?.migrated || (registered && s.registeredAt === null)) return this.onLedger(a);
    const current = s.currentDisclosureVersion;
    const acknowledgedVersion = e?.acknowledgedVersion ?? 0;
    return {
      registered,
      kind: registered ? e.kind : null,
      frozen: e?.frozen ?? false,
      frozenByAuthority: e?.frozenByAuthority ?? false,
      contractWallet: e?.contractWallet ?? false,
      acknowledgedVersion,
      acknowledgedCurrent: current !== 0 && acknowledgedVersion === current,
      currentVersion: current,
      registeredAt: registered && s.registeredAt !== null ? new Date(s.registeredAt * 1000).toISOString() : null,
      identityHash: e?.identityHash ?? ZeroHash,
    };
  }

  /** The same, read from the ledger's views (see onChain). */
  private async onLedger(a: string): Promise<ParticipantStatus> {
    const l = this.chain.ledger;
    const [p, acknowledgedCurrent, identityHash, current] = await Promise.all([
      l.participant(a),
      l.hasAcknowledgedCurrent(a),
      l.identityHashOf(a),
      l.currentDisclosureVersion(),
    ]);
    const registered = Number(p.kind) !== 0;
    return {
      registered,
      kind: registered ? enumMember(PARTICIPANT_KIND_MEMBERS, p.kind) : null,
      frozen: p.frozen,
      frozenByAuthority: p.frozenByAuthority,
      contractWallet: p.contractWallet,
      acknowledgedVersion: Number(p.acknowledgedVersion),
      acknowledgedCurrent,
      currentVersion: Number(current),
      registeredAt: registered ? new Date(Number(p.registeredAt) * 1000).toISOString() : null,
      identityHash,
    };
  }

  /** Participants in the order they registered, a page at a time: keyset on (createdAt, address). */
  async list(limit: number, after: KeyValue[] | null) {
    const qb = this.db.manager.getRepository(Participant).createQueryBuilder("p");
    const rows = await keyset(qb, ["p.created_at", "p.address"], "ASC", after, limit).getMany();
    return pageOf(
      rows,
      limit,
      (r) => [r.createdAt, r.address],
      (r) => ({
        address: r.address,
        kind: r.kind,
        status: r.status,
        identityHash: r.identityHash,
        createdAt: r.createdAt,
      }),
    );
  }

  /**
   * A participant's own view (self-service): registration, freeze, disclosure status, holdings with frozen units, all
   * from the record mirror as of `asOfBlock`.
   */
  async selfView(address: string) {
    const a = getAddress(address);
    const asOfBlock = await this.mirror.freshness.asOf();
    const [p, holdings] = await Promise.all([this.onChain(a), this.mirror.queries.allHoldings(a)]);
    return {
      address: a,
      registered: p.registered,
      frozen: p.frozen,
      disclosure: {
        currentVersion: p.currentVersion === 0 ? null : p.currentVersion,
        acknowledgedVersion: p.acknowledgedVersion,
        acknowledgedCurrent: p.acknowledgedCurrent,
      },
      holdings: holdings.map((h) => ({ assetId: h.assetId, balance: h.balance, frozen: h.frozen })),
      asOfBlock,
    };
  }

  /**
   * A participant's holdings with frozen units, in asset id order, from the record mirror (after the bounded wait for
   * this gateway's own last posting): its cost follows the participant's holdings, not the ledger's history.
   */
  async holdings(address: string): Promise<{ assetId: string; balance: string; frozen: string }[]> {
    await this.mirror.freshness.asOf();
    const all = await this.mirror.queries.allHoldings(getAddress(address));
    return all.map((h) => ({ assetId: h.assetId, balance: h.balance, frozen: h.frozen }));
  }
}
