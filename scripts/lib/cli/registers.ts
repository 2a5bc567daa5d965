import type { Command } from "commander";
import { address, examples, positiveInt, run, writeOf, writeOptions } from "./command";
import { describeOperation, withNextPage } from "./gateway";
import { emit, table, usage } from "./io";
import type { CliIo, Opts } from "./io";

/** Categories the ledger recognises (server/services/registry.ts); money and securities the gateway refuses. */
const CATEGORIES = "TangibleAsset, Service, IntellectualProperty or IntellectualService";

interface Permit {
  operator: string;
  status: string;
  permitted: boolean;
  operatorRole: boolean;
  suspendedUntil: string | null;
  /** Null while the record mirror has not read the grant's block time. */
  grantedAt: string | null;
  details: { legalName: string; bin: string; permitNumber: string; scope: string } | null;
}
/** A permit as the list shows it (GET /v1/permits, from the record mirror: what the ledger's events say). */
interface ListedPermit {
  operator: string;
  status: string;
  suspendedUntil: string | null;
  details: { legalName: string; bin: string; permitNumber: string; scope: string };
}
interface AssetType {
  code: string;
  label: string | null;
  name: string;
  category: string;
  listed: boolean;
}
type WriteOpts = { wait?: boolean; idempotencyKey?: string };

const OPERATOR = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

/** `permits list|show|grant|suspend|resume|revoke`: the operators' permit register (Art. 6.1), the authority's. */
export function addPermitCommands(program: Command, io: CliIo): void {
  const permits = examples(
    program
      .command("permits")
      .description("operators' permits (Art. 6.1): the authority grants, suspends, resumes, revokes"),
    "permits list",
    `permits grant --operator ${OPERATOR} --legal-name "Steppe Exchange LLP" --bin 180540012340 --permit-number AFSA-2026-001 --scope "operating a digital asset platform"`,
    `permits suspend ${OPERATOR} --reason "audit pending" --until 2026-12-31T00:00:00Z`,
  );

  examples(
    run(
      permits
        .command("list")
        .description("the permit register, in operator address order")
        .option("--limit <n>", "at most this many (1-500)", positiveInt, 50)
        .option("--cursor <cursor>", "the next page: the cursor the previous page printed"),
      io,
      async (o: Opts<{ limit: number; cursor?: string }>, gw) => {
        const body = await gw.get<{ items: ListedPermit[]; next: string | null }>("/v1/permits", {
          limit: o.limit,
          cursor: o.cursor,
        });
        emit(io, o, body, () =>
          withNextPage(
            table(
              ["OPERATOR", "STATUS", "SUSPENDED UNTIL", "PERMIT", "LEGAL NAME"],
              body.items.map((p) => [
                p.operator,
                p.status,
                p.suspendedUntil,
                p.details?.permitNumber,
                p.details?.legalName,
              ]),
            ),
            body.next,
          ),
        );
      },
    ),
    "permits list",
    "permits list --limit 100 --cursor <the cursor the previous page printed>",
    "permits list --json",
  );

  examples(
    run(
      permits.command("show").argument("<operator>", "the operator's address").description("one operator's permit"),
      io,
      async (o, gw, [op]) => {
        const p = await gw.get<Permit>(`/v1/permits/${encodeURIComponent(op)}`);
        emit(io, o, p, () =>
          [
            `operator        ${p.operator}`,
            `status          ${p.status}${p.suspendedUntil ? ` until ${p.suspendedUntil}` : ""}`,
            `permitted now   ${p.permitted ? "yes" : "no"} (OPERATOR role: ${p.operatorRole ? "yes" : "no"})`,
            `granted at      ${p.grantedAt ?? "(not read yet)"}`,
            ...(p.details
              ? [
                  `legal name      ${p.details.legalName}`,
                  `BIN             ${p.details.bin}`,
                  `permit number   ${p.details.permitNumber}`,
                  `scope           ${p.details.scope}`,
                ]
              : []),
          ].join("\n"),
        );
      },
    ),
    `permits show ${OPERATOR}`,
  );

  examples(
    run(
      writeOptions(
        permits
          .command("grant")
          .description("grant an operator's permit (the authority's transaction)")
          .requiredOption("--operator <address>", "the operator's account", address)
          .requiredOption("--legal-name <name>", "the operator's legal name")
          .requiredOption("--bin <bin>", "its business identification number (12 digits)")
          .requiredOption("--permit-number <number>", "the permit's number")
          .requiredOption("--scope <scope>", "what the permit covers"),
      ),
      io,
      async (
        o: Opts<WriteOpts & { operator: string; legalName: string; bin: string; permitNumber: string; scope: string }>,
        gw,
      ) => {
        const op = await gw.operation(
          "POST",
          "/v1/permits",
          { operator: o.operator, legalName: o.legalName, bin: o.bin, permitNumber: o.permitNumber, scope: o.scope },
          writeOf(o),
        );
        emit(io, o, { operation: op }, () => describeOperation(`permit granted to ${o.operator}`, op));
      },
    ),
    `permits grant --operator ${OPERATOR} --legal-name "Steppe Exchange LLP" --bin 180540012340 --permit-number AFSA-2026-001 --scope "operating a digital asset platform"`,
  );

  examples(
    run(
      writeOptions(
        permits
          .command("suspend")
          .argument("<operator>", "the operator's address")
          .description("suspend a permit, with a reason, until a time")
          .requiredOption("--reason <reason>", "why (recorded on chain)")
          .requiredOption("--until <time>", "ISO 8601 end of the suspension, e.g. 2026-12-31T00:00:00Z"),
      ),
      io,
      async (o: Opts<WriteOpts & { reason: string; until: string }>, gw, [op]) => {
        const until = Date.parse(o.until);
        if (Number.isNaN(until)) usage(io, `--until: '${o.until}' is not an ISO 8601 time`);
        const res = await gw.operation(
          "POST",
          `/v1/permits/${encodeURIComponent(op)}/suspend`,
          { reason: o.reason, until: new Date(until).toISOString() },
          writeOf(o),
        );
        emit(io, o, { operation: res }, () => describeOperation(`permit of ${op} suspended`, res));
      },
    ),
    `permits suspend ${OPERATOR} --reason "audit pending" --until 2026-12-31T00:00:00Z`,
  );

  examples(
    run(
      writeOptions(
        permits
          .command("resume")
          .argument("<operator>", "the operator's address")
          .description("resume a suspended permit"),
      ),
      io,
      async (o: Opts<WriteOpts>, gw, [op]) => {
        const res = await gw.operation("POST", `/v1/permits/${encodeURIComponent(op)}/resume`, undefined, writeOf(o));
        emit(io, o, { operation: res }, () => describeOperation(`permit of ${op} resumed`, res));
      },
    ),
    `permits resume ${OPERATOR}`,
  );

  examples(
    run(
      writeOptions(
        permits
          .command("revoke")
          .argument("<operator>", "the operator's address")
          .description("revoke a permit (final), citing the court decision")
          .requiredOption("--court-decision <reference>", "the court decision revoking it"),
      ),
      io,
      async (o: Opts<WriteOpts & { courtDecision: string }>, gw, [op]) => {
        const res = await gw.operation(
          "POST",
          `/v1/permits/${encodeURIComponent(op)}/revoke`,
          { courtDecision: o.courtDecision },
          writeOf(o),
        );
        emit(io, o, { operation: res }, () => describeOperation(`permit of ${op} revoked`, res));
      },
    ),
    `permits revoke ${OPERATOR} --court-decision "Astana SMEC 2-1234/2026"`,
  );
}

/** `asset-types list|add|remove`: the types of assets the authority recognises (Art. 4.1.8). */
export function addAssetTypeCommands(program: Command, io: CliIo): void {
  const types = examples(
    program
      .command("asset-types")
      .description("recognised asset types (Art. 4.1.8); the authority adds and removes them"),
    "asset-types list",
    'asset-types add --code GRAIN --name "Grain in a certified elevator" --category TangibleAsset',
  );

  examples(
    run(
      types
        .command("list")
        .description("recognised asset types, in code order")
        .option("--limit <n>", "at most this many (1-500)", positiveInt, 50)
        .option("--cursor <cursor>", "the next page: the cursor the previous page printed"),
      io,
      async (o: Opts<{ limit: number; cursor?: string }>, gw) => {
        const body = await gw.get<{ items: AssetType[]; next: string | null }>("/v1/asset-types", {
          limit: o.limit,
          cursor: o.cursor,
        });
        emit(io, o, body, () =>
          withNextPage(
            table(
              ["CODE", "CATEGORY", "LISTED", "NAME"],
              body.items.map((t) => [t.label ?? t.code, t.category, t.listed ? "yes" : "no", t.name]),
            ),
            body.next,
          ),
        );
      },
    ),
    "asset-types list --json",
  );

  examples(
    run(
      writeOptions(
        types
          .command("add")
          .description("recognise an asset type (money and securities are refused)")
          .requiredOption("--code <code>", "short text (at most 31 bytes) or bytes32 hex")
          .requiredOption("--name <name>", "what it is")
          .requiredOption("--category <category>", CATEGORIES),
      ),
      io,
      async (o: Opts<WriteOpts & { code: string; name: string; category: string }>, gw) => {
        const op = await gw.operation(
          "POST",
          "/v1/asset-types",
          { code: o.code, name: o.name, category: o.category },
          writeOf(o),
        );
        emit(io, o, { operation: op }, () => describeOperation(`asset type ${o.code} recognised`, op));
      },
    ),
    'asset-types add --code GRAIN --name "Grain in a certified elevator" --category TangibleAsset',
  );

  examples(
    run(
      writeOptions(types.command("remove").argument("<code>", "the type's code").description("delist an asset type")),
      io,
      async (o: Opts<WriteOpts>, gw, [code]) => {
        const op = await gw.operation("DELETE", `/v1/asset-types/${encodeURIComponent(code)}`, undefined, writeOf(o));
        emit(io, o, { operation: op }, () => describeOperation(`asset type ${code} delisted`, op));
      },
    ),
    "asset-types remove GRAIN",
  );
}
