import { expect } from "chai";
import { ZeroHash } from "ethers";
import { AuthorityHistory, foldParticipants } from "../../server/domain/participant-state";
import type { ParticipantEntry, ParticipantEvent } from "../../server/domain/participant-state";
import { LEDGER_ROLES } from "../../server/domain/ledger-roles";

const ALICE = "0x00000000000000000000000000000000000000a1";
const AUTHORITY = "0x00000000000000000000000000000000000000f1";
const OPERATOR = "0x00000000000000000000000000000000000000e1";
const HASH = "0x" + "ab".repeat(32);

let log = 0;
const at = (blockNumber: number) => ({ blockNumber, logIndex: log++, txHash: "0x" + String(log).padStart(64, "0") });
const ev = (blockNumber: number, kind: string, args: Record<string, unknown> = {}): ParticipantEvent => ({
  ...at(blockNumber),
  kind,
  args: { account: ALICE, ...args },
  account: ALICE,
});
const role = (blockNumber: number, kind: string, account: string): ParticipantEvent => ({
  ...at(blockNumber),
  kind,
  args: { role: LEDGER_ROLES.AUTHORITY, account, sender: AUTHORITY },
  account: null,
});
const fold = (events: ParticipantEvent[], roles: ParticipantEvent[] = []): ParticipantEntry | null =>
  foldParticipants(new Map(), events, new AuthorityHistory(roles)).get(ALICE) ?? null;

/** The participant register's rules (ParticipantRegister.sol, RegisterRules.sol) as the mirror folds its events. */
describe("participant state: the ledger's participant slot folded from its events", () => {
  const registered = ev(1, "ParticipantRegistered", { kind: "3", identityHash: HASH, contractWallet: false });

  it("when a participant registers and acknowledges, then the slot has its kind, identity hash and version", () => {
    const p = fold([registered, ev(2, "DisclosureAcknowledged", { version: "1", relayedBy: OPERATOR })]);
    expect(p).to.deep.include({
      kind: "LegalEntity",
      identityHash: HASH,
      acknowledgedVersion: 1,
      frozen: false,
      registeredTxHash: registered.txHash,
      registeredLogIndex: registered.logIndex,
      migrated: false,
    });
  });

  it("when a frozen participant is deregistered and registered again, then the freeze stays and the acknowledgement starts again", () => {
    const p = fold(
      [
        registered,
        ev(2, "DisclosureAcknowledged", { version: "1" }),
        ev(3, "ParticipantFrozen", { by: OPERATOR, reason: "AML" }),
        ev(4, "ParticipantDeregistered"),
      ],
      [role(0, "RoleGranted", AUTHORITY)],
    );
    expect(p).to.deep.include({ kind: "None", frozen: true, frozenByAuthority: false, identityHash: null });
    expect(p).to.deep.include({ acknowledgedVersion: 0, registeredTxHash: null });
    const again = ev(5, "ParticipantRegistered", { kind: "1", identityHash: ZeroHash.replace(/0$/, "1") });
    const q = fold(
      [
        registered,
        ev(2, "DisclosureAcknowledged", { version: "1" }),
        ev(3, "ParticipantFrozen", { by: OPERATOR }),
        again,
      ],
      [],
    );
    expect(q).to.deep.include({
      kind: "NaturalPerson",
      frozen: true,
      acknowledgedVersion: 0,
      registeredTxHash: again.txHash,
    });
  });

  it("when a freeze's sender held AUTHORITY at that point of the chain, then the freeze is the authority's; not before the grant nor after the revocation", () => {
    const roles = [role(5, "RoleGranted", OPERATOR), role(8, "RoleRevoked", OPERATOR)];
    const frozenAt = (block: number) =>
      fold([registered, ev(block, "ParticipantFrozen", { by: OPERATOR })], roles)!.frozenByAuthority;
    expect(frozenAt(4)).to.equal(false);
    expect(frozenAt(6)).to.equal(true);
    expect(frozenAt(9)).to.equal(false);
    const lifted = fold(
      [registered, ev(6, "ParticipantFrozen", { by: OPERATOR }), ev(7, "ParticipantUnfrozen", { by: OPERATOR })],
      roles,
    );
    expect(lifted).to.deep.include({ frozen: false, frozenByAuthority: false });
  });

  it("when events arrive out of order, then they are folded in chain order; a migration marks the slot", () => {
    const events = [
      ev(3, "ParticipantWalletKindUpdated", { contractWallet: true }),
      registered,
      ev(2, "ParticipantMigrated", { predecessor: OPERATOR }),
    ];
    expect(fold(events)).to.deep.include({ contractWallet: true, migrated: true, updatedBlock: 3 });
    expect(fold([ev(1, "Frozen", { amount: "5" })])).to.equal(null);
  });
});
