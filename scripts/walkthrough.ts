import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Wallet, encodeBytes32String, id as keccakText, ZeroHash } from "ethers";
import type { TypedDataDomain } from "ethers";
import { devWallet } from "./lib/dev-accounts";
import {
  ACKNOWLEDGEMENT_TYPES,
  ATTESTATION_TYPES,
  attestationMessage,
  ISSUANCE_TYPES,
  issuanceRequestMessage,
  TRANSFER_TYPES,
} from "../server/domain/eip712";

/**
 * The newcomer's walk, end to end, against a running gateway (`npm start`):
 * permit -> onboarding two holders (signed acknowledgements) -> an issuance request signed by the owner ->
 * the verifier's attestation -> posting -> a holder-signed transfer -> reading its record back.
 * Env: PORT (the gateway's, as `npm start` reads it; default 8080), GATEWAY_URL (overrides: another host or scheme),
 * API keys from data/dev-api-keys.json or *_API_KEY, VERIFIER_KEY (default: the development verifier, Hardhat
 * account 3).
 */
export function gatewayUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GATEWAY_URL) return env.GATEWAY_URL.replace(/\/+$/, "");
  // 127.0.0.1, not localhost: Node's fetch may resolve localhost to ::1 while the gateway listens on IPv4 (HOST
  // 0.0.0.0), which fails as "fetch failed".
  const port = env.PORT?.trim() || "8080";
  if (!/^\d{1,5}$/.test(port)) throw new Error(`PORT must be a port number, not ${JSON.stringify(env.PORT)}`);
  return `http://127.0.0.1:${port}`;
}
const URL_ = gatewayUrl();
const KEYS_FILE = join(__dirname, "..", "data/dev-api-keys.json");
const fileKeys = existsSync(KEYS_FILE) ? (JSON.parse(readFileSync(KEYS_FILE, "utf8")) as Record<string, string>) : {};
const key = (role: string) =>
  process.env[`${role.toUpperCase()}_API_KEY`] ??
  fileKeys[role] ??
  (() => {
    throw new Error(`no ${role} API key: run npm start first or set ${role.toUpperCase()}_API_KEY`);
  })();
const FAR = "4000000000";
const ISSUER = { legalName: "Steppe Grain LLP", bin: "190440005676", registeredAddress: "Astana, Mangilik El 55" };

let step = 0;
function show(title: string, detail?: unknown) {
  step += 1;
  console.log(`\n${step}. ${title}`);
  if (detail !== undefined)
    console.log(
      JSON.stringify(detail, null, 2)
        .split("\n")
        .map((l) => `   ${l}`)
        .join("\n"),
    );
}

async function call<T = Record<string, unknown>>(
  method: string,
  path: string,
  role: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await fetch(`${URL_}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...(role ? { Authorization: `Bearer ${key(role)}` } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  }).catch((err: Error & { cause?: { code?: string } }) => {
    throw new Error(
      `cannot reach the gateway at ${URL_} (${err.cause?.code ?? err.message}): start it with npm start, and set PORT (or GATEWAY_URL) as it runs`,
    );
  });
  const json = (await res.json()) as T & { error?: { code: string; message: string } };
  if (!res.ok)
    throw new Error(
      `${method} ${path} -> ${res.status} ${json.error?.code}: ${json.error?.message} ${JSON.stringify(json.error)}`,
    );
  return json;
}

type Op = {
  operation: {
    id: string;
    status: string;
    txHash?: string;
    blockNumber?: number;
    recordSequence?: string;
    rightsArisenAt?: string;
    error?: unknown;
  };
};
function posted(r: Op, what: string) {
  if (r.operation.status !== "posted") throw new Error(`${what}: ${JSON.stringify(r.operation)}`);
  return r.operation;
}

async function main() {
  const platform = await call<{
    eip712Domain: TypedDataDomain & { chainId: string };
    operator: string;
    disclosureVersion: number;
  }>("GET", "/v1/platform", null);
  const domain: TypedDataDomain = { ...platform.eip712Domain, chainId: BigInt(platform.eip712Domain.chainId) };
  show("The platform (chain, ledger, EIP-712 domain)", platform);

  const permit = await call<{ status: string }>("GET", `/v1/permits/${platform.operator}`, "monitor");
  if (permit.status !== "Active") {
    throw new Error(`the operator's permit is ${permit.status}; the authority grants it with POST /v1/permits`);
  }
  show("The operator holds an active permit (Art. 6.1)", permit);

  const disclosure = await call<{ version: number; documentHash: string; uri: string }>(
    "GET",
    "/v1/disclosures/current",
    null,
  );
  show("The current risk disclosure (Art. 6.4)", disclosure);

  const owner = Wallet.createRandom();
  const alice = Wallet.createRandom();
  const bob = Wallet.createRandom();
  for (const [name, w] of [
    ["owner", owner],
    ["alice", alice],
    ["bob", bob],
  ] as const) {
    const signature = await w.signTypedData(domain, ACKNOWLEDGEMENT_TYPES, {
      account: w.address,
      version: disclosure.version,
      documentHash: disclosure.documentHash,
      deadline: FAR,
    });
    const r = await call<Op>("POST", "/v1/participants?wait=true", "operator", {
      address: w.address,
      kind: "NaturalPerson",
      identity: { fullName: `Walk-through ${name}`, iin: "900101300126", checkedBy: "operator KYC desk" },
      acknowledgement: { version: disclosure.version, deadline: FAR, signature },
    });
    show(
      `Onboarded ${name} ${w.address}: KYC kept off-chain, its hash and the signed acknowledgement posted`,
      posted(r, "onboarding"),
    );
  }

  const nonce = String(Date.now());
  const assetType = encodeBytes32String("GRAIN");
  const decision = {
    documentHash: keccakText(`decision ${nonce}`),
    uri: "https://steppegrain.example/decisions/2026-01.pdf",
    rightsType: encodeBytes32String("OWNERSHIP_SHARE"),
    rightsExtent: "1 unit = 1 tonne of wheat, class 3, Kostanay elevator",
    units: "1000",
  };
  const evidenceHash = keccakText(`warehouse receipt ${nonce}`);
  // The owner names the collateral verifier in the request: only that verifier's attestation is accepted.
  const verifier = new Wallet(process.env.VERIFIER_KEY ?? devWallet(3).privateKey);
  // Everything the ledger stores or publishes about the issuance is in what the owner signs.
  const ownerSignature = await owner.signTypedData(
    domain,
    ISSUANCE_TYPES,
    issuanceRequestMessage({
      owner: owner.address,
      assetType,
      decision,
      issuer: ISSUER,
      evidenceHash,
      verifier: verifier.address,
      nonce,
      deadline: FAR,
    }),
  );
  const filed = await call<{ id: string; status: string }>("POST", "/v1/issuance-requests", "operator", {
    owner: owner.address,
    assetType: "GRAIN",
    decision,
    issuer: ISSUER,
    evidenceHash,
    verifier: verifier.address,
    nonce,
    deadline: FAR,
    ownerSignature,
  });
  show("The owner's signed issuance request is filed, naming the verifier (Art. 6.5)", {
    id: filed.id,
    status: filed.status,
    verifier: verifier.address,
  });

  const attSig = await verifier.signTypedData(
    domain,
    ATTESTATION_TYPES,
    attestationMessage({ owner: owner.address, evidenceHash, assetType, units: decision.units, nonce, expiry: FAR }),
  );
  const attested = await call<{ status: string }>("POST", `/v1/issuance-requests/${filed.id}/attestation`, "verifier", {
    verifier: verifier.address,
    expiry: FAR,
    signature: attSig,
  });
  show("The verifier attests the collateral (Art. 6.8)", { status: attested.status, verifier: verifier.address });

  const post = posted(
    await call<Op>("POST", `/v1/issuance-requests/${filed.id}/post?wait=true`, "operator"),
    "issuance",
  );
  const request = await call<{ status: string; assetId: string }>(
    "GET",
    `/v1/issuance-requests/${filed.id}`,
    "operator",
  );
  show("The operator posts the issuance", { operation: post, status: request.status, assetId: request.assetId });
  const assetId = request.assetId;
  show("The asset", await call("GET", `/v1/assets/${assetId}`, "monitor"));

  const next = await call<{ nextNonce: string }>("GET", `/v1/holders/${owner.address}/nonces/${assetId}`, "operator");
  const authorization = {
    from: owner.address,
    to: alice.address,
    assetId,
    amount: "250",
    nonce: next.nextNonce,
    deadline: FAR,
    ref: keccakText("invoice 42"),
  };
  const signature = await owner.signTypedData(domain, TRANSFER_TYPES, authorization);
  const transfer = posted(
    await call<Op>(
      "POST",
      "/v1/transfers?wait=true",
      "operator",
      { authorization, signature },
      { "Idempotency-Key": `walk-${nonce}-1` },
    ),
    "transfer",
  );
  show(
    "The owner signs a transfer of 250 units to alice; the operator relays it; rights arise at posting (Art. 6.6)",
    transfer,
  );

  const auth2 = {
    from: alice.address,
    to: bob.address,
    assetId,
    amount: "50",
    nonce: "0",
    deadline: FAR,
    ref: ZeroHash,
  };
  const t2 = posted(
    await call<Op>(
      "POST",
      "/v1/transfers?wait=true",
      "operator",
      { authorization: auth2, signature: await alice.signTypedData(domain, TRANSFER_TYPES, auth2) },
      { "Idempotency-Key": `walk-${nonce}-2` },
    ),
    "transfer 2",
  );
  show("Alice passes 50 units to bob", t2);

  const records = await call<{ verification: unknown; items: { sequence: string }[] }>(
    "GET",
    `/v1/assets/${assetId}/records`,
    "monitor",
  );
  const record = records.items.find((r) => r.sequence === transfer.recordSequence);
  show("The transfer's record, read back, and the verification of the asset's hash chain", {
    record,
    verification: records.verification,
  });
  show("Holders and balances", await call("GET", `/v1/assets/${assetId}/holders`, "monitor"));
  console.log("\nWalk-through complete.");
}

if (require.main === module)
  main().catch((err: Error) => {
    console.error(`\nwalk-through failed: ${err.message}`);
    process.exit(1);
  });
