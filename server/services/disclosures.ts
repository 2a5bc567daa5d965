import { randomUUID } from "node:crypto";
import { keccak256, toUtf8Bytes } from "ethers";
import { textFaults } from "../chain/ledger";
import type { LedgerClient } from "../chain/ledger";
import type { Submitter } from "../outbox/submitter";
import type { Database } from "../persistence/data-source";
import { Disclosure } from "../persistence/entities";
import type { Operation } from "../persistence/entities";
import type { Role } from "../domain/roles";
import { AppError } from "../errors";
import type { OperationService } from "./operations";
import type { IdempotencyService } from "./idempotency";
import { signerForRole } from "./participants";
import { DocumentUriPolicy } from "./document-uri";

/** The versioned risk disclosure (Art. 6.4): text kept here, hash and URI on chain. */
export class DisclosureService {
  constructor(
    private readonly db: Database,
    private readonly chain: LedgerClient,
    private readonly operations: OperationService,
    private readonly idempotency: IdempotencyService,
    submitter: Submitter,
    private readonly documentUris: DocumentUriPolicy = new DocumentUriPolicy(false),
  ) {
    submitter.onSettled("disclosure.publish", async (em, op, outcome) => {
      const event = outcome.events.find((e) => e.name === "DisclosurePublished");
      await em.update(
        Disclosure,
        { operationId: op.id },
        outcome.status === "posted" && event
          ? { status: "published", version: Number(event.args.version) }
          : { status: "failed" },
      );
    });
  }

  async current() {
    const version = Number(await this.chain.ledger.currentDisclosureVersion());
    if (version === 0) throw new AppError("DISCLOSURE_NOT_PUBLISHED");
    return this.get(version);
  }

  async get(version: number) {
    const current = Number(await this.chain.ledger.currentDisclosureVersion());
    if (version < 1 || version > current) throw new AppError("NOT_FOUND", { version, current });
    const { value: d, texts } = await this.chain.view(this.chain.ledger.disclosure, [version]);
    const row = await this.db.manager.findOneBy(Disclosure, { version });
    return {
      version,
      current: version === current,
      documentHash: d.documentHash,
      uri: d.uri,
      publishedAt: new Date(Number(d.publishedAt) * 1000).toISOString(),
      text: row?.text ?? null,
      textFaults: textFaults(texts),
    };
  }

  async publish(
    input: { text?: string; documentHash?: string; uri: string },
    role: Role,
    clientId: string,
    idempotencyId?: string,
  ): Promise<Operation> {
    const documentHash = input.text !== undefined ? keccak256(toUtf8Bytes(input.text)) : input.documentHash;
    if (!documentHash) throw new AppError("DISCLOSURE_INVALID");
    if (signerForRole(role) === "operator") await this.operations.requireOperator({ orAuthority: true });
    this.documentUris.check(input.uri);
    if (input.text !== undefined && input.documentHash && input.documentHash.toLowerCase() !== documentHash) {
      throw new AppError("VALIDATION_FAILED", {
        issues: [{ path: "documentHash", message: "is not keccak256 of the text" }],
      });
    }
    return this.operations.submitCall(
      {
        kind: "disclosure.publish",
        signer: signerForRole(role),
        method: "publishDisclosure",
        args: [documentHash, input.uri],
        clientId,
        idempotencyId,
        after: async (em, op) => {
          await em.insert(Disclosure, {
            id: randomUUID(),
            version: null,
            documentHash,
            uri: input.uri,
            text: input.text ?? null,
            status: "pending",
            operationId: op.id,
            createdAt: new Date().toISOString(),
          });
        },
      },
      this.idempotency,
    );
  }
}
