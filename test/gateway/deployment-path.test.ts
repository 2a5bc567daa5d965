import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NonceManager, id as keccakText, ZeroHash } from "ethers";
import pino from "pino";
import request from "supertest";
import { freePort } from "../../scripts/lib/hardhat-node";
import { deployPlatform, readDeployment } from "../../server/chain/deployment";
import type { Deployment } from "../../server/chain/deployment";
import { loadConfig } from "../../server/config";
import { createGateway } from "../../server/main";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import { devWallet, startNode } from "./support/node";
import type { NodeHandle } from "./support/node";

/**
 * `npm run deploy` as an operator runs it (a child process: the commander wrapper, then `hardhat run
 * scripts/deploy.ts`, the Ignition module) against a Hardhat node of its own; and the test harness's
 * `deployPlatform` deploying the very same contracts. Each run takes a few seconds, so the runs are few.
 */
const ROOT = join(__dirname, "..", "..");
const TEMPLATE = join(ROOT, "ignition/parameters/besu.json5");
const DEPLOYMENTS = join(ROOT, "ignition/deployments");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Variables that would steer the deployment from the outer environment. */
const STEERING = [
  "DEPLOYER_KEY",
  "BESU_RPC_URL",
  "RPC_URL",
  "DEPLOYMENT_FILE",
  "IGNITION_PARAMETERS",
  "IGNITION_DEPLOYMENT_ID",
  "DEPLOY_FORCE",
  "HARDHAT_NETWORK",
];

function deploy(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STEERING.includes(k)));
  const child = spawn("npm", ["run", "--silent", "deploy", "--", ...args], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runtime code with the linked library address and the immutables (EIP-712's cached address and domain) zeroed. */
function masked(code: string, source: string, name: string): string {
  const artifactDir = join(ROOT, "artifacts", source);
  const artifact = JSON.parse(readFileSync(join(artifactDir, `${name}.json`), "utf8")) as {
    deployedLinkReferences: Record<string, Record<string, { start: number; length: number }[]>>;
  };
  const dbg = JSON.parse(readFileSync(join(artifactDir, `${name}.dbg.json`), "utf8")) as { buildInfo: string };
  const buildInfo = JSON.parse(readFileSync(join(artifactDir, dbg.buildInfo), "utf8")) as {
    output: {
      contracts: Record<
        string,
        Record<
          string,
          { evm: { deployedBytecode: { immutableReferences?: Record<string, { start: number; length: number }[]> } } }
        >
      >;
    };
  };
  const spans = [
    ...Object.values(artifact.deployedLinkReferences).flatMap((libs) => Object.values(libs).flat()),
    ...Object.values(buildInfo.output.contracts[source][name].evm.deployedBytecode.immutableReferences ?? {}).flat(),
  ];
  // A library's runtime code starts with PUSH20 <its own address> (its guard against being called directly).
  if (code.startsWith("0x73")) spans.push({ start: 1, length: 20 });
  const bytes = Buffer.from(code.slice(2), "hex");
  for (const { start, length } of spans) bytes.fill(0, start, start + length);
  return bytes.toString("hex");
}

/** The libraries a contract links (its artifact's link references), with the deployment file's key for each. */
function linkedLibraries(source: string, name: string): { source: string; name: string; key: string }[] {
  const artifact = JSON.parse(readFileSync(join(ROOT, "artifacts", source, `${name}.json`), "utf8")) as {
    deployedLinkReferences: Record<string, Record<string, unknown>>;
  };
  return Object.entries(artifact.deployedLinkReferences).flatMap(([file, libs]) =>
    Object.keys(libs).map((lib) => ({ source: file, name: lib, key: lib[0].toLowerCase() + lib.slice(1) })),
  );
}

describe("deployment: one path (npm run deploy, Ignition) for operators and npm start", function () {
  this.timeout(180_000);
  let node: NodeHandle;
  let dir: string;
  let deployment: Deployment;
  const deploymentId = `test-deployment-path-${process.pid}`;
  const roles = { authority: devWallet(1).address, operator: devWallet(2).address, verifier: devWallet(3).address };

  before(async () => {
    node = await startNode();
    dir = mkdtempSync(join(tmpdir(), "deployment-path-"));
  });
  after(async () => {
    node?.provider.destroy();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    for (const id of [deploymentId, `${deploymentId}-refused`])
      rmSync(join(DEPLOYMENTS, id), { recursive: true, force: true });
  });

  it("deploys to a node as an operator does, writes the deployment file, and the gateway starts on it", async () => {
    const file = join(dir, "deployment.json");
    const run = await deploy(["--network", "localhost", "--deployment-file", file, "--deployment-id", deploymentId], {
      RPC_URL: node.url,
    });
    expect(run.code, run.stderr).to.equal(0);
    deployment = await readDeployment(file);
    expect(deployment).to.include({ chainId: 31337, ...roles });
    expect(await node.provider.getCode(deployment.ledger)).to.not.equal("0x");
    // The deployment block is the ledger's first block (the gateway mirrors records from there).
    expect(await node.provider.getCode(deployment.ledger, deployment.deployBlock)).to.not.equal("0x");
    expect(await node.provider.getCode(deployment.ledger, deployment.deployBlock - 1)).to.equal("0x");

    const config = loadConfig({
      RPC_URL: node.url,
      DEPLOYMENT_FILE: file,
      OPERATOR_KEY: devWallet(2).privateKey,
      SQLITE_FILE: join(dir, "gateway.sqlite"),
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      SIGNATURE_THREADS: "0",
    });
    const gateway = await createGateway(config, pino({ level: "silent" }));
    try {
      const { url } = await gateway.start();
      const ready = await request(url).get("/readyz");
      expect(ready.status, JSON.stringify(ready.body)).to.equal(200);
      expect(ready.body.status).to.equal("ready");
    } finally {
      await gateway.stop();
    }
  });

  it("deploys the same contracts as the harness's deployPlatform: runtime code (library addresses masked) and roles", async () => {
    const deployer = devWallet(0, node.provider);
    const other = await deployPlatform(new NonceManager(deployer), roles);
    expect(other.ledger).to.not.equal(deployment.ledger);
    const ledgerSource = "contracts/SecuredAssetLedger.sol";
    const [a, b] = await Promise.all([deployment.ledger, other.ledger].map((x) => node.provider.getCode(x)));
    expect(a.length).to.equal(b.length);
    // The ledger's linked libraries (IssuanceRules and RegisterRules at least), each deployed by both paths and named
    // in the deployment file (IssuanceRules -> issuanceRules): the masked spans are every link reference.
    const libraries = linkedLibraries(ledgerSource, "SecuredAssetLedger");
    expect(libraries.map((l) => l.name)).to.include.members(["IssuanceRules", "RegisterRules"]);
    expect(masked(a, ledgerSource, "SecuredAssetLedger")).to.equal(masked(b, ledgerSource, "SecuredAssetLedger"));
    for (const lib of libraries) {
      const address = (d: Deployment) => (d as unknown as Record<string, string | undefined>)[lib.key];
      for (const d of [deployment, other])
        expect(address(d), `${lib.key} in the deployment file`).to.match(/^0x[0-9a-fA-F]{40}$/);
      const [ra, rb] = await Promise.all([deployment, other].map((d) => node.provider.getCode(address(d)!)));
      expect(ra, lib.name).to.not.equal("0x");
      expect(masked(ra, lib.source, lib.name), lib.name).to.equal(masked(rb, lib.source, lib.name));
      // Each ledger is linked to its own instance of each library.
      for (const d of [deployment, other])
        expect(await node.provider.getCode(d.ledger), lib.name).to.include(address(d)!.slice(2).toLowerCase());
    }

    const roleIds = [ZeroHash, keccakText("AUTHORITY_ROLE"), keccakText("OPERATOR_ROLE"), keccakText("VERIFIER_ROLE")];
    const accounts = [deployer.address, roles.authority, roles.operator, roles.verifier];
    const matrix = async (address: string) => {
      const ledger = SecuredAssetLedger__factory.connect(address, node.provider);
      const rows: string[] = [];
      for (const role of roleIds) {
        rows.push(`admin(${role})=${await ledger.getRoleAdmin(role)}`);
        for (const account of accounts) rows.push(`${role} ${account} ${await ledger.hasRole(role, account)}`);
      }
      const domain = await ledger.eip712Domain();
      rows.push(`eip712 ${domain.name} ${domain.version} ${domain.chainId}`);
      return rows;
    };
    const ignitionRoles = await matrix(deployment.ledger);
    expect(ignitionRoles).to.deep.equal(await matrix(other.ledger));
    expect(ignitionRoles.filter((r) => r.startsWith(ZeroHash) && r.endsWith("true"))).to.deep.equal([
      `${ZeroHash} ${roles.authority} true`,
    ]);
    expect(ignitionRoles.some((r) => r.includes(deployer.address) && r.endsWith("true"))).to.equal(false);
  });

  describe("refuses with a clear message, exit code 1, and writes nothing", () => {
    const refusedId = () => `${deploymentId}-refused`;
    async function refused(args: string[], env: Record<string, string>): Promise<string> {
      const file = join(dir, "refused.json");
      const run = await deploy([...args, "--deployment-file", file, "--deployment-id", refusedId()], env);
      expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(1);
      expect(existsSync(file), "deployment file written").to.equal(false);
      expect(existsSync(join(DEPLOYMENTS, refusedId())), "Ignition journal written").to.equal(false);
      return run.stderr;
    }

    it("a network that needs a deployer key without one: says which variable to set", async () => {
      const err = await refused(["--network", "besu"], { BESU_RPC_URL: node.url });
      expect(err).to.match(/network besu needs a deployer key .*set DEPLOYER_KEY/);
    });

    it("an unreachable RPC URL: says which URL and which variable", async () => {
      const url = `http://127.0.0.1:${await freePort()}`;
      const err = await refused(["--network", "localhost"], { RPC_URL: url });
      expect(err)
        .to.include(`cannot reach network localhost at ${url}/ (the URL comes from RPC_URL)`)
        .and.include("ECONNREFUSED");
    });

    it("a missing parameters file: says the path and shows the template", async () => {
      const missing = join(dir, "absent.json5");
      const err = await refused(["--network", "localhost", "--parameters", missing], { RPC_URL: node.url });
      expect(err).to.include(`parameters file ${missing} not found`).and.include(readFileSync(TEMPLATE, "utf8"));
    });

    it("an invalid parameters file: says the path, where it breaks, and shows the template", async () => {
      const broken = join(dir, "broken.json5");
      writeFileSync(broken, "{ SecuredAssetPlatform: { authority: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 ");
      const err = await refused(["--network", "localhost", "--parameters", broken], { RPC_URL: node.url });
      expect(err)
        .to.include(`parameters file ${broken} is not valid JSON5: JSON5:`)
        .and.include(readFileSync(TEMPLATE, "utf8"));
    });

    it("parameters that are not addresses (the template as committed, on besu with a key): names the parameter", async () => {
      const err = await refused(["--network", "besu"], {
        BESU_RPC_URL: node.url,
        DEPLOYER_KEY: devWallet(0).privateKey,
      });
      expect(err).to.include(
        'ignition/parameters/besu.json5: SecuredAssetPlatform.authority is not an address: "REPLACE_WITH_AUTHORITY_ADDRESS"',
      );
    });
  });

  it("refuses to overwrite a deployment file of another chain; --force replaces it (Ignition's journal reused)", async () => {
    const file = join(dir, "other-chain.json");
    const foreign = JSON.stringify({ ...deployment, chainId: 1337 }, null, 2) + "\n";
    writeFileSync(file, foreign);
    const args = ["--deployment-file", file, "--deployment-id", deploymentId];
    const refusedRun = await deploy(args, { RPC_URL: node.url });
    expect(refusedRun.code).to.equal(1);
    expect(refusedRun.stderr)
      .to.include(`${file} names chain 1337`)
      .and.include("network localhost is chain 31337")
      .and.include("--force");
    expect(readFileSync(file, "utf8")).to.equal(foreign);

    const forced = await deploy([...args, "--force"], { RPC_URL: node.url });
    expect(forced.code, forced.stderr).to.equal(0);
    expect(await readDeployment(file)).to.deep.equal(deployment);
  });
});
