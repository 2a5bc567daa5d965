import { createConnection, createServer } from "node:net";
import type { Server, Socket } from "node:net";

/**
 * A TCP proxy in front of a node that can be made to stall: connections stay open and nothing answers, as when the
 * node's process is stopped (SIGSTOP) or a network path drops packets. Used to test how the gateway behaves in a
 * node outage without stopping the node other tests share.
 */
export interface StallProxy {
  url: string;
  port: number;
  stall(): void;
  resume(): void;
  /** Connection refused: the port stops listening and open connections are reset (a database that went away). */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startStallProxy(target: string): Promise<StallProxy> {
  const { hostname, port } = new URL(target);
  let stalled = false;
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    if (stalled) {
      client.pause();
      upstream.pause();
    }
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const listenPort = typeof address === "object" && address ? address.port : 0;
  const resetAll = () => {
    for (const [c, u] of pairs) {
      c.destroy();
      u.destroy();
    }
    pairs.clear();
  };
  return {
    url: `http://127.0.0.1:${listenPort}`,
    port: listenPort,
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        resetAll();
      }),
    restore: () => new Promise<void>((resolve) => server.listen(listenPort, "127.0.0.1", resolve)),
    stall() {
      stalled = true;
      for (const [c, u] of pairs) {
        c.pause();
        u.pause();
      }
    },
    resume() {
      stalled = false;
      for (const [c, u] of pairs) {
        c.resume();
        u.resume();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        resetAll();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}
