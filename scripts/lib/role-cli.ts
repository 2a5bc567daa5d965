import type { Command } from "commander";
import { address, examples, run, writeOf, writeOptions } from "./cli/command";
import { describeOperation } from "./cli/gateway";
import { emit } from "./cli/io";
import type { CliIo, Opts } from "./cli/io";

interface RoleBody {
  role: string;
  managed: boolean;
  adminRole: string;
  members: { account: string; grantedAt: string; grantedBy: string; blockNumber: number; transactionHash: string }[];
}

const ROLE_NOTE = `
Roles: OPERATOR and VERIFIER are granted and revoked (by the authority's API key); AUTHORITY and DEFAULT_ADMIN
are listed only.`;

/** `roles list|grant|revoke` (alias `role`): the ledger's roles through the gateway's HTTP API (/v1/roles). */
export function addRoleCommands(program: Command, io: CliIo): void {
  const role = examples(
    program
      .command("roles")
      .alias("role")
      .description("on-chain roles: who holds which; the authority grants and revokes OPERATOR and VERIFIER"),
    "roles list",
    "roles grant --role OPERATOR --account 0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "roles revoke --role VERIFIER --account 0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65 --json",
  ).addHelpText("after", ROLE_NOTE);

  examples(
    run(
      role
        .command("list")
        .description("who holds which role (DEFAULT_ADMIN, AUTHORITY, OPERATOR, VERIFIER), read from the chain")
        .option("--role <role>", "only this role"),
      io,
      async (o: Opts<{ role?: string }>, gw) => {
        const body = o.role
          ? await gw.get<RoleBody>(`/v1/roles/${encodeURIComponent(o.role)}`)
          : await gw.get<{ items: RoleBody[] }>("/v1/roles");
        emit(io, o, body, () => {
          const roles = "items" in body ? body.items : [body];
          return roles
            .map((r) =>
              [
                `${r.role}  (administered by ${r.adminRole}${r.managed ? "; granted and revoked here" : "; read only"})`,
                ...(r.members.length === 0 ? ["  no holder"] : []),
                ...r.members.map(
                  (m) => `  ${m.account}  since ${m.grantedAt}  granted by ${m.grantedBy}  (block ${m.blockNumber})`,
                ),
              ].join("\n"),
            )
            .join("\n");
        });
      },
    ),
    "roles list",
    "roles list --role verifier --json",
  );

  for (const action of ["grant", "revoke"] as const) {
    examples(
      run(
        writeOptions(
          role
            .command(action)
            .description(
              `${action} OPERATOR or VERIFIER ${action === "grant" ? "to" : "from"} an account (the authority's transaction)`,
            )
            .requiredOption("--role <role>", "OPERATOR or VERIFIER (any case)")
            .requiredOption("--account <address>", "the account (0x-prefixed address)", address),
        ),
        io,
        async (o: Opts<{ role: string; account: string; wait?: boolean; idempotencyKey?: string }>, gw) => {
          const path = `/v1/roles/${encodeURIComponent(o.role)}/members`;
          const op =
            action === "grant"
              ? await gw.operation("POST", path, { account: o.account }, writeOf(o))
              : await gw.operation("DELETE", `${path}/${encodeURIComponent(o.account)}`, undefined, writeOf(o));
          const what = `${o.role.toUpperCase()} ${action === "grant" ? "granted to" : "revoked from"} ${o.account}`;
          emit(io, o, { operation: op }, () => describeOperation(what, op));
        },
      ),
      `roles ${action} --role OPERATOR --account 0x90F79bf6EB2c4f870365E785982E1f101E93b906`,
      `roles ${action} --role VERIFIER --account 0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65 --idempotency-key ${action}-verifier-2026-05 --json`,
    );
  }
}
