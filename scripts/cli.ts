import { Command, CommanderError } from "commander";
import { addDeployCommand } from "./lib/cli/deploy";
import { defaultUrl } from "./lib/cli/gateway";
import { CliExit, EXIT, processIo } from "./lib/cli/io";
import type { CliIo } from "./lib/cli/io";
import { addKeyCommands } from "./lib/cli/keys";
import { addDisclosureCommands, addParticipantCommands } from "./lib/cli/participants";
import { addMirrorCommands, addRecordCommands } from "./lib/cli/records";
import { addAssetTypeCommands, addPermitCommands } from "./lib/cli/registers";
import { addRoleCommands } from "./lib/role-cli";

export { EXIT } from "./lib/cli/io";
export type { CliIo } from "./lib/cli/io";

const FOOTER = `
Every command but keys and deploy talks to a gateway's HTTP API: --url (or GATEWAY_URL) and --api-key (or
SDA_API_KEY). --json prints one JSON document on stdout and nothing else there (npm run -s keeps npm's banner off).

Exit codes: 0 ok; 1 unexpected failure; 2 usage error; 3 refused by the gateway (4xx: its code and detail are
printed) or failed on chain; 4 gateway or chain unavailable (no answer, 502/503/504); 5 a record chain diverges.

Examples:
  $ export GATEWAY_URL=https://gateway.example.kz SDA_API_KEY=sda_authority_...
  $ npm run cli -- permits list
  $ npm run cli -- participants show 0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65 --json
  $ npm run cli -- records export --asset 1 --out records-1.csv
  $ npm run cli -- <group> <action> --help`;

/**
 * `npm run cli -- <group> <action>`: what an operator and the authority do from a terminal, through the gateway's
 * HTTP API (keys: the gateway's database, where they are bootstrapped; deploy: the chain).
 */
export function buildCli(io: CliIo = processIo): Command {
  const program = new Command("cli")
    .description("Secured digital assets: the operator's and the authority's command line")
    .option("--url <url>", `the gateway's base URL (env GATEWAY_URL, default ${defaultUrl(io.env)})`)
    .option("--api-key <key>", "an API key (env SDA_API_KEY)")
    .option("--json", "print one JSON document on stdout (errors: the problem) for scripts")
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError("(add --help for usage and examples)")
    .addHelpText("after", FOOTER)
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t) });
  addKeyCommands(program, io);
  addRoleCommands(program, io);
  addPermitCommands(program, io);
  addParticipantCommands(program, io);
  addDisclosureCommands(program, io);
  addAssetTypeCommands(program, io);
  addRecordCommands(program, io);
  addMirrorCommands(program, io);
  addDeployCommand(program, io);
  // Every command and group ends on a usage error through commander's exitOverride, with the same output.
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program).slice(1))
    c.exitOverride()
      .configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t) })
      .showHelpAfterError("(add --help for usage and examples)");
  return program;
}

/** Runs one command line (without node and the script); resolves to the exit code (see FOOTER). */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    await buildCli(io).parseAsync(argv, { from: "user" });
    return EXIT.OK;
  } catch (err) {
    if (err instanceof CliExit) return err.exitCode;
    // Help and version end with 0; an unknown command or option, a missing or invalid one, is bad usage.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    io.err(`unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.FAILURE;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
