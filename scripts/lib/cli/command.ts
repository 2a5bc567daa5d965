import { readFileSync } from "node:fs";
import { SingleBar, Presets } from "cli-progress";
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { Gateway } from "./gateway";
import type { WriteOptions } from "./gateway";
import type { CliIo, GlobalOptions } from "./io";

/** Appends "Examples:" to a command's --help; each line is what follows `npm run cli -- `. */
export function examples(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText("after", `\nExamples:\n${lines.map((l) => `  $ npm run cli -- ${l}`).join("\n")}\n`);
}

/** --no-wait and --idempotency-key, for commands that submit a change to the chain. */
export function writeOptions(cmd: Command): Command {
  return cmd
    .option("--no-wait", "return once the gateway accepts the change, without waiting for it to be posted")
    .option(
      "--idempotency-key <key>",
      "send this Idempotency-Key (default: a new one), so a retried command is answered by the same operation",
    );
}

export const writeOf = (o: { wait?: boolean; idempotencyKey?: string }): WriteOptions => ({
  wait: o.wait,
  idempotencyKey: o.idempotencyKey,
});

/**
 * Sets a command's action: its options merged with the program's (--url, --api-key, --json), a gateway client, and
 * the positional arguments.
 */
export function run<O extends object>(
  cmd: Command,
  io: CliIo,
  work: (o: O & GlobalOptions, gw: Gateway, args: string[]) => Promise<void>,
): Command {
  return cmd.action(async (...received: unknown[]) => {
    const self = received[received.length - 1] as Command;
    const o = self.optsWithGlobals<O & GlobalOptions>();
    await work(o, new Gateway(io, o), self.args.slice(0, self.registeredArguments.length));
  });
}

/** An option value that is JSON, inline or `@file`. */
export function jsonArg(value: string): unknown {
  let text = value;
  if (value.startsWith("@")) {
    try {
      text = readFileSync(value.slice(1), "utf8");
    } catch (err) {
      throw new InvalidArgumentError(`cannot read ${value.slice(1)}: ${(err as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidArgumentError("not JSON (give a JSON object, or @file)");
  }
}

export function positiveInt(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("must be a positive integer");
  return Number(value);
}

export function nonNegativeInt(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError("must be a non-negative integer");
  return Number(value);
}

export function address(value: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new InvalidArgumentError("must be a 0x-prefixed 20-byte address");
  return value;
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (scripts, --json, pipes). */
export interface Progress {
  start(total: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  setTotal(total: number): void;
  stop(): void;
}
export function progress(io: CliIo, format: string): Progress {
  if (!io.stderrIsTTY) return { start() {}, update() {}, setTotal() {}, stop() {} };
  const bar = new SingleBar(
    { format, hideCursor: true, etaBuffer: 20, stream: process.stderr },
    Presets.shades_classic,
  );
  let started = false;
  return {
    start(total, payload) {
      bar.start(total, 0, payload);
      started = true;
    },
    update(value, payload) {
      if (started) bar.update(value, payload);
    },
    setTotal(total) {
      if (started) bar.setTotal(total);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
