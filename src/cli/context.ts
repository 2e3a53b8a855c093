// What a command may touch: its streams and working directory. Commands return an exit code;
// only `bin/calmlog.js` sets `process.exitCode`, so every command runs in-process in tests.
import { parseArgs, type ParseArgsConfig } from "node:util";

/** The part of a stream a command writes to. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface CliContext {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly cwd: string;
  /** Environment for colour decisions (NO_COLOR, FORCE_COLOR); defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Exit codes, as ESLint uses them. */
export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_CRASH = 2;

/** One subcommand. `run` returns the exit code. */
export interface Command {
  readonly name: string;
  /** One line for `calmlog --help`. */
  readonly summary: string;
  /** The full `calmlog <name> --help` text. */
  readonly usage: string;
  run(args: readonly string[], ctx: CliContext): Promise<number>;
}

/** A mistake in the command line itself: printed with the usage hint, exit 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Whether to colour output written to this stream (TTY, NO_COLOR, FORCE_COLOR). */
export function useColor(stream: Output, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  if (env["FORCE_COLOR"] !== undefined) return env["FORCE_COLOR"] !== "0";
  return stream.isTTY === true;
}

/** What `parseOptions` gives: the flags' values, typed by `options`, and the positionals. */
export type ParsedOptions<O extends NonNullable<ParseArgsConfig["options"]>> = ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: true; options: O }>>;

/** Parses a command's arguments (flags as `options` says, positionals allowed); a bad one is a `UsageError`. */
export function parseOptions<O extends NonNullable<ParseArgsConfig["options"]>>(args: readonly string[], options: O): ParsedOptions<O> {
  try {
    return parseArgs({ args: [...args], strict: true, allowPositionals: true, options });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
