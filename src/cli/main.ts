// The command-line front door: global flags, then dispatch to one command module, loaded only
// when it runs so `calmlog run` starts without the lint or replica code.
import { version } from "./version.js";
import { diagnosticsText } from "./diagnostics.js";
import { EXIT_CODES_HELP, EXIT_CRASH, EXIT_OK, EXIT_USAGE, EXIT_USER_ERROR, UsageError, type CliContext, type Command } from "./context.js";
import { ReadError, UserError } from "../diagnostics/diagnostic.js";
import { nearest } from "../check/names.js";
import { setSourceDump } from "../eval/compile.js";
import { useSha256 } from "../util/sha256.js";
import { nodeCrypto } from "../util/node-builtins.js";
import { useSmtSolver } from "../invariant/solver.js";
import { runZ3, z3Unavailable } from "../invariant/z3.js";

// Node can run Z3 (in a worker thread, started only when an invariant needs it); the core cannot.
useSmtSolver({ run: runZ3, unavailable: z3Unavailable });

// Seal digests with Node's native SHA-256; the core's own gives the same digests, more slowly.
useSha256(() => nodeCrypto().createHash("sha256"));
// `CALMLOG_DUMP=1` prints every generated join function; the engine itself reads no environment.
if (process.env["CALMLOG_DUMP"] === "1") setSourceDump((source) => process.stderr.write(source + "\n\n"));

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  check: { summary: "Parse and check rule files; print every diagnostic", load: async () => (await import("./check.js")).command },
  lint: { summary: "Report which rules are coordination-free and which need a sealed epoch", load: async () => (await import("./lint.js")).command },
  run: { summary: "Evaluate a program on one fact set, like `souffle -F DIR -D DIR`", load: async () => (await import("./run.js")).command },
  evaluate: { summary: "Evaluate a program on replica fact sets, sealed epochs only for non-monotonic rules", load: async () => (await import("./evaluate.js")).command },
  explain: { summary: "Show how a fact is derived, why it is not, or why it is withheld", load: async () => (await import("./explain.js")).command },
  seal: { summary: "Seal an epoch of a replica directory (the one coordination step)", load: async () => (await import("./seal.js")).command },
  publish: { summary: "Append a replica's facts to a NATS JetStream replica set", load: async () => (await import("./publish.js")).command },
  restore: { summary: "Write a replica directory's kept facts back into files that lost some", load: async () => (await import("./restore.js")).command },
  lsp: { summary: "Run the language server for editors (diagnostics, hover, definitions) over stdio", load: async () => (await import("./lsp.js")).command },
  graph: { summary: "Draw the rule graph with its coordination points (dot, mermaid, svg, html)", load: async () => (await import("./graph.js")).command },
};

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
    EXIT_CODES_HELP,
    "",
  ].join("\n");
}

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    if (first === "help" && rest[0] !== undefined) return main([rest[0], "--help"], ctx);
    if (first === undefined) {
      ctx.stderr.write(mainUsage());
      return EXIT_USAGE;
    }
    ctx.stdout.write(mainUsage());
    return EXIT_OK;
  }
  if (first === "-V" || first === "--version") {
    ctx.stdout.write(`calmlog ${version()}\n`);
    return EXIT_OK;
  }
  const entry = COMMANDS[first];
  if (entry === undefined) {
    const hint = first.startsWith("-") ? null : nearest(first, Object.keys(COMMANDS));
    ctx.stderr.write(`calmlog: unknown command \`${first}\`${hint ? `; did you mean \`${hint}\`?` : ""}\nRun \`calmlog --help\` for the list of commands.\n`);
    return EXIT_USAGE;
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
      return EXIT_USAGE;
    }
    if (err instanceof ReadError) {
      ctx.stderr.write(`calmlog ${first}: ${err.message}\n`);
      return EXIT_USER_ERROR;
    }
    if (err instanceof UserError) {
      ctx.stderr.write(diagnosticsText(ctx, [err.diagnostic]));
      return EXIT_USER_ERROR;
    }
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    ctx.stderr.write(`calmlog ${first}: internal error (this is a bug in calmlog, not in your input)\n${message}\n`);
    return EXIT_CRASH;
  }
}
