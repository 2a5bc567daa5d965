/**
 * Exit codes, output and the process boundary of the CLI (`npm run cli -- ...`). Every command writes through a
 * `CliIo` so that tests can run it in-process, and ends with `CliExit` instead of calling `process.exit`.
 */

/** Exit codes, for scripts (documented in the README, "Command line"). */
export const EXIT = {
  OK: 0,
  /** An unexpected failure: a bug, a 500, an answer that is not what the API promises, a file that cannot be written. */
  FAILURE: 1,
  /** Bad usage: an unknown command or option, a required one missing, a value that does not parse, no API key. */
  USAGE: 2,
  /** The gateway refused the request (a 4xx problem, printed with its `code` and `detail`), or the change failed on chain. */
  REFUSED: 3,
  /** The gateway or the chain is unavailable: connection refused, timeout, 502/503/504. */
  UNAVAILABLE: 4,
  /** A verification found a divergence: a record chain that does not match the ledger. */
  DIVERGED: 5,
} as const;

/** Where the CLI writes and what it reads from the environment (the process's, or a test's). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Whether stderr is a terminal: progress bars are drawn only then. */
  stderrIsTTY: boolean;
}

export const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
  stderrIsTTY: Boolean(process.stderr.isTTY),
};

/** Ends a command with an exit code after it has said why. */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** Says why on stderr and ends with the usage exit code. */
export function usage(io: CliIo, message: string): never {
  io.err(`${message}\n`);
  throw new CliExit(EXIT.USAGE);
}

/** The options every gateway command takes (declared once on the program; read with `optsWithGlobals()`). */
export interface GlobalOptions {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

/**
 * Prints a command's result: with --json one JSON document on stdout and nothing else; otherwise the human text.
 */
export function emit(io: CliIo, o: GlobalOptions, data: unknown, human: () => string): void {
  if (o.json) io.out(JSON.stringify(data, null, 2) + "\n");
  else {
    const text = human();
    io.out(text.endsWith("\n") || text === "" ? text : text + "\n");
  }
}

/** A plain text table: a header row, then one row per item, columns padded to the widest cell. */
export function table(headers: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? "-" : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  if (rows.length === 0) return `${line(headers)}\n(none)\n`;
  return cells.map(line).join("\n") + "\n";
}

/** A command's own options with the program's. */
export type Opts<T> = T & GlobalOptions;
