// `calmlog lint FILE...`: which rules may run on every replica without coordination and which need
// a sealed epoch. Exit codes as ESLint: 0 clean, 1 errors, too many warnings or an unreadable file, 2 cannot run.
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { applyBaseline, buildBaseline, parseBaseline, renderBaseline, type Baseline, type FileName } from "../report/baseline.js";
import { combine, lintPrograms, type LintOptions, type LintResult } from "../lint.js";
import { renderLintHtml } from "../report/html-lint.js";
import { renderLintJson } from "../report/lint-json.js";
import { renderLintText } from "../report/lint-text.js";
import { renderLintSarif } from "../report/sarif.js";
import { renderDiagnostics } from "../report/text.js";
import type { SourceFile } from "../diagnostics/span.js";
import { expandSource, relocateSpans, type IncludedSource } from "../pipeline.js";
import { colorChoice, COMMON_OPTIONS, EXIT_CRASH, EXIT_OK, EXIT_USER_ERROR, expandFiles, parseOptions, readSource, UsageError, useColor, writeReport, type CliContext, type Command } from "./context.js";
import { version } from "./version.js";

const FORMATS = ["text", "json", "sarif", "html"] as const;
type Format = (typeof FORMATS)[number];

/** Upper bounds of the search options: past them a run would take hours or exhaust memory. */
const LIMITS = { trials: 1_000_000, "max-size": 64, replicas: 10_000 } as const;

const USAGE = `Usage: calmlog lint FILE... [options]

Reports, for each rule file, which rules are monotonic (they may run on every replica without
coordination) and which read absence or totals (they wait for a sealed epoch), with the reason,
the relations withheld until the seal, and the honest options. Each file is its own program.
FILE may be a folder (its .dl files), a quoted glob ('rules/**/*.dl') or \`-\` for standard input.

A warning that is intended is accepted by a comment on its line or the line before it, with a
reason: \`// calmlog-ignore CL302: sealed nightly\`, or by an entry in a baseline file
(--baseline). It then leaves the counts (so --max-warnings 0 can gate a build) and is listed with
its reason. Baseline entries name the code, the file, the rule as written and the text flagged,
not line numbers, so edits elsewhere leave them valid.

Options:
  -f, --format FORMAT    text (default), json, sarif or html (one self-contained page with the graph)
  -o, --output FILE      write the report to FILE (atomically) instead of stdout
      --max-warnings N   exit 1 when there are more than N warnings (default: no limit)
      --quiet            report errors only (warnings still count for --max-warnings)
      --baseline FILE    accept the warnings and notes FILE lists, with its reasons
      --write-baseline FILE
                         write every current warning to FILE as accepted (entries already there
                         keep their reason), then report with it
      --reason TEXT      the reason --write-baseline gives new entries (default: "accepted in the baseline")
      --base-dir DIR     SARIF paths are relative to DIR (default: the git checkout's root,
                         else the working directory)
      --sarif-notes      include notes in SARIF (left out by default, as code scanning lists them as findings)
      --color            colour the text report even when not on a terminal
      --no-color         never colour (NO_COLOR, FORCE_COLOR and TERM=dumb are honoured too)
      --trials N         random trials per \`.invariant\` in the confluence search (default 400, at most ${LIMITS.trials})
      --max-size N       facts per generated state in that search (default 4, at most ${LIMITS["max-size"]})
      --seed N           seed of that search; the same seed gives the same counterexample (default 42)
      --replicas N       replicas an escrow bound is split over (default 2, at most ${LIMITS.replicas})
  -h, --help             show this help

Exit codes: 0 no errors (and warnings within --max-warnings), 1 errors, too many warnings or a
file that cannot be read, 2 a usage error, a report that could not be written, or an internal failure.
`;

/** Lint options after parsing. */
interface Parsed {
  readonly files: readonly string[];
  readonly format: Format;
  readonly maxWarnings: number;
  readonly output: string | null;
  readonly color: boolean | null;
  readonly quiet: boolean;
  readonly baseDir: string | null;
  readonly sarifNotes: boolean;
  readonly baseline: string | null;
  readonly writeBaseline: string | null;
  readonly reason: string;
  readonly invariants: LintOptions;
}

async function parse(args: readonly string[], cwd: string): Promise<Parsed> {
  const { values, positionals } = parseOptions(args, {
    ...COMMON_OPTIONS,
    "max-warnings": { type: "string" },
    quiet: { type: "boolean" },
    "base-dir": { type: "string" },
    "sarif-notes": { type: "boolean" },
    baseline: { type: "string" },
    "write-baseline": { type: "string" },
    reason: { type: "string" },
    trials: { type: "string" },
    "max-size": { type: "string" },
    seed: { type: "string" },
    replicas: { type: "string" },
  });
  const format = values.format ?? "text";
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown format \`${format}\`; use one of ${FORMATS.map((f) => `\`${f}\``).join(", ")}`);
  const whole = (flag: string, text: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!/^-?\d+$/.test(text) || n < min) throw new UsageError(`--${flag} takes a whole number${min > 0 ? ` of at least ${min}` : ""}, not \`${text}\``);
    if (n > max) throw new UsageError(`--${flag} is at most ${max}, not \`${text}\``);
    return n;
  };
  const maxWarnings = whole("max-warnings", values["max-warnings"], -1) ?? -1;
  const trials = whole("trials", values.trials, 0, LIMITS.trials);
  const maxSize = whole("max-size", values["max-size"], 1, LIMITS["max-size"]);
  const seed = whole("seed", values.seed, Number.MIN_SAFE_INTEGER);
  const replicas = whole("replicas", values.replicas, 2, LIMITS.replicas);
  const color = colorChoice(values);
  if (positionals.length === 0) throw new UsageError("no rule file given");
  if (values.reason !== undefined && values["write-baseline"] === undefined) throw new UsageError("--reason goes with --write-baseline");
  if (values.reason !== undefined && values.reason.trim() === "") throw new UsageError("--reason needs a text: say why the findings are accepted");
  return {
    files: await expandFiles(positionals, cwd),
    format: format as Format,
    maxWarnings,
    output: values.output ?? null,
    color,
    quiet: values.quiet === true,
    baseDir: values["base-dir"] === undefined ? null : resolve(cwd, values["base-dir"]),
    sarifNotes: values["sarif-notes"] === true,
    baseline: values.baseline ?? null,
    writeBaseline: values["write-baseline"] ?? null,
    reason: values.reason ?? "accepted in the baseline",
    invariants: { ...(trials === undefined ? {} : { trials }), ...(maxSize === undefined ? {} : { maxSize }), ...(seed === undefined ? {} : { seed }), ...(replicas === undefined ? {} : { replicas }) },
  };
}

/** The root of the git checkout holding `dir`, or null outside one. */
export function gitRoot(dir: string): string | null {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return d;
    if (dirname(d) === d) return null;
  }
}

/** Only errors, for `--quiet`. */
function errorsOnly(result: LintResult): LintResult {
  return combine(
    result.files.map((f) => {
      const diagnostics = f.diagnostics.filter((d) => d.severity === "error");
      return { ...f, diagnostics, suppressed: [], summary: { ...f.summary, warnings: 0, notes: 0 } };
    }),
  );
}

/** Renders `result` in the chosen format. */
function render(result: LintResult, sources: readonly SourceFile[], opts: Parsed, color: boolean, cwd: string): string {
  switch (opts.format) {
    case "text":
      if (opts.quiet) return renderDiagnostics(result.files.flatMap((f) => f.diagnostics), sources, { color });
      return renderLintText(result, sources, { color });
    case "json":
      return renderLintJson(result);
    case "sarif":
      return renderLintSarif(result, sources, { baseDir: opts.baseDir ?? gitRoot(cwd) ?? cwd, cwd, version: version(), notes: opts.sarifNotes });
    case "html":
      return renderLintHtml(result, sources);
  }
}

/** Reads and checks a baseline file; on a problem says so (file:line:column) and returns null. */
async function readBaseline(path: string, ctx: CliContext): Promise<Baseline | null> {
  let text: string;
  try {
    text = await readFile(resolve(ctx.cwd, path), "utf8");
  } catch (err) {
    ctx.stderr.write(`calmlog lint: cannot read baseline ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file (write one with --write-baseline)" : String((err as Error).message)}\n`);
    return null;
  }
  const parsed = parseBaseline(path, text);
  if ("code" in parsed) {
    ctx.stderr.write(renderDiagnostics([parsed], [{ path, text }], { color: false }));
    return null;
  }
  return parsed;
}

export const command: Command = {
  name: "lint",
  summary: "Report which rules are coordination-free and which need a sealed epoch",
  usage: USAGE,
  async run(args: readonly string[], ctx: CliContext): Promise<number> {
    const opts = await parse(args, ctx.cwd);
    // An unreadable file is the user's mistake (exit 1, as `calmlog check`); the others are still linted.
    const sources: SourceFile[] = [];
    const included: (readonly IncludedSource[])[] = [];
    let unreadable = 0;
    for (const path of opts.files) {
      const read = await readSource(path, ctx);
      if ("error" in read) {
        ctx.stderr.write(`calmlog lint: cannot read ${path}: ${read.error}\n`);
        unreadable++;
      } else {
        // The text Soufflé would read (preprocessor, `.include`); a failure there shows as the parser's errors.
        const expanded = expandSource(read.source.path, read.source.text, ctx.cwd);
        sources.push("text" in expanded ? { ...read.source, text: expanded.text } : read.source);
        included.push("text" in expanded ? expanded.included : []);
      }
    }
    if (sources.length === 0) return EXIT_USER_ERROR;
    let full = lintPrograms(sources, opts.invariants);
    const baselinePath = opts.writeBaseline ?? opts.baseline;
    if (baselinePath !== null) {
      const fileName: FileName = (p) => relative(dirname(resolve(ctx.cwd, baselinePath)), resolve(ctx.cwd, p)).split(sep).join("/");
      // The baseline to apply: read (--baseline), or written now from this run (--write-baseline).
      let baseline: Baseline | null = null;
      const previousPath = opts.writeBaseline !== null ? (existsSync(resolve(ctx.cwd, opts.writeBaseline)) ? opts.writeBaseline : opts.baseline) : opts.baseline;
      if (previousPath !== null) {
        const read = await readBaseline(previousPath, ctx);
        if (read === null) return EXIT_USER_ERROR;
        baseline = read;
      }
      if (opts.writeBaseline !== null) {
        baseline = buildBaseline(full, sources, fileName, baseline, opts.reason);
        await mkdir(dirname(resolve(ctx.cwd, opts.writeBaseline)), { recursive: true }).catch(() => undefined);
        if (!(await writeReport(renderBaseline(baseline), opts.writeBaseline, "lint", ctx))) return EXIT_CRASH;
        ctx.stderr.write(`calmlog lint: wrote ${baseline.entries.length} accepted warning(s) to ${opts.writeBaseline}${opts.reason === "accepted in the baseline" ? "; give each a reason there" : ""}\n`);
      }
      const applied = applyBaseline(full, sources, baseline!, fileName, baselinePath);
      full = applied.result;
      if (applied.unused.length > 0) {
        ctx.stderr.write(`calmlog lint: ${applied.unused.length} baseline entr${applied.unused.length === 1 ? "y" : "ies"} in ${baselinePath} match nothing now (first: ${applied.unused[0]!.code} in ${applied.unused[0]!.file}: \`${applied.unused[0]!.at}\`); \`--write-baseline ${baselinePath}\` rewrites it\n`);
      }
    }
    // A span in an `.include`d file names that file, with its own lines (as `check` and `run` report it).
    full = combine(full.files.map((f, i) => relocateSpans(f, included[i] ?? [], f.file)));
    const shown = [...sources, ...included.flat()];
    const result = opts.quiet ? errorsOnly(full) : full;
    const color = opts.format === "text" && (opts.color ?? (opts.output === null && useColor(ctx.stdout, ctx.env)));
    const text = render(result, shown, opts, color, ctx.cwd);
    if (!(await writeReport(text, opts.output, "lint", ctx))) return EXIT_CRASH;
    if (result.errorCount > 0 || unreadable > 0) return EXIT_USER_ERROR;
    if (opts.maxWarnings >= 0 && full.warningCount > opts.maxWarnings) {
      ctx.stderr.write(`calmlog lint: too many warnings (${full.warningCount}); --max-warnings allows ${opts.maxWarnings}\n`);
      return EXIT_USER_ERROR;
    }
    return EXIT_OK;
  },
};
