import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { id as keccakText } from "ethers";
import type { Wallet } from "ethers";
import { runCli } from "../../scripts/cli";
import { MirrorRecord } from "../../server/mirror/entities";
import {
  bearer,
  expectPosted,
  FAR_FUTURE,
  issue,
  onboard,
  PERMIT,
  randomHolder,
  signAck,
  startEnv,
  transferBody,
} from "./support/harness";
import type { TestEnv } from "./support/harness";
import { waitFor } from "./support/wait";

const ROOT = join(__dirname, "..", "..");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment without the CLI's own variables, so that only what a test gives applies. */
const baseEnv = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith("GATEWAY_") && !["SDA_API_KEY", "SQLITE_FILE", "DATABASE_SCHEMA"].includes(k),
    ),
  );

/** `npm run cli -- ...` as a script runs it: a separate process (ts-node, transpile only), its exit code. */
function cliProcess(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-r", "ts-node/register", join(ROOT, "scripts", "cli.ts"), ...args],
      { cwd: ROOT, env: { ...baseEnv(), TS_NODE_TRANSPILE_ONLY: "true", ...env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The same command line run in this process (the gateway answers from here meanwhile): faster, same code path. */
async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
    env: { ...baseEnv(), ...env },
    stderrIsTTY: false,
  });
  return { code, stdout, stderr };
}

/** A run that must succeed and print one JSON document. */
async function json<T = Record<string, unknown>>(args: string[], env: Record<string, string | undefined>): Promise<T> {
  const r = await cli([...args, "--json"], env);
  expect(r.code, `${args.join(" ")}: ${r.stderr}`).to.equal(0);
  return JSON.parse(r.stdout) as T;
}

describe("CLI: npm run cli -- <group> <action> against a gateway", function () {
  let env: TestEnv;
  let dir: string;
  let asAuthority: Record<string, string>;
  let asOperator: Record<string, string>;
  let asMonitor: Record<string, string>;
  const DISCLOSURE = "Risk disclosure v1 (CLI): digital assets may lose all their value.";

  before(async () => {
    env = await startEnv();
    dir = mkdtempSync(join(tmpdir(), "cli-test-"));
    asAuthority = { GATEWAY_URL: env.url, SDA_API_KEY: env.keys.authority };
    asOperator = { GATEWAY_URL: env.url, SDA_API_KEY: env.keys.operator };
    asMonitor = { GATEWAY_URL: env.url, SDA_API_KEY: env.keys.monitor };
  });
  after(async () => {
    await env?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const permitStatus = async (operator: string) =>
    (await env.http.get(`/v1/permits/${operator}`).set(bearer(env.keys.monitor))).body.status as string;

  it("grants, suspends and resumes a permit, and the API reports each change; --json output parses", async () => {
    const op = env.operator.address;
    const granted = await json<{ operation: { status: string; kind: string } }>(
      [
        "permits",
        "grant",
        "--operator",
        op,
        "--legal-name",
        PERMIT.legalName,
        "--bin",
        PERMIT.bin,
        "--permit-number",
        PERMIT.permitNumber,
        "--scope",
        PERMIT.scope,
      ],
      asAuthority,
    );
    expect(granted.operation.status).to.equal("posted");
    expect(await permitStatus(op)).to.equal("Active");

    const suspended = await cli(
      ["permits", "suspend", op, "--reason", "audit pending", "--until", "2099-01-01T00:00:00Z"],
      asAuthority,
    );
    expect(suspended.code, suspended.stderr).to.equal(0);
    expect(suspended.stdout).to.match(/^permit of 0x[0-9a-fA-F]{40} suspended: posted in block \d+/);
    expect(await permitStatus(op)).to.equal("Suspended");
    const listed = await json<{ items: { operator: string; status: string; suspendedUntil: string }[] }>(
      ["permits", "list"],
      asMonitor,
    );
    expect(listed.items.find((p) => p.operator === op)).to.include({ status: "Suspended" });

    const text = await cli(["permits", "list"], asMonitor);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout)
      .to.match(/^OPERATOR\s+STATUS/)
      .and.to.contain(op)
      .and.to.contain("Suspended");

    await json(["permits", "resume", op], asAuthority);
    expect(await permitStatus(op)).to.equal("Active");
  });

  it("when the gateway refuses, then exit code 3 with the problem's code and detail (the problem as JSON with --json), and nothing is submitted", async () => {
    const before = await env.counts();
    const [notFound, forbidden, ineligible] = await Promise.all([
      cli(["permits", "revoke", randomHolder().address, "--court-decision", "Astana SMEC 2-1/2026"], asAuthority),
      cli(["permits", "resume", env.operator.address], asOperator),
      cli(["asset-types", "add", "--code", "TENGE", "--name", "Tenge", "--category", "Money", "--json"], asAuthority),
    ]);
    expect(notFound.code, notFound.stderr).to.equal(3);
    expect(notFound.stderr).to.match(/refused \(4\d\d PERMIT_NOT_FOUND\): \S/);
    expect(notFound.stdout).to.equal("");
    expect(forbidden.code, forbidden.stderr).to.equal(3);
    expect(forbidden.stderr).to.contain("403 FORBIDDEN");
    expect(ineligible.code, ineligible.stderr).to.equal(3);
    const problem = JSON.parse(ineligible.stdout);
    expect(problem.code, problem.stderr).to.equal("ASSET_TYPE_CATEGORY_NOT_ELIGIBLE");
    expect(problem.status).to.be.within(400, 499);
    expect(problem.detail).to.be.a("string").and.not.empty;
    expect(ineligible.stderr).to.contain("ASSET_TYPE_CATEGORY_NOT_ELIGIBLE");
    expect(await env.counts()).to.deep.equal(before);

    // The real process: the exit code a script sees.
    const real = await cliProcess(["permits", "show", randomHolder().address], asMonitor);
    expect(real.code, real.stderr).to.equal(3);
    expect(real.stderr).to.contain("PERMIT_NOT_FOUND");
  });

  let holder: Wallet;
  it("adds an asset type, publishes a disclosure and onboards a participant with their acknowledgement, and the API reports them", async () => {
    await json(
      [
        "asset-types",
        "add",
        "--code",
        "GRAIN",
        "--name",
        "Grain in a certified elevator",
        "--category",
        "TangibleAsset",
      ],
      asAuthority,
    );
    const types = await json<{ items: { label: string; listed: boolean }[] }>(["asset-types", "list"], asMonitor);
    expect(types.items.find((t) => t.label === "GRAIN")).to.include({ listed: true });
    // One page at a time: the table says how to get the next one, and that cursor gets it.
    await json(
      ["asset-types", "add", "--code", "COTTON", "--name", "Raw cotton", "--category", "TangibleAsset"],
      asAuthority,
    );
    const first = (await cli(["asset-types", "list", "--limit", "1"], asMonitor)).stdout;
    const cursor = /next page: --cursor (\S+)/.exec(first)?.[1];
    expect(cursor, first).to.be.a("string");
    const second = await json<{ items: { label: string }[] }>(
      ["asset-types", "list", "--limit", "1", "--cursor", cursor!],
      asMonitor,
    );
    expect(second.items).to.have.length(1);
    expect(first).to.not.include(second.items[0].label);

    const none = await json<{ current: unknown }>(["disclosures", "status"], asMonitor);
    expect(none.current).to.equal(null);
    await json(["disclosures", "publish", "--text", DISCLOSURE, "--uri", "https://platform.kz/risks/v1"], asOperator);
    const current = (await env.http.get("/v1/disclosures/current")).body;
    expect(current).to.include({ version: 1, documentHash: keccakText(DISCLOSURE) });
    const list = await json<{ items: { version: number; current: boolean }[] }>(["disclosures", "list"], asMonitor);
    expect(list.items.map((d) => [d.version, d.current])).to.deep.equal([[1, true]]);

    holder = randomHolder();
    const signature = await signAck(env, holder, 1, keccakText(DISCLOSURE));
    const onboarded = await cli(
      [
        "participants",
        "onboard",
        "--address",
        holder.address,
        "--kind",
        "NaturalPerson",
        "--identity",
        JSON.stringify({ fullName: "Aigerim Bekova", iin: "900101300126" }),
        "--acknowledgement",
        JSON.stringify({ version: 1, deadline: FAR_FUTURE, signature }),
      ],
      asOperator,
    );
    expect(onboarded.code, onboarded.stderr).to.equal(0);
    expect(onboarded.stdout).to.contain(`${holder.address} registered as NaturalPerson: posted in block`);
    const shown = (await env.http.get(`/v1/participants/${holder.address}`).set(bearer(env.keys.monitor))).body;
    expect(shown.onChain).to.include({ registered: true, acknowledgedVersion: 1, acknowledgedCurrent: true });

    const viaCli = await json<{ address: string; identity: { fullName: string } }>(
      ["participants", "show", holder.address],
      asMonitor,
    );
    expect(viaCli.identity.fullName).to.equal("Aigerim Bekova");
    const participants = await json<{ items: { address: string }[] }>(["participants", "list"], asMonitor);
    expect(participants.items.map((p) => p.address)).to.include(holder.address);
    const status = await json<{ current: { version: number }; participant: { acknowledgedCurrent: boolean } }>(
      ["disclosures", "status", "--participant", holder.address],
      asMonitor,
    );
    expect(status.current.version).to.equal(1);
    expect(status.participant.acknowledgedCurrent).to.equal(true);

    // Registered once: a second onboarding is refused with its code.
    const again = await cli(
      ["participants", "onboard", "--address", holder.address, "--kind", "NaturalPerson", "--identity", '{"a":1}'],
      asOperator,
    );
    expect(again.code, again.stderr).to.equal(3);
    expect(again.stderr).to.contain("PARTICIPANT_ALREADY_REGISTERED");
  });

  it("exports an asset's records page by page to CSV and JSON files holding exactly what the API holds; verifies the chain", async () => {
    const bob = randomHolder();
    await onboard(env, bob, keccakText(DISCLOSURE));
    const { assetId } = await issue(env, holder, "1000");
    for (const [n, amount] of ["10", "20"].entries())
      await expectPosted(
        env.http
          .post("/v1/transfers?wait=true")
          .set(bearer(env.keys.operator))
          .set("Idempotency-Key", `cli-records-${assetId}-${n}`)
          .send(await transferBody(env, holder, bob.address, assetId, amount, String(n))),
      );
    // The issuance and two transfers, once the mirror has them.
    await waitFor("the mirror to hold the asset's 3 records", async () => {
      const r = await env.http.get(`/v1/records?assetId=${assetId}`).set(bearer(env.keys.monitor));
      return r.body.items?.length === 3;
    });

    const csvFile = join(dir, "records.csv");
    const exported = await json<{ records: number; pages: number; file: string }>(
      ["records", "export", "--asset", assetId, "--page-size", "2", "--out", csvFile],
      asMonitor,
    );
    expect(exported).to.include({ records: 3, file: csvFile });
    expect(exported.pages).to.be.at.least(2);
    const served = await fetch(`${env.url}/v1/records/export?format=csv&assetId=${assetId}`, {
      headers: bearer(env.keys.monitor),
    });
    expect(served.status).to.equal(200);
    expect(readFileSync(csvFile, "utf8")).to.equal(await served.text());

    // For people: a line on stdout; stderr is not a terminal here, so no progress bar is drawn on it.
    const plain = await cli(["records", "export", "--asset", assetId, "--page-size", "1", "--out", csvFile], asMonitor);
    expect(plain.code, plain.stderr).to.equal(0);
    expect(plain.stdout).to.equal(`3 records written to ${csvFile} (3 pages)\n`);
    expect(plain.stderr).to.equal("");
    expect(readFileSync(csvFile, "utf8").split("\n")).to.have.length(5);

    const jsonFile = join(dir, "records.json");
    await json(
      ["records", "export", "--asset", assetId, "--format", "json", "--page-size", "1", "--out", jsonFile],
      asMonitor,
    );
    const api = (await env.http.get(`/v1/records?assetId=${assetId}`).set(bearer(env.keys.monitor))).body.items;
    expect(JSON.parse(readFileSync(jsonFile, "utf8"))).to.deep.equal(api);
    expect(api.map((r: { amount: string }) => r.amount)).to.deep.equal(["1000", "10", "20"]);

    const page = await json<{ items: { sequence: string }[]; next: string }>(
      ["records", "list", "--asset", assetId, "--limit", "2"],
      asMonitor,
    );
    expect(page.items).to.have.length(2);
    const cursor = new URL(page.next, env.url).searchParams.get("cursor");
    expect(cursor).to.be.a("string");
    const rest = await json<{ items: { sequence: string }[] }>(
      ["records", "list", "--asset", assetId, "--cursor", cursor!],
      asMonitor,
    );
    expect([...page.items, ...rest.items].map((r) => r.sequence)).to.deep.equal(
      api.map((r: { sequence: string }) => r.sequence),
    );

    const verified = await json<{ verified: boolean; assets: { assetId: string; verified: boolean; count: string }[] }>(
      ["records", "verify", "--asset", assetId],
      asMonitor,
    );
    expect(verified.verified).to.equal(true);
    expect(verified.assets[0]).to.include({ assetId, verified: true, count: "3" });

    const mirror = await json<{ records: number; safeHead: number; block: number }>(["mirror", "status"], asMonitor);
    expect(mirror.records).to.be.at.least(3);
    const sync = await json<{ verified: boolean; mirror: { block: number }; assets: unknown[] }>(["sync"], asOperator);
    expect(sync.verified).to.equal(true);
    expect(sync.mirror.block).to.be.at.least(mirror.block);
    expect(sync.assets).to.have.length(1);

    // A mirrored record edited behind the gateway's back: verification exits 5 and names the sequence; a re-sync
    // from the deployment block through the API mirrors it again from the chain, and it verifies.
    await env.gateway.dataSource.getRepository(MirrorRecord).update({ assetId, sequence: 3 }, { amount: "21" });
    const diverged = await cli(["records", "verify", "--asset", assetId, "--json"], asMonitor);
    expect(diverged.code, diverged.stderr).to.equal(5);
    expect(JSON.parse(diverged.stdout).assets[0]).to.include({ verified: false, firstDivergentSequence: "3" });
    expect(diverged.stderr).to.contain(`record chain diverges for asset(s) ${assetId}`);
    const repaired = await json<{ verified: boolean; resync: { fromBlock: number; records: number } }>(
      ["sync", "--from-block", String(env.deployment.deployBlock)],
      asOperator,
    );
    expect(repaired.verified).to.equal(true);
    expect(repaired.resync.fromBlock).to.equal(env.deployment.deployBlock);
    const again = (await env.http.get(`/v1/records?assetId=${assetId}`).set(bearer(env.keys.monitor))).body.items;
    expect(again).to.deep.equal(api);
  });

  it("creates an API key in the gateway's database that the gateway then accepts", async function () {
    if (env.config.database.type !== "sqlite") this.skip();
    const db = { SQLITE_FILE: (env.config.database as { file: string }).file };
    const created = await json<{ key: string; role: string }>(
      ["keys", "create", "--role", "monitor", "--name", "cli-test"],
      db,
    );
    expect(created.role).to.equal("monitor");
    const status = await cli(["mirror", "status"], { GATEWAY_URL: env.url, SDA_API_KEY: created.key });
    expect(status.code, status.stderr).to.equal(0);
    expect(status.stdout).to.contain("mirrored up to block");
    const revoked = await json<{ revoked: number }>(["keys", "revoke", "cli-test"], db);
    expect(revoked.revoked).to.equal(1);
    const refused = await waitFor("the revoked key to be refused", async () => {
      const r = await cli(["mirror", "status"], { GATEWAY_URL: env.url, SDA_API_KEY: created.key });
      return r.code === 3 ? r : null;
    });
    expect(refused.stderr).to.contain("401 UNAUTHENTICATED");
  });

  it("deploys the contracts and prints the deployment file it wrote as the one JSON document on stdout", async () => {
    const file = join(dir, "deployment.json");
    const deploymentId = `test-cli-deploy-${process.pid}`;
    try {
      const run = await cli(
        ["deploy", "--network", "localhost", "--deployment-file", file, "--deployment-id", deploymentId, "--json"],
        { RPC_URL: env.node.url },
      );
      expect(run.code, run.stderr).to.equal(0);
      const printed = JSON.parse(run.stdout);
      expect(printed).to.deep.equal(JSON.parse(readFileSync(file, "utf8")));
      expect(printed).to.include({ chainId: env.node.chainId, authority: env.authority.address });
      expect(printed.ledger).to.not.equal(env.deployment.ledger);
      expect(await env.node.provider.getCode(printed.ledger)).to.not.equal("0x");
    } finally {
      rmSync(join(ROOT, "ignition", "deployments", deploymentId), { recursive: true, force: true });
    }
  });

  it("when it is used wrongly, then exit code 2 and nothing is sent; --help shows examples", async () => {
    const before = await env.counts();
    const [missing, unknownCommand, badValue, noKey, badTime] = await Promise.all([
      cliProcess(["permits", "suspend", env.operator.address, "--until", "2099-01-01T00:00:00Z"], asAuthority),
      cliProcess(["permits", "promote"], asAuthority),
      cli(["records", "export", "--asset", "0", "--out", join(dir, "x.csv")], asMonitor),
      cli(["permits", "list", "--json"], { GATEWAY_URL: env.url }),
      cli(["permits", "suspend", env.operator.address, "--reason", "r", "--until", "next week"], asAuthority),
    ]);
    expect(missing.code, missing.stderr).to.equal(2);
    expect(missing.stderr).to.contain("--reason");
    expect(missing.stdout).to.equal("");
    expect(unknownCommand.code, unknownCommand.stderr).to.equal(2);
    expect(badValue.code, badValue.stderr).to.equal(2);
    expect(badValue.stderr).to.contain("--asset");
    expect(noKey.code, noKey.stderr).to.equal(2);
    expect(noKey.stdout).to.equal("");
    expect(noKey.stderr).to.contain("SDA_API_KEY");
    expect(badTime.code, badTime.stderr).to.equal(2);
    expect(await env.counts()).to.deep.equal(before);

    for (const group of [
      "permits",
      "participants",
      "disclosures",
      "asset-types",
      "records",
      "mirror",
      "keys",
      "roles",
    ]) {
      const help = await cli([group, "--help"]);
      expect(help.code, group).to.equal(0);
      expect(help.stdout, group).to.contain("Examples:").and.to.contain(`npm run cli -- ${group}`);
    }
    const action = await cli(["records", "export", "--help"]);
    expect(action.stdout).to.contain("Examples:").and.to.contain("npm run cli -- records export --asset 1");
    expect(action.stdout).to.contain("--api-key").and.to.contain("SDA_API_KEY");
  });

  it("when the gateway cannot be reached or answers 503, then exit code 4; a 500 is exit code 1", async () => {
    // A port nothing listens on: one a server held and let go.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const down = await cliProcess(["permits", "list", "--url", `http://127.0.0.1:${port}`, "--api-key", "k"]);
    expect(down.code, down.stderr).to.equal(4);
    expect(down.stderr).to.contain(`gateway unavailable: cannot reach http://127.0.0.1:${port}`);

    let status = 503;
    const stub = createServer((req, res) => {
      res.writeHead(status, { "content-type": "application/problem+json" });
      res.end(
        JSON.stringify({
          status,
          code: status === 503 ? "CHAIN_UNAVAILABLE" : "INTERNAL",
          detail: "stub",
          title: "stub",
        }),
      );
    });
    await new Promise<void>((r) => stub.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
      const unavailable = await cli(["permits", "list", "--json"], { GATEWAY_URL: url, SDA_API_KEY: "k" });
      expect(unavailable.code, unavailable.stderr).to.equal(4);
      expect(JSON.parse(unavailable.stdout)).to.include({ code: "CHAIN_UNAVAILABLE" });
      expect(unavailable.stderr).to.contain("503 CHAIN_UNAVAILABLE");
      status = 500;
      const failed = await cli(["permits", "list"], { GATEWAY_URL: url, SDA_API_KEY: "k" });
      expect(failed.code, failed.stderr).to.equal(1);
      expect(failed.stderr).to.contain("500 INTERNAL");
    } finally {
      await new Promise((r) => stub.close(r));
    }
  });
});
