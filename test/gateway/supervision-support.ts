import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { timingSafeEqual } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { keccak256 } from "ethers";
import type { Wallet } from "ethers";
import type { Config } from "../../server/config";
import { Webhook } from "standardwebhooks";
import { LEGACY_WEBHOOK_HEADERS, webhookSignature } from "../../server/supervision/subscriptions";
import type { DeliveryBody } from "../../server/supervision/subscriptions";
import { attest, bearer, buildFiling, expectPosted } from "./support/harness";
import type { TestEnv } from "./support/harness";

export { waitFor } from "./support/wait";

/** Short intervals so the supervision workers react within the test's patience. */
export const FAST_SUPERVISION: Partial<Config> = {
  supervision: {
    dispatchIntervalMs: 50,
    webhookTimeoutMs: 1_000,
    retryBaseMs: 50,
    retryMaxMs: 300,
    gapGraceMs: 1_000,
    monitoringIntervalMs: 50,
    decisionCheckIntervalMs: 60_000,
    decisionFetchTimeoutMs: 500,
    // The tests' receivers and document servers listen on loopback.
    outboundAllow: ["127.0.0.0/8"],
  },
};

/** A full garbage collection, without starting node with --expose-gc. */
export const collectGarbage: () => void = (() => {
  setFlagsFromString("--expose_gc");
  return runInNewContext("gc") as () => void;
})();

export interface Received {
  sequence: number;
  body: DeliveryBody;
  headers: IncomingHttpHeaders;
  raw: string;
  answered: number | "timeout";
}

/** A webhook receiver on port 0 whose behaviour the test switches: answer 200, fail with 500, or hang past the timeout. */
export class Receiver {
  mode: "ok" | "fail" | "slow" = "ok";
  /** Every request, in arrival order. */
  readonly requests: Received[] = [];
  url = "";
  private server: Server | null = null;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const body = JSON.parse(raw) as DeliveryBody;
        const mode = this.mode;
        const r: Received = {
          sequence: body.sequence,
          body,
          headers: req.headers,
          raw,
          answered: mode === "slow" ? "timeout" : mode === "ok" ? 200 : 500,
        };
        this.requests.push(r);
        if (mode === "ok") res.writeHead(200).end("ok");
        else if (mode === "fail") res.writeHead(500).end("down");
        else {
          // A garbage collection while the gateway waits: Node 20's AbortSignal.any lost its timeout here.
          setImmediate(collectGarbage);
          setTimeout(() => {
            if (!res.destroyed) res.writeHead(200).end("late");
          }, 3_000).unref();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  /** Sequences acknowledged with 200, in arrival order. */
  accepted(): number[] {
    return this.requests.filter((r) => r.answered === 200).map((r) => r.sequence);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * What a receiver does: verify the Standard Webhooks headers over the raw body with the reference library
 * (`webhook-id`, `webhook-timestamp` within 5 minutes, `webhook-signature`), and, while the deprecated scheme is
 * still sent, its `x-webhook-signature` too.
 */
export function verifySignature(secret: string, r: Received): boolean {
  try {
    new Webhook(secret).verify(r.raw, r.headers as Record<string, string>);
  } catch {
    return false;
  }
  return verifyLegacySignature(secret, r);
}

/** The deprecated scheme (kept for one version): HMAC over "<timestamp>.<raw body>", keyed with the secret's text. */
export function verifyLegacySignature(secret: string, r: Received): boolean {
  const timestamp = String(r.headers[LEGACY_WEBHOOK_HEADERS.timestamp]);
  const given = Buffer.from(String(r.headers[LEGACY_WEBHOOK_HEADERS.signature]));
  const expected = Buffer.from(webhookSignature(secret, timestamp, r.raw));
  return (
    given.length === expected.length &&
    timingSafeEqual(given, expected) &&
    Math.abs(Date.now() / 1000 - Number(timestamp)) < 300
  );
}

/** A web server publishing a decision document that the test can change or withdraw. */
export class DocumentServer {
  document: Buffer | null = Buffer.from("Issuance decision No. 1: 1 unit = 1 tonne of wheat in elevator 7.");
  hits = 0;
  url = "";
  private server: Server | null = null;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.hits += 1;
      if (req.url !== "/decisions/1.pdf" || !this.document) {
        res.writeHead(404).end("not found");
        return;
      }
      res.writeHead(200, { "content-type": "application/pdf" }).end(this.document);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/decisions/1.pdf`;
    return this;
  }

  get hash(): string {
    return keccak256(this.document!);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Files, attests and posts an issuance whose decision is the given document hash and URI. */
export async function issueWithDecision(
  env: TestEnv,
  owner: Wallet,
  units: string,
  decision: { documentHash: string; uri: string },
) {
  const nonce = String(Math.floor(Math.random() * 1e12));
  const filing = await buildFiling(env, owner, units, nonce, { decision });
  const filed = await env.http.post("/v1/issuance-requests").set(bearer(env.keys.operator)).send(filing);
  if (filed.status !== 201) throw new Error(`filing: ${filed.status} ${JSON.stringify(filed.body)}`);
  const att = await env.http
    .post(`/v1/issuance-requests/${filed.body.id}/attestation`)
    .set(bearer(env.keys.verifier))
    .send(await attest(env, owner.address, filing.evidenceHash, nonce, units));
  if (att.status !== 200) throw new Error(`attestation: ${att.status} ${JSON.stringify(att.body)}`);
  await expectPosted(
    env.http.post(`/v1/issuance-requests/${filed.body.id}/post?wait=true`).set(bearer(env.keys.operator)),
  );
  const req = await env.http.get(`/v1/issuance-requests/${filed.body.id}`).set(bearer(env.keys.operator));
  return req.body.assetId as string;
}
