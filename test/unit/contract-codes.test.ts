import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CONTRACT_ERROR_CODES, ERRORS, TRANSFER_CHECK_CODES, transferCheckCode } from "../../server/errors";
import { LEDGER_ENUMS, TRANSFER_CHECKS } from "../../server/domain/ledger-enums";

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
  it("every enum the gateway mirrors (server/domain/ledger-enums.ts) has the compiled members, in order", () => {
    const where: Record<string, [string, string]> = {
      AssetCategory: ["contracts/interfaces/IAssetTypeRegister.sol", "IAssetTypeRegister"],
      AssetStatus: ["contracts/interfaces/ISecuredAssetLedger.sol", "ISecuredAssetLedger"],
      TransferCheck: ["contracts/interfaces/ISecuredAssetLedger.sol", "ISecuredAssetLedger"],
      LegalBasis: ["contracts/interfaces/ISecuredAssetLedger.sol", "ISecuredAssetLedger"],
      ParticipantKind: ["contracts/interfaces/IParticipantRegister.sol", "IParticipantRegister"],
      PermitStatus: ["contracts/interfaces/IPermitRegister.sol", "IPermitRegister"],
    };
    expect(Object.keys(LEDGER_ENUMS).sort()).to.deep.equal(Object.keys(where).sort());
    for (const [name, members] of Object.entries(LEDGER_ENUMS))
      expect(enumMembers(...where[name], name), `enum ${name}`).to.deep.equal([...members]);
  });

  it("every TransferCheck reason of the ledger has a gateway code, and Ok has none", () => {
    expect(Object.keys(TRANSFER_CHECK_CODES)).to.have.members([...TRANSFER_CHECKS]);
    expect(TRANSFER_CHECK_CODES.Ok).to.equal(null);
    for (const check of TRANSFER_CHECKS.filter((c) => c !== "Ok"))
      expect(ERRORS, `${check} -> ${TRANSFER_CHECK_CODES[check]}`).to.have.property(
        TRANSFER_CHECK_CODES[check] as string,
      );
    expect(transferCheckCode(10n)).to.equal("INSUFFICIENT_BALANCE");
    expect(transferCheckCode(TRANSFER_CHECKS.length), "a reason this gateway does not know").to.equal(
      "TRANSACTION_REVERTED",
    );
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
