import { expect } from "chai";
import { execFile } from "node:child_process";
import { createECDH } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { decodeRlp, getAddress, keccak256, Wallet, hexlify, randomBytes } from "ethers";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { loadConfig } from "../../server/config";
import { initNetwork, SEEDED_KEYS_WARNING } from "../../scripts/lib/network/generate";
import { qbftExtraData, QBFT_MIX_HASH } from "../../scripts/lib/network/genesis";
import type { InitOptions } from "../../scripts/lib/network/options";
import { NetworkInputError } from "../../scripts/lib/network/options";

/** A wallet on a fresh random key (Wallet.createRandom derives one from a mnemonic: 50x slower, nothing more tested). */
const randomWallet = () => new Wallet(hexlify(randomBytes(32)));

/**
 * `npm run network -- init` checked against what Besu documents (QBFT genesis and extraData, local permissioning,
 * node keys and enode URLs, configuration options). Besu itself cannot run here: these are the checks instead.
 */

const OPERATOR = getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
const AUTHORITY = getAddress("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
const DEPLOYER = getAddress("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
const EXTRA = getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906");
/** Every network names its own chain id (no default): this one is the staging example of docs/network.md. */
const CHAIN_ID = 7007;
const DOCS = join(__dirname, "../../docs/network.md");

type Toml = Record<string, unknown>;
interface Compose {
  services: Record<
    string,
    {
      image: string;
      network_mode: string;
      user: string;
      command: string[];
      environment: Record<string, string>;
      volumes: string[];
    }
  >;
}
interface Summary {
  chainId: number;
  rpcUrl: string;
  keys: string;
  nodes: Array<{
    name: string;
    role: "validator" | "rpc";
    address: string;
    enode: string;
    keyDir?: string;
    privateKey: "generated" | "validator-keys" | "on its machine";
  }>;
}

const root = mkdtempSync(join(tmpdir(), "network-profile-"));
let n = 0;
const fresh = () => join(root, `net-${++n}`);

function generate(extra: Partial<InitOptions> = {}): string {
  const out = extra.out ?? fresh();
  initNetwork({
    validators: "4",
    chainId: String(CHAIN_ID),
    seed: "profile-test",
    operator: OPERATOR,
    authority: AUTHORITY,
    deployer: DEPLOYER,
    accounts: EXTRA,
    ...extra,
    out,
  });
  return out;
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");
const json = <T>(dir: string, file: string) => JSON.parse(read(dir, file)) as T;
const toml = (dir: string, file: string) => parseToml(read(dir, file)) as Toml;

function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return files;
}

/** Public key of a private key by node's own OpenSSL, independently of ethers: 128 hex, no 04 prefix. */
function publicKeyOf(privateKeyHex: string): string {
  const ecdh = createECDH("secp256k1");
  ecdh.setPrivateKey(Buffer.from(privateKeyHex.replace(/^0x/, ""), "hex"));
  return ecdh.getPublicKey("hex", "uncompressed").slice(2);
}

function expectInputError(options: InitOptions, pattern: RegExp): void {
  expect(() => initNetwork(options)).to.throw(NetworkInputError, pattern);
}

describe("network profile: `npm run network -- init` for a Besu QBFT network", function () {
  let dir: string;
  let summary: Summary;

  before(() => {
    dir = generate();
    summary = json<Summary>(dir, "network.json");
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("writes the genesis, the permissions, the compose file, the gateway settings and one directory per node", () => {
    const files = [...tree(dir).keys()];
    for (const f of [
      "genesis.json",
      "permissions_config.toml",
      "docker-compose.yml",
      "network.env",
      "network.json",
      "README.md",
    ])
      expect(files).to.include(f);
    const nodes = ["validator-1", "validator-2", "validator-3", "validator-4", "rpc-1"];
    expect(summary.nodes.map((x) => x.name)).to.deep.equal(nodes);
    for (const node of nodes) {
      for (const f of ["config.toml", "key", "key.pub", "address"]) expect(files).to.include(join("nodes", node, f));
      expect(statSync(join(dir, "nodes", node, "key")).mode & 0o077, `${node}/key readable by others`).to.equal(0);
    }
  });

  it("genesis: the QBFT keys Besu documents, Cancun rules from block 0, free gas, an explicit contract size limit", () => {
    const g = json<Record<string, unknown> & { config: Record<string, unknown> & { qbft: Record<string, number> } }>(
      dir,
      "genesis.json",
    );
    for (const k of [
      "config",
      "nonce",
      "timestamp",
      "gasLimit",
      "difficulty",
      "mixHash",
      "coinbase",
      "alloc",
      "extraData",
      "baseFeePerGas",
    ])
      expect(g, k).to.have.property(k);
    expect(g.config.chainId).to.equal(CHAIN_ID);
    expect(g.config.qbft.blockperiodseconds).to.equal(1);
    expect(g.config.qbft.epochlength).to.equal(30000);
    expect(g.config.qbft.requesttimeoutseconds).to.be.at.least(2 * g.config.qbft.blockperiodseconds);
    expect(g.difficulty).to.equal("0x1");
    expect(g.mixHash).to.equal(QBFT_MIX_HASH);
    // Every milestone up to London by block 0, Shanghai and Cancun by time 0; nothing later than Cancun.
    for (const k of [
      "homesteadBlock",
      "byzantiumBlock",
      "constantinopleBlock",
      "petersburgBlock",
      "istanbulBlock",
      "berlinBlock",
      "londonBlock",
      "shanghaiTime",
      "cancunTime",
    ]) {
      expect(g.config[k], k).to.equal(0);
    }
    for (const later of ["pragueTime", "osakaTime"]) expect(g.config).not.to.have.property(later);
    expect(g.config.zeroBaseFee).to.equal(true);
    expect(g.baseFeePerGas).to.equal("0x0");
    expect(g.alloc).to.deep.equal({});
    expect(BigInt(g.gasLimit as string) >= 30_000_000n).to.equal(true);
    // The ledger is within a few bytes of EIP-170: the network allows more, and at least what is compiled now.
    const limit = g.config.contractSizeLimit as number;
    expect(limit).to.be.greaterThan(24_576);
    const artifact = join(__dirname, "../../artifacts/contracts/SecuredAssetLedger.sol/SecuredAssetLedger.json");
    if (existsSync(artifact)) {
      const runtime =
        ((JSON.parse(readFileSync(artifact, "utf8")) as { deployedBytecode: string }).deployedBytecode.length - 2) / 2;
      expect(runtime).to.be.lessThan(limit);
    }
  });

  it("extraData is RLP([32-byte vanity, validators, no vote, round 0, no seals]), byte for byte Besu's documented example", () => {
    // The four validators and the encoding from Besu's QBFT documentation ("Extra data").
    const documented =
      "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f854944592c8e45706cc08b8f44b11e43cba0cfc5892cb9406e23768a0f59cf365e18c2e0c89e151bcdedc7094c5327f96ee02d7bcbc1bf1236b8c15148971e1de94ab5e7f4061c605820d3744227eed91ff8e2c8908c080c0";
    expect(
      qbftExtraData([
        "0x4592c8e45706cc08b8f44b11e43cba0cfc5892cb",
        "0x06e23768a0f59cf365e18c2e0c89e151bcdedc70",
        "0xc5327f96ee02d7bcbc1bf1236b8c15148971e1de",
        "0xab5e7f4061c605820d3744227eed91ff8e2c8908",
      ]),
    ).to.equal(documented);
  });

  it("extraData decodes to the validator set, in the validators' order (ascending, as Besu keeps them), and nothing else", () => {
    const g = json<{ extraData: string }>(dir, "genesis.json");
    const decoded = decodeRlp(g.extraData) as [string, string[], string[], string, string[]];
    expect(decoded).to.have.length(5);
    const [vanity, validators, vote, round, seals] = decoded;
    expect(vanity).to.equal("0x" + "00".repeat(32));
    const expected = summary.nodes
      .filter((x) => x.role === "validator")
      .map((x) => read(dir, `nodes/${x.name}/address`));
    expect(validators).to.deep.equal(expected);
    expect([...validators].sort()).to.deep.equal(validators);
    expect(vote).to.deep.equal([]);
    expect(round).to.equal("0x");
    expect(seals).to.deep.equal([]);
    // The RPC node is not a validator.
    expect(validators).not.to.include(read(dir, "nodes/rpc-1/address"));
  });

  it("each node's enode URL carries the public key of its own key file, and its address file matches the key", () => {
    for (const node of summary.nodes) {
      const key = read(dir, `nodes/${node.name}/key`);
      expect(key).to.match(/^0x[0-9a-f]{64}$/); // Besu's key file: one line, 0x and 64 hex digits
      const pub = publicKeyOf(key);
      expect(node.enode).to.match(/^enode:\/\/[0-9a-f]{128}@\d+\.\d+\.\d+\.\d+:\d+$/);
      expect(node.enode.slice("enode://".length, "enode://".length + 128)).to.equal(pub);
      expect(read(dir, `nodes/${node.name}/key.pub`)).to.equal(`0x${pub}`);
      const address = "0x" + keccak256(Buffer.from(pub, "hex")).slice(-40);
      expect(read(dir, `nodes/${node.name}/address`)).to.equal(address);
      expect(new Wallet(key).address.toLowerCase()).to.equal(address);
      const config = toml(dir, `nodes/${node.name}/config.toml`);
      expect(
        node.enode.endsWith(`@${config["p2p-host"] as string}:${config["p2p-port"] as number}`),
        node.name,
      ).to.equal(true);
    }
  });

  it("permissions: the accounts allowlist is exactly the configured accounts, the nodes allowlist exactly the nodes", () => {
    const p = toml(dir, "permissions_config.toml");
    expect(Object.keys(p).sort()).to.deep.equal(["accounts-allowlist", "nodes-allowlist"]);
    expect(p["accounts-allowlist"]).to.have.members([OPERATOR, AUTHORITY, DEPLOYER, EXTRA].map((a) => a.toLowerCase()));
    expect(p["accounts-allowlist"]).to.have.length(4);
    // Validators send no transactions.
    for (const node of summary.nodes) expect(p["accounts-allowlist"]).not.to.include(node.address);
    expect(p["nodes-allowlist"]).to.have.members(summary.nodes.map((x) => x.enode));
    expect(p["nodes-allowlist"]).to.have.length(summary.nodes.length);
  });

  it("every node enables both allowlists on the mounted file, free gas, and bootnodes Besu accepts (allowlisted, not itself)", () => {
    const compose = parseYaml(read(dir, "docker-compose.yml")) as Compose;
    const allowlist = toml(dir, "permissions_config.toml")["nodes-allowlist"] as string[];
    for (const node of summary.nodes) {
      const c = toml(dir, `nodes/${node.name}/config.toml`);
      expect(c["permissions-nodes-config-file-enabled"]).to.equal(true);
      expect(c["permissions-accounts-config-file-enabled"]).to.equal(true);
      expect(c["min-gas-price"]).to.equal(0);
      const mounts = compose.services[node.name].volumes.map((v) => v.split(":"));
      const mounted = (target: string) => mounts.find(([, t]) => t === target)?.[0];
      expect(mounted(c["permissions-nodes-config-file"] as string)).to.equal("./permissions_config.toml");
      expect(mounted(c["permissions-accounts-config-file"] as string)).to.equal("./permissions_config.toml");
      expect(mounted(c["genesis-file"] as string)).to.equal("./genesis.json");
      expect(mounted(c["data-path"] as string)).to.equal(`./data/${node.name}`);
      expect(compose.services[node.name].command).to.deep.equal([
        `--config-file=${(c["node-private-key-file"] as string).replace(/key$/, "config.toml")}`,
      ]);
      expect(mounted((c["node-private-key-file"] as string).replace(/\/key$/, ""))).to.equal(`./nodes/${node.name}`);
      const bootnodes = (c.bootnodes ?? []) as string[];
      expect(bootnodes).not.to.include(node.enode);
      for (const b of bootnodes) expect(allowlist).to.include(b);
    }
    // 4 validators: each knows the 3 others; the RPC node knows all 4.
    expect(toml(dir, "nodes/rpc-1/config.toml").bootnodes).to.have.length(4);
  });

  it("JSON-RPC per role: validators vote on localhost only; the gateway-facing node has no ADMIN, DEBUG, MINER or the like", () => {
    const compose = parseYaml(read(dir, "docker-compose.yml")) as Compose;
    for (const node of summary.nodes) {
      const c = toml(dir, `nodes/${node.name}/config.toml`);
      const apis = c["rpc-http-api"] as string[];
      expect(c["rpc-http-enabled"]).to.equal(true);
      for (const forbidden of ["ADMIN", "DEBUG", "MINER", "PERM", "TRACE", "PLUGINS", "ENGINE"])
        expect(apis, `${node.name} ${forbidden}`).not.to.include(forbidden);
      if (node.role === "validator") {
        expect(apis).to.include.members(["ETH", "NET", "QBFT"]);
        expect(c["rpc-http-host"]).to.equal("127.0.0.1");
      } else {
        expect(apis).to.have.members(["ETH", "NET", "WEB3"]);
        expect(c["data-storage-format"]).to.equal("FOREST"); // past-block state for deployment and verification
      }
      expect(c["host-allowlist"]).not.to.include("*");
      // The image's BESU_RPC_HTTP_HOST=0.0.0.0 outranks the config file: the compose file must set the same host.
      expect(compose.services[node.name].environment.BESU_RPC_HTTP_HOST).to.equal(c["rpc-http-host"]);
      expect(compose.services[node.name].image).to.match(/^hyperledger\/besu:\d+\.\d+\.\d+$/);
      expect(compose.services[node.name].network_mode).to.equal("host");
    }
  });

  it("only option names Besu knows appear in the node configurations (an unknown key stops Besu at start)", () => {
    // Checked against Besu's own list of every configuration option (app/src/test/resources/everything_config.toml).
    const known = new Set([
      "data-path",
      "genesis-file",
      "node-private-key-file",
      "sync-mode",
      "data-storage-format",
      "version-compatibility-protection",
      "min-gas-price",
      "p2p-host",
      "p2p-interface",
      "p2p-port",
      "nat-method",
      "discovery-enabled",
      "bootnodes",
      "rpc-http-enabled",
      "rpc-http-host",
      "rpc-http-port",
      "rpc-http-api",
      "host-allowlist",
      "metrics-enabled",
      "metrics-host",
      "metrics-port",
      "permissions-nodes-config-file-enabled",
      "permissions-nodes-config-file",
      "permissions-accounts-config-file-enabled",
      "permissions-accounts-config-file",
    ]);
    for (const node of summary.nodes)
      for (const k of Object.keys(toml(dir, `nodes/${node.name}/config.toml`)))
        expect(known.has(k), `${node.name}: ${k}`).to.equal(true);
  });

  it("chain id: what the gateway (CHAIN_ID) and the deployment read from network.env is the genesis chain id, on the RPC node", () => {
    const env = Object.fromEntries(
      read(dir, "network.env")
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => l.split("=") as [string, string]),
    );
    const config = loadConfig({ ...env, OPERATOR_KEY: "0x" + "11".repeat(32) });
    const g = json<{ config: { chainId: number } }>(dir, "genesis.json");
    expect(config.chainId).to.equal(g.config.chainId);
    expect(config.confirmations).to.equal(1);
    const rpc = toml(dir, "nodes/rpc-1/config.toml");
    expect(config.rpcUrl).to.equal(`http://${rpc["p2p-host"] as string}:${rpc["rpc-http-port"] as number}`);
    expect(env.BESU_RPC_URL).to.equal(config.rpcUrl); // hardhat.config.ts's `besu` network reads BESU_RPC_URL
    expect(summary.chainId).to.equal(g.config.chainId);
    // Another chain id reaches every place.
    const other = generate({ chainId: "770077" });
    expect(json<{ config: { chainId: number } }>(other, "genesis.json").config.chainId).to.equal(770077);
    expect(read(other, "network.env")).to.contain("CHAIN_ID=770077\n");
  });

  it("the same seed gives byte-identical output; another seed gives other keys", () => {
    // The same command: network.env names <out>/deployment.json, so --out is part of the command.
    const same = generate();
    const a = tree(same);
    const b = tree(generate({ out: same, force: true }));
    expect([...a.keys()]).to.deep.equal([...b.keys()]);
    for (const [f, content] of a) expect(content.equals(b.get(f)!), f).to.equal(true);
    // Another --out changes network.env's DEPLOYMENT_FILE and nothing else.
    const elsewhere = tree(generate());
    for (const [f, content] of a) if (f !== "network.env") expect(content.equals(elsewhere.get(f)!), f).to.equal(true);
    const c = tree(generate({ seed: "another seed" }));
    for (const node of summary.nodes)
      expect(
        c.get(join("nodes", node.name, "key"))!.equals(a.get(join("nodes", node.name, "key"))!),
        node.name,
      ).to.equal(false);
    expect(c.get("genesis.json")!.equals(a.get("genesis.json")!)).to.equal(false);
    // Without a seed, keys come from the random generator: two runs differ.
    const r1 = tree(generate({ seed: undefined }));
    const r2 = tree(generate({ seed: undefined }));
    expect(r1.get("genesis.json")!.equals(r2.get("genesis.json")!)).to.equal(false);
  });

  it("bad input gives a clear error and writes nothing", () => {
    const base: InitOptions = { validators: "4", chainId: "7007", operator: OPERATOR };
    const cases: Array<[Partial<InitOptions>, RegExp]> = [
      [{ validators: "0" }, /--validators must be between 1 and/],
      [{ validators: "four" }, /--validators must be a whole number/],
      [{ accounts: `${EXTRA},0x1234` }, /--accounts: '0x1234' is not an address/],
      [{ accounts: "0x70997970C51812dc3A010C7d01b50e0d17dc79c9" }, /--accounts: .* is not an address/], // bad checksum
      [{ operator: "0x0000000000000000000000000000000000000000" }, /zero address/],
      [{ operator: undefined }, /no account could send transactions/],
      [{ chainId: "0" }, /--chain-id must be between 1 and/],
      [{ chainId: undefined }, /--chain-id <id> is required: .*e\.g\. --chain-id 7007/],
      [{ chainId: "31337" }, /31337 is Hardhat's development chain/],
      [{ emptyBlockPeriod: "1" }, /--empty-block-period must be 0 \(off\) or more than the block period \(1 s\)/],
      [{ emptyBlockPeriod: "301" }, /--empty-block-period must be between/],
      [{ hosts: "10.0.0.1,10.0.0.2" }, /--hosts: 2 given, 5 needed/],
      [{ validatorKeys: join(root, "no-such-dir") }, /--validator-keys: .* is not a directory/],
    ];
    for (const [change, pattern] of cases) {
      const out = fresh();
      expectInputError({ ...base, ...change, out }, pattern);
      expect(existsSync(out), `${pattern} wrote ${out}`).to.equal(false);
    }
  });

  it("an --out directory that is not empty is refused without --force and left as it was; --force replaces the files", () => {
    const out = fresh();
    mkdirSync(out);
    writeFileSync(join(out, "notes.txt"), "keep me");
    expectInputError({ validators: "4", chainId: "7007", operator: OPERATOR, out }, /is not empty.*--force/);
    expect(readdirSync(out)).to.deep.equal(["notes.txt"]);
    // A previous network's files, then --force with fewer validators: no stale node stays behind.
    generate({ out: fresh() });
    const again = generate({ validators: "5" });
    generate({ out: again, validators: "4", force: true });
    expect(readdirSync(join(again, "nodes")).sort()).to.deep.equal([
      "rpc-1",
      "validator-1",
      "validator-2",
      "validator-3",
      "validator-4",
    ]);
    // Never over a chain that has run: its data would not match a new genesis.
    mkdirSync(join(again, "data", "validator-1"), { recursive: true });
    const before = tree(again);
    expectInputError(
      { validators: "4", chainId: "7007", operator: OPERATOR, out: again, force: true, seed: "x" },
      /holds chain data/,
    );
    const after = tree(again);
    for (const [f, content] of before) expect(after.get(f)?.equals(content), f).to.equal(true);
  });

  it("--validator-keys: the operator's own keys become the validators (extraData, enodes), nothing derived from a seed", () => {
    const keysDir = join(root, "own-keys");
    const wallets = Array.from({ length: 4 }, () => randomWallet());
    wallets.forEach((w, i) => {
      mkdirSync(join(keysDir, `k${i}`), { recursive: true });
      writeFileSync(join(keysDir, `k${i}`, "key"), `${w.privateKey}\n`);
    });
    const out = generate({ seed: undefined, validatorKeys: keysDir });
    const s = json<Summary>(out, "network.json");
    expect(s.keys).to.equal("validator-keys");
    const expected = wallets.map((w) => w.address.toLowerCase()).sort();
    expect((decodeRlp(json<{ extraData: string }>(out, "genesis.json").extraData) as string[][])[1]).to.deep.equal(
      expected,
    );
    for (const node of s.nodes.filter((x) => x.role === "validator"))
      expect(node.enode).to.contain(publicKeyOf(read(out, `nodes/${node.name}/key`)));
    expectInputError(
      { validators: "5", chainId: "7007", operator: OPERATOR, validatorKeys: keysDir, out: fresh() },
      /4 keys in .* --validators is 5/,
    );
    writeFileSync(join(keysDir, "k0", "key"), "not a key");
    expectInputError(
      { validators: "4", chainId: "7007", operator: OPERATOR, validatorKeys: keysDir, out: fresh() },
      /does not hold a 32-byte hex private key/,
    );
  });

  it("--hosts: one node per machine, each enode on its own IP, gateways reach the RPC node on the network", () => {
    const hosts = "10.20.0.11,10.20.0.12,10.20.0.13,10.20.0.14:30400,10.20.0.21";
    const out = generate({ hosts });
    const s = json<Summary>(out, "network.json");
    expect(s.nodes.map((x) => x.enode.split("@")[1])).to.deep.equal([
      "10.20.0.11:30303",
      "10.20.0.12:30303",
      "10.20.0.13:30303",
      "10.20.0.14:30400",
      "10.20.0.21:30303",
    ]);
    expect(s.rpcUrl).to.equal("http://10.20.0.21:8545");
    const rpc = toml(out, "nodes/rpc-1/config.toml");
    expect(rpc["rpc-http-host"]).to.equal("0.0.0.0");
    expect(rpc["host-allowlist"]).to.include("10.20.0.21");
    expect(toml(out, "nodes/validator-1/config.toml")["rpc-http-host"]).to.equal("127.0.0.1");
    expectInputError(
      {
        validators: "4",
        chainId: "7007",
        operator: OPERATOR,
        hosts: "10.0.0.1,10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4",
        out: fresh(),
      },
      /own IP address/,
    );
    expectInputError(
      {
        validators: "4",
        chainId: "7007",
        operator: OPERATOR,
        hosts: "node1.example,10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5",
        out: fresh(),
      },
      /not an IPv4 address/,
    );
  });

  it("containers: every node runs as the image's besu user (uid 1000), the runbook's first step gives it the keys (0600) and data", () => {
    const compose = parseYaml(read(dir, "docker-compose.yml")) as Compose;
    // The image's entry script chowns only what `besu --print-paths-and-exit` lists (data path, genesis file), not
    // the mounted key; as a non-root user it changes nothing and runs Besu directly. So the compose file names the user.
    const users = new Set(summary.nodes.map((x) => compose.services[x.name].user));
    expect([...users]).to.deep.equal(["1000:1000"]);
    expect(read(dir, "docker-compose.yml")).to.contain('user: "1000:1000"'); // quoted: YAML 1.1 reads 1000:1000 as base 60
    for (const node of summary.nodes)
      expect(statSync(join(dir, "nodes", node.name, "key")).mode & 0o777, node.name).to.equal(0o600);
    // The runbook (docs/network.md, step 2) and the generated README give the same step, for the same user.
    const docs = readFileSync(DOCS, "utf8");
    const chown = /sudo chown -R (\d+:\d+) (\S+)\/nodes \2\/data/.exec(docs);
    expect(chown, "docs/network.md: sudo chown -R <uid:gid> <out>/nodes <out>/data").to.not.equal(null);
    expect(chown![1]).to.equal("1000:1000");
    expect(docs).to.match(new RegExp(`mkdir -p ${chown![2].replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/data/`));
    expect(docs).not.to.match(/entry script gives the mounted files/);
    const generated = read(dir, "README.md");
    expect(generated).to.contain(`mkdir -p ${summary.nodes.map((x) => `data/${x.name}`).join(" ")}`);
    expect(generated).to.contain("sudo chown -R 1000:1000 nodes data");
    expect(read(dir, "docker-compose.yml")).to.contain("sudo chown -R 1000:1000 nodes data");
  });

  it("storage: every node FULL-syncs into FOREST (no Bonsai trie logs growing without limit), the same on validators and RPC nodes", () => {
    for (const node of summary.nodes) {
      const c = toml(dir, `nodes/${node.name}/config.toml`);
      expect(c["sync-mode"], node.name).to.equal("FULL");
      expect(c["data-storage-format"], node.name).to.equal("FOREST");
      for (const k of Object.keys(c)) expect(k, node.name).not.to.match(/^bonsai-/);
    }
    // Empty blocks at the block period unless --empty-block-period slows them (genesis, Besu 26.5+'s key).
    const qbft = (g: string) => json<{ config: { qbft: Record<string, number> } }>(g, "genesis.json").config.qbft;
    expect(qbft(dir)).not.to.have.property("emptyblockperiodseconds");
    expect(qbft(dir)).not.to.have.property("xemptyblockperiodseconds");
    const slow = generate({ emptyBlockPeriod: "30" });
    expect(qbft(slow).emptyblockperiodseconds).to.equal(30);
    expect(qbft(slow).blockperiodseconds).to.equal(1);
    expect(qbft(generate({ emptyBlockPeriod: "0" }))).not.to.have.property("emptyblockperiodseconds");
  });

  it("network.env sends the network's deployment to its own file, <out>/deployment.json, never the development stack's", () => {
    const env = Object.fromEntries(
      read(dir, "network.env")
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => l.split("=") as [string, string]),
    );
    expect(env.DEPLOYMENT_FILE).to.equal(join(dir, "deployment.json"));
    expect(loadConfig({ ...env, OPERATOR_KEY: "0x" + "11".repeat(32) }).deploymentFile).to.equal(
      join(dir, "deployment.json"),
    );
    const docs = readFileSync(DOCS, "utf8");
    expect(docs).to.match(/npm run deploy -- --network besu --deployment-file \S+\/deployment\.json/);
  });

  it("--validator-keys: Besu's generate-blockchain-config layout (keys/<address>/key.priv, key.pub) is read as it is", () => {
    const keysDir = join(root, "besu-generated");
    const wallets = Array.from({ length: 4 }, () => randomWallet());
    for (const w of wallets) {
      // What GenerateBlockchainConfig writes: 0x-prefixed hex, no newline, directory named by the address.
      const d = join(keysDir, w.address.toLowerCase());
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, "key.priv"), w.privateKey);
      writeFileSync(join(d, "key.pub"), `0x${publicKeyOf(w.privateKey)}`);
    }
    const out = generate({ seed: undefined, validatorKeys: keysDir });
    const s = json<Summary>(out, "network.json");
    const validators = s.nodes.filter((x) => x.role === "validator");
    expect(validators.map((x) => x.address)).to.deep.equal(wallets.map((w) => w.address.toLowerCase()).sort());
    for (const v of validators) {
      expect(v.keyDir).to.equal(v.address); // the directory each key came from
      expect(v.privateKey).to.equal("validator-keys");
      // Besu reads nodes/<name>/key (node-private-key-file): the key.priv content, in Besu's format.
      expect(read(out, `nodes/${v.name}/key`)).to.equal(
        wallets.find((w) => w.address.toLowerCase() === v.address)!.privateKey,
      );
      expect(statSync(join(out, "nodes", v.name, "key")).mode & 0o777).to.equal(0o600);
    }
    // A key.pub that is not the key.priv's public key is refused.
    const other = randomWallet();
    writeFileSync(join(keysDir, wallets[0].address.toLowerCase(), "key.pub"), `0x${publicKeyOf(other.privateKey)}`);
    expectInputError(
      { validators: "4", chainId: "7007", operator: OPERATOR, validatorKeys: keysDir, out: fresh() },
      /key\.pub is not the public key of .*key\.priv/,
    );
  });

  it("--validator-keys with public keys only: each validator keeps its private key on its machine, none is written", () => {
    const keysDir = join(root, "public-only");
    const wallets = Array.from({ length: 4 }, () => randomWallet());
    wallets.forEach((w, i) => {
      const d = join(keysDir, `bank-${i + 1}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, "key.pub"), `0x${publicKeyOf(w.privateKey)}\n`);
      if (i === 1) writeFileSync(join(d, "address"), w.address.toLowerCase());
    });
    // One validator brings its private key here, the others only their public keys.
    writeFileSync(join(keysDir, "bank-4", "key"), wallets[3].privateKey);
    const out = generate({ seed: undefined, validatorKeys: keysDir });
    const s = json<Summary>(out, "network.json");
    const validators = s.nodes.filter((x) => x.role === "validator");
    expect(validators.map((x) => x.keyDir).sort()).to.deep.equal(["bank-1", "bank-2", "bank-3", "bank-4"]);
    for (const v of validators) {
      const w = wallets[Number(v.keyDir!.slice(-1)) - 1];
      expect(v.address).to.equal(w.address.toLowerCase());
      expect(v.enode).to.contain(publicKeyOf(w.privateKey));
      expect(read(out, `nodes/${v.name}/key.pub`)).to.equal(`0x${publicKeyOf(w.privateKey)}`);
      expect(read(out, `nodes/${v.name}/address`)).to.equal(w.address.toLowerCase());
      if (v.keyDir === "bank-4") {
        expect(v.privateKey).to.equal("validator-keys");
        expect(existsSync(join(out, "nodes", v.name, "key"))).to.equal(true);
      } else {
        expect(v.privateKey).to.equal("on its machine");
        expect(existsSync(join(out, "nodes", v.name, "key")), v.name).to.equal(false);
        // The generated README says where that validator's operator puts it.
        expect(read(out, "README.md")).to.contain(`nodes/${v.name}/key`);
      }
    }
    // The RPC node's key is generated as before; the genesis lists all four validators.
    expect(existsSync(join(out, "nodes", "rpc-1", "key"))).to.equal(true);
    expect((decodeRlp(json<{ extraData: string }>(out, "genesis.json").extraData) as string[][])[1]).to.deep.equal(
      wallets.map((w) => w.address.toLowerCase()).sort(),
    );
    // An address without the public key cannot make an enode URL; an address that does not match is refused.
    const bad = join(root, "address-only");
    mkdirSync(join(bad, "v1"), { recursive: true });
    writeFileSync(join(bad, "v1", "address"), wallets[0].address);
    expectInputError(
      { validators: "1", chainId: "7007", operator: OPERATOR, validatorKeys: bad, out: fresh() },
      /v1 has an address but no public key: .*key\.pub/,
    );
    writeFileSync(join(bad, "v1", "key.pub"), `0x${publicKeyOf(wallets[1].privateKey)}`);
    expectInputError(
      { validators: "1", chainId: "7007", operator: OPERATOR, validatorKeys: bad, out: fresh() },
      /address .* does not match/,
    );
    writeFileSync(join(bad, "v1", "key.pub"), `0x${"ab".repeat(64)}`);
    expectInputError(
      { validators: "1", chainId: "7007", operator: OPERATOR, validatorKeys: bad, out: fresh() },
      /not a secp256k1 public key/,
    );
  });

  it("--hosts name=ip[:port]: with --validator-keys each key directory's node gets its machine's address", () => {
    const keysDir = join(root, "hosted-keys");
    const wallets = Array.from({ length: 4 }, () => randomWallet());
    const names = ["almaty", "astana", "shymkent", "aktobe"];
    wallets.forEach((w, i) => {
      mkdirSync(join(keysDir, names[i]), { recursive: true });
      writeFileSync(join(keysDir, names[i], "key.pub"), `0x${publicKeyOf(w.privateKey)}`);
    });
    const ip = (i: number) => `10.30.0.${11 + i}`;
    const hosts = [...names.map((nm, i) => `${nm}=${ip(i)}${i === 2 ? ":30400" : ""}`), "rpc-1=10.30.0.21"]
      .reverse()
      .join(",");
    const out = generate({ seed: undefined, validatorKeys: keysDir, hosts });
    const s = json<Summary>(out, "network.json");
    for (const v of s.nodes.filter((x) => x.role === "validator")) {
      const i = names.indexOf(v.keyDir!);
      expect(v.address).to.equal(wallets[i].address.toLowerCase());
      expect(v.enode).to.equal(`enode://${publicKeyOf(wallets[i].privateKey)}@${ip(i)}:${i === 2 ? 30400 : 30303}`);
      expect(toml(out, `nodes/${v.name}/config.toml`)["p2p-host"]).to.equal(ip(i));
    }
    expect(s.rpcUrl).to.equal("http://10.30.0.21:8545");
    const opts = { validators: "4", chainId: "7007", operator: OPERATOR, validatorKeys: keysDir };
    const all = names.map((nm, i) => `${nm}=${ip(i)}`);
    // The plain list would be matched by address order, which says nothing about where each key lives: refused.
    expectInputError(
      { ...opts, hosts: "10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5", out: fresh() },
      /--validator-keys.*name=ip.*almaty/,
    );
    expectInputError(
      { ...opts, hosts: [...all, "rpc-1=10.30.0.21", "tashkent=10.30.0.31"].join(","), out: fresh() },
      /--hosts: no node named 'tashkent'/,
    );
    expectInputError(
      { ...opts, hosts: [...all.slice(1), "rpc-1=10.30.0.21"].join(","), out: fresh() },
      /--hosts: no address for almaty/,
    );
    expectInputError(
      { ...opts, hosts: [...all, "almaty=10.30.0.41", "rpc-1=10.30.0.21"].join(","), out: fresh() },
      /--hosts: almaty given twice/,
    );
    expectInputError(
      { ...opts, hosts: [...all, "10.30.0.21"].join(","), out: fresh() },
      /either name=ip\[:port\] for every node or a plain list/,
    );
    // Generated keys: validator-N / rpc-N names, in any order.
    const named = generate({
      hosts:
        "rpc-1=10.40.0.21,validator-4=10.40.0.14,validator-3=10.40.0.13,validator-2=10.40.0.12,validator-1=10.40.0.11",
    });
    expect(json<Summary>(named, "network.json").nodes.map((x) => x.enode.split("@")[1])).to.deep.equal([
      "10.40.0.11:30303",
      "10.40.0.12:30303",
      "10.40.0.13:30303",
      "10.40.0.14:30303",
      "10.40.0.21:30303",
    ]);
  });

  it("--hosts refuses addresses no node can advertise: unspecified, loopback, broadcast, multicast, reserved, IPv6", () => {
    const bad = [
      "0.0.0.0",
      "0.1.2.3",
      "127.0.0.1",
      "255.255.255.255",
      "224.0.0.1",
      "239.255.255.250",
      "240.0.0.1",
      "::",
      "ff02::1",
      "::1",
    ];
    for (const b of bad) {
      const hosts = [b, "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"].join(",");
      expectInputError(
        { validators: "4", chainId: "7007", operator: OPERATOR, hosts, out: fresh() },
        /--hosts: .* (cannot be a node's advertised address|is not an IPv4 address)/,
      );
    }
    expectInputError(
      {
        validators: "4",
        chainId: "7007",
        operator: OPERATOR,
        hosts:
          "validator-1=0.0.0.0:30303,validator-2=10.0.0.2,validator-3=10.0.0.3,validator-4=10.0.0.4,rpc-1=10.0.0.5",
        out: fresh(),
      },
      /'0\.0\.0\.0' cannot be a node's advertised address/,
    );
    // Private, shared (100.64/10) and public unicast addresses are fine.
    generate({ hosts: "10.0.0.1,172.16.0.2,192.168.1.3,100.64.0.4,203.0.113.5" });
  });

  it("the command line: warns about seeded keys on stderr, exits 2 with the reason on bad input", async function () {
    this.timeout(60_000);
    // Four processes at once (each loads ts-node): the loop stays fast.
    const run = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ["-r", "ts-node/register", join(__dirname, "../../scripts/network.ts"), "init", ...args],
          { encoding: "utf8", env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" } },
          (err, stdout, stderr) =>
            resolve({ status: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
        );
      });
    const out = fresh();
    const [ok, bad, noChain, helpRun] = await Promise.all([
      run(["--validators", "4", "--out", out, "--chain-id", "7007", "--seed", "cli", "--operator", OPERATOR]),
      run(["--validators", "0", "--out", fresh(), "--chain-id", "7007", "--operator", OPERATOR]),
      // No default chain id: the error says why and shows how.
      run(["--validators", "4", "--out", fresh(), "--operator", OPERATOR]),
      run(["--help"]),
    ]);
    expect(ok.status, ok.stderr).to.equal(0);
    expect(ok.stderr).to.contain(SEEDED_KEYS_WARNING);
    expect(ok.stdout).to.contain("RPC_URL=http://127.0.0.1:8545 CHAIN_ID=7007 CONFIRMATIONS=1");
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/^error: --validators must be between 1 and/);
    expect(noChain.status).to.equal(2);
    expect(noChain.stderr)
      .to.match(/^error: --chain-id <id> is required/)
      .and.to.contain("--chain-id 7007");
    const help = helpRun.stdout.replace(/\s+/g, " "); // commander wraps the descriptions
    expect(help).to.contain("--chain-id <id> required, no default").and.to.contain("--chain-id 7007");
    expect(help).to.match(
      /--hosts <list> .*name=ip\[:port\] .*plain ip\[:port\] list in node order: validator-1, validator-2, \.\.\. \(validators in ascending address order\), then rpc-1/,
    );
  });
});
