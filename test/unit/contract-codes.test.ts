import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CONTRACT_ERROR_CODES, ERRORS, TRANSFER_CHECK_CODES } from "../../server/errors";

/**
 * The gateway's codes against the compiled contracts: a TransferCheck value or a custom error added to the ledger
 * without its gateway code would reach a user as TRANSACTION_REVERTED with a number or a name to guess at.
 */
const ROOT = join(__dirname, "..", "..");
const artifact = (source: string, name: string) => join(ROOT, "artifacts", source, `${name}.json`);

interface AstNode {
  nodeType?: string;
  name?: string;
  members?: { name: string }[];
  [key: string]: unknown;
}

function enumMembers(source: string, contract: string, enumName: string): string[] {
  const dbg = JSON.parse(readFileSync(join(ROOT, "artifacts", source, `${contract}.dbg.json`), "utf8")) as {
    buildInfo: string;
  };
  const buildInfo = JSON.parse(readFileSync(join(ROOT, "artifacts", source, dbg.buildInfo), "utf8")) as {
    output: { sources: Record<string, { ast: AstNode }> };
  };
  const find = (node: unknown): AstNode | undefined => {
    if (!node || typeof node !== "object") return undefined;
    const n = node as AstNode;
    if (n.nodeType === "EnumDefinition" && n.name === enumName) return n;
    for (const value of Object.values(n)) {
      const found = find(value);
      if (found) return found;
    }
    return undefined;
  };
  const definition = find(buildInfo.output.sources[source].ast);
  if (!definition?.members) throw new Error(`enum ${enumName} not found in ${source}`);
  return definition.members.map((m) => m.name);
}

/** Errors the gateway cannot meet, each with the reason. */
const UNREACHABLE: Record<string, string> = {
  BatchEmpty: "the gateway builds every batch itself, never empty",
  BatchLengthMismatch: "the gateway builds every batch itself, one signature per authorization",
  ERC7943CannotSend: "declared by the ERC-7943 interface; the ledger raises the precise platform errors instead",
  ERC7943CannotReceive: "declared by the ERC-7943 interface; the ledger raises the precise platform errors instead",
  ERC7943CannotTransfer: "declared by the ERC-7943 interface; the ledger raises the precise platform errors instead",
  MigrationWindowClosed: "migration is npm run migrate, not a gateway operation",
  MigrationPredecessorMismatch: "migration is npm run migrate, not a gateway operation",
  MigrationPredecessorNotPaused: "migration is npm run migrate, not a gateway operation",
  MigrationAssetOutOfOrder: "migration is npm run migrate, not a gateway operation",
  MigrationHoldersIncomplete: "migration is npm run migrate, not a gateway operation",
  MigrationHolderRepeated: "migration is npm run migrate, not a gateway operation",
  MigrationParticipantExists: "migration is npm run migrate, not a gateway operation",
  MigrationDisclosureMismatch: "migration is npm run migrate, not a gateway operation",
};

describe("gateway codes against the compiled ledger", function () {
  it("every TransferCheck value of the ledger has a gateway code, in the ledger's order", () => {
    const members = enumMembers("contracts/interfaces/ISecuredAssetLedger.sol", "ISecuredAssetLedger", "TransferCheck");
    expect(members[0]).to.equal("Ok");
    expect(TRANSFER_CHECK_CODES.length, `TransferCheck has ${members.length} values: ${members.join(", ")}`).to.equal(
      members.length,
    );
    expect(TRANSFER_CHECK_CODES[0]).to.equal(null);
    for (const [i, code] of TRANSFER_CHECK_CODES.entries()) {
      if (i > 0) expect(ERRORS, `${members[i]} -> ${code}`).to.have.property(code as string);
    }
    // Spot checks of the order, at both ends and at the values the gateway treats specially.
    expect(TRANSFER_CHECK_CODES[members.indexOf("InsufficientBalance")]).to.equal("INSUFFICIENT_BALANCE");
    expect(TRANSFER_CHECK_CODES[members.indexOf("ZeroAmount")]).to.equal("AMOUNT_ZERO");
    expect(TRANSFER_CHECK_CODES[members.indexOf("SelfTransfer")]).to.equal("TRANSFER_TO_SELF");
    expect(TRANSFER_CHECK_CODES[members.indexOf("NonceExhausted")]).to.equal("NONCE_EXHAUSTED");
  });

  it("every custom error the platform's own interfaces declare has a gateway code, or is listed as one the gateway cannot meet", () => {
    const own = [
      "IPermitRegister",
      "IAssetTypeRegister",
      "IParticipantRegister",
      "IPlatformPolicy",
      "ISecuredAssetLedger",
      "IERC7943MultiToken",
      "ILedgerMigration",
    ];
    const names = new Set<string>();
    for (const file of own) {
      const contract = file === "IERC7943MultiToken" ? "IERC7943MultiTokenChecks" : file;
      const abi = (
        JSON.parse(readFileSync(artifact(`contracts/interfaces/${file}.sol`, contract), "utf8")) as {
          abi: { type: string; name: string }[];
        }
      ).abi;
      for (const item of abi) if (item.type === "error") names.add(item.name);
    }
    expect(names.size).to.be.greaterThan(60);
    const missing = [...names].filter((n) => !(n in CONTRACT_ERROR_CODES) && !(n in UNREACHABLE));
    expect(missing, "ledger errors without a gateway code").to.deep.equal([]);
    const ledger = (
      JSON.parse(readFileSync(artifact("contracts/SecuredAssetLedger.sol", "SecuredAssetLedger"), "utf8")) as {
        abi: { type: string; name: string }[];
      }
    ).abi;
    const raised = new Set(ledger.filter((i) => i.type === "error").map((i) => i.name));
    const stale = Object.keys(CONTRACT_ERROR_CODES).filter((n) => !raised.has(n));
    expect(stale, "gateway codes for errors the ledger no longer has").to.deep.equal([]);
    for (const code of Object.values(CONTRACT_ERROR_CODES)) expect(ERRORS).to.have.property(code);
  });
});
