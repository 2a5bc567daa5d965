import "reflect-metadata";
import { Command, CommanderError } from "commander";
import { loadDatabaseConfig } from "../server/config";
import { openDatabase } from "../server/persistence/data-source";
import { ROLES } from "../server/persistence/entities";
import type { Role } from "../server/persistence/entities";
import { ApiKeyService } from "../server/services/api-keys";
import { addRoleCommands, CliExit, EXIT } from "./lib/role-cli";
import type { CliIo } from "./lib/role-cli";

const processIo: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), env: process.env };

async function withKeys<T>(work: (keys: ApiKeyService) => Promise<T>): Promise<T> {
  const db = await openDatabase(loadDatabaseConfig());
  try {
    return await work(new ApiKeyService(db));
  } finally {
    await db.close();
  }
}

/**
 * Operator command-line tasks: API keys (created, listed, revoked in the gateway's database; stored as SHA-256
 * hashes only) and on-chain roles (through the gateway's HTTP API).
 */
export function buildCli(io: CliIo = processIo): Command {
  const program = new Command("cli")
    .description("Secured digital assets gateway: command-line tasks")
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t) });
  const apiKey = program.command("api-key").description("API keys of the authority, operators, verifiers and monitors");

  apiKey
    .command("create")
    .requiredOption("--role <role>", `one of ${ROLES.join(", ")}`)
    .requiredOption("--name <name>", "who holds the key")
    .option("--json", "print JSON")
    .action(async (opts: { role: string; name: string; json?: boolean }) => {
      if (!ROLES.includes(opts.role as Role)) {
        console.error(`unknown role '${opts.role}': use one of ${ROLES.join(", ")}`);
        process.exit(2);
      }
      const { client, secret } = await withKeys((k) => k.create(opts.name, opts.role as Role));
      if (opts.json) console.log(JSON.stringify({ id: client.id, name: client.name, role: client.role, key: secret }));
      else
        console.log(
          `created ${client.role} key '${client.name}' (id ${client.id})\nkey (shown once, store it now): ${secret}`,
        );
    });

  apiKey
    .command("revoke <idOrName>")
    .description("revoke by id, or every active key with that name")
    .action(async (idOrName: string) => {
      const n = await withKeys((k) => k.revoke(idOrName));
      console.log(n ? `revoked ${n} key(s)` : "no active key with that id or name");
      if (!n) process.exit(1);
    });

  apiKey.command("list").action(async () => {
    const clients = await withKeys((k) => k.list());
    for (const c of clients)
      console.log(
        `${c.id}  ${c.role.padEnd(9)}  ${c.revokedAt ? `revoked ${c.revokedAt}` : "active".padEnd(32)}  ${c.name}`,
      );
  });

  addRoleCommands(program, io);
  return program;
}

/** Runs one command line (without node and the script); resolves to the exit code: 0 done, 1 refused, 2 bad usage, 3 unreachable. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    await buildCli(io).parseAsync(argv, { from: "user" });
    return EXIT.OK;
  } catch (err) {
    if (err instanceof CliExit) return err.exitCode;
    // Help and version end with 0; an unknown command or option, or a missing one, is bad usage.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    io.err(`${(err as Error).message}\n`);
    return EXIT.REFUSED;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
