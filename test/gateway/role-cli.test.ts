import { execFile } from "node:child_process";
import { join } from "node:path";
import { expect } from "chai";
import { bearer, randomHolder, startEnv } from "./support/harness";
import type { TestEnv } from "./support/harness";

const ROOT = join(__dirname, "..", "..");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `npm run cli -- role ...` as a script runs it: a separate process (ts-node, transpile only), the gateway's URL
 * and key from GATEWAY_URL / GATEWAY_API_KEY (the older name of SDA_API_KEY) unless given as options. Asynchronous: the gateway answers from this
 * process meanwhile.
 */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("GATEWAY_") && k !== "SDA_API_KEY"),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-r", "ts-node/register", join(ROOT, "scripts", "cli.ts"), ...args],
      { cwd: ROOT, env: { ...base, TS_NODE_TRANSPILE_ONLY: "true", ...env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("CLI: npm run cli -- role list|grant|revoke against a gateway", function () {
  let env: TestEnv;
  let asAuthority: Record<string, string>;
  const members = async (role: string): Promise<string[]> =>
    (await env.http.get(`/v1/roles/${role}`).set(bearer(env.keys.monitor))).body.members.map(
      (m: { account: string }) => m.account,
    );

  before(async () => {
    env = await startEnv();
    asAuthority = { GATEWAY_URL: env.url, GATEWAY_API_KEY: env.keys.authority };
  });
  after(async () => env?.close());

  it("lists the roles and their holders, as JSON or as text", async () => {
    const json = await cli(["role", "list", "--json"], asAuthority);
    expect(json.code, json.stderr).to.equal(0);
    const items = JSON.parse(json.stdout).items as { role: string; members: { account: string }[] }[];
    expect(items.map((r) => r.role)).to.deep.equal(["DEFAULT_ADMIN", "AUTHORITY", "OPERATOR", "VERIFIER"]);
    expect(items.find((r) => r.role === "OPERATOR")!.members.map((m) => m.account)).to.deep.equal([
      env.operator.address,
    ]);
    // Any key reads; options instead of the environment.
    const text = await cli(["role", "list", "--role", "verifier", "--url", env.url, "--api-key", env.keys.monitor]);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.contain("VERIFIER").and.to.contain(env.verifier.address).and.not.to.contain("OPERATOR ");
  });

  it("grants and revokes OPERATOR with the authority's key; a retry with the same Idempotency-Key is answered by the same operation", async () => {
    const account = randomHolder().address;
    const granted = await cli(
      ["role", "grant", "--role", "OPERATOR", "--account", account, "--json", "--idempotency-key", `cli-${account}`],
      asAuthority,
    );
    expect(granted.code, granted.stderr).to.equal(0);
    const op = JSON.parse(granted.stdout).operation;
    expect(op).to.include({ kind: "role.grant", status: "posted" });
    expect(await members("OPERATOR")).to.include(account);
    const retried = await cli(
      ["role", "grant", "--role", "OPERATOR", "--account", account, "--json", "--idempotency-key", `cli-${account}`],
      asAuthority,
    );
    expect(retried.code, retried.stderr).to.equal(0);
    expect(JSON.parse(retried.stdout).operation.id).to.equal(op.id);

    const revoked = await cli(["role", "revoke", "--role", "operator", "--account", account], asAuthority);
    expect(revoked.code, revoked.stderr).to.equal(0);
    expect(revoked.stdout).to.match(new RegExp(`^OPERATOR revoked from ${account}: posted in block \\d+`));
    expect(await members("OPERATOR")).not.to.include(account);
  });

  it("when the gateway refuses, then exit code 3 with its code (the problem as JSON on stdout with --json), and nothing is submitted", async () => {
    const before = await env.counts();
    // Independent refusals, run side by side.
    const [held, notHeld, forbidden, unknown] = await Promise.all([
      cli(["role", "grant", "--role", "OPERATOR", "--account", env.operator.address, "--json"], asAuthority),
      cli(["role", "revoke", "--role", "VERIFIER", "--account", randomHolder().address], asAuthority),
      cli(["role", "grant", "--role", "OPERATOR", "--account", randomHolder().address], {
        ...asAuthority,
        GATEWAY_API_KEY: env.keys.operator,
      }),
      cli(["role", "grant", "--role", "AUDITOR", "--account", randomHolder().address], asAuthority),
    ]);
    expect(held.code, held.stderr).to.equal(3);
    expect(JSON.parse(held.stdout)).to.deep.include({ status: 409, code: "ROLE_ALREADY_GRANTED" });
    expect(held.stderr).to.contain("409 ROLE_ALREADY_GRANTED");
    expect(notHeld.code, notHeld.stderr).to.equal(3);
    expect(notHeld.stderr).to.contain("409 ROLE_NOT_HELD");
    expect(forbidden.code, forbidden.stderr).to.equal(3);
    expect(forbidden.stderr).to.contain("403 FORBIDDEN");
    expect(unknown.code, unknown.stderr).to.equal(3);
    expect(unknown.stderr).to.contain("404 ROLE_UNKNOWN");
    expect(await env.counts()).to.deep.equal(before);
  });

  it("when it is used wrongly, then exit code 2 and nothing is sent; --help shows an example; an unreachable gateway is exit code 4", async () => {
    const before = await env.counts();
    const [missing, unknownOption, unknownCommand, noKey, badAddress, help, down] = await Promise.all([
      cli(["role", "grant", "--role", "OPERATOR"], asAuthority),
      cli(["role", "grant", "--role", "OPERATOR", "--account", randomHolder().address, "--colour"], asAuthority),
      cli(["role", "promote"], asAuthority),
      cli(["role", "list"], { GATEWAY_URL: env.url }),
      cli(["role", "grant", "--role", "OPERATOR", "--account", "0x1234", "--json"], asAuthority),
      cli(["role", "grant", "--help"]),
      cli(["role", "list", "--url", "http://127.0.0.1:9", "--api-key", env.keys.authority]),
    ]);
    expect(missing.code, missing.stderr).to.equal(2);
    expect(missing.stderr).to.contain("--account");
    expect(unknownOption.code, unknownOption.stderr).to.equal(2);
    expect(unknownCommand.code, unknownCommand.stderr).to.equal(2);
    expect(noKey.code, noKey.stderr).to.equal(2);
    expect(noKey.stderr).to.contain("SDA_API_KEY");
    expect(badAddress.code, badAddress.stderr).to.equal(2);
    expect(badAddress.stdout).to.equal("");
    expect(badAddress.stderr).to.contain("--account");
    expect(await env.counts()).to.deep.equal(before);

    expect(help.code, help.stderr).to.equal(0);
    expect(help.stdout)
      .to.contain("Examples:")
      .and.to.contain("npm run cli -- roles grant --role OPERATOR --account 0x");
    expect(help.stdout).to.contain("GATEWAY_URL").and.to.contain("SDA_API_KEY");

    expect(down.code, down.stderr).to.equal(4);
    expect(down.stderr).to.contain("gateway unavailable: cannot reach http://127.0.0.1:9");
  });
});
