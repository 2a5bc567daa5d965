import { createConnection, createServer } from "node:net";
import type { Server, Socket } from "node:net";

/**
 * A TCP proxy in front of a node that can be made to stall: connections stay open and nothing answers, as when the
 * node's process is stopped (SIGSTOP) or a network path drops packets. Used to test how the gateway behaves in a
 * node outage without stopping the node other tests share.
 */
export interface StallProxy {
  url: string;
  stall(): void;
  resume(): void;
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
  return {
    url: `http://127.0.0.1:${listenPort}`,
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
        for (const [c, u] of pairs) {
          c.destroy();
          u.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
