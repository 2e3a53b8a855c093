// `calmlog run PROGRAM.dl -F DIR -D DIR`: Soufflé's command line for one fact set. Outputs are
// written only after the whole evaluation succeeded, each file atomically, so a failed run leaves
// the previous results in place.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { RelationSchema } from "../check/types.js";
import { Engine, type RunStats } from "../eval/engine.js";
import { readFactCodes, readFactFile, type FactFormat } from "../io/facts.js";
import { formatRelation, stdoutBlock, writeAtomically } from "../io/write.js";
import { makeDiagnostic, UserError, type Diagnostic } from "../report/diagnostic.js";
import { compileFile } from "../pipeline.js";
import { renderDiagnostics } from "../report/text.js";
import type { IoDirective } from "../syntax/ast.js";
import { EXIT_OK, EXIT_USER_ERROR, parseOptions, UsageError, useColor, type CliContext, type Command } from "./context.js";

const USAGE = `Usage: calmlog run PROGRAM.dl [options]

Evaluates a program on one fact set, as \`souffle -F DIR -D DIR PROGRAM.dl\` does: reads each
\`.input\` relation from DIR/<relation>.facts (tab-separated; \`filename\`, \`delimiter\` and
\`headers\` parameters honoured; <relation>.jsonl is read when there is no .facts file), writes each
\`.output\` relation to <relation>.csv (to stdout with \`IO=stdout\`), and prints \`.printsize\` relations as \`name<TAB>count\`.

Options:
  -F, --fact-dir DIR     where input facts are (default: .)
  -D, --output-dir DIR   where outputs go (default: .); \`-\` prints them to stdout, each under
                         a header box as Soufflé does
      --format FORMAT    tsv (default, files named .csv) or jsonl (files named .jsonl)
      --stats            per stratum and per rule: iterations, tuples derived, time (to stderr)
      --no-progress      no progress line on a terminal
  -h, --help             show this help

Only errors are reported (lint prints the coordination analysis). Exit codes: 0 success,
1 errors in the program or the facts, 2 internal failure.
`;

interface Options {
  readonly program: string;
  readonly factDir: string;
  readonly outputDir: string;
  readonly format: FactFormat;
  readonly stats: boolean;
  readonly progress: boolean;
}

function options(args: readonly string[]): Options {
  const parsed = parseOptions(args, {
    "fact-dir": { type: "string", short: "F" },
    "output-dir": { type: "string", short: "D" },
    format: { type: "string" },
    stats: { type: "boolean" },
    "no-progress": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError("no program given");
  if (positionals.length > 1) throw new UsageError(`one program at a time (got ${positionals.length} files)`);
  const format = values.format ?? "tsv";
  if (format !== "tsv" && format !== "jsonl") throw new UsageError(`unknown format \`${format}\`; use \`tsv\` or \`jsonl\``);
  return {
    program: positionals[0]!,
    factDir: values["fact-dir"] ?? ".",
    outputDir: values["output-dir"] ?? ".",
    format,
    stats: values.stats === true,
    progress: values["no-progress"] !== true,
  };
}

export function param(d: IoDirective | null, key: string): string | undefined {
  return d?.params.find((p) => p.key.name === key)?.value;
}

/** Where an input relation's facts are, as Soufflé resolves it. */
export function inputPath(schema: RelationSchema, factDir: string): { path: string; format: FactFormat } {
  const filename = param(schema.input, "filename");
  if (filename !== undefined) {
    const path = isAbsolute(filename) ? filename : resolve(factDir, filename);
    return { path, format: filename.endsWith(".jsonl") ? "jsonl" : "tsv" };
  }
  const facts = resolve(factDir, `${schema.name}.facts`);
  const jsonl = resolve(factDir, `${schema.name}.jsonl`);
  return !existsSync(facts) && existsSync(jsonl) ? { path: jsonl, format: "jsonl" } : { path: facts, format: "tsv" };
}

/** `--stats`: per stratum, per rule, and the hottest rules first. */
export function renderStats(stats: RunStats, ruleText: (clause: number) => string): string {
  const lines: string[] = [`evaluation: ${stats.ms.toFixed(1)} ms, ${stats.strata.length} strata`];
  for (const s of stats.strata) {
    lines.push(`stratum ${s.index} [${s.relations.join(", ")}]: ${s.iterations} iteration${s.iterations === 1 ? "" : "s"}, ${s.derived} tuples, ${s.ms.toFixed(1)} ms`);
    for (const r of s.rules) lines.push(`  ${r.derived.toString().padStart(9)} tuples ${r.ms.toFixed(1).padStart(9)} ms  ${ruleText(r.clause)}  (${r.span.file}:${r.span.line})`);
  }
  const hottest = stats.strata.flatMap((s) => s.rules).sort((a, b) => b.ms - a.ms).slice(0, 5);
  if (hottest.length > 0) {
    lines.push("hottest rules:");
    for (const r of hottest) lines.push(`  ${r.ms.toFixed(1).padStart(9)} ms ${r.derived.toString().padStart(9)} tuples  ${ruleText(r.clause)}  (${r.span.file}:${r.span.line})`);
  }
  return lines.join("\n") + "\n";
}

/** `calmlog run`. */
export const command: Command = {
  name: "run",
  summary: "Evaluate a program on one fact set, like `souffle -F DIR -D DIR`",
  usage: USAGE,
  async run(args: readonly string[], ctx: CliContext): Promise<number> {
    const opts = options(args);
    const env = ctx.env ?? process.env;
    const color = useColor(ctx.stderr, env);
    const t0 = performance.now();
    const compiled = await compileFile(opts.program, ctx.cwd);
    const sources = new Map([[compiled.source.path, compiled.source.text]]);
    const errors = compiled.diagnostics.items.filter((d) => d.severity === "error");
    if (errors.length > 0 || compiled.analysis === null) {
      ctx.stderr.write(renderDiagnostics(errors, sources, { color }));
      return EXIT_USER_ERROR;
    }
    const { checked, analysis } = compiled;
    const factDir = resolve(ctx.cwd, opts.factDir);
    const showDir = (p: string): string => (p.startsWith(ctx.cwd + "/") ? p.slice(ctx.cwd.length + 1) : p);

    // A progress line on a terminal, only once the run has taken a second; cleared at the end.
    let progressShown = false;
    const progress =
      opts.progress && ctx.stderr.isTTY === true
        ? (p: { stratum: number; iteration: number; tuples: number }) => {
            if (performance.now() - t0 < 1000) return;
            progressShown = true;
            ctx.stderr.write(`\r\x1b[Kstratum ${p.stratum}, iteration ${p.iteration}, ${p.tuples} tuples`);
          }
        : undefined;

    const fail = (d: Diagnostic): number => {
      if (progressShown) ctx.stderr.write("\r\x1b[K");
      const texts = new Map(sources);
      if (!texts.has(d.span.file)) {
        try {
          const p = resolve(ctx.cwd, d.span.file);
          if (existsSync(p)) texts.set(d.span.file, readFileSync(p, "utf8"));
        } catch {
          // No code frame then.
        }
      }
      ctx.stderr.write(renderDiagnostics([d], texts, { color }));
      return EXIT_USER_ERROR;
    };

    try {
      const engine = new Engine(checked, analysis, progress ? { onProgress: progress } : {});
      for (const schema of checked.relations.values()) {
        if (schema.input === null) continue;
        const { path, format } = inputPath(schema, factDir);
        const delimiter = param(schema.input, "delimiter");
        const headers = param(schema.input, "headers") === "true";
        const read = { format, headers, displayPath: showDir(path), requestedAt: schema.input.span, ...(delimiter !== undefined ? { delimiter } : {}) };
        // Integer relations go in as codes, without a tuple per fact.
        const codes = readFactCodes(path, schema, read);
        if (codes !== null) engine.insertCodes(schema.name, codes);
        else engine.insert(schema.name, readFactFile(path, schema, read));
      }
      const loadMs = performance.now() - t0;
      const stats = engine.run();
      if (progressShown) ctx.stderr.write("\r\x1b[K");

      // Every output is formatted before any file is replaced.
      const outputs: { name: string; path: string | null; text: string }[] = [];
      for (const schema of checked.relations.values()) {
        if (schema.output === null) continue;
        const text = formatRelation(schema, engine.tuples(schema.name), opts.format, param(schema.output, "delimiter") ?? "\t");
        if (opts.outputDir === "-" || param(schema.output, "IO") === "stdout") outputs.push({ name: schema.name, path: null, text });
        else {
          const filename = param(schema.output, "filename") ?? `${schema.name}.${opts.format === "jsonl" ? "jsonl" : "csv"}`;
          outputs.push({ name: schema.name, path: resolve(ctx.cwd, opts.outputDir, filename), text });
        }
      }
      if (outputs.some((o) => o.path !== null)) {
        const dir = resolve(ctx.cwd, opts.outputDir);
        try {
          mkdirSync(dir, { recursive: true });
        } catch (err) {
          return fail(makeDiagnostic("CL406", checked.relations.get(outputs[0]!.name)!.output!.span, `cannot create output directory \`${opts.outputDir}\`: ${(err as Error).message}`));
        }
      }
      for (const o of outputs) {
        if (o.path === null) {
          ctx.stdout.write(stdoutBlock(o.name, o.text));
          continue;
        }
        try {
          writeAtomically(o.path, o.text);
        } catch (err) {
          return fail(makeDiagnostic("CL406", checked.relations.get(o.name)!.output!.span, `cannot write \`${showDir(o.path)}\`: ${(err as Error).message}`));
        }
      }
      const sizes = analysis.strata.flatMap((s) => s.relations).filter((r) => checked.relations.get(r)?.printsize === true);
      for (const r of sizes) ctx.stdout.write(`${r}\t${engine.size(r)}\n`);
      if (opts.stats) {
        const text = new Map(checked.clauses.map((c) => [c.id, showRule(c.rule.span, compiled.source.text)] as const));
        ctx.stderr.write(renderStats(stats, (id) => text.get(id) ?? `clause ${id}`));
      }
      if (env["CALMLOG_REPORT"] === "1") {
        const report = { loadMs, evalMs: stats.ms, totalMs: performance.now() - t0, maxRssKb: process.resourceUsage().maxRSS };
        ctx.stderr.write(`calmlog-report ${JSON.stringify(report)}\n`);
      }
      return EXIT_OK;
    } catch (err) {
      if (err instanceof UserError) return fail(err.diagnostic);
      throw err;
    }
  },
};

/** A rule's source text on one line, for `--stats`. */
function showRule(span: { start: number; end: number }, text: string): string {
  const s = text.slice(span.start, span.end).replace(/\s+/g, " ").trim();
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}
