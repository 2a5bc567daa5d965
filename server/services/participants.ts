import { getAddress } from "ethers";
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

  async get(address: string) {
    const a = getAddress(address);
    const [row, p, acknowledgedCurrent, identityHash, acks] = await Promise.all([
      this.db.manager.findOneBy(Participant, { address: a }),
      this.chain.ledger.participant(a),
      this.chain.ledger.hasAcknowledgedCurrent(a),
      this.chain.ledger.identityHashOf(a),
      this.db.manager.find(Acknowledgement, { where: { account: a }, order: { createdAt: "ASC" } }),
    ]);
    const registered = Number(p.kind) !== 0;
    if (!row && !registered) throw new AppError("NOT_FOUND", { participant: a });
    return {
      address: a,
      status: row?.status ?? "registered",
      kind: registered ? enumMember(PARTICIPANT_KIND_MEMBERS, p.kind) : (row?.kind ?? null),
      identity: row ? (JSON.parse(row.identity) as Record<string, unknown>) : null,
      identityHash: row?.identityHash ?? identityHash,
      onChain: {
        registered,
        frozen: p.frozen,
        // The freeze was the authority's order: only the authority lifts it (an operator's unfreeze is refused).
        frozenByAuthority: p.frozenByAuthority,
        contractWallet: p.contractWallet,
        acknowledgedVersion: Number(p.acknowledgedVersion),
        acknowledgedCurrent,
        registeredAt: registered ? new Date(Number(p.registeredAt) * 1000).toISOString() : null,
        identityHash,
      },
      acknowledgements: acks.map((k) => ({
        version: k.version,
        documentHash: k.documentHash,
        deadline: k.deadline,
        signature: k.signature,
        status: k.status,
        createdAt: k.createdAt,
      })),
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

  /** A participant's own view (self-service): registration, freeze, disclosure status, holdings with frozen units. */
  async selfView(address: string) {
    const a = getAddress(address);
    const [onChain, acknowledgedCurrent, current, holdings] = await Promise.all([
      this.chain.ledger.participant(a),
      this.chain.ledger.hasAcknowledgedCurrent(a),
      this.chain.ledger.currentDisclosureVersion(),
      this.holdings(a),
    ]);
    return {
      address: a,
      registered: Number(onChain.kind) !== 0,
      frozen: onChain.frozen,
      disclosure: {
        currentVersion: current === 0n ? null : Number(current),
        acknowledgedVersion: Number(onChain.acknowledgedVersion),
        acknowledgedCurrent,
      },
      holdings,
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
