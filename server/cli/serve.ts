import "reflect-metadata";
import { loadConfig } from "../config";
import type { Config } from "../config";
import { createGateway, createLogger } from "../main";
import type { Gateway } from "../main";

/**
 * The gateway in production: `npm run start:prod`, i.e. `node dist/server/cli/serve.js` after `npm run build`
 * (no ts-node, no devDependencies: `npm ci --omit=dev` is enough to run it). Configuration comes from the
 * environment only (README, "Configuration"): invalid configuration exits with code 2, listing every problem. Logs
 * are JSON lines on stdout, the first one as soon as the modules are loaded. SIGTERM or SIGINT stops it gracefully
 * (new connections refused, the workers finish their current step, the server closes, then the database; exit 0),
 * also while it is still starting; a stop that takes longer than 20 s exits with code 1.
 */
const FORCED_EXIT_MS = 20_000;

function main(): void {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const log = createLogger(config);
  log.info(
    {
      pid: process.pid,
      node: process.version,
      database: config.database.type,
      port: config.port,
      uptimeMs: Math.round(process.uptime() * 1000),
    },
    "gateway starting",
  );

  process.on("uncaughtException", (err, origin) => {
    log.fatal({ err, origin }, "uncaught exception: exiting");
    process.exit(1);
  });

  // Set once started; a signal before that is handled by the start-up below, as soon as the gateway exists.
  let running: Gateway | null = null;
  let signalled = false;
  const shutdown = async (gateway: Gateway): Promise<never> => {
    try {
      await gateway.stop();
      process.exit(0);
    } catch (err) {
      log.error({ err }, "shutdown failed");
      process.exit(1);
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    log.info({ signal, started: running !== null }, "shutting down");
    const force = setTimeout(() => {
      log.error(`forced exit: the shutdown took longer than ${FORCED_EXIT_MS / 1000} s`);
      process.exit(1);
    }, FORCED_EXIT_MS);
    force.unref();
    if (running) void shutdown(running);
  };
  // Once: a second Ctrl-C kills the process.
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);

  (async () => {
    const gateway = await createGateway(config, log);
    if (!signalled) await gateway.start();
    if (signalled) await shutdown(gateway);
    running = gateway;
  })().catch((err: Error) => {
    log.fatal({ err }, `gateway failed to start: ${err.message}`);
    process.exit(1);
  });
}

main();
