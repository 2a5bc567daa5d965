import { EventEmitter } from "node:events";
import { withDeadline } from "../deadline";

export interface LivenessOptions {
  /** How often the node is asked for its block number. */
  intervalMs: number;
  /** How long one probe may take before the node counts as not answering. */
  timeoutMs: number;
}

export interface LivenessState {
  available: boolean;
  /** ISO time of the last change (or of the start). */
  since: string;
  /** Why the last probe failed, while unavailable. */
  reason?: string;
  /** The node's block number at the last answered probe. */
  head?: number;
}

/**
 * Whether the node answers, known without asking it on the request path: a probe (`eth_blockNumber`, on its own
 * connection and deadline) runs every `intervalMs`. While the node does not answer, `outage` is an aborted signal,
 * so chain calls in progress and new ones end at once (503 CHAIN_UNAVAILABLE) instead of waiting out their own
 * timeout; a node that is stopped or cut off leaves connections open and silent, and nothing else would tell.
 */
export class ChainLiveness extends EventEmitter {
  private current: LivenessState = { available: true, since: new Date().toISOString() };
  private controller = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private probing: Promise<void> | null = null;
  private readonly closing = new AbortController();

  constructor(
    private readonly url: string,
    private readonly options: LivenessOptions,
  ) {
    super();
  }

  get available(): boolean {
    return this.current.available;
  }

  get state(): LivenessState {
    return { ...this.current };
  }

  /** Aborted while the node does not answer; a fresh, live signal once it answers again. */
  get outage(): AbortSignal {
    return this.controller.signal;
  }

  start(): void {
    if (this.timer || this.closing.signal.aborted) return;
    const loop = () => {
      this.probing = this.probe().finally(() => {
        this.probing = null;
        if (!this.closing.signal.aborted) this.timer = setTimeout(loop, this.options.intervalMs);
      });
    };
    this.timer = setTimeout(loop, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.closing.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.probing;
  }

  /** Asks the node once and records the answer (also used by tests and at start). */
  async probe(): Promise<void> {
    try {
      const result = await withDeadline(this.options.timeoutMs, this.closing.signal, async (signal) => {
        const res = await fetch(this.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
          signal,
        });
        if (!res.ok) throw new Error(`JSON-RPC endpoint answered HTTP ${res.status}`);
        return (await res.json()) as { result?: string; error?: { message: string } };
      });
      if (typeof result.result !== "string") throw new Error(result.error?.message ?? "no block number in the answer");
      this.mark(true, undefined, Number(BigInt(result.result)));
    } catch (err) {
      if (this.closing.signal.aborted) return;
      this.mark(false, err instanceof Error ? err.message : String(err));
    }
  }

  private mark(available: boolean, reason?: string, head?: number): void {
    const changed = available !== this.current.available;
    this.current = {
      available,
      since: changed ? new Date().toISOString() : this.current.since,
      ...(reason ? { reason } : {}),
      ...(head !== undefined ? { head } : { head: this.current.head }),
    };
    if (!changed) return;
    if (available) this.controller = new AbortController();
    else this.controller.abort(new Error(`the node does not answer: ${reason}`));
    this.emit(available ? "up" : "down", this.state);
  }
}
