// `calmlog run PROGRAM.dl -F DIR -D DIR`: Soufflé's command line for one fact set. Outputs are
// written only after the whole evaluation succeeded, each file atomically, so a failed run leaves
// the previous results in place.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import type { RelationSchema } from "../check/types.js";
import { Engine, type RunStats } from "../eval/engine.js";
import { onLargeArray } from "../eval/relation.js";
import { checkWide, textSchema } from "../io/read-wide.js";
import { parseFacts, readFactCodes, readFactFile, type FactFormat } from "../io/read-facts.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { outputTarget, stdoutBlock, writeRows, writeRowsPending, type OutputTarget, type PendingFile } from "../io/write.js";
import { Diagnostics, makeDiagnostic, UserError, type Diagnostic } from "../diagnostics/diagnostic.js";
import { analyze } from "../analysis/analyze.js";
import { wholeFile, type Span } from "../diagnostics/span.js";
import { compile, compileFile, ReadError, withMagicSets } from "../pipeline.js";
import { renderDiagnostics } from "../report/text.js";
import { diagnosticsText } from "./diagnostics.js";
import type { IoDirective, Program } from "../syntax/ast.js";
import { colorChoice, COMMON_OPTIONS, EXIT_CRASH, EXIT_OK, EXIT_USER_ERROR, parseOptions, readSource, UsageError, useColor, writeReport, type CliContext, type Command } from "./context.js";

const USAGE = `Usage: calmlog run PROGRAM.dl [options]

Evaluates a program on one fact set, as \`souffle -F DIR -D DIR PROGRAM.dl\` does: reads each
\`.input\` relation from DIR/<relation>.facts (tab-separated; \`filename\`, \`delimiter\` and
\`headers\` parameters honoured; <relation>.jsonl is read when there is no .facts file), writes each
\`.output\` relation to <relation>.csv (to stdout with \`IO=stdout\`), and prints \`.printsize\` relations as \`name<TAB>count\`.

Options:
  -F, --fact-dir DIR     where input facts are (default: .)
  -D, --output-dir DIR   where outputs go (default: .); \`-\` prints them to stdout, each under
                         a header box as Soufflé does
  -f, --format FORMAT    tsv (default, files named .csv) or jsonl (files named .jsonl)
  -o, --output FILE      write what goes to stdout (\`-D -\`, \`.printsize\`) to FILE, atomically
      --color, --no-color  colour the error report, or never (default: on a terminal; NO_COLOR,
                         FORCE_COLOR and TERM=dumb are honoured)
      --order ORDER      sorted (default: column by column, numbers numerically, symbols by
                         code point) or insertion (the order tuples were added: facts in file
                         order, then as derived; deterministic, and cheaper on large outputs)
      --64               64-bit \`number\` and \`unsigned\`, as Soufflé built with
                         -DRAM_DOMAIN_SIZE=64 (wrap-around at 64 bits; constructs it does not
                         evaluate at 64 bits are refused with CL118)
      --stats            per stratum and per rule: iterations, tuples derived, time (to stderr)
      --no-progress      no progress line on a terminal
  -I, --include-dir DIR  where the C preprocessor looks for \`#include\` files (repeatable)
  -M, --macro "A=1 B"    macro definitions for the C preprocessor
      --no-preprocessor  read the file as written, without running \`mcpp\`
      --magic-transform REL,...|*
                         Soufflé's magic-set transformation for these relations (as
                         \`.pragma "magic-transform"\`): same results, computed on demand
      --magic-transform-exclude REL,...
                         never transform these relations (as \`.pragma
                         "magic-transform-exclude"\`)
  -j, -w, -c, -p FILE, --show, --legacy, --verbose
                         Soufflé flags calmlog has no use for: accepted, with a note on stderr
  -h, --help             show this help

PROGRAM.dl may be \`-\` to read the program from standard input. Only errors are reported (lint
prints the coordination analysis). Exit codes: 0 success, 1 errors in the program or the facts,
2 a usage error or an internal failure (running out of memory is reported as CL410, exit 1).
`;

interface Options {
  readonly program: string;
  readonly factDir: string;
  readonly outputDir: string;
  readonly format: FactFormat;
  readonly sorted: boolean;
  readonly stats: boolean;
  readonly progress: boolean;
  readonly includeDirs: readonly string[];
  readonly macros: readonly string[];
  readonly preprocessor: boolean;
  /** Soufflé flags that were given and have no effect here, as written. */
  readonly ignored: readonly string[];
  /** `--magic-transform REL,...` (or `*`), as Soufflé's flag: joined with the program's own pragmas. */
  readonly magic: "*" | readonly string[] | null;
  /** `--magic-transform-exclude REL,...`: joined with the program's `magic-transform-exclude` pragmas. */
  readonly magicExclude: readonly string[];
  readonly output: string | null;
  readonly color: boolean | null;
  /** `--64`: 64-bit `number` and `unsigned`. */
  readonly wide: boolean;
}

/** Soufflé's flags that calmlog accepts and ignores, with why. */
const SOUFFLE_FLAGS: Readonly<Record<string, string>> = {
  jobs: "evaluation is single-threaded",
  "no-warn": "`run` prints errors only",
  compile: "programs are compiled to JavaScript on every run",
  "generate": "there is no C++ to generate",
  profile: "use `--stats` for per-rule timings",
  show: "use `calmlog lint` and `--stats`",
  legacy: "calmlog has one syntax",
  verbose: "use `--stats`",
};

function options(args: readonly string[]): Options {
  const parsed = parseOptions(args, {
    ...COMMON_OPTIONS,
    "fact-dir": { type: "string", short: "F" },
    "output-dir": { type: "string", short: "D" },
    order: { type: "string" },
    "include-dir": { type: "string", short: "I", multiple: true },
    macro: { type: "string", short: "M", multiple: true },
    "no-preprocessor": { type: "boolean" },
    jobs: { type: "string", short: "j" },
    "no-warn": { type: "boolean", short: "w" },
    compile: { type: "boolean", short: "c" },
    generate: { type: "string", short: "g" },
    profile: { type: "string", short: "p" },
    show: { type: "string", multiple: true },
    "magic-transform": { type: "string" },
    "magic-transform-exclude": { type: "string" },
    legacy: { type: "boolean" },
    verbose: { type: "boolean", short: "v" },
    stats: { type: "boolean" },
    "64": { type: "boolean" },
    "no-progress": { type: "boolean" },
  });
  const { values, positionals } = parsed;
  if (positionals.length === 0) throw new UsageError("no program given");
  if (positionals.length > 1) throw new UsageError(`one program at a time (got ${positionals.length} files)`);
  const format = values.format ?? "tsv";
  if (format !== "tsv" && format !== "jsonl") throw new UsageError(`unknown format \`${format}\`; use \`tsv\` or \`jsonl\``);
  const order = values.order ?? "sorted";
  if (order !== "sorted" && order !== "insertion") throw new UsageError(`unknown order \`${order}\`; use \`sorted\` or \`insertion\``);
  return {
    program: positionals[0]!,
    factDir: values["fact-dir"] ?? ".",
    outputDir: values["output-dir"] ?? ".",
    format,
    sorted: order === "sorted",
    stats: values.stats === true,
    progress: values["no-progress"] !== true,
    includeDirs: values["include-dir"] ?? [],
    macros: values.macro ?? [],
    preprocessor: values["no-preprocessor"] !== true,
    magic: values["magic-transform"] === undefined ? null : values["magic-transform"] === "*" ? "*" : names(values["magic-transform"]),
    magicExclude: values["magic-transform-exclude"] === undefined ? [] : names(values["magic-transform-exclude"]),
    ignored: Object.keys(SOUFFLE_FLAGS).filter((k) => (values as Record<string, unknown>)[k] !== undefined),
    output: values.output ?? null,
    color: colorChoice(values),
    wide: values["64"] === true,
  };
}

export function param(d: IoDirective | null, key: string): string | undefined {
  return d?.params.find((p) => p.key.name === key)?.value;
}

/** Where an input relation's facts are, as Soufflé resolves it. */
export function inputPath(schema: RelationSchema, factDir: string, directive: IoDirective | null = schema.input): { path: string; format: FactFormat } {
  const filename = param(directive, "filename");
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
  async run(args: readonly string[], outer: CliContext): Promise<number> {
    const opts = options(args);
    // With `-o FILE`, stdout is collected and written at the end, atomically.
    let collected = "";
    const ctx: CliContext = opts.output === null ? outer : { ...outer, stdout: { write: (s: string) => (collected += s) } };
    const code = await runProgram(opts, ctx);
    if (opts.output !== null && !(await writeReport(collected, opts.output, "run", outer))) return EXIT_CRASH;
    return code;
  },
};

async function runProgram(opts: Options, ctx: CliContext): Promise<number> {
  const env = ctx.env ?? process.env;
  const color = opts.color ?? useColor(ctx.stderr, env);
  const t0 = performance.now();
  for (const flag of opts.ignored) ctx.stderr.write(`calmlog run: note: \`--${flag}\` is accepted for Soufflé compatibility and has no effect: ${SOUFFLE_FLAGS[flag]}\n`);
  const read = opts.program === "-" ? await readSource("-", ctx) : null;
  if (read !== null && "error" in read) throw new ReadError("-", read.error);
  const compiled = read === null ? await compileFile(opts.program, ctx.cwd, { enabled: opts.preprocessor, includeDirs: opts.includeDirs, macros: opts.macros }) : compile(read.source);
  const sources = new Map([[compiled.source.path, compiled.source.text], ...(compiled.included ?? []).map((f) => [f.path, f.text] as [string, string])]);
  const errors = compiled.diagnostics.items.filter((d) => d.severity === "error");
  if (errors.length > 0 || compiled.analysis === null) {
    ctx.stderr.write(renderDiagnostics(errors, sources, { color }));
    return EXIT_USER_ERROR;
  }
  // `.pragma "magic-transform" "*"` (or a list of relations): demand-driven rules for what is read with known arguments.
  const pragma = pragmaNames(compiled.program, "magic-transform");
  const magic = pragma === "*" || opts.magic === "*" ? "*" : pragma === null && opts.magic === null ? null : [...(pragma ?? []), ...(opts.magic ?? [])];
  const excluded = pragmaNames(compiled.program, "magic-transform-exclude");
  const exclude = [...(excluded === "*" || excluded === null ? [] : excluded), ...opts.magicExclude];
  let checked = magic === null || excluded === "*" ? compiled.checked : withMagicSets(compiled.checked, magic, exclude);
  let analysis = compiled.analysis;
  if (checked !== compiled.checked) {
    const found = new Diagnostics();
    analysis = analyze(checked, found);
    // The transformation keeps what is read under negation apart, so this is a safeguard: never a program that cannot run.
    if (found.items.some((d) => d.severity === "error")) (checked = compiled.checked), (analysis = compiled.analysis);
  }
  const factDir = resolve(ctx.cwd, opts.factDir);
  const showDir = (p: string): string => (p.startsWith(ctx.cwd + "/") ? p.slice(ctx.cwd.length + 1) : p);

  // A progress line on a terminal, only once the run has taken a second; cleared at the end.
  let progressShown = false;
  const line =
    opts.progress && ctx.stderr.isTTY === true
      ? (p: Progress) => {
          if (performance.now() - t0 < 1000) return;
          progressShown = true;
          ctx.stderr.write(`\r\x1b[Kstratum ${p.stratum}, iteration ${p.iteration}, ${p.tuples} tuples`);
        }
      : undefined;
  // Where the evaluation is, for a report when memory runs out; the heap is checked as it goes.
  let last: Progress | null = null;
  const reclaim = reclaimer();
  // Heap figures cost a few microseconds each: read at most once a millisecond, which a program of
  // many short iterations (a long chain's closure) would otherwise pay a thousand times over, and in
  // which the heap cannot grow by the 10% margin `watchMemory` keeps.
  let heapRead = -Infinity;
  const progress = (p: Progress): void => {
    last = p;
    const now = performance.now();
    if (now - heapRead >= 1) {
      heapRead = now;
      const heap = getHeapStatistics();
      watchMemory(p, heap.used_heap_size);
      reclaim(heap.external_memory);
    }
    line?.(p);
  };

  const fail = (d: Diagnostic): number => {
    if (progressShown) ctx.stderr.write("\r\x1b[K");
    ctx.stderr.write(diagnosticsText(ctx, [d], sources, color));
    return EXIT_USER_ERROR;
  };

  onLargeArray(() => reclaim());
  try {
    const engine = new Engine(checked, analysis, { ...(progress ? { onProgress: progress } : {}), wide: opts.wide });
    let stdinText: string | null = null;
    for (const schema of checked.relations.values()) {
      // Each `.input` of a relation is read, as Soufflé reads every one.
      for (const input of schema.inputs ?? (schema.input === null ? [] : [schema.input])) {
        const delimiter = param(input, "delimiter");
        const headers = param(input, "headers") === "true";
        const rfc4180 = param(input, "rfc4180") === "true";
        if (opts.wide && schema.columns.some((c) => c.shape !== undefined)) return fail(makeDiagnostic("CL118", input.span, `\`run --64\` does not read record or ADT columns (\`${schema.name}\`)`));
        if (param(input, "IO") === "stdin") {
          if (ctx.stdin === undefined || opts.program === "-") return fail(makeDiagnostic("CL404", input.span, `\`${schema.name}\` reads standard input (\`IO=stdin\`), but ${opts.program === "-" ? "the program itself came from it" : "there is none"}`));
          stdinText ??= await ctx.stdin();
          const how = { headers, rfc4180, ...(delimiter !== undefined ? { delimiter } : {}) };
          if (opts.wide) engine.insert(schema.name, checkWide(parseFacts(stdinText, "<stdin>", textSchema(schema), how), schema, "<stdin>"));
          else engine.insert(schema.name, parseFacts(stdinText, "<stdin>", schema, how));
          continue;
        }
        const { path, format } = inputPath(schema, factDir, input);
        const read = { format, headers, rfc4180, displayPath: showDir(path), requestedAt: input.span, ...(delimiter !== undefined ? { delimiter } : {}) };
        if (opts.wide) {
          // JSON numbers beyond 2^53 are not exact in JavaScript, so a 64-bit run reads delimited text only.
          if (format === "jsonl") return fail(makeDiagnostic("CL118", input.span, `\`run --64\` does not read JSON Lines facts (\`${showDir(path)}\`)`, { help: "Give the facts as a tab-separated `.facts` file." }));
          engine.insert(schema.name, checkWide(readFactFile(path, textSchema(schema), read), schema, read.displayPath));
          reclaim();
          continue;
        }
        // Fact files go in as codes, symbols interned from the file's bytes, without a tuple per fact.
        const codes = readFactCodes(path, schema, read, engine.valueTable);
        if (codes !== null) engine.insertCodes(schema.name, codes);
        else engine.insert(schema.name, readFactFile(path, schema, read));
        reclaim();
      }
    }
    const loadMs = performance.now() - t0;
    const memLoad = memoryFigures();
    // Only outputs and `.printsize` relations are read after the run: the rest are freed as soon as
    // no later stratum reads them.
    const keep = new Set([...checked.relations.values()].filter((r) => r.printsize === true || outputDirectives(r).length > 0).map((r) => r.name));
    // Arrays let go between strata are collected at once when large, before the next stratum allocates beside them.
    const stats = engine.run({ keep, onFreed: (bytes) => bytes >= FREED_BYTES && reclaim(Infinity) });
    const memEval = memoryFigures();
    if (progressShown) ctx.stderr.write("\r\x1b[K");

    // Every output file is written to a temporary name first, and renamed into place only once all
    // of them are written, so a failed run replaces none.
    const outputs: OutputTarget[] = [];
    for (const schema of checked.relations.values()) {
      for (const d of outputDirectives(schema)) outputs.push(outputTarget(schema, opts.outputDir === "-" ? "-" : resolve(ctx.cwd, opts.outputDir), opts.format, d));
    }
    const spanOf = (name: string): Span => checked.relations.get(name)!.output!.span;
    // The output directory, and the folders a `filename` names in it.
    for (const dir of new Set(outputs.flatMap((o) => (o.path === null ? [] : [dirname(o.path)])))) {
      try {
        mkdirSync(dir, { recursive: true });
      } catch (err) {
        return fail(makeDiagnostic("CL406", spanOf(outputs.find((o) => o.path !== null && dirname(o.path) === dir)!.name), `cannot create output directory \`${showDir(dir)}\`: ${(err as Error).message}`));
      }
    }
    if (opts.wide) {
      const json = outputs.find((o) => o.format === "jsonl");
      if (json !== undefined) return fail(makeDiagnostic("CL118", spanOf(json.name), `\`run --64\` does not write JSON Lines (\`${json.name}\`)`, { help: "Write tab-separated output (the default `--format tsv`)." }));
    }
    const orderOf = (name: string): Uint32Array | null => (opts.sorted ? engine.sortedRows(name) : null);
    const pending = new Map<OutputTarget, PendingFile>();
    const discardAll = (): void => {
      for (const p of pending.values()) p.discard();
    };
    for (const o of outputs) {
      if (o.path === null) continue;
      try {
        pending.set(o, writeRowsPending(o.path, engine.rows(o.name), orderOf(o.name), engine.valueTable, o.format, o.delimiter, { header: o.header, rfc4180: o.rfc4180 }));
        reclaim();
      } catch (err) {
        discardAll();
        return fail(makeDiagnostic("CL406", spanOf(o.name), `cannot write \`${showDir(o.path)}\`: ${(err as Error).message}`));
      }
    }
    for (const o of outputs) {
      if (o.path === null) {
        const chunks: Uint8Array[] = [];
        writeRows(engine.rows(o.name), orderOf(o.name), engine.valueTable, o.format, o.delimiter, (c) => chunks.push(c), o.rfc4180);
        ctx.stdout.write(stdoutBlock(o.name, Buffer.concat(chunks).toString("utf8"), o.format === "jsonl" ? null : o.header));
        continue;
      }
      try {
        pending.get(o)!.commit();
        pending.delete(o);
        // `compress=true`: the file is gzip, as Soufflé writes it (gzip files are read back transparently).
        if (o.compress) writeFileAtomic(o.path, gzipSync(readFileSync(o.path)));
      } catch (err) {
        discardAll();
        return fail(makeDiagnostic("CL406", spanOf(o.name), `cannot write \`${showDir(o.path)}\`: ${(err as Error).message}`));
      }
    }
    const sizes = analysis.strata.flatMap((s) => s.relations).filter((r) => checked.relations.get(r)?.printsize === true);
    for (const r of sizes) ctx.stdout.write(`${r}\t${engine.size(r)}\n`);
    if (opts.stats) {
      const text = new Map(checked.clauses.map((c) => [c.id, showRule(c.rule.span, compiled.source.text)] as const));
      ctx.stderr.write(renderStats(stats, (id) => text.get(id) ?? `clause ${id}`));
    }
    if (env["CALMLOG_REPORT"] === "1") {
      const report = { loadMs, evalMs: stats.ms, totalMs: performance.now() - t0, maxRssKb: process.resourceUsage().maxRSS, memory: { afterLoad: memLoad, afterEval: memEval, end: memoryFigures() } };
      ctx.stderr.write(`calmlog-report ${JSON.stringify(report)}\n`);
    }
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UserError) return fail(err.diagnostic);
    if (err instanceof OutOfMemory || isAllocationFailure(err)) return fail(outOfMemory(compiled.source.path, last, analysis.strata, err));
    throw err;
  } finally {
    onLargeArray(null);
  }
}

/** Memory in MB at one point of a run, for `CALMLOG_REPORT=1`: resident, JS heap, array buffers. */
function memoryFigures(): { rss: number; heap: number; buffers: number } {
  const m = process.memoryUsage();
  const mb = (n: number): number => Math.round(n / 1048576);
  return { rss: mb(m.rss), heap: mb(m.heapUsed), buffers: mb(m.arrayBuffers) };
}

/** Array memory that may die between two collections before `run` asks for one. */
const RECLAIM_BYTES = 16 << 20;
/**
 * Array memory a stratum lets go of (relations no longer read, sets no longer inserted into) that
 * `run` collects at once: on the social feed, 4 MB rather than 16 took the peak from about 155 to
 * about 149 MB for two or three more collections.
 */
const FREED_BYTES = 4 << 20;

/**
 * Dead typed arrays (a fact file's bytes once its codes are read, a relation's rows before they
 * grew, an output's sort order once written) are freed only when V8 collects, and with the small JS
 * heap an evaluation keeps that comes late: peak memory then holds them beside the live ones. `run`
 * knows where large arrays have just died (after a fact file, between iterations, after an output)
 * and collects there once array memory has grown by `RECLAIM_BYTES`. A no-op where Node does not
 * let a program ask for a collection.
 */
export function reclaimer(options: { readonly adaptive?: boolean; readonly held?: () => number } = {}): (external?: number) => void {
  // Made on first use: a short run never pays for the context it takes.
  let gc: (() => void) | null | undefined;
  let after = getHeapStatistics().external_memory;
  let threshold = RECLAIM_BYTES;
  // `external`: V8's external memory (array buffers, mostly), when the caller has just read it.
  // `held`: memory the run holds live that V8 does not count (a continuing run's kept state). What
  // such a run adds is mostly copies of the kept arrays it writes to, and new rows, all live: growth
  // short of what it holds does not call for a collection (the feed's +1% run made two, which freed
  // 8 MB and cost 18 ms).
  return (external = getHeapStatistics().external_memory) => {
    if (gc === null || external - after < Math.max(threshold, options.held?.() ?? 0)) return;
    gc ??= collector();
    gc?.();
    const now = getHeapStatistics().external_memory;
    // Adaptive: a collection that freed little means the growth was live arrays (a kept state
    // read back, say), so the next waits for twice as much growth; one that freed much resets it.
    if (options.adaptive === true) threshold = external - now < RECLAIM_BYTES ? Math.min(threshold * 2, 1 << 30) : RECLAIM_BYTES;
    after = now;
  };
}

/** V8's full collection, or null where Node does not let a program ask for one. */
function collector(): (() => void) | null {
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    return typeof gc === "function" ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

type Progress = { stratum: number; iteration: number; tuples: number };

/** Thrown by the progress callback when the heap is nearly full, before V8 aborts the process. */
export class OutOfMemory extends Error {}

/** Share of V8's heap limit past which the evaluation stops with CL410 rather than crash. */
const HEAP_SHARE = 0.9;

/** The old generation's limit in bytes: `--max-old-space-size` when given (V8's heap limit adds the young generation to it). */
function heapLimit(): number {
  const flags = [...process.execArgv, ...(process.env["NODE_OPTIONS"] ?? "").split(/\s+/)];
  const given = flags.map((f) => /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(f)).filter((m) => m !== null).at(-1);
  return given !== undefined ? Number(given[1]) * 1024 * 1024 : getHeapStatistics().heap_size_limit;
}

let limit: number | null = null;
export function watchMemory(p: Progress, used: number): void {
  limit ??= heapLimit();
  if (used > HEAP_SHARE * limit) throw new OutOfMemory(`heap nearly full in stratum ${p.stratum}`);
}

/** Allocation failures V8 reports as catchable errors (a Map or array past its largest size, a failed buffer). */
export function isAllocationFailure(err: unknown): boolean {
  return err instanceof RangeError && /maximum size|Invalid (typed )?array length|allocation failed|Invalid string length|out of memory/i.test(err.message);
}

/** CL410: where the evaluation was when memory ran out, and how to give Node more. */
export function outOfMemory(program: string, at: Progress | null, strata: readonly { index: number; relations: readonly string[] }[], err: unknown, command = "run"): Diagnostic {
  const limitMb = Math.round(heapLimit() / 1024 / 1024);
  const stratum = at === null ? undefined : strata.find((s) => s.index === at.stratum);
  const where =
    at === null
      ? "while loading the facts"
      : `in stratum ${at.stratum}${stratum === undefined ? "" : ` (${stratum.relations.map((r) => `\`${r}\``).join(", ")})`}, iteration ${at.iteration}, after deriving ${at.tuples} tuples in it`;
  return makeDiagnostic("CL410", wholeFile(program), `evaluation ran out of memory ${where}; Node allows this process about ${limitMb} MB`, {
    notes: [err instanceof OutOfMemory ? `the heap passed ${Math.round(HEAP_SHARE * 100)}% of its limit` : `V8 said: ${(err as Error).message}`],
    help: `give Node more memory, e.g. \`NODE_OPTIONS=--max-old-space-size=${Math.max(4096, limitMb * 2)} calmlog ${command} ...\` (in MB), or evaluate on less data`,
  });
}

/** A rule's source text on one line, for `--stats`. */
function showRule(span: { start: number; end: number }, text: string): string {
  const s = text.slice(span.start, span.end).replace(/\s+/g, " ").trim();
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

/** Every `.output` directive of a relation, in order. */
function outputDirectives(schema: RelationSchema): readonly IoDirective[] {
  return schema.outputs ?? (schema.output === null ? [] : [schema.output]);
}

/** A comma-separated list of relation names. */
function names(list: string): string[] {
  return list.split(",").map((n) => n.trim()).filter((n) => n !== "");
}

/** The relations the program's `.pragma "KEY" "..."` directives name (`*`: all); null when there is none. */
function pragmaNames(program: Program, key: string): "*" | string[] | null {
  let found: "*" | string[] | null = null;
  for (const p of program.pragmas ?? []) {
    if (p.key !== key) continue;
    const value = (p.value ?? "").trim();
    if (value === "*") found = "*";
    else if (found !== "*") found = [...(found ?? []), ...names(value)];
  }
  return found;
}
