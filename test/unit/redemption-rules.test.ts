import { expect } from "chai";
import fc from "fast-check";
import { redemptionCheck } from "../../server/domain/redemption-rules";
import type { RedemptionState } from "../../server/domain/redemption-rules";

const ready: RedemptionState = {
  paused: false,
  operatorPermitted: true,
  assetStatus: "Active",
  holderRegistered: true,
  holderFrozen: false,
  acknowledgedVersion: 2n,
  currentDisclosureVersion: 2n,
  balance: 100n,
  frozenUnits: 30n,
};

describe("redemption rules (what the ledger would refuse before the holder signs)", () => {
  it("refuses in the ledger's order: platform, permit, amount, asset, holder, balance, unfrozen balance", () => {
    expect(redemptionCheck(ready, 70n)).to.equal("Ok");
    expect(redemptionCheck(ready, 71n)).to.equal("InsufficientUnfrozenBalance");
    expect(redemptionCheck(ready, 101n)).to.equal("InsufficientBalance");
    expect(redemptionCheck({ ...ready, acknowledgedVersion: 1n }, 1n)).to.equal("SenderNotAcknowledged");
    expect(redemptionCheck({ ...ready, currentDisclosureVersion: 0n, acknowledgedVersion: 0n }, 1n)).to.equal(
      "SenderNotAcknowledged",
    );
    expect(redemptionCheck({ ...ready, holderFrozen: true, acknowledgedVersion: 1n }, 1n)).to.equal("SenderFrozen");
    expect(redemptionCheck({ ...ready, holderRegistered: false, holderFrozen: true }, 1n)).to.equal(
      "SenderNotRegistered",
    );
    expect(redemptionCheck({ ...ready, assetStatus: "Suspended", holderRegistered: false }, 1n)).to.equal(
      "AssetNotActive",
    );
    expect(redemptionCheck({ ...ready, assetStatus: "Closed" }, 0n)).to.equal("ZeroAmount");
    expect(redemptionCheck({ ...ready, operatorPermitted: false, assetStatus: "Closed" }, 0n)).to.equal(
      "OperatorNotPermitted",
    );
    expect(redemptionCheck({ ...ready, paused: true, operatorPermitted: false }, 0n)).to.equal("PlatformPaused");
  });

  it("allows exactly the amounts within the unfrozen balance of an eligible holder", () => {
    fc.assert(
      fc.property(fc.bigInt(0n, 1000n), fc.bigInt(0n, 1000n), fc.bigInt(0n, 1000n), (balance, frozen, amount) => {
        const check = redemptionCheck({ ...ready, balance, frozenUnits: frozen }, amount);
        const unfrozen = balance > frozen ? balance - frozen : 0n;
        expect(check === "Ok").to.equal(amount > 0n && amount <= unfrozen);
      }),
    );
  });
});
