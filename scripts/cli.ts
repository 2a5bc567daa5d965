import "reflect-metadata";
import { Command } from "commander";
import { loadDatabaseConfig } from "../server/config";
import { openDatabase } from "../server/persistence/data-source";
import { ROLES } from "../server/persistence/entities";
import type { Role } from "../server/persistence/entities";
import { ApiKeyService } from "../server/services/api-keys";

/** Operator command-line tasks: API keys (created, listed, revoked; stored as SHA-256 hashes only). */
const program = new Command("cli").description("Secured digital assets gateway: command-line tasks");
const apiKey = program.command("api-key").description("API keys of the authority, operators, verifiers and monitors");

async function withKeys<T>(work: (keys: ApiKeyService) => Promise<T>): Promise<T> {
  const db = await openDatabase(loadDatabaseConfig());
  try {
    return await work(new ApiKeyService(db));
  } finally {
    await db.close();
  }
}

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
    else console.log(`created ${client.role} key '${client.name}' (id ${client.id})\nkey (shown once, store it now): ${secret}`);
  });

apiKey
  .command("revoke <idOrName>")
  .description("revoke by id, or every active key with that name")
  .action(async (idOrName: string) => {
    const n = await withKeys((k) => k.revoke(idOrName));
    console.log(n ? `revoked ${n} key(s)` : "no active key with that id or name");
    if (!n) process.exit(1);
  });

apiKey
  .command("list")
  .action(async () => {
    const clients = await withKeys((k) => k.list());
    for (const c of clients) console.log(`${c.id}  ${c.role.padEnd(9)}  ${c.revokedAt ? `revoked ${c.revokedAt}` : "active".padEnd(32)}  ${c.name}`);
  });

program.parseAsync().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
