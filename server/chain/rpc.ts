import { withDeadline } from "../deadline";
import { AppError } from "../errors";

/** A JSON-RPC error answered by the node; `data` carries revert data when a call reverted. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

const MAX_BATCH = 100;

interface RpcAnswer {
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/**
 * A plain JSON-RPC client for the gateway's frequent and bulky reads (transfer checks, receipts, logs). ethers'
 * provider decodes every response body with its own JavaScript UTF-8 decoder, which for a batch receipt or a
 * block's logs (hundreds of kilobytes) costs milliseconds of the event loop; here the runtime decodes and parses.
 */
export class JsonRpcClient {
  private nextId = 1;
  /** Calls queued by `call` in this turn of the event loop; they go out together as one batch. */
  private queue: { method: string; params: unknown[]; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] =
    [];

  constructor(
    private readonly url: string,
    private readonly timeoutMs = 30_000,
    /** A signal that ends calls early: aborted while the node is known not to answer (see ChainLiveness). */
    private readonly outage?: () => AbortSignal,
  ) {}

  async send<T = unknown>(method: string, params: unknown[]): Promise<T> {
    const [answer] = await this.post([{ jsonrpc: "2.0", id: this.nextId++, method, params }]);
    return unwrap(answer) as T;
  }

  /**
   * A call that shares its HTTP request with the others made in the same turn of the event loop (concurrent
   * requests' checks), at most MAX_BATCH per request.
   */
  call<T = unknown>(method: string, params: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push({ method, params, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  private flush(): void {
    const queue = this.queue;
    this.queue = [];
    for (let i = 0; i < queue.length; i += MAX_BATCH) {
      const part = queue.slice(i, i + MAX_BATCH);
      this.batch(part.map(({ method, params }) => ({ method, params }))).then(
        (settled) =>
          settled.forEach((r, j) => (r.status === "fulfilled" ? part[j].resolve(r.value) : part[j].reject(r.reason))),
        (err: unknown) => part.forEach((c) => c.reject(err)),
      );
    }
  }

  /** Several calls in one HTTP request; each settles on its own (one may fail while the others succeed). */
  async batch(calls: { method: string; params: unknown[] }[]): Promise<PromiseSettledResult<unknown>[]> {
    const answers = await this.post(calls.map((c) => ({ jsonrpc: "2.0", id: this.nextId++, ...c })));
    return answers.map((a) => {
      try {
        return { status: "fulfilled", value: unwrap(a) };
      } catch (reason) {
        return { status: "rejected", reason };
      }
    });
  }

  private async post(
    payload: { jsonrpc: "2.0"; id: number; method: string; params: unknown[] }[],
  ): Promise<RpcAnswer[]> {
    let body: RpcAnswer | RpcAnswer[];
    try {
      body = await withDeadline(this.timeoutMs, this.outage?.(), async (signal) => {
        const res = await fetch(this.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(payload),
          signal,
        });
        if (!res.ok) throw new Error(`JSON-RPC endpoint answered HTTP ${res.status}`);
        return (await res.json()) as RpcAnswer | RpcAnswer[];
      });
    } catch (err) {
      // The node did not answer (refused, cut off, too slow, or known to be down): a 503 for a request.
      throw new AppError("CHAIN_UNAVAILABLE", {
        reason: err instanceof Error ? err.message.slice(0, 200) : "no answer",
      });
    }
    const answers = Array.isArray(body) ? body : [body];
    const byId = new Map(answers.map((a) => [a.id, a]));
    return payload.map(
      (p) => byId.get(p.id) ?? { id: p.id, error: { code: -32603, message: "no answer for this call in the batch" } },
    );
  }
}

function unwrap(a: RpcAnswer): unknown {
  if (a.error) throw new RpcError(a.error.code, a.error.message, a.error.data);
  return a.result;
}
