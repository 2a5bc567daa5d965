import { withDeadline } from "../deadline";

/** A JSON-RPC error answered by the node; `data` carries revert data when a call reverted. */
export class RpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
    this.name = "RpcError";
  }
}

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

  constructor(private readonly url: string, private readonly timeoutMs = 30_000) {}

  async send<T = unknown>(method: string, params: unknown[]): Promise<T> {
    const [answer] = await this.post([{ jsonrpc: "2.0", id: this.nextId++, method, params }]);
    return unwrap(answer) as T;
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

  private async post(payload: { jsonrpc: "2.0"; id: number; method: string; params: unknown[] }[]): Promise<RpcAnswer[]> {
    const body = await withDeadline(this.timeoutMs, undefined, async (signal) => {
      const res = await fetch(this.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload), signal });
      if (!res.ok) throw new Error(`JSON-RPC endpoint answered HTTP ${res.status}`);
      return (await res.json()) as RpcAnswer | RpcAnswer[];
    });
    const answers = Array.isArray(body) ? body : [body];
    const byId = new Map(answers.map((a) => [a.id, a]));
    return payload.map((p) => byId.get(p.id) ?? { id: p.id, error: { code: -32603, message: "no answer for this call in the batch" } });
  }
}

function unwrap(a: RpcAnswer): unknown {
  if (a.error) throw new RpcError(a.error.code, a.error.message, a.error.data);
  return a.result;
}
