/**
 * The benchmark's HTTP clients, run on a worker thread so that generating the load does not take the gateway's
 * event loop (real clients are other machines). Each client submits its holders' transfers in nonce order, one
 * request at a time; then every operation is polled until posted. With several gateway URLs (instances on one
 * database), client i sends to URL i mod n and polls its operations there.
 */
import { Agent, request } from "node:http";
import { parentPort, workerData, Worker } from "node:worker_threads";
import type { SignedTransfer } from "../../server/domain/signed-transfer";

export type TransferBody = SignedTransfer;

export interface ClientsInput {
  /** The gateways' base URLs; the clients are spread over them round-robin. */
  urls: string[];
  apiKey: string;
  /** Per client, its requests in the order it sends them. */
  clients: TransferBody[][];
}

export interface ClientsResult {
  /** Epoch ms of the first request. */
  startedAt: number;
  /** Epoch ms at which the last operation was posted (its updatedAt). */
  lastPostedAt: number;
  /** Request to posted record, ms, one per posted operation. */
  latencies: number[];
  refused: string[];
  failed: number;
}

const epochNow = () => performance.timeOrigin + performance.now();

/** Runs `fn` over `items` with at most `n` at a time. */
export async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** One HTTP exchange over a keep-alive connection (node:http: lighter on the shared CPU than fetch). */
function exchange(
  agent: Agent,
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent, headers: body ? { ...headers, "content-length": String(Buffer.byteLength(body)) } : headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export async function runClients(input: ClientsInput): Promise<ClientsResult> {
  const headers = { "content-type": "application/json", authorization: `Bearer ${input.apiKey}` };
  const agent = new Agent({ keepAlive: true, maxSockets: input.clients.length + 20 });
  const requestedAt = new Map<string, number>();
  const urlOf = new Map<string, string>();
  const refused: string[] = [];
  const startedAt = epochNow();
  await Promise.all(
    input.clients.map(async (requests, i) => {
      const url = input.urls[i % input.urls.length];
      for (const body of requests) {
        const started = epochNow();
        const res = await exchange(
          agent,
          `${url}/v1/transfers`,
          "POST",
          { ...headers, "idempotency-key": `${body.authorization.from}:${body.authorization.nonce}` },
          JSON.stringify(body),
        );
        const answer = res.json as { operation?: { id: string } };
        if (res.status !== 202 || !answer.operation) refused.push(`${res.status} ${JSON.stringify(answer)}`);
        else {
          requestedAt.set(answer.operation.id, started);
          urlOf.set(answer.operation.id, url);
        }
      }
    }),
  );
  const latencies: number[] = [];
  let lastPostedAt = 0;
  // A refused request leaves a gap in its holder's nonces: the later ones would wait for it for ever.
  if (refused.length > 0) {
    agent.destroy();
    return { startedAt, lastPostedAt, latencies, refused, failed: 0 };
  }
  let failed = 0;
  const pending = new Set(requestedAt.keys());
  while (pending.size > 0) {
    await pool([...pending], 20, async (id) => {
      const op = (await exchange(agent, `${urlOf.get(id)!}/v1/operations/${id}`, "GET", headers)).json as {
        status: string;
        updatedAt: string;
      };
      if (op.status !== "posted" && op.status !== "failed") return;
      pending.delete(id);
      if (op.status === "failed") {
        failed++;
        return;
      }
      const postedAt = Date.parse(op.updatedAt);
      latencies.push(postedAt - requestedAt.get(id)!);
      lastPostedAt = Math.max(lastPostedAt, postedAt);
    });
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 250));
  }
  agent.destroy();
  return { startedAt, lastPostedAt, latencies, refused, failed };
}

/** Runs the clients on a worker thread (this file, loaded through ts-node) and resolves with their result. */
export function runClientsOnWorker(input: ClientsInput): Promise<ClientsResult> {
  const worker = new Worker(`require("ts-node/register"); require(${JSON.stringify(__filename)});`, {
    eval: true,
    workerData: input,
  });
  return new Promise((resolve, reject) => {
    worker.once("message", (r: ClientsResult) => resolve(r));
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`client worker exited with ${code}`));
    });
  });
}

if (parentPort && workerData && (workerData as ClientsInput).clients) {
  const port = parentPort;
  runClients(workerData as ClientsInput).then(
    (r) => port.postMessage(r),
    (err: unknown) => {
      throw err;
    },
  );
}
