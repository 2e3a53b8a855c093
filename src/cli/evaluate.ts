// `calmlog evaluate`: coordination-free results per replica and merged, non-monotonic results
// only over sealed epochs. It reads files, writes kept state and `-D` output atomically, and prints.
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { compileFile } from "../pipeline.js";
import { Diagnostics, type Diagnostic } from "../report/diagnostic.js";
import { coordinationFreeRelations, evaluateReplicas, type ProgramUnit, type ReplicaReport } from "../replica/evaluate.js";
import { tupleKey } from "../replica/facts.js";
import { Replica, ReplicaSet } from "../replica/replica.js";
import { renderDiagnosticsText, renderJson, renderText, shown, type ReportSource } from "../replica/render.js";
import { renderEvaluateHtml } from "../report/html-evaluate.js";
import { replicatedRelations } from "../analysis/fixed.js";
import { formatsOf, readLayout, readSeals, readState, reconcile, scanLayout, schemaOf, writeState, type FileFacts, type Show } from "../replica/store.js";
import { syntheticSpan } from "../syntax/span.js";
import { renderDiagnostics, summaryLine } from "../report/text.js";
import { EXIT_OK, EXIT_USER_ERROR, parseOptions, UsageError, useColor, type CliContext, type Command } from "./context.js";
import { readFacts, writeRelation } from "../replica/io.js";

const usage = `Usage: calmlog evaluate PROGRAM.dl DIR [--format text|json] [-D OUT]
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
  --format text|json|html  Report format (default: text); the JSON schema is evaluate-schema.json;
                           html is one self-contained page with the rule graph
  -D, --output-dir OUT     Write .output relations as OUT/<relation>.csv: monotonic ones from the
                           merged view, the others from the sealed epochs (withheld ones are not written)
  --replica NAME=FACTSDIR  An ad-hoc replica whose facts (FACTSDIR/<relation>.facts) form one open epoch;
                           repeat for each replica. Nothing is kept between runs.
  --sealed                 With --replica: the facts form a closed epoch, so every relation is final

Exit codes: 0 success (warnings allowed), 1 errors in the program, files or layout, 2 internal failure.
`;

/** The `evaluate` command. */
export const command: Command = {
  name: "evaluate",
  summary: "Evaluate a program on replica fact sets, sealed epochs only for non-monotonic rules",
  usage,
  run,
};

async function run(args: readonly string[], ctx: CliContext): Promise<number> {
  const parsed = parseOptions(args, {
    format: { type: "string", default: "text" },
    "output-dir": { type: "string", short: "D" },
    replica: { type: "string", multiple: true },
    sealed: { type: "boolean", default: false },
  });
  const { values, positionals } = parsed;
  const format = values.format;
  if (format !== "text" && format !== "json" && format !== "html") throw new UsageError(`unknown format \`${format}\`; use \`text\`, \`json\` or \`html\``);
  const [program, dir, ...extra] = positionals;
  if (program === undefined) throw new UsageError("missing PROGRAM.dl");
  if (extra.length > 0) throw new UsageError(`unexpected argument \`${extra[0]}\``);
  const adhoc = values.replica ?? [];
  if (dir !== undefined && adhoc.length > 0) throw new UsageError("give either a replica directory DIR or --replica options, not both");
  if (dir === undefined && adhoc.length === 0) throw new UsageError("missing DIR (or --replica NAME=FACTSDIR)");
  if (dir !== undefined && values.sealed) throw new UsageError("--sealed applies to --replica sets; seal a directory's epoch with `calmlog seal DIR --epoch N`");

  const compiled = await compileFile(program, ctx.cwd);
  const diags = compiled.diagnostics;
  if (compiled.analysis === null || diags.hasErrors()) {
    ctx.stderr.write(renderDiagnostics(diags.sorted().filter((d) => d.severity === "error"), [compiled.source], { color: useColor(ctx.stderr, ctx.env) }));
    return EXIT_USER_ERROR;
  }
  const unit: ProgramUnit = { checked: compiled.checked, analysis: compiled.analysis };
  // Program warnings belong to `calmlog check` and `lint`; this report lists the data's findings.
  const data = new Diagnostics();

  let source: ReportSource;
  let outcome: { report: ReplicaReport; set: ReplicaSet } | null;
  if (dir !== undefined) {
    source = { kind: "directory", path: resolve(ctx.cwd, dir) };
    outcome = evaluateDirectory(unit, resolve(ctx.cwd, dir), data, (p) => shown(p, ctx.cwd));
  } else {
    source = { kind: "replicas", sealed: values.sealed };
    outcome = evaluateAdhoc(unit, adhoc, values.sealed, ctx.cwd, data);
  }

  const outputs: string[] = [];
  const notWritten: string[] = [];
  const outDir = values["output-dir"];
  if (outcome !== null && outDir !== undefined) writeOutputs(unit, outcome.report, resolve(ctx.cwd, outDir), outputs, notWritten, data);

  const diagnostics: Diagnostic[] = data.items;
  if (outcome !== null) {
    const input = { program, source, report: outcome.report, diagnostics, outputs, notWritten, cwd: ctx.cwd };
    ctx.stdout.write(format === "json" ? renderJson(input) : format === "html" ? renderEvaluateHtml(input, compiled.source) : renderText(input));
  }
  if ((format === "text" || outcome === null) && diagnostics.length > 0) ctx.stderr.write(renderDiagnosticsText(diagnostics, ctx.cwd) + summaryLine(diagnostics) + "\n");
  return data.hasErrors() ? EXIT_USER_ERROR : EXIT_OK;
}

/** DIR mode: files merged into the kept state, checked against the seals, then evaluated. */
function evaluateDirectory(unit: ProgramUnit, dir: string, diags: Diagnostics, show: Show): { report: ReplicaReport; set: ReplicaSet } | null {
  const schemas = unit.checked.relations;
  const layout = scanLayout(dir, replicatedRelations(unit.checked), diags, show, new Set(schemas.keys()));
  if (layout === null || diags.hasErrors()) return null;
  const seals = readSeals(dir, diags, show);
  const state = readState(dir, diags, show);
  if (diags.hasErrors()) return null;
  const previous = ReplicaSet.of(state?.set.replicas.values() ?? [], seals);
  const files = readLayout(layout, schemas, readFacts, diags);
  if (diags.hasErrors() && diags.items.some((d) => d.code.startsWith("CL4"))) return null;
  const reported = new Set<string>();
  const next = reconcile(dir, previous, files, diags, show, reported);
  const report = evaluateReplicas(unit, next, diags, {
    previous,
    reported,
    fileOf: (replica, epoch, relation) => join(dir, replica, `epoch-${epoch}`, `${relation}.facts`),
  });
  // Only a clean run moves the kept state forward; otherwise the previous state stays as it was.
  const schema = schemaOf(schemas);
  const formats = formatsOf(schemas);
  const changed =
    state === null || !next.equals(previous) || JSON.stringify(state.schema) !== JSON.stringify(schema) || JSON.stringify(state.formats) !== JSON.stringify(formats);
  if (!diags.hasErrors() && changed) writeState(dir, next, schema, state?.generation ?? null, formats);
  return { report, set: next };
}

/** `--replica NAME=FACTSDIR`: each replica's facts are one epoch, sealed only with `--sealed`. */
function evaluateAdhoc(unit: ProgramUnit, specs: readonly string[], sealed: boolean, cwd: string, diags: Diagnostics): { report: ReplicaReport; set: ReplicaSet } | null {
  const schemas = unit.checked.relations;
  const replicated = replicatedRelations(unit.checked);
  const files: FileFacts = new Map();
  const seen = new Set<string>();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--replica takes NAME=FACTSDIR, got \`${spec}\``);
    const name = spec.slice(0, eq);
    const folder = resolve(cwd, spec.slice(eq + 1));
    if (seen.has(name)) throw new UsageError(`replica \`${name}\` is given twice`);
    seen.add(name);
    if (!existsSync(folder)) {
      diags.add("CL504", syntheticSpan(folder), `facts directory \`${spec.slice(eq + 1)}\` of replica \`${name}\` does not exist`);
      continue;
    }
    const rels = new Map<string, { keys: Set<string>; files: string[] }>();
    files.set(name, new Map([[1, rels]]));
    for (const file of readdirSync(folder).sort()) {
      const m = /^(.+)\.(facts|jsonl)$/.exec(file);
      if (m === null || !schemas.has(m[1]!)) continue;
      if (!replicated.has(m[1]!)) {
        diags.add("CL504", syntheticSpan(join(folder, file)), `\`${file}\` holds facts of \`${m[1]!}\`, which is not an \`.input\` relation: replicas insert only into \`.input\` relations, and the program alone defines the others, the same on every replica`, {
          help: `add \`.input ${m[1]!}\` to the program if replicas should insert into it, or move these facts into the program`,
        });
        continue;
      }
      const path = join(folder, file);
      let entry = rels.get(m[1]!);
      if (entry === undefined) rels.set(m[1]!, (entry = { keys: new Set(), files: [] }));
      entry.files.push(path);
      try {
        for (const t of readFacts(path, schemas.get(m[1]!)!)) entry.keys.add(tupleKey(t));
      } catch (err) {
        const d = (err as { diagnostic?: Diagnostic }).diagnostic;
        if (d === undefined) throw err;
        diags.push(d);
      }
    }
  }
  if (diags.hasErrors()) return null;
  let set = ReplicaSet.empty();
  for (const [name, epochs] of files) {
    let replica = Replica.empty(name);
    for (const [relation, entry] of epochs.get(1)!) replica = replica.insertKeys(relation, entry.keys, 1);
    set = set.withReplica(replica);
  }
  if (sealed) {
    const outcome = set.seal(1, { sealedAt: new Date().toISOString(), reason: "--sealed: the replicas' facts form a closed epoch" });
    if (!outcome.ok) throw new Error(outcome.message);
    set = outcome.set;
  }
  return { report: evaluateReplicas(unit, set, diags), set };
}

/** `-D OUT`: `.output` relations, monotonic ones from the merged view, the others from the sealed epochs. */
function writeOutputs(unit: ProgramUnit, report: ReplicaReport, out: string, written: string[], notWritten: string[], diags: Diagnostics): void {
  const free = coordinationFreeRelations(unit.analysis);
  try {
    mkdirSync(out, { recursive: true });
  } catch (err) {
    diags.add("CL406", syntheticSpan(out), `cannot create output directory \`${out}\`: ${(err as Error).message}`);
    return;
  }
  for (const [name, schema] of unit.checked.relations) {
    if (schema.output === null) continue;
    const result = free.has(name) ? report.merged.find((m) => m.relation === name) : report.sealed?.relations.find((s) => s.relation === name);
    if (result === undefined) {
      notWritten.push(name);
      continue;
    }
    const path = join(out, `${name}.csv`);
    try {
      writeRelation(path, schema, result.tuples);
      written.push(path);
    } catch (err) {
      const d = (err as { diagnostic?: Diagnostic }).diagnostic;
      if (d !== undefined) diags.push(d);
      else diags.add("CL406", syntheticSpan(path), `cannot write \`${path}\`: ${(err as Error).message}`);
    }
  }
}
