import { decodeBytes32String, encodeBytes32String, getAddress, isHexString } from "ethers";
import type { LedgerClient } from "../chain/ledger";
import type { Operation } from "../persistence/entities";
import { AppError } from "../errors";
import type { OperationService } from "./operations";
import type { IdempotencyService } from "./idempotency";
import { ASSET_CATEGORIES, enumPosition, type AssetCategory } from "../domain/ledger-enums";
import type { OperationKind } from "../domain/operation-kinds";

/** An asset type code: a bytes32 hex value, or a short text (at most 31 bytes) encoded as bytes32. */
export function assetTypeCode(code: string): string {
  if (isHexString(code, 32)) return code.toLowerCase();
  try {
    return encodeBytes32String(code);
  } catch {
    throw new AppError("VALIDATION_FAILED", {
      issues: [{ path: "code", message: "at most 31 bytes of text, or a bytes32 hex value" }],
    });
  }
}
export function assetTypeLabel(code: string): string | null {
  try {
    return decodeBytes32String(code);
  } catch {
    return null;
  }
}

/** The authority's registers: permits (Art. 6.1, 9), recognised asset types (Art. 4.1.8), the platform pause. */
export class RegistryService {
  constructor(
    private readonly chain: LedgerClient,
    private readonly operations: OperationService,
    private readonly idempotency: IdempotencyService,
  ) {}

  private authorityCall(
    kind: OperationKind,
    method: string,
    args: unknown[],
    clientId: string,
    idempotencyId?: string,
  ): Promise<Operation> {
    return this.operations.submitCall(
      { kind, signer: "authority", method, args, clientId, idempotencyId },
      this.idempotency,
    );
  }

  grantPermit(
    i: { operator: string; legalName: string; bin: string; permitNumber: string; scope: string },
    clientId: string,
    idem?: string,
  ) {
    return this.authorityCall(
      "permit.grant",
      "grantPermit",
      [getAddress(i.operator), { legalName: i.legalName, bin: i.bin, permitNumber: i.permitNumber, scope: i.scope }],
      clientId,
      idem,
    );
  }
  suspendPermit(operator: string, reason: string, until: number, clientId: string, idem?: string) {
    return this.authorityCall("permit.suspend", "suspendPermit", [getAddress(operator), reason, until], clientId, idem);
  }
  resumePermit(operator: string, clientId: string, idem?: string) {
    return this.authorityCall("permit.resume", "resumePermit", [getAddress(operator)], clientId, idem);
  }
  revokePermit(operator: string, courtDecision: string, clientId: string, idem?: string) {
    return this.authorityCall("permit.revoke", "revokePermit", [getAddress(operator), courtDecision], clientId, idem);
  }

  listAssetType(i: { code: string; name: string; category: AssetCategory }, clientId: string, idem?: string) {
    return this.authorityCall(
      "asset-type.list",
      "listAssetType",
      [assetTypeCode(i.code), i.name, enumPosition(ASSET_CATEGORIES, i.category)],
      clientId,
      idem,
    );
  }
  delistAssetType(code: string, clientId: string, idem?: string) {
    return this.authorityCall("asset-type.delist", "delistAssetType", [assetTypeCode(code)], clientId, idem);
  }

  setPaused(paused: boolean, clientId: string, idem?: string) {
    return this.authorityCall(
      paused ? "platform.pause" : "platform.unpause",
      paused ? "pause" : "unpause",
      [],
      clientId,
      idem,
    );
  }

  async platform() {
    const [paused, disclosureVersion, assetCount] = await Promise.all([
      this.chain.ledger.paused(),
      this.chain.ledger.currentDisclosureVersion(),
      this.chain.ledger.assetCount(),
    ]);
    return {
      chainId: this.chain.chainId.toString(),
      ledger: this.chain.deployment.ledger,
      operator: this.chain.operatorAddress,
      operatorPermitted: await this.chain.ledger.isPermitted(this.chain.operatorAddress),
      authorityKeyConfigured: this.chain.hasWallet("authority"),
      paused,
      disclosureVersion: Number(disclosureVersion),
      assetCount: Number(assetCount),
      eip712Domain: { ...this.chain.domain, chainId: this.chain.chainId.toString() },
    };
  }
}
