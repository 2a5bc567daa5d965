import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { address, examples, jsonArg, positiveInt, run, writeOf, writeOptions } from "./command";
import { describeOperation, withNextPage } from "./gateway";
import { emit, table, usage } from "./io";
import type { CliIo, Opts } from "./io";

const HOLDER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
type WriteOpts = { wait?: boolean; idempotencyKey?: string };

interface ParticipantRow {
  address: string;
  kind: string;
  status: string;
  identityHash: string;
  createdAt: string;
}
interface Participant {
  address: string;
  status: string;
  kind: string | null;
  identity: Record<string, unknown> | null;
  identityHash: string;
  onChain: {
    registered: boolean;
    frozen: boolean;
    frozenByAuthority: boolean;
    acknowledgedVersion: number;
    acknowledgedCurrent: boolean;
    registeredAt: string | null;
  };
}
interface Disclosure {
  version: number;
  current: boolean;
  documentHash: string;
  uri: string;
  publishedAt: string;
  text: string | null;
}

/** `participants list|show|onboard`: participants registered after KYC (Art. 6.3), an operator's. */
export function addParticipantCommands(program: Command, io: CliIo): void {
  const participants = examples(
    program.command("participants").description("participants: registered after KYC by an operator (Art. 6.3)"),
    "participants list",
    `participants show ${HOLDER}`,
    `participants onboard --address ${HOLDER} --kind NaturalPerson --identity @kyc.json --acknowledgement @ack.json`,
  );

  examples(
    run(
      participants
        .command("list")
        .description("participants registered through this gateway, oldest first")
        .option("--limit <n>", "at most this many (1-500)", positiveInt, 50)
        .option("--cursor <cursor>", "the next page: the cursor the previous page printed"),
      io,
      async (o: Opts<{ limit: number; cursor?: string }>, gw) => {
        const body = await gw.get<{ items: ParticipantRow[]; next: string | null }>("/v1/participants", {
          limit: o.limit,
          cursor: o.cursor,
        });
        emit(io, o, body, () => {
          const t = table(
            ["ADDRESS", "KIND", "STATUS", "REGISTERED AT"],
            body.items.map((p) => [p.address, p.kind, p.status, p.createdAt]),
          );
          return withNextPage(t, body.next);
        });
      },
    ),
    "participants list --limit 100 --cursor <the cursor the previous page printed>",
  );

  examples(
    run(
      participants
        .command("show")
        .argument("<address>", "the participant's address")
        .description("a participant: KYC data, on-chain status, disclosure"),
      io,
      async (o, gw, [a]) => {
        const p = await gw.get<Participant>(`/v1/participants/${encodeURIComponent(a)}`);
        emit(io, o, p, () =>
          [
            `address          ${p.address}`,
            `kind             ${p.kind ?? "-"}`,
            `status           ${p.status}`,
            `registered       ${p.onChain.registered ? `yes, at ${p.onChain.registeredAt}` : "no"}`,
            `frozen           ${p.onChain.frozen ? (p.onChain.frozenByAuthority ? "yes, by the authority's order" : "yes") : "no"}`,
            `disclosure       acknowledged version ${p.onChain.acknowledgedVersion || "none"}${p.onChain.acknowledgedCurrent ? " (current)" : " (not the current one)"}`,
            `identity hash    ${p.identityHash}`,
            `identity         ${p.identity ? JSON.stringify(p.identity) : "-"}`,
          ].join("\n"),
        );
      },
    ),
    `participants show ${HOLDER} --json`,
  );

  examples(
    run(
      writeOptions(
        participants
          .command("onboard")
          .description(
            "register a participant after KYC, optionally with their signed acknowledgement of the disclosure",
          )
          .requiredOption("--address <address>", "the participant's account", address)
          .requiredOption("--kind <kind>", "NaturalPerson, IndividualEntrepreneur or LegalEntity")
          .requiredOption(
            "--identity <json>",
            "KYC data as a JSON object, or @file (only its hash goes on chain)",
            jsonArg,
          )
          .option(
            "--acknowledgement <json>",
            "their signed acknowledgement {version, deadline, signature} (EIP-712 DisclosureAcknowledgement), or @file",
            jsonArg,
          ),
      ),
      io,
      async (
        o: Opts<WriteOpts & { address: string; kind: string; identity: unknown; acknowledgement?: unknown }>,
        gw,
      ) => {
        const op = await gw.operation(
          "POST",
          "/v1/participants",
          { address: o.address, kind: o.kind, identity: o.identity, acknowledgement: o.acknowledgement },
          writeOf(o),
        );
        emit(io, o, { operation: op }, () => describeOperation(`${o.address} registered as ${o.kind}`, op));
      },
    ),
    `participants onboard --address ${HOLDER} --kind NaturalPerson --identity '{"fullName":"Aigerim Bekova","iin":"900101300126"}'`,
    `participants onboard --address ${HOLDER} --kind LegalEntity --identity @kyc.json --acknowledgement @ack.json --json`,
  );
}

/** `disclosures list|publish|status`: the risk disclosure (Art. 6.4) and who acknowledged it. */
export function addDisclosureCommands(program: Command, io: CliIo): void {
  const disclosures = examples(
    program
      .command("disclosures")
      .description("the risk disclosure (Art. 6.4): its versions, publishing a new one, who acknowledged it"),
    "disclosures list",
    'disclosures publish --text-file risks-v2.txt --uri "https://platform.kz/risks/v2"',
    `disclosures status --participant ${HOLDER}`,
  );

  examples(
    run(disclosures.command("list").description("every published version, oldest first"), io, async (o, gw) => {
      const current = await gw.find<Disclosure>(
        "/v1/disclosures/current",
        ["DISCLOSURE_NOT_PUBLISHED", "NOT_FOUND"],
        "optional",
      );
      const items: Disclosure[] = [];
      for (let v = 1; current && v <= current.version; v++)
        items.push(v === current.version ? current : await gw.get<Disclosure>(`/v1/disclosures/${v}`, {}, "optional"));
      emit(io, o, { items }, () =>
        table(
          ["VERSION", "CURRENT", "PUBLISHED AT", "DOCUMENT HASH", "URI"],
          items.map((d) => [d.version, d.current ? "yes" : "", d.publishedAt, d.documentHash, d.uri]),
        ),
      );
    }),
    "disclosures list --json",
  );

  examples(
    run(
      writeOptions(
        disclosures
          .command("publish")
          .description("publish a new version (participants must acknowledge it before they transfer)")
          .requiredOption("--uri <uri>", "where the document is published")
          .option("--text <text>", "the text (the gateway hashes it with keccak256)")
          .option("--text-file <file>", "the text, from a file")
          .option("--document-hash <hash>", "only the document's keccak256 hash (0x + 64 hex)"),
      ),
      io,
      async (o: Opts<WriteOpts & { uri: string; text?: string; textFile?: string; documentHash?: string }>, gw) => {
        const given = [o.text, o.textFile, o.documentHash].filter((x) => x !== undefined).length;
        if (given !== 1) usage(io, "give exactly one of --text, --text-file, --document-hash");
        let text = o.text;
        if (o.textFile !== undefined) {
          try {
            text = readFileSync(o.textFile, "utf8");
          } catch (err) {
            usage(io, `--text-file: ${(err as Error).message}`);
          }
        }
        const op = await gw.operation(
          "POST",
          "/v1/disclosures",
          { uri: o.uri, text, documentHash: o.documentHash },
          writeOf(o),
        );
        emit(io, o, { operation: op }, () => describeOperation("disclosure published", op));
      },
    ),
    'disclosures publish --text "Digital assets may lose all their value." --uri "https://platform.kz/risks/v2"',
    'disclosures publish --document-hash 0x8f4e...c21a --uri "https://platform.kz/risks/v2.pdf" --no-wait',
  );

  examples(
    run(
      disclosures
        .command("status")
        .description("the current version; with --participant, whether they acknowledged it (exit 3 if not registered)")
        .option("--participant <address>", "a participant's account", address),
      io,
      async (o: Opts<{ participant?: string }>, gw) => {
        const current = await gw.find<Disclosure>(
          "/v1/disclosures/current",
          ["DISCLOSURE_NOT_PUBLISHED", "NOT_FOUND"],
          "optional",
        );
        let participant: { address: string; acknowledgedVersion: number; acknowledgedCurrent: boolean } | undefined;
        if (o.participant) {
          const p = await gw.get<Participant>(`/v1/participants/${encodeURIComponent(o.participant)}`);
          participant = {
            address: p.address,
            acknowledgedVersion: p.onChain.acknowledgedVersion,
            acknowledgedCurrent: p.onChain.acknowledgedCurrent,
          };
        }
        emit(io, o, { current, ...(participant ? { participant } : {}) }, () => {
          const lines = [
            current
              ? `current disclosure: version ${current.version}, published ${current.publishedAt}, ${current.uri} (hash ${current.documentHash})`
              : "no disclosure published yet",
          ];
          if (participant)
            lines.push(
              `${participant.address}: ${participant.acknowledgedCurrent ? "acknowledged the current version" : `has NOT acknowledged the current version (last acknowledged: ${participant.acknowledgedVersion || "none"})`}`,
            );
          return lines.join("\n");
        });
      },
    ),
    "disclosures status",
    `disclosures status --participant ${HOLDER} --json`,
  );
}
