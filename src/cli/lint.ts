// `calmlog lint FILE...`: which rules may run on every replica without coordination and which need
// a sealed epoch. Exit codes as ESLint: 0 clean, 1 errors, too many warnings or an unreadable file, 2 cannot run.
import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { fileErrorReason } from "../report/diagnostic.js";
import { lintPrograms, type LintOptions, type LintResult } from "../report/lint.js";
import { renderLintHtml } from "../report/html-lint.js";
import { renderLintJson } from "../report/lint-json.js";
import { renderLintText } from "../report/lint-text.js";
import { renderLintSarif } from "../report/sarif.js";
import type { SourceFile } from "../syntax/span.js";
import { EXIT_CRASH, EXIT_OK, EXIT_USER_ERROR, parseOptions, UsageError, useColor, type CliContext, type Command } from "./context.js";
import { version } from "./main.js";

const FORMATS = ["text", "json", "sarif", "html"] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `Usage: calmlog lint FILE... [options]

Reports, for each rule file, which rules are monotonic (they may run on every replica without
coordination) and which read absence or totals (they wait for a sealed epoch), with the reason,
the relations withheld until the seal, and the honest options. Each file is its own program.

Options:
  -f, --format FORMAT    text (default), json, sarif or html (one self-contained page with the graph)
      --max-warnings N   exit 1 when there are more than N warnings (default: no limit)
  -o, --output FILE      write the report to FILE (atomically) instead of stdout
      --color            colour the text report even when not on a terminal
      --no-color         never colour (NO_COLOR and FORCE_COLOR are honoured too)
      --trials N         random trials per \`.invariant\` in the confluence search (default 400)
      --max-size N       facts per generated state in that search (default 4)
      --seed N           seed of that search; the same seed gives the same counterexample (default 42)
      --replicas N       replicas an escrow bound is split over (default 2)
  -h, --help             show this help

Exit codes: 0 no errors (and warnings within --max-warnings), 1 errors, too many warnings or a
file that cannot be read, 2 the report could not be written, or an internal failure.
`;

/** Lint options after parsing. */
interface Parsed {
  readonly files: readonly string[];
  readonly format: Format;
  readonly maxWarnings: number;
  readonly output: string | null;
  readonly color: boolean | null;
  readonly invariants: LintOptions;
}

function parse(args: readonly string[]): Parsed {
  const { values, positionals } = parseOptions(args, {
    format: { type: "string", short: "f" },
    "max-warnings": { type: "string" },
    output: { type: "string", short: "o" },
    color: { type: "boolean" },
    "no-color": { type: "boolean" },
    trials: { type: "string" },
    "max-size": { type: "string" },
    seed: { type: "string" },
    replicas: { type: "string" },
  });
  const format = values.format ?? "text";
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown format \`${format}\`; use one of ${FORMATS.map((f) => `\`${f}\``).join(", ")}`);
  const whole = (flag: string, text: string | undefined, min: number): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^-?\d+$/.test(text) || Number(text) < min) throw new UsageError(`--${flag} takes a whole number${min > 0 ? ` of at least ${min}` : ""}, not \`${text}\``);
    return Number(text);
  };
  const maxWarnings = whole("max-warnings", values["max-warnings"], -1) ?? -1;
  const trials = whole("trials", values.trials, 0);
  const maxSize = whole("max-size", values["max-size"], 1);
  const seed = whole("seed", values.seed, Number.MIN_SAFE_INTEGER);
  const replicas = whole("replicas", values.replicas, 2);
  if (positionals.length === 0) throw new UsageError("no rule file given");
  if (values.color === true && values["no-color"] === true) throw new UsageError("--color and --no-color contradict each other");
  return {
    files: positionals,
    format: format as Format,
    maxWarnings,
    output: values.output ?? null,
    color: values.color === true ? true : values["no-color"] === true ? false : null,
    invariants: { ...(trials === undefined ? {} : { trials }), ...(maxSize === undefined ? {} : { maxSize }), ...(seed === undefined ? {} : { seed }), ...(replicas === undefined ? {} : { replicas }) },
  };
}

/** Writes `text` to `path` so readers see the old file or the new one, never half of it. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(temp, text, "utf8");
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Renders `result` in the chosen format. */
function render(result: LintResult, sources: readonly SourceFile[], format: Format, color: boolean, cwd: string): string {
  switch (format) {
    case "text":
      return renderLintText(result, sources, { color });
    case "json":
      return renderLintJson(result);
    case "sarif":
      return renderLintSarif(result, sources, { baseDir: cwd, version: version() });
    case "html":
      return renderLintHtml(result, sources);
  }
}

export const command: Command = {
  name: "lint",
  summary: "Report which rules are coordination-free and which need a sealed epoch",
  usage: USAGE,
  async run(args: readonly string[], ctx: CliContext): Promise<number> {
    const opts = parse(args);
    // An unreadable file is the user's mistake (exit 1, as `calmlog check`); the others are still linted.
    const sources: SourceFile[] = [];
    let unreadable = 0;
    for (const path of opts.files) {
      try {
        sources.push({ path, text: await readFile(resolve(ctx.cwd, path), "utf8") });
      } catch (err) {
        ctx.stderr.write(`calmlog lint: cannot read ${path}: ${fileErrorReason(err)}\n`);
        unreadable++;
      }
    }
    if (sources.length === 0) return EXIT_USER_ERROR;
    const result = lintPrograms(sources, opts.invariants);
    const color = opts.format === "text" && (opts.color ?? (opts.output === null && useColor(ctx.stdout, ctx.env)));
    const text = render(result, sources, opts.format, color, ctx.cwd);
    if (opts.output === null) ctx.stdout.write(text);
    else {
      try {
        await writeAtomically(resolve(ctx.cwd, opts.output), text);
      } catch (err) {
        ctx.stderr.write(`calmlog lint: cannot write ${opts.output}: ${fileErrorReason(err)}\n`);
        return EXIT_CRASH;
      }
    }
    if (result.errorCount > 0 || unreadable > 0) return EXIT_USER_ERROR;
    if (opts.maxWarnings >= 0 && result.warningCount > opts.maxWarnings) {
      ctx.stderr.write(`calmlog lint: too many warnings (${result.warningCount}); --max-warnings allows ${opts.maxWarnings}\n`);
      return EXIT_USER_ERROR;
    }
    return EXIT_OK;
  },
};
