import { Agent, request } from "node:http";

export interface WireResponse {
  /** 0 when no response came (connection reset, timeout). */
  status: number;
  /** The first bytes of the body. */
  body: string;
  error?: string;
  ms: number;
}

const KEEP = 2_048;

/**
 * Sends bytes exactly as given (path, headers, body) over node:http: no client-side normalisation of the path or
 * re-encoding of the body, which fetch or supertest would do. A response that arrives before the body is fully
 * written (413, 401) counts as the response; a write error after it is ignored.
 */
export class RawClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    sockets: number,
    private readonly timeoutMs: number,
  ) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  async send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<WireResponse> {
    const first = await this.once(method, path, headers, body, this.agent);
    // A kept-alive socket the server had just closed is the client's problem, not the server's: retry once, fresh.
    if (first.status === 0 && first.error !== "timeout") return this.once(method, path, headers, body, false);
    return first;
  }

  private once(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    agent: Agent | false,
  ): Promise<WireResponse> {
    const started = Date.now();
    return new Promise<WireResponse>((resolve) => {
      let done = false;
      const finish = (r: Omit<WireResponse, "ms">) => {
        if (done) return;
        done = true;
        resolve({ ...r, ms: Date.now() - started });
      };
      let req;
      try {
        req = request({
          host: this.host,
          port: this.port,
          method,
          path,
          agent,
          headers: { ...headers, ...(body ? { "content-length": String(body.length) } : {}) },
        });
      } catch (err) {
        // node:http refuses to send some bytes at all (e.g. a space in the path): nothing reached the server.
        finish({ status: -1, body: "", error: `client refused: ${(err as Error).message}` });
        return;
      }
      req.setTimeout(this.timeoutMs, () => {
        finish({ status: 0, body: "", error: "timeout" });
        req.destroy();
      });
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on("data", (c: Buffer) => {
          if (kept < KEEP) {
            chunks.push(c);
            kept += c.length;
          }
        });
        const complete = () =>
          finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, KEEP).toString("utf8") });
        res.on("end", complete);
        // A body cut short after the status line (a streamed export that fails) still has its status.
        res.on("error", complete);
        res.on("aborted", complete);
      });
      req.on("error", (err) =>
        finish({ status: 0, body: "", error: (err as NodeJS.ErrnoException).code ?? err.message }),
      );
      if (body) req.end(body);
      else req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
