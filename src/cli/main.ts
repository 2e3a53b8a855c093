// The command-line front door: global flags, then dispatch to one command module, loaded only
// when it runs so `calmlog run` starts without the lint or replica code.
import { readFileSync } from "node:fs";
import { EXIT_CRASH, EXIT_OK, EXIT_USER_ERROR, UsageError, type CliContext, type Command } from "./context.js";
import { ReadError, UserError } from "../report/diagnostic.js";
import { nearest } from "../check/names.js";

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  check: { summary: "Parse and check rule files; print every diagnostic", load: async () => (await import("./check.js")).command },
  lint: { summary: "Report which rules are coordination-free and which need a sealed epoch", load: async () => (await import("./lint.js")).command },
  run: { summary: "Evaluate a program on one fact set, like `souffle -F DIR -D DIR`", load: async () => (await import("./run.js")).command },
  evaluate: { summary: "Evaluate a program on replica fact sets, sealed epochs only for non-monotonic rules", load: async () => (await import("./evaluate.js")).command },
  explain: { summary: "Show how a fact is derived, why it is not, or why it is withheld", load: async () => (await import("./explain.js")).command },
  seal: { summary: "Seal an epoch of a replica directory (the one coordination step)", load: async () => (await import("./seal.js")).command },
};

/** The package version, read from package.json next to `dist/` or `src/`. */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

export function mainUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    "Usage: calmlog <command> [options]",
    "",
    "A Datalog rule engine for replicated data: monotonic rules run on every replica without",
    "coordination; rules that read absence or totals wait for a sealed epoch.",
    "",
    "Commands:",
    ...lines,
    "",
    "Options:",
    "  -h, --help     Show help (`calmlog <command> --help` for a command)",
    "  -V, --version  Show the version",
    "",
    "Exit codes: 0 success, 1 errors in the input (or too many warnings), 2 internal failure.",
    "",
  ].join("\n");
}

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    if (first === "help" && rest[0] !== undefined) return main([rest[0], "--help"], ctx);
    ctx.stdout.write(mainUsage());
    return first === undefined ? EXIT_USER_ERROR : EXIT_OK;
  }
  if (first === "-V" || first === "--version") {
    ctx.stdout.write(`calmlog ${version()}\n`);
    return EXIT_OK;
  }
  const entry = COMMANDS[first];
  if (entry === undefined) {
    const hint = first.startsWith("-") ? null : nearest(first, Object.keys(COMMANDS));
    ctx.stderr.write(`calmlog: unknown command \`${first}\`${hint ? `; did you mean \`${hint}\`?` : ""}\nRun \`calmlog --help\` for the list of commands.\n`);
    return EXIT_USER_ERROR;
  }
  try {
    const command = await entry.load();
    if (rest.includes("-h") || rest.includes("--help")) {
      ctx.stdout.write(command.usage.endsWith("\n") ? command.usage : command.usage + "\n");
      return EXIT_OK;
    }
    return await command.run(rest, ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.stderr.write(`calmlog ${first}: ${err.message}\nRun \`calmlog ${first} --help\` for usage.\n`);
      return EXIT_USER_ERROR;
    }
    if (err instanceof ReadError) {
      ctx.stderr.write(`calmlog ${first}: ${err.message}\n`);
      return EXIT_USER_ERROR;
    }
    if (err instanceof UserError) {
      const d = err.diagnostic;
      ctx.stderr.write(`${d.span.file}:${d.span.line}:${d.span.column}: ${d.severity} ${d.code}: ${d.message}\n${d.help ? `  help: ${d.help}\n` : ""}`);
      return EXIT_USER_ERROR;
    }
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    ctx.stderr.write(`calmlog ${first}: internal error (this is a bug in calmlog, not in your input)\n${message}\n`);
    return EXIT_CRASH;
  }
}
