// `calmlog evaluate`: coordination-free results per replica and merged, non-monotonic results
// only over sealed epochs. It reads files, writes kept state and `-D` output atomically, and prints.
import { getHeapStatistics } from "node:v8";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { compileFile } from "../pipeline.js";
import { Diagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { coordinationFreeRelations, type ProgramUnit, type ReplicaReport } from "../replica/evaluate.js";
import { renderJson, renderText, type ReportSource } from "../report/evaluate.js";
import { shownPath } from "../report/text.js";
import { DirectorySource, FolderSetSource, type ReplicaSource } from "../replica/source.js";
import { openReplicas, type OpenReplicasOptions } from "../replica/workflow.js";
import { partBytesRead } from "../replica/derived.js";
import type { RunStats } from "../eval/engine.js";
import { progressLine } from "./progress.js";
import { isAllocationFailure, OutOfMemory, outOfMemory, reclaimer, renderStats, watchMemory } from "./run.js";
import { onLargeArray } from "../eval/relation.js";
import { wholeFile } from "../diagnostics/span.js";
import { renderDiagnostics } from "../report/text.js";
import { diagnosticsText } from "./diagnostics.js";
import { colorChoice, COMMON_OPTIONS, EXIT_CRASH, EXIT_OK, EXIT_USER_ERROR, parseOptions, UsageError, useColor, writeReport, type CliContext, type Command } from "./context.js";
import { planOutput, stdoutBlock, type PlannedOutput } from "../io/write.js";
import { writeFileAtomic } from "../util/atomic-write.js";

import { isNatsUrl, parseNatsUrl } from "../replica/jetstream/address.js";
import { JetStreamSet } from "../replica/jetstream/client.js";
import { JetStreamSource } from "../replica/jetstream/source.js";
import { connectOptions, natsFlags, natsOptions, reportJetStreamError, stateDirOf } from "./nats.js";
const usage = `Usage: calmlog evaluate PROGRAM.dl DIR [--format text|json] [-D OUT]
       calmlog evaluate PROGRAM.dl nats://HOST:PORT/SET [--follow] [--format text|json] [-D OUT]
       calmlog evaluate PROGRAM.dl --replica NAME=FACTSDIR ... [--sealed] [--format text|json] [-D OUT]

Evaluates a program on replicated facts. Monotonic relations are computed on every replica
(lower bounds) and on the union of all replicas (the merged view). Relations that read absence
(negation) or totals (aggregates) are computed only over sealed epochs and are otherwise withheld.

DIR holds one folder per replica: DIR/<replica>/epoch-<n>/<relation>.facts (tab-separated, or
<relation>.jsonl). Seal records live in DIR/seals/ (see \`calmlog seal\`); the facts merged so far
are kept in DIR/.calmlog/state/, so a fact once seen is never lost. A fresh copy holding seal
records but no kept state is fine: a sealed epoch's files are accepted when their digests match
the seal record (a file that differs is CL503, facts the seal does not hold are CL502).

Relations marked .invariant are reported as holding, broken (with the tuples that break them) or
withheld; a broken invariant is a finding about the data and does not change the exit code.

Options:
  -f, --format text|json|html  Report format (default: text); the JSON schema is evaluate-schema.json
                           (printed even when the program or files have errors); html is one
                           self-contained page with the rule graph
  -o, --output FILE        Write the report to FILE (atomically) instead of stdout
  --color, --no-color      Colour diagnostics, or never (default: on a terminal; TERM=dumb is honoured)
  -D, --output-dir OUT     Write .output relations as OUT/<relation>.csv: monotonic ones from the
                           merged view, the others from the sealed epochs (withheld ones are not written);
                           \`filename\`, \`delimiter\` and \`IO=stdout\` apply as in \`calmlog run\`; \`-D -\`
                           prints them after the text report
  --replica NAME=FACTSDIR  An ad-hoc replica whose facts (FACTSDIR/<relation>.facts) form one open epoch;
                           repeat for each replica. Nothing is kept between runs.
  --sealed                 With --replica: the facts form a closed epoch, so every relation is final
  --follow                 With nats://HOST:PORT/SET: keep running, and report again as facts and
                           seals arrive (lower bounds grow; sealed results appear with their seal)
${natsFlags}  --stats                  Facts read, files skipped as unchanged, and per evaluation (each replica, the
                           merged view, the sealed results) every stratum and rule, to stderr
  --no-progress            No progress line on a terminal

Exit codes: 0 success (warnings allowed), 1 errors in the program, files or layout, 2 internal failure.
`;

/** The flags of `evaluate`. */
const EVALUATE_OPTIONS = {
    ...COMMON_OPTIONS,
    "output-dir": { type: "string", short: "D" },
    replica: { type: "string", multiple: true },
    sealed: { type: "boolean", default: false },
    stats: { type: "boolean", default: false },
    "no-progress": { type: "boolean", default: false },
    follow: { type: "boolean", default: false },
    ...natsOptions,
} as const;

/** The `evaluate` command. */
export const command: Command = {
  name: "evaluate",
  summary: "Evaluate a program on replica fact sets, sealed epochs only for non-monotonic rules",
  usage,
  run,
};

/** `--format html`'s renderer, set before evaluating when that format is asked for. */
let renderHtml: (typeof import("../report/html-evaluate.js"))["renderEvaluateHtml"] | undefined;

function htmlRenderer(): NonNullable<typeof renderHtml> {
  if (renderHtml === undefined) throw new Error("internal: the HTML renderer was not loaded before the report");
  return renderHtml;
}

async function run(args: readonly string[], outer: CliContext): Promise<number> {
  const parsed = parseEvaluateOptions(args);
  const { values, positionals } = parsed;
  const format = values.format ?? "text";
  const color = colorChoice(values);
  // With `-o FILE` the report is collected and written at the end, atomically.
  let collected = "";
  const reportFile = values.output ?? null;
  const ctx: CliContext = reportFile === null ? outer : { ...outer, stdout: { write: (t: string) => (collected += t) } };
  // The HTML report lays out the rule graph and runs the lint analysis: loaded only when asked for.
  if (format === "html") renderHtml = (await import("../report/html-evaluate.js")).renderEvaluateHtml;
  const code = await evaluateParsed(values, positionals, format, color, ctx);
  if (reportFile !== null && !(await writeReport(collected, reportFile, "evaluate", outer))) return EXIT_CRASH;
  return code;
}

type Parsed = ReturnType<typeof parseEvaluateOptions>;

function parseEvaluateOptions(args: readonly string[]) {
  return parseOptions(args, EVALUATE_OPTIONS);
}

async function evaluateParsed(values: Parsed["values"], positionals: Parsed["positionals"], format: string, color: boolean | null, ctx: CliContext): Promise<number> {
  if (format !== "text" && format !== "json" && format !== "html") throw new UsageError(`unknown format \`${format}\`; use \`text\`, \`json\` or \`html\``);
  const [program, dir, ...extra] = positionals;
  if (program === undefined) throw new UsageError("missing PROGRAM.dl");
  if (extra.length > 0) throw new UsageError(`unexpected argument \`${extra[0]}\``);
  const adhoc = values.replica ?? [];
  if (dir !== undefined && adhoc.length > 0) throw new UsageError("give either a replica directory DIR or --replica options, not both");
  if (dir === undefined && adhoc.length === 0) throw new UsageError("missing DIR (or --replica NAME=FACTSDIR)");
  if (format === "json" && values["output-dir"] === "-") throw new UsageError("`-D -` prints relations to stdout, which `--format json` keeps for the report; give a directory");
  if (dir !== undefined && values.sealed) throw new UsageError("--sealed applies to --replica sets; seal a directory's epoch with `calmlog seal DIR --epoch N`");

  const directory = dir === undefined || isNatsUrl(dir) ? null : new DirectorySource(resolve(ctx.cwd, dir));
  const compiled = await compileFile(program, ctx.cwd);
  const diags = compiled.diagnostics;
  if (compiled.analysis === null || diags.hasErrors()) {
    const errors = diags.sorted().filter((d) => d.severity === "error");
    ctx.stderr.write(renderDiagnostics(errors, [compiled.source], { color: color ?? useColor(ctx.stderr, ctx.env) }));
    // The JSON document still comes out, holding the diagnostics that stopped the evaluation.
    if (format === "json") ctx.stdout.write(renderJson({ program, source: reportSourceOf(dir, values.sealed, ctx), report: NO_REPORT, diagnostics: errors, outputs: [], notWritten: [], cwd: ctx.cwd }));
    return EXIT_USER_ERROR;
  }
  const unit: ProgramUnit = { checked: compiled.checked, analysis: compiled.analysis };

  let source: ReplicaSource;
  let reportSource: ReportSource;
  if (dir !== undefined && isNatsUrl(dir)) {
    const address = parseNatsUrl(dir);
    if (typeof address === "string") throw new UsageError(address);
    let set: JetStreamSet;
    try {
      set = await JetStreamSet.open(address, connectOptions(values));
    } catch (err) {
      return reportJetStreamError(ctx, err, address.shown);
    }
    try {
      const state = await stateDirOf(set, values.state, ctx);
      const options = { program, programText: compiled.source.text, format, outDir: values["output-dir"], color } as const;
      if (values.follow) return await follow(unit, compiled.source.text, set, state, options, ctx);
      return await evaluateOnce(unit, compiled.source.text, new JetStreamSource(set, state), { kind: "jetstream", url: address.shown }, { ...options, sealed: false, stats: values.stats, progress: !values["no-progress"] }, ctx);
    } catch (err) {
      return reportJetStreamError(ctx, err, address.shown);
    } finally {
      await set.close();
    }
  }
  if (values.follow) throw new UsageError("--follow reads a JetStream replica set (nats://HOST:PORT/SET) as facts arrive");
  if (values.state !== undefined) throw new UsageError("--state names where a JetStream replica set's facts are kept; a directory keeps them in DIR/.calmlog");
  if (directory !== null) {
    source = directory;
    reportSource = { kind: "directory", path: directory.dir };
  } else {
    source = new FolderSetSource(adhoc.map(parseReplicaSpec(ctx.cwd)));
    reportSource = { kind: "replicas", sealed: values.sealed };
  }
  return evaluateOnce(unit, compiled.source.text, source, reportSource, { program, programText: compiled.source.text, format, outDir: values["output-dir"], color, sealed: values.sealed, stats: values.stats, progress: !values["no-progress"] }, ctx);
}

/** How a report is asked for on the command line. */
interface ReportOptions {
  readonly program: string;
  readonly programText: string;
  readonly format: "text" | "json" | "html";
  readonly outDir: string | undefined;
  /** `--color` / `--no-color`, or null to decide from stderr and the environment. */
  readonly color: boolean | null;
}

/** Evaluates a source once with a progress line and `--stats`, writes `-D` outputs and prints the report. */
async function evaluateOnce(
  unit: ProgramUnit,
  programText: string,
  source: ReplicaSource,
  reportSource: ReportSource,
  options: ReportOptions & { readonly sealed: boolean; readonly stats: boolean; readonly progress: boolean },
  ctx: CliContext,
): Promise<number> {
  // Program warnings belong to `calmlog check` and `lint`; this report lists the data's findings.
  const data = new Diagnostics();
  const line = progressLine(ctx.stderr, options.progress);
  const stats: string[] = [];
  const t0 = performance.now();
  const ruleText = new Map(unit.checked.clauses.map((c) => [c.id, programText.slice(c.rule.span.start, c.rule.span.end).replace(/\s+/g, " ").trim()] as const));
  // Where the run is, for CL410 when memory runs out; the heap is checked as it goes.
  let phase = "reading";
  let at: { stratum: number; iteration: number; tuples: number } | null = null;
  // Arrays that died (a file's bytes, an engine whose state is written, a grown table) are collected
  // at these points, as `run` does, so the peak does not hold them beside the live ones.
  // Adaptive: a continuing run reads kept state back as large live arrays, which a collection cannot free.
  const reclaim = reclaimer({ adaptive: true, held: partBytesRead });
  const hooks: Hooks = {
    onProgress: (p) => {
      phase = p.phase;
      at = null;
      const heap = getHeapStatistics();
      watchMemory({ stratum: -1, iteration: 0, tuples: p.facts }, heap.used_heap_size);
      reclaim(heap.external_memory);
      line.update(p.filesTotal > 0 ? `${p.phase}: ${p.files}/${p.filesTotal} files, ${p.facts} facts` : `${p.phase} (${p.facts} facts read)`);
    },
    onEngineProgress: (p) => {
      at = p;
      const heap = getHeapStatistics();
      watchMemory(p, heap.used_heap_size);
      reclaim(heap.external_memory);
      line.update(`evaluating: stratum ${p.stratum}, iteration ${p.iteration}, ${p.tuples} tuples`);
    },
    ...(options.stats ? { onStats: (what: string, s: RunStats) => void stats.push(`${what}: ${renderStats(s, (id) => ruleText.get(id) ?? `clause ${id}`)}`) } : {}),
  };
  let outcome: ReplicaReport | null;
  let info: RunInfo | null = null;
  onLargeArray(() => reclaim());
  try {
    ({ report: outcome, info } = await evaluateSource(unit, programText, source, data, (p) => shownPath(p, ctx.cwd), options.sealed, options.outDir !== undefined, hooks));
  } catch (err) {
    if (!(err instanceof OutOfMemory || isAllocationFailure(err))) throw err;
    line.clear();
    const d = outOfMemory(options.program, at, unit.analysis.strata, err, "evaluate");
    const during = at === null ? `while ${phase === "reading" ? "reading the facts" : phase.replace(/^evaluating: /, "evaluating ")}` : `while ${phase.replace(/^evaluating: /, "evaluating ")}`;
    const full = { ...d, notes: [...d.notes, `${during}; nothing of this run was kept, and the kept state is as the last run left it`] };
    ctx.stderr.write(diagnosticsText(ctx, [full]));
    return EXIT_USER_ERROR;
  } finally {
    onLargeArray(null);
    line.clear();
  }
  if (options.stats && info !== null) {
    ctx.stderr.write(
      `replicas: ${info.factsRead} facts read, ${info.unitsSkipped} unchanged file(s) not read${info.reused ? ", nothing new: the last run's report reused" : ""}; ${(performance.now() - t0).toFixed(0)} ms in all\n` +
        stats.join(""),
    );
  }
  return printReport(unit, outcome, reportSource, data, options, ctx);
}

/** Writes `-D` outputs and prints the report and the data's diagnostics; returns the exit code. */
function printReport(unit: ProgramUnit, outcome: ReplicaReport | null, reportSource: ReportSource, data: Diagnostics, options: ReportOptions, ctx: CliContext): number {
  const { program, format } = options;
  const outputs: string[] = [];
  const notWritten: string[] = [];
  const outDir = options.outDir;
  const printed = outcome !== null && outDir !== undefined ? writeOutputs(unit, outcome, outDir === "-" ? "-" : resolve(ctx.cwd, outDir), outputs, notWritten, data) : "";

  const diagnostics: Diagnostic[] = data.items;
  if (outcome !== null) {
    const input = { program, source: reportSource, report: outcome, diagnostics, outputs, notWritten, cwd: ctx.cwd };
    ctx.stdout.write(format === "json" ? renderJson(input) : format === "html" ? htmlRenderer()(input, { path: program, text: options.programText }) : renderText(input));
    // Relations printed to stdout (`-D -`, `IO=stdout`) follow a text report; JSON keeps stdout to itself.
    if (format === "text") ctx.stdout.write(printed);
  } else if (format === "json") {
    // The document still comes out, holding the diagnostics that stopped the evaluation.
    ctx.stdout.write(renderJson({ program, source: reportSource, report: NO_REPORT, diagnostics, outputs, notWritten, cwd: ctx.cwd }));
  }
  if ((format === "text" || outcome === null) && diagnostics.length > 0) ctx.stderr.write(diagnosticsText(ctx, diagnostics, [{ path: program, text: options.programText }], options.color));
  return data.hasErrors() ? EXIT_USER_ERROR : EXIT_OK;
}

/**
 * `--follow`: evaluates, then again whenever facts or a seal arrive (debounced), printing each
 * report that differs from the last (or rewriting `-D`), until interrupted or `ctx.signal` aborts.
 */
async function follow(unit: ProgramUnit, programText: string, set: JetStreamSet, state: string, options: ReportOptions, ctx: CliContext): Promise<number> {
  const stop = new AbortController();
  const external = (ctx as { signal?: AbortSignal }).signal;
  const onSignal = (): void => stop.abort();
  external?.addEventListener("abort", onSignal, { once: true });
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let dirty = true;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    dirty = true;
    wake?.();
  };
  const from = (await set.lastSeq()) + 1;
  const watchers = [set.follow(from, poke, stop.signal), set.watchSeals(poke, stop.signal)].map((p) => p.catch(() => undefined));
  let code = EXIT_OK;
  let last = "";
  try {
    while (!stop.signal.aborted) {
      if (dirty) {
        dirty = false;
        const data = new Diagnostics();
        const { report } = await evaluateSource(unit, programText, new JetStreamSource(set, state), data, (p) => shownPath(p, ctx.cwd), false, options.outDir !== undefined, {});
        const captured: string[] = [];
        const capture = { write: (t: string) => captured.push(t) };
        code = printReport(unit, report, { kind: "jetstream", url: set.address.shown }, data, options, { ...ctx, stdout: capture, stderr: capture });
        const text = captured.join("");
        // A re-sent batch or a marker alone changes nothing worth printing again.
        if (text !== last) {
          ctx.stdout.write(text + (options.format === "text" ? "\n" : ""));
          last = text;
        }
      }
      // Wait for the next arrival, then let a burst settle before evaluating again.
      await new Promise<void>((resolve) => {
        wake = resolve;
        stop.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      wake = null;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    stop.abort();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    external?.removeEventListener("abort", onSignal);
    await Promise.all(watchers);
  }
  return code;
}

/** The report of an evaluation that did not run: nothing sealed, merged or withheld. */
const NO_REPORT: ReplicaReport = { sealedEpoch: 0, seals: [], openEpochs: [], replicas: [], merged: [], sealed: null, withheld: [], invariants: [], mismatches: [] };

/** How the report names the replicas given on the command line. */
function reportSourceOf(dir: string | undefined, sealed: boolean, ctx: CliContext): ReportSource {
  if (dir === undefined) return { kind: "replicas", sealed };
  return isNatsUrl(dir) ? { kind: "jetstream", url: dir.replace(/\/\/[^@/]*@/, "//") } : { kind: "directory", path: resolve(ctx.cwd, dir) };
}

/** Workflow callbacks the CLI renders. */
type Hooks = Pick<OpenReplicasOptions, "onProgress" | "onEngineProgress" | "onStats">;
/** What `--stats` says about the run besides the engines' figures. */
interface RunInfo {
  readonly factsRead: number;
  readonly unitsSkipped: number;
  readonly reused: boolean;
}

/** Opens the source, reconciles, evaluates and commits: the replica workflow, nothing more. */
async function evaluateSource(
  unit: ProgramUnit,
  programText: string,
  source: ReplicaSource,
  diags: Diagnostics,
  show: (p: string) => string,
  sealed: boolean,
  writes: boolean,
  hooks: Hooks,
): Promise<{ report: ReplicaReport | null; info: RunInfo | null }> {
  const workspace = await openReplicas(source, { unit, programText, diagnostics: diags, show, mergedTuples: (r) => writes && unit.checked.relations.get(r)?.output != null, ...hooks });
  if (workspace === null) return { report: null, info: null };
  try {
    if (!(await workspace.reconcile()) && diags.items.some((d) => d.code === "CL504" || d.code.startsWith("CL4"))) return { report: null, info: null };
    if (sealed) {
      const outcome = await workspace.seal(1, { reason: "--sealed: the replicas' facts form a closed epoch" });
      if (!outcome.ok) throw new Error(outcome.message);
    }
    const report = workspace.evaluate();
    await workspace.commit();
    return { report, info: { factsRead: workspace.factsRead, unitsSkipped: workspace.unitsSkipped, reused: workspace.reusedReport } };
  } finally {
    workspace.close();
  }
}

/** `NAME=FACTSDIR` of `--replica`. */
function parseReplicaSpec(cwd: string): (spec: string, i: number, all: readonly string[]) => { name: string; dir: string; shownDir: string } {
  return (spec, i, all) => {
    const eq = spec.indexOf("=");
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--replica takes NAME=FACTSDIR, got \`${spec}\``);
    const name = spec.slice(0, eq);
    if (all.slice(0, i).some((s) => s.slice(0, s.indexOf("=")) === name)) throw new UsageError(`replica \`${name}\` is given twice`);
    return { name, dir: resolve(cwd, spec.slice(eq + 1)), shownDir: spec.slice(eq + 1) };
  };
}

/**
 * `-D OUT`: `.output` relations, monotonic ones from the merged view, the others from the sealed
 * epochs, placed and formatted as `calmlog run` does (`filename`, `delimiter`, `IO=stdout`; `-D -`
 * prints them all). Every output is formatted before any file is replaced. Returns the text for stdout.
 */
function writeOutputs(unit: ProgramUnit, report: ReplicaReport, out: string, written: string[], notWritten: string[], diags: Diagnostics): string {
  const free = coordinationFreeRelations(unit.analysis);
  const planned: PlannedOutput[] = [];
  for (const [name, schema] of unit.checked.relations) {
    if (schema.output === null) continue;
    const result = free.has(name) ? report.merged.find((m) => m.relation === name) : report.sealed?.relations.find((s) => s.relation === name);
    if (result === undefined) {
      notWritten.push(name);
      continue;
    }
    planned.push(planOutput(schema, result.tuples, out));
  }
  if (planned.some((o) => o.path !== null)) {
    try {
      mkdirSync(out, { recursive: true });
    } catch (err) {
      diags.add("CL406", wholeFile(out), `cannot create output directory \`${out}\`: ${(err as Error).message}`);
      return "";
    }
  }
  let stdout = "";
  for (const o of planned) {
    if (o.path === null) {
      stdout += stdoutBlock(o.name, o.text, o.header);
      continue;
    }
    try {
      mkdirSync(dirname(o.path), { recursive: true });
      writeFileAtomic(o.path, o.text);
      written.push(o.path);
    } catch (err) {
      diags.add("CL406", wholeFile(o.path), `cannot write \`${o.path}\`: ${(err as Error).message}`);
    }
  }
  return stdout;
}
