import { getAddress, ZeroAddress } from "ethers";
import { In } from "typeorm";
import type { LedgerClient } from "../chain/ledger";
import { TRANSFER_TYPES, REDEMPTION_TYPES } from "../domain/eip712";
import { TRANSFER_KIND } from "../domain/operation-kinds";
import type { TransferPayload } from "../outbox/submitter";
import type { Database } from "../persistence/data-source";
import { isUniqueViolation } from "../persistence/data-source";
import { Sql } from "../persistence/sql";
import { Operation } from "../persistence/entities";
import { AppError, TRANSFER_CHECK_CODES } from "../errors";
import { ASSET_STATUSES, enumMember, TRANSFER_CHECKS, type TransferCheck } from "../domain/ledger-enums";
import { redemptionCheck } from "../domain/redemption-rules";
import type { ErrorCode } from "../errors";
import type { IdempotencyService } from "./idempotency";
import type { OperationService } from "./operations";
import { KeyedLock } from "./keyed-lock";
import { signatureMismatch } from "../chain/typed-data";
import type { SignedTransfer } from "../domain/signed-transfer";

export type TransferRequest = SignedTransfer;
export interface RedemptionRequest {
  holder: string;
  assetId: string;
  amount: string;
  nonce: string;
  deadline: string;
  ref: string;
  signature: string;
}

const LIVE = ["pending", "submitted"] as const;
/** The ledger's balance refusals: reported after the authorization's own checks (the rest come first). */
const BALANCE_CHECKS: ReadonlySet<TransferCheck> = new Set(["InsufficientBalance", "InsufficientUnfrozenBalance"]);
/** A holder's nonce per asset is a uint32 on the ledger; at its last value it can no longer advance (NONCE_EXHAUSTED). */
export const LAST_NONCE = (1n << 32n) - 1n;
/** How many of a holder's authorizations (per asset) may wait behind a missing nonce, unless configured. */
export const DEFAULT_MAX_WAITING_PER_HOLDER = 64;

/**
 * Holder-signed transfers (relayed by the operator, Art. 6.6). Before anything is written, the rules the ledger
 * applies are checked in its order — platform, operator's permit, asset, sender and recipient (registered, not
 * frozen, disclosure acknowledged) — then the authorization's deadline, signature and nonce, then the unfrozen
 * balance less what the holder's pending transfers already take. The first failed rule is the refusal.
 */
export class TransferService {
  private readonly locks = new KeyedLock();

  constructor(
    private readonly db: Database,
    private readonly chain: LedgerClient,
    private readonly operations: OperationService,
    private readonly idempotency: IdempotencyService,
    /** Authorizations of one holder and asset that may wait behind a missing nonce (beyond: 409). */
    private readonly maxWaiting = DEFAULT_MAX_WAITING_PER_HOLDER,
  ) {}

  /** The holder's next nonce for an asset: on chain, and counting the gateway's pending authorizations. */
  async nonces(holder: string, assetId: string): Promise<{ chainNonce: string; nextNonce: string; pending: number }> {
    const address = getAddress(holder);
    const chainNonce = await this.chain.ledger.nonceOf(address, BigInt(assetId));
    const live = await this.liveOps(address, assetId, chainNonce);
    const next = live.reduce((m, op) => (BigInt(op.nonce!) + 1n > m ? BigInt(op.nonce!) + 1n : m), chainNonce);
    return { chainNonce: chainNonce.toString(), nextNonce: next.toString(), pending: live.length };
  }

  private async liveOps(from: string, assetId: string, chainNonce: bigint): Promise<Operation[]> {
    const ops = await this.db.manager.find(Operation, { where: { fromAddress: from, assetId, status: In([...LIVE]) } });
    return ops.filter((op) => op.nonce !== null && BigInt(op.nonce) >= chainNonce);
  }

  /**
   * The holder's live operations on the asset (its own transfers and redemptions, with nonce and amount) and the
   * sum of live transfers to it, in one query: this runs for every transfer request.
   */
  private async pendingOf(
    holder: string,
    assetId: string,
  ): Promise<{ allLive: { nonce: string | null; amount: string | null }[]; pendingIn: bigint }> {
    const sql = Sql.of(this.db.manager);
    const rows = await this.db.manager.query<
      {
        from_address: string | null;
        to_address: string | null;
        kind: string;
        nonce: string | null;
        amount: string | null;
      }[]
    >(
      `SELECT from_address, to_address, kind, nonce, amount FROM operations WHERE asset_id = ${sql.p(1)} AND status IN (${LIVE.map((x) => `'${x}'`).join(", ")})` +
        ` AND (from_address = ${sql.p(2)} OR (to_address = ${sql.p(3)} AND kind = '${TRANSFER_KIND}'))`,
      [assetId, holder, holder],
    );
    const allLive = rows.filter((r) => r.from_address === holder);
    const pendingIn = rows
      .filter((r) => r.to_address === holder && r.kind === TRANSFER_KIND)
      .reduce((sum, r) => sum + BigInt(r.amount ?? "0"), 0n);
    return { allLive, pendingIn };
  }

  private async recipientCheck(to: string): Promise<ErrorCode | null> {
    const [p, current] = await Promise.all([
      this.chain.ledger.participant(to),
      this.chain.ledger.currentDisclosureVersion(),
    ]);
    if (Number(p.kind) === 0) return "RECIPIENT_NOT_REGISTERED";
    if (p.frozen) return "RECIPIENT_FROZEN";
    if (current === 0n || p.acknowledgedVersion !== current) return "RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED";
    return null;
  }

  /**
   * The ledger's rules for a transfer as they stand now (permit, registration, freezes, disclosures, pause), with the
   * holder's pending transfers counted: a refusal throws its code; a balance short of the amount is returned as
   * the check (the caller reports it after the authorization's own checks). Database first, then one round trip to
   * the node (nonce and rules in one JSON-RPC batch).
   */
  private async rules(from: string, to: string, assetId: string, amount: bigint) {
    const { allLive, pendingIn } = await this.pendingOf(from, assetId);
    const pendingOutAll = allLive.reduce((s, op) => s + BigInt(op.amount ?? "0"), 0n);
    // The balance as it will be when this authorization's turn comes: what is on chain, less the holder's
    // pending transfers, plus pending transfers to the holder (relayed before it). The ledger has the last word.
    const effective = amount + pendingOutAll - pendingIn;
    const { nonce: chainNonce, check: rawCheck } = await this.chain.transferState(
      this.chain.operatorAddress,
      from,
      to,
      BigInt(assetId),
      effective > 0n ? effective : 1n,
    );
    let check: TransferCheck | undefined = TRANSFER_CHECKS[Number(rawCheck)];
    if (check === undefined) throw new AppError("TRANSACTION_REVERTED", { reason: Number(rawCheck) });
    if (BALANCE_CHECKS.has(check)) {
      // The ledger checks the balance before the recipient: check the recipient too.
      const recipient = await this.recipientCheck(to);
      if (recipient) throw new AppError(recipient, { to });
      if (effective <= 0n) check = "Ok";
    }
    if (check !== "Ok" && !BALANCE_CHECKS.has(check))
      throw new AppError(TRANSFER_CHECK_CODES[check] ?? "TRANSACTION_REVERTED", { reason: check });
    return { check, chainNonce, allLive, pendingIn };
  }

  /**
   * What the gateway would refuse a transfer for before anyone signs it: the same rules as `submit`, balance
   * included, without an authorization. Throws the refusal's code; nothing is stored.
   */
  async precheck(from: string, to: string, assetId: string, amount: string): Promise<void> {
    if (getAddress(to) === ZeroAddress) throw new AppError("INVALID_RECEIVER", { to });
    if (getAddress(to) === getAddress(from)) throw new AppError("TRANSFER_TO_SELF", { from, to });
    if (BigInt(amount) === 0n) throw new AppError("AMOUNT_ZERO");
    const { check } = await this.rules(getAddress(from), getAddress(to), assetId, BigInt(amount));
    if (BALANCE_CHECKS.has(check)) throw new AppError(TRANSFER_CHECK_CODES[check]!, { reason: check });
  }

  async submit(req: TransferRequest, clientId: string, idempotencyId: string | undefined): Promise<Operation> {
    const a = req.authorization;
    const from = getAddress(a.from);
    const to = getAddress(a.to);
    if (to === ZeroAddress) throw new AppError("INVALID_RECEIVER", { to });
    // The ledger refuses it (SelfTransfer): it would post a record and spend a nonce while nothing changes hands.
    if (to === from) throw new AppError("TRANSFER_TO_SELF", { from, to });
    const assetId = BigInt(a.assetId);
    const amount = BigInt(a.amount);
    const nonce = BigInt(a.nonce);
    const deadline = BigInt(a.deadline);
    if (amount === 0n) throw new AppError("AMOUNT_ZERO");

    return this.locks.run(`${from}:${a.assetId}`, async () => {
      // The signer is recovered on a signature thread while the node answers the rules' read; the refusals are
      // still reported in the ledger's order (rules, then the authorization).
      const value = { from, to, assetId, amount, nonce, deadline, ref: a.ref };
      const signatureValid = this.chain.isValidSignature(from, TRANSFER_TYPES, value, req.signature);
      signatureValid.catch(() => undefined); // awaited below unless a rule refuses first
      // 1. The ledger's own rules, as it would apply them now.
      const { check, chainNonce, allLive, pendingIn } = await this.rules(from, to, a.assetId, amount);
      const live = allLive.filter((op) => op.nonce !== null && BigInt(op.nonce) >= chainNonce);
      const pendingOut = live.reduce((s, op) => s + BigInt(op.amount ?? "0"), 0n);
      // 2. The authorization: deadline, signature, nonce.
      if (BigInt(Math.floor(Date.now() / 1000)) > deadline)
        throw new AppError("AUTHORIZATION_EXPIRED", { deadline: a.deadline });
      if (!(await signatureValid))
        throw new AppError("SIGNATURE_INVALID", {
          from,
          ...signatureMismatch(this.chain.domain, TRANSFER_TYPES, value, req.signature, from),
        });
      if (chainNonce >= LAST_NONCE) throw new AppError("NONCE_EXHAUSTED", { from, assetId: a.assetId });
      const expected = live.reduce((m, op) => (BigInt(op.nonce!) + 1n > m ? BigInt(op.nonce!) + 1n : m), chainNonce);
      if (nonce < chainNonce || live.some((op) => op.nonce === a.nonce))
        throw new AppError("NONCE_USED", { nonce: a.nonce, nextNonce: expected.toString() });
      // Authorizations of one holder may arrive out of order (concurrent requests): a nonce ahead of the next one
      // is accepted and waits for the gap to fill (or its deadline); the submitter relays in nonce order. Those
      // waiting are bounded per holder, and no further ahead than the bound.
      const held = new Set(live.map((op) => BigInt(op.nonce!)));
      let contiguous = chainNonce;
      while (held.has(contiguous)) contiguous++;
      if (nonce > contiguous) {
        const waitingNow = live.filter((op) => BigInt(op.nonce!) > contiguous).length;
        if (waitingNow >= this.maxWaiting)
          throw new AppError("HOLDER_WAITING_LIMIT", {
            waiting: waitingNow,
            limit: this.maxWaiting,
            missingNonce: contiguous.toString(),
          });
        if (nonce > contiguous + BigInt(this.maxWaiting))
          throw new AppError("NONCE_NOT_NEXT", { nonce: a.nonce, nextNonce: contiguous.toString() });
      }
      // 3. The balance, less pending transfers.
      if (BALANCE_CHECKS.has(check))
        throw new AppError(TRANSFER_CHECK_CODES[check]!, {
          reason: check,
          pendingOut: pendingOut.toString(),
          pendingIn: pendingIn.toString(),
        });

      const payload: TransferPayload = {
        authorization: {
          from,
          to,
          assetId: a.assetId,
          amount: a.amount,
          nonce: a.nonce,
          deadline: a.deadline,
          ref: a.ref,
        },
        signature: req.signature,
      };
      try {
        const op = await this.db.transaction(async (em) => {
          const op = await this.operations.enqueue(em, {
            kind: TRANSFER_KIND,
            signer: "operator",
            payload: payload as unknown as Record<string, unknown>,
            clientId,
            fromAddress: from,
            toAddress: to,
            assetId: a.assetId,
            nonce: a.nonce,
            amount: a.amount,
            dedupeKey: `nonce:${from}:${a.assetId}:${a.nonce}`,
          });
          if (idempotencyId) await this.idempotency.bindOperationWithin(em, idempotencyId, op.id);
          return op;
        });
        this.operations.notify("operator");
        return op;
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError("NONCE_USED", { nonce: a.nonce });
        throw err;
      }
    });
  }

  /**
   * What the ledger would refuse a redemption for before the holder signs it (platform, permit, asset, holder,
   * balance), with the holder's pending transfers and redemptions counted: throws the refusal's code; stores nothing.
   */
  async redemptionPrecheck(holder: string, assetId: string, amount: string): Promise<void> {
    const h = getAddress(holder);
    const id = BigInt(assetId);
    const l = this.chain.ledger;
    const [{ allLive }, paused, permitted, info, p, current, balance, frozenUnits] = await Promise.all([
      this.pendingOf(h, assetId),
      l.paused(),
      l.isPermitted(this.chain.operatorAddress),
      l.assetInfo(id).catch((err: unknown) => {
        if (this.chain.decodeRevert(err)?.code === "ASSET_NOT_FOUND")
          throw new AppError("ASSET_NOT_FOUND", { assetId });
        throw err;
      }),
      l.participant(h),
      l.currentDisclosureVersion(),
      l.balanceOf(h, id),
      l.getFrozenTokens(h, id),
    ]);
    const assetStatus = enumMember(ASSET_STATUSES, info.status);
    if (assetStatus === "None") throw new AppError("ASSET_NOT_FOUND", { assetId });
    const pendingOut = allLive.reduce((s, op) => s + BigInt(op.amount ?? "0"), 0n);
    const check = redemptionCheck(
      {
        paused,
        operatorPermitted: permitted,
        assetStatus,
        holderRegistered: Number(p.kind) !== 0,
        holderFrozen: p.frozen,
        acknowledgedVersion: BigInt(p.acknowledgedVersion),
        currentDisclosureVersion: BigInt(current),
        balance,
        frozenUnits,
      },
      BigInt(amount) + pendingOut,
    );
    if (check !== "Ok")
      throw new AppError(TRANSFER_CHECK_CODES[check] ?? "TRANSACTION_REVERTED", {
        reason: check,
        ...(pendingOut ? { pendingOut: pendingOut.toString() } : {}),
      });
  }

  /** Holder-signed redemption (the same nonce sequence as transfers), relayed as one call. */
  async redeem(req: RedemptionRequest, clientId: string, idempotencyId: string | undefined): Promise<Operation> {
    const holder = getAddress(req.holder);
    const assetId = BigInt(req.assetId);
    const nonce = BigInt(req.nonce);
    await this.operations.requireOperator();
    return this.locks.run(`${holder}:${req.assetId}`, async () => {
      const chainNonce = await this.chain.ledger.nonceOf(holder, assetId);
      const live = await this.liveOps(holder, req.assetId, chainNonce);
      if (BigInt(Math.floor(Date.now() / 1000)) > BigInt(req.deadline))
        throw new AppError("AUTHORIZATION_EXPIRED", { deadline: req.deadline });
      const value = {
        holder,
        assetId,
        amount: BigInt(req.amount),
        nonce,
        deadline: BigInt(req.deadline),
        ref: req.ref,
      };
      if (!(await this.chain.isValidSignature(holder, REDEMPTION_TYPES, value, req.signature)))
        throw new AppError("SIGNATURE_INVALID", {
          holder,
          ...signatureMismatch(this.chain.domain, REDEMPTION_TYPES, value, req.signature, holder),
        });
      if (chainNonce >= LAST_NONCE) throw new AppError("NONCE_EXHAUSTED", { holder, assetId: req.assetId });
      if (nonce < chainNonce || live.length)
        throw new AppError("NONCE_USED", {
          nonce: req.nonce,
          nextNonce: (chainNonce + BigInt(live.length)).toString(),
        });
      if (nonce > chainNonce)
        throw new AppError("NONCE_NOT_NEXT", { nonce: req.nonce, nextNonce: chainNonce.toString() });
      const args = [holder, req.assetId, req.amount, req.nonce, req.deadline, req.ref, req.signature];
      await this.operations.preflight("operator", "redeemWithAuthorization", args);
      const op = await this.db.transaction(async (em) => {
        const op = await this.operations.enqueue(em, {
          kind: "redemption",
          signer: "operator",
          payload: { method: "redeemWithAuthorization", args },
          clientId,
          fromAddress: holder,
          assetId: req.assetId,
          nonce: req.nonce,
          amount: req.amount,
          dedupeKey: `nonce:${holder}:${req.assetId}:${req.nonce}`,
        });
        if (idempotencyId) await this.idempotency.bindOperationWithin(em, idempotencyId, op.id);
        return op;
      });
      this.operations.notify("operator");
      return op;
    });
  }
}
