import type { Command } from "commander";
import { examples } from "./command";
import { CliExit, EXIT, emit, table, usage } from "./io";
import type { CliIo, GlobalOptions } from "./io";
import type { ApiKeyService } from "../../../server/services/api-keys";

const ROLES = ["authority", "operator", "verifier", "monitor"];

/**
 * The key store, opened on the gateway's database (DATABASE_URL / SQLITE_FILE, as the gateway): API keys are how
 * anyone first reaches the API, so they are bootstrapped here, not through it. Loaded only by these commands.
 */
async function withKeys<T>(io: CliIo, work: (keys: ApiKeyService) => Promise<T>): Promise<T> {
  await import("reflect-metadata");
  const { loadDatabaseConfig } = await import("../../../server/config");
  const { openDatabase } = await import("../../../server/persistence/data-source");
  const { GATEWAY_MODEL } = await import("../../../server/database-model");
  const { ApiKeyService } = await import("../../../server/services/api-keys");
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase(loadDatabaseConfig(io.env), GATEWAY_MODEL);
  } catch (err) {
    io.err(`the gateway's database is unavailable: ${(err as Error).message}\n`);
    throw new CliExit(EXIT.UNAVAILABLE);
  }
  try {
    return await work(new ApiKeyService(db));
  } finally {
    await db.close();
  }
}

/** `keys create|list|revoke` (alias `api-key`): API keys, in the gateway's database, stored as SHA-256 hashes only. */
export function addKeyCommands(program: Command, io: CliIo): void {
  const keys = examples(
    program
      .command("keys")
      .alias("api-key")
      .description(
        "API keys of the authority, operators, verifiers and monitors (in the gateway's database: DATABASE_URL or SQLITE_FILE)",
      ),
    'keys create --role operator --name "Desk 1"',
    "keys list",
    "keys revoke 'Desk 1'",
  );

  examples(
    keys
      .command("create")
      .description("create a key; its secret is printed once and only its hash is stored")
      .requiredOption("--role <role>", `one of ${ROLES.join(", ")}`)
      .requiredOption("--name <name>", "who holds the key")
      .action(async (o: { role: string; name: string }, cmd: Command) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        if (!ROLES.includes(o.role)) usage(io, `unknown role '${o.role}': use one of ${ROLES.join(", ")}`);
        const { client, secret } = await withKeys(io, (k) => k.create(o.name, o.role as "operator"));
        emit(
          io,
          g,
          { id: client.id, name: client.name, role: client.role, key: secret },
          () =>
            `created ${client.role} key '${client.name}' (id ${client.id})\nkey (shown once, store it now): ${secret}`,
        );
      }),
    'keys create --role authority --name "Authority desk" --json',
  );

  examples(
    keys
      .command("list")
      .description("every key: id, role, active or revoked, holder")
      .action(async (_o: object, cmd: Command) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const clients = await withKeys(io, (k) => k.list());
        const items = clients.map((c) => ({
          id: c.id,
          name: c.name,
          role: c.role,
          createdAt: c.createdAt,
          revokedAt: c.revokedAt,
        }));
        emit(io, g, { items }, () =>
          table(
            ["ID", "ROLE", "STATE", "NAME"],
            items.map((c) => [c.id, c.role, c.revokedAt ? `revoked ${c.revokedAt}` : "active", c.name]),
          ),
        );
      }),
    "keys list --json",
  );

  examples(
    keys
      .command("revoke")
      .argument("<idOrName>", "a key's id, or a name (every active key with that name)")
      .description("revoke keys (exit 3 if none is active with that id or name)")
      .action(async (idOrName: string, _o: object, cmd: Command) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const n = await withKeys(io, (k) => k.revoke(idOrName));
        emit(io, g, { revoked: n }, () => (n ? `revoked ${n} key(s)` : "no active key with that id or name"));
        if (!n) throw new CliExit(EXIT.REFUSED);
      }),
    "keys revoke 5f0c3a1e-8a0b-4c1d-9e55-2f7d1c0b9a11",
  );
}
