// `calmlog check FILE...`: parse and check each file as its own program and print every diagnostic.
// Exit 0 when no file has errors (warnings allowed), 1 on errors or an unreadable file.
import { compile, expandSource, relocate } from "../pipeline.js";
import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { renderDiagnostics } from "../report/text.js";
import { diagnosticJson } from "../report/diagnostic-json.js";
import { colorChoice, COMMON_OPTIONS, EXIT_CRASH, EXIT_OK, EXIT_USER_ERROR, expandFiles, parseOptions, readSource, UsageError, useColor, writeReport, type CliContext, type Command } from "./context.js";

const FORMATS = ["text", "json"] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `Usage: calmlog check FILE... [options]

Parses and checks each rule file (names, arities, types, groundedness, directives, strata) as its
own program and prints every diagnostic with its code, place and a code frame. FILE may be a
folder (its .dl files), a quoted glob ('rules/**/*.dl') or \`-\` for standard input.

Options:
  -f, --format FORMAT  text (default) or json
  -o, --output FILE    write the report to FILE (atomically) instead of stdout
      --color          colour the text report even when not on a terminal
      --no-color       never colour (NO_COLOR, FORCE_COLOR and TERM=dumb are honoured too)
  -h, --help           show this help

Exit codes: 0 no errors (warnings allowed), 1 errors or a file that cannot be read, 2 a usage
error or an internal failure.
`;

interface Options {
  readonly files: readonly string[];
  readonly format: Format;
  readonly color: boolean | null;
  readonly output: string | null;
}

async function options(args: readonly string[], cwd: string): Promise<Options> {
  const { values, positionals } = parseOptions(args, COMMON_OPTIONS);
  const format = values.format ?? "text";
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown format \`${format}\`; use \`text\` or \`json\``);
  const color = colorChoice(values);
  if (positionals.length === 0) throw new UsageError("no rule file given");
  return { files: await expandFiles(positionals, cwd), format: format as Format, color, output: values.output ?? null };
}

/** The outcome of checking the files that could be read. */
interface Outcome {
  readonly files: string[];
  readonly sources: Map<string, string>;
  readonly diagnostics: Diagnostic[];
  readonly unreadable: number;
}

async function checkFiles(files: readonly string[], ctx: CliContext): Promise<Outcome> {
  const sources = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const checked: string[] = [];
  let unreadable = 0;
  for (const arg of files) {
    const read = await readSource(arg, ctx);
    if ("error" in read) {
      ctx.stderr.write(`calmlog check: cannot read ${arg}: ${read.error}\n`);
      unreadable++;
      continue;
    }
    const { path, text: written } = read.source;
    // The text Soufflé would read, as `run` reads it: the C preprocessor's output and `.include`d files.
    const expanded = expandSource(path, written, ctx.cwd);
    if ("failed" in expanded) {
      sources.set(path, written);
      checked.push(path);
      diagnostics.push(...expanded.failed.items);
      continue;
    }
    const text = expanded.text;
    // The front end `run` and `lint` use; of the analysis, only the errors (stratification), as
    // `lint` and `run` report them: the coordination findings are `lint`'s.
    const compiled = compile({ path, text });
    sources.set(path, text);
    for (const f of expanded.included) sources.set(f.path, f.text);
    checked.push(path);
    // A span in an `.include`d file names that file, with its own lines.
    const kept = compiled.diagnostics.items.filter((d, i) => i < compiled.analysisFrom || d.severity === "error");
    diagnostics.push(...relocate(kept, expanded.included));
  }
  return { files: checked, sources, diagnostics: sortDiagnostics(diagnostics), unreadable };
}

/** The JSON report: one object, stable field names, version 1. */
export function renderCheckJson(files: readonly string[], diagnostics: readonly Diagnostic[]): string {
  const report = { version: 1, files, diagnostics: diagnostics.map((d) => diagnosticJson(d)) };
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** `calmlog check`. */
export const command: Command = {
  name: "check",
  summary: "Parse and check rule files; print every diagnostic",
  usage: USAGE,
  async run(args: readonly string[], ctx: CliContext): Promise<number> {
    const opts = await options(args, ctx.cwd);
    const outcome = await checkFiles(opts.files, ctx);
    let text: string;
    if (opts.format === "json") {
      text = renderCheckJson(outcome.files, outcome.diagnostics);
    } else {
      const color = opts.color ?? (opts.output === null && useColor(ctx.stdout, ctx.env ?? process.env));
      text = renderDiagnostics(outcome.diagnostics, outcome.sources, { color });
    }
    if (!(await writeReport(text, opts.output, "check", ctx))) return EXIT_CRASH;
    const errors = outcome.diagnostics.some((d) => d.severity === "error");
    return errors || outcome.unreadable > 0 ? EXIT_USER_ERROR : EXIT_OK;
  },
};
