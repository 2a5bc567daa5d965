import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect } from "chai";
import { gatewayUrl } from "../../scripts/walkthrough";
import { bootstrapPlatform, startEnv } from "./support/harness";
import type { TestEnv } from "./support/harness";

const ROOT = join(__dirname, "..", "..");

/** Runs `npm run walkthrough`'s script as npm does (ts-node), with only the given settings; its exit code and output. */
function runWalkthrough(settings: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TS_NODE_TRANSPILE_ONLY: "true" };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register", "scripts/walkthrough.ts"], {
      cwd: ROOT,
      env: { ...env, ...settings },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("walkthrough: which gateway it calls", function () {
  it("when only PORT is set, then it calls the gateway on that port over IPv4 (as npm start listens)", () => {
    expect(gatewayUrl({ PORT: "3000" })).to.equal("http://127.0.0.1:3000");
  });
  it("when nothing is set, then it calls port 8080, the gateway's default", () => {
    expect(gatewayUrl({})).to.equal("http://127.0.0.1:8080");
  });
  it("when GATEWAY_URL is set, then it overrides PORT (without a trailing slash)", () => {
    expect(gatewayUrl({ PORT: "3000", GATEWAY_URL: "https://gw.example/" })).to.equal("https://gw.example");
  });
  it("when PORT is not a port number, then it says so instead of failing to fetch", () => {
    expect(() => gatewayUrl({ PORT: "abc" })).to.throw(/PORT must be a port number/);
  });
});

describe("walkthrough: npm run walkthrough against a gateway on another port", function () {
  let env: TestEnv;
  let port: string;
  let keys: Record<string, string>;

  before(async () => {
    env = await startEnv();
    await bootstrapPlatform(env);
    port = new URL(env.url).port;
    keys = {
      OPERATOR_API_KEY: env.keys.operator,
      MONITOR_API_KEY: env.keys.monitor,
      VERIFIER_API_KEY: env.keys.verifier,
      AUTHORITY_API_KEY: env.keys.authority,
    };
  });
  after(async () => env?.close());

  it("when the gateway runs on PORT and only PORT is given, then the walk-through completes against it", async () => {
    expect(port).to.match(/^\d+$/);
    expect(port).to.not.equal("8080");
    const { code, out } = await runWalkthrough({ ...keys, PORT: port });
    expect(code, out).to.equal(0);
    expect(out).to.include("Walk-through complete.");
  });

  it("when no gateway listens on PORT, then it names the URL it tried instead of 'fetch failed'", async () => {
    await env.stopGateway();
    const { code, out } = await runWalkthrough({ ...keys, PORT: port });
    expect(code).to.equal(1);
    expect(out).to.include(`cannot reach the gateway at http://127.0.0.1:${port}`);
    expect(out).to.include("ECONNREFUSED");
  });
});
