// What a command may touch: its streams and working directory. Commands return an exit code;
// only `bin/calmlog.js` sets `process.exitCode`, so every command runs in-process in tests.
import { readFile, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { nearest } from "../check/names.js";
import { fileErrorReason } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../diagnostics/span.js";

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
  /** Reads all of standard input, for a `-` file argument; absent when there is none. */
  readonly stdin?: () => Promise<string>;
}

/** Exit codes, as ESLint uses them: 1 for mistakes in the input, 2 for the command line and crashes. */
export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_CRASH = 2;
export const EXIT_USAGE = 2;

/** The line every command's help ends with. */
export const EXIT_CODES_HELP = "Exit codes: 0 success, 1 errors in the input, 2 a usage error (unknown option, missing argument) or an internal failure.";

/** One subcommand. `run` returns the exit code. */
export interface Command {
  readonly name: string;
  /** One line for `calmlog --help`. */
  readonly summary: string;
  /** The full `calmlog <name> --help` text. */
  readonly usage: string;
  run(args: readonly string[], ctx: CliContext): Promise<number>;
}

/** A mistake in the command line itself: printed with the usage hint, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Whether to colour output written to this stream (TTY, NO_COLOR, FORCE_COLOR, TERM=dumb). */
export function useColor(stream: Output, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  if (env["FORCE_COLOR"] !== undefined) return env["FORCE_COLOR"] !== "0";
  if (env["TERM"] === "dumb") return false;
  return stream.isTTY === true;
}

/** The options every command takes under the same names. */
export const COMMON_OPTIONS = {
  format: { type: "string", short: "f" },
  output: { type: "string", short: "o" },
  color: { type: "boolean" },
  "no-color": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** `--color` / `--no-color`: true, false, or null for "decide from the stream". */
export function colorChoice(values: { color?: boolean | undefined; "no-color"?: boolean | undefined }): boolean | null {
  if (values.color === true && values["no-color"] === true) throw new UsageError("--color and --no-color contradict each other");
  return values.color === true ? true : values["no-color"] === true ? false : null;
}

/** The name a program read from standard input is reported under. */
export const STDIN_NAME = "<stdin>";

/** Reads a rule file as the user named it; `-` is standard input. A failure is a `ReadError`-style reason. */
export async function readSource(path: string, ctx: CliContext): Promise<{ source: SourceFile } | { error: string }> {
  if (path === "-") {
    if (ctx.stdin === undefined) return { error: "standard input is not available" };
    try {
      return { source: { path: STDIN_NAME, text: await ctx.stdin() } };
    } catch (err) {
      return { error: fileErrorReason(err) };
    }
  }
  try {
    return { source: { path, text: await readFile(resolve(ctx.cwd, path), "utf8") } };
  } catch (err) {
    // A folder reaches here only when it holds no rule file (`expandFiles` lists the others).
    if ((err as NodeJS.ErrnoException).code === "EISDIR") return { error: "a folder with no .dl files" };
    return { error: fileErrorReason(err) };
  }
}

/**
 * FILE arguments as `check` and `lint` take them: a folder stands for the `.dl` files under it
 * (dot-folders and node_modules skipped), a quoted glob for the files it matches, `-` for stdin.
 * A folder or glob that matches nothing is kept as given, so it is reported as unreadable.
 */
export async function expandFiles(args: readonly string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  // Loaded only for a folder or a pattern: `calmlog lint FILE.dl` does without it (and its file walker).
  let globber: typeof import("tinyglobby") | undefined;
  const tinyglobby = async (): Promise<typeof import("tinyglobby")> => (globber ??= await import("tinyglobby"));
  for (const arg of args) {
    if (arg === "-") {
      out.push(arg);
      continue;
    }
    let matches: string[] = [];
    let isDir = false;
    try {
      isDir = (await stat(resolve(cwd, arg))).isDirectory();
    } catch {
      // Not a path: maybe a glob.
    }
    if (isDir) matches = await (await tinyglobby()).glob("**/*.dl", { cwd: resolve(cwd, arg), ignore: ["**/node_modules/**"], dot: false, expandDirectories: false });
    // No character a pattern is made of: a plain path, whatever tinyglobby would say.
    else if (/[*?[\]{}()!+@\\]/.test(arg) && (await tinyglobby()).isDynamicPattern(arg)) matches = await (await tinyglobby()).glob(arg, { cwd, ignore: ["**/node_modules/**"], dot: false, expandDirectories: false });
    else {
      out.push(arg);
      continue;
    }
    if (matches.length === 0) {
      out.push(arg);
      continue;
    }
    const shown = isDir ? matches.map((m) => relative(cwd, join(resolve(cwd, arg), m)) || m) : matches;
    out.push(...shown.sort());
  }
  return [...new Set(out)];
}

/** What `parseOptions` gives: the flags' values, typed by `options`, and the positionals. */
export type ParsedOptions<O extends NonNullable<ParseArgsConfig["options"]>> = ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: true; options: O }>>;

/** Parses a command's arguments (flags as `options` says, positionals allowed); a bad one is a `UsageError`. */
export function parseOptions<O extends NonNullable<ParseArgsConfig["options"]>>(args: readonly string[], options: O): ParsedOptions<O> {
  try {
    return parseArgs({ args: [...args], strict: true, allowPositionals: true, options });
  } catch (err) {
    throw new UsageError(usageMessage(err as Error & { code?: string }, options));
  }
}

/** Node's parseArgs message in the user's words, with a did-you-mean for a mistyped flag. */
function usageMessage(err: Error & { code?: string }, options: NonNullable<ParseArgsConfig["options"]>): string {
  const flags = Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short === undefined ? [] : [`-${o.short}`])]);
  const unknown = /^Unknown option '([^']+)'/.exec(err.message);
  if (unknown !== null) {
    const flag = unknown[1]!;
    const guess = flag.startsWith("--") ? nearest(flag, flags.filter((f) => f.startsWith("--"))) : null;
    return `unknown option \`${flag}\`${guess === null ? "" : `; did you mean \`${guess}\`?`}`;
  }
  const missing = /^Option '(?:-(\w), )?--([\w-]+) <value>' argument missing/.exec(err.message);
  if (missing !== null) return `option \`--${missing[2]!}\` needs a value`;
  const noValue = /^Option '(?:-\w, )?--([\w-]+)' does not take an argument/.exec(err.message);
  if (noValue !== null) return `option \`--${noValue[1]!}\` takes no value`;
  return err.message.split(". To specify")[0]!;
}

/** A report to stdout, or to `-o FILE` atomically; false (after saying why) when it cannot be written. */
export async function writeReport(text: string, output: string | null, command: string, ctx: CliContext): Promise<boolean> {
  if (output === null || output === "-") {
    ctx.stdout.write(text);
    return true;
  }
  try {
    writeFileAtomic(resolve(ctx.cwd, output), text);
    return true;
  } catch (err) {
    ctx.stderr.write(`calmlog ${command}: cannot write ${output}: ${fileErrorReason(err)}\n`);
    return false;
  }
}
