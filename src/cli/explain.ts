// `calmlog explain`: how a fact holds (a derivation tree of minimal height), why it does not (per
// rule, the first literal that fails), and, over replicas, why it is withheld. It only reads: no
// output files, no kept state; evaluation runs as `run` and `evaluate` run it, then explain searches
// backwards from the fact.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { wholeFile } from "../diagnostics/span.js";
import { Engine } from "../eval/engine.js";
import { readFactCodes, readFactFile } from "../io/read-facts.js";
import { compileFile } from "../pipeline.js";
import { Diagnostics, UserError, type Diagnostic } from "../diagnostics/diagnostic.js";
import { renderDiagnostics } from "../report/text.js";
import { replicatedRelations } from "../analysis/fixed.js";
import { readFacts } from "../replica/io.js";
import { shownPath } from "../report/text.js";
import { diagnosticsText } from "./diagnostics.js";
import { formatOf, readLayout, readSeals, readState, reconcile, scanLayout } from "../replica/store.js";
import { Replica, ReplicaSet } from "../replica/replica.js";
import type { ProgramUnit } from "../replica/evaluate.js";
import { Explainer, SearchLimit, type ExplainOptions } from "../explain/explain.js";
import { Unsupported } from "../explain/solve.js";
import { EngineModel, InputIndex, LazyInputs, recordLines, type ReadInput } from "../explain/model.js";
import { parseFactQuery } from "../explain/query.js";
import { explainReplicas } from "../explain/replica.js";
import { renderExplainJson, renderExplainText, type ExplainReport } from "../explain/render.js";
import { inputPath, param } from "./run.js";
import { EXIT_OK, EXIT_USER_ERROR, parseOptions, UsageError, useColor, type CliContext, type Command } from "./context.js";

const usage = `Usage: calmlog explain PROGRAM.dl -F DIR FACT [options]
       calmlog explain PROGRAM.dl REPLICA_DIR FACT [options]
       calmlog explain PROGRAM.dl --replica NAME=FACTSDIR ... [--sealed] FACT [options]

Tells how FACT holds: a derivation tree of minimal height, each step the rule (with its location)
and the values bound, down to input facts (file and line) and program facts. When FACT does not
hold, tells why: for each rule that could derive it, the first body literal that fails under the
bindings of those before it (a missing fact, a fact that blocks a negation, a false comparison, an
aggregate below its threshold), following missing facts further.

FACT is one fact as in a rule file, quoted for the shell: 'ready("v2.1")'. Any relation may be
asked about, not only outputs.

With -F DIR the facts are read as \`calmlog run\` reads them. With REPLICA_DIR (laid out as for
\`calmlog evaluate\`), a coordination-free relation is explained over the merged view of every
replica, any other over the sealed epochs; a fact of a relation that waits for a seal is also told
which literal makes it wait, which epochs to seal, which open facts it reads (on which replicas)
and which replicas have not delivered facts for those epochs. Nothing is written.

Options:
  -F, --fact-dir DIR   where input facts are, as for \`calmlog run\`
      --replica NAME=FACTSDIR  an ad-hoc replica whose facts form one open epoch, as for
                       \`calmlog evaluate\`; repeat for each replica
      --sealed         with --replica: the facts form a closed epoch
      --why-not        ask why FACT does not hold (a fact that holds is shown with its derivation)
      --format FORMAT  text (default) or json (the schema is explain-schema.json)
      --depth N        how many missing facts deep a why-not follows (default 4)
      --rows N         rows of an aggregate, blocking facts and open facts listed (default 5)
      --max-facts N    how many facts or rule instances the search for a derivation may
                       read (default 200000)
  -h, --help           show this help

Exit codes: 0 answered (whether or not FACT holds), 1 errors in the program, the facts or FACT,
2 internal failure.
`;

export const command: Command = {
  name: "explain",
  summary: "Show how a fact is derived, why it is not, or why it is withheld",
  usage,
  run,
};

function count(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} takes a whole number, got \`${value}\``);
  return n;
}

async function run(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    "fact-dir": { type: "string", short: "F" },
    "why-not": { type: "boolean", default: false },
    format: { type: "string", default: "text" },
    depth: { type: "string" },
    rows: { type: "string" },
    "max-facts": { type: "string" },
    replica: { type: "string", multiple: true },
    sealed: { type: "boolean", default: false },
  });
  const format = values.format;
  if (format !== "text" && format !== "json") throw new UsageError(`unknown format \`${format}\`; use \`text\` or \`json\``);
  const factDir = values["fact-dir"];
  const adhoc = values.replica ?? [];
  if (factDir !== undefined && adhoc.length > 0) throw new UsageError("give either -F DIR or --replica options, not both");
  if (values.sealed && adhoc.length === 0) throw new UsageError("--sealed applies to --replica sets");
  const expected = factDir === undefined && adhoc.length === 0 ? 3 : 2;
  if (positionals.length < expected) {
    throw new UsageError(positionals.length === 0 ? "missing PROGRAM.dl" : factDir === undefined && positionals.length === 2 ? "missing FACT, or give the facts with -F DIR (or a replica directory)" : "missing FACT");
  }
  if (positionals.length > expected) throw new UsageError(`unexpected argument \`${positionals[expected]}\`; quote the fact for the shell: 'ready("v2.1")'`);
  const program = positionals[0]!;
  const replicaDir = factDir === undefined && adhoc.length === 0 ? positionals[1]! : null;
  const factText = positionals[expected - 1]!;
  const options: ExplainOptions = { depth: count(values.depth, "--depth", 4), rows: count(values.rows, "--rows", 5), maxFacts: count(values["max-facts"], "--max-facts", 200_000) };
  const color = useColor(ctx.stderr, ctx.env);

  const compiled = await compileFile(program, ctx.cwd);
  const errors = compiled.diagnostics.items.filter((d) => d.severity === "error");
  if (errors.length > 0 || compiled.analysis === null) {
    ctx.stderr.write(renderDiagnostics(errors, [compiled.source], { color }));
    return EXIT_USER_ERROR;
  }
  const unit: ProgramUnit = { checked: compiled.checked, analysis: compiled.analysis };
  const query = parseFactQuery(factText, unit.checked);
  if (Array.isArray(query)) {
    ctx.stderr.write(renderDiagnostics(query, [{ path: "<query>", text: factText.trim().endsWith(".") ? factText : `${factText.trimEnd()}.` }], { color }));
    return EXIT_USER_ERROR;
  }
  const sources = new Map([[compiled.source.path, compiled.source.text]]);
  const sourceOf = (file: string): string | null => sources.get(file) ?? null;
  const question = values["why-not"] ? "why-not" : "why";

  let report: ExplainReport;
  try {
    if (factDir !== undefined) {
      const dir = resolve(ctx.cwd, factDir);
      const engine = new Engine(unit.checked, unit.analysis);
      const reads = new Map<string, () => ReadInput>();
      for (const schema of unit.checked.relations.values()) {
        if (schema.input === null) continue;
        const { path, format: fileFormat } = inputPath(schema, dir);
        const delimiter = param(schema.input, "delimiter");
        const headers = param(schema.input, "headers") === "true";
        const displayPath = shownPath(path, ctx.cwd);
        const read = { format: fileFormat, headers, displayPath, requestedAt: schema.input.span, ...(delimiter !== undefined ? { delimiter } : {}) };
        // Loaded as `run` loads it; read again for lines only if a question needs them.
        const codes = readFactCodes(path, schema, read);
        if (codes !== null) engine.insertCodes(schema.name, codes);
        else engine.insert(schema.name, readFactFile(path, schema, read));
        reads.set(schema.name, () => {
          const tuples = readFactFile(path, schema, read);
          const lines = recordLines(readFileSync(path, "utf8"), fileFormat, headers, schema.columns.length);
          return { tuples, origin: (i) => ({ file: displayPath, line: lines[i] ?? null }) };
        });
      }
      const inputs = new LazyInputs(reads);
      engine.run();
      const explainer = new Explainer(unit, new EngineModel(engine), inputs, sourceOf);
      const derivation = explainer.why(query.relation, query.tuple, options);
      report = {
        program,
        source: { kind: "facts", path: factDir },
        question,
        fact: explainer.fact(query.relation, query.tuple),
        holds: derivation !== null,
        view: "facts",
        sealedEpoch: null,
        derivation,
        whyNot: derivation === null ? explainer.whyNot(query.relation, query.tuple, options) : null,
        withheld: null,
      };
    } else {
      const diags = new Diagnostics();
      const loaded = replicaDir !== null ? loadReplicas(unit, resolve(ctx.cwd, replicaDir), diags, ctx.cwd) : loadAdhoc(unit, adhoc, values.sealed, diags, ctx.cwd);
      if (loaded === null) {
        ctx.stderr.write(diagnosticsText(ctx, diags.items, sources, color));
        return EXIT_USER_ERROR;
      }
      const a = explainReplicas(unit, loaded.set, loaded.inputs, query.relation, query.tuple, { ...options, sourceOf, openFacts: options.rows ?? 5 });
      report = {
        program,
        source: { kind: "replicas", path: replicaDir ?? adhoc.join(" ") },
        question,
        fact: a.fact,
        holds: a.holds,
        view: a.view,
        sealedEpoch: a.sealedEpoch,
        derivation: a.derivation,
        whyNot: a.whyNot,
        withheld: a.withheld,
      };
    }
  } catch (err) {
    if (err instanceof SearchLimit) {
      const d = new Diagnostics().add("CL702", wholeFile("<query>"), `${err.message} (--max-facts ${options.maxFacts})`);
      ctx.stderr.write(renderDiagnostics([d], new Map(), { color }));
      return EXIT_USER_ERROR;
    }
    if (err instanceof Unsupported) {
      const d = new Diagnostics().add("CL703", wholeFile("<query>"), `${err.message}, so \`${factText}\` cannot be explained through it`);
      ctx.stderr.write(renderDiagnostics([d], new Map(), { color }));
      return EXIT_USER_ERROR;
    }
    if (err instanceof UserError) {
      const d: Diagnostic = err.diagnostic;
      ctx.stderr.write(diagnosticsText(ctx, [d], sources, color));
      return EXIT_USER_ERROR;
    }
    throw err;
  }
  ctx.stdout.write(format === "json" ? renderExplainJson(report) : renderExplainText(report));
  return EXIT_OK;
}

/** Reads a replica directory as `evaluate` does, without writing kept state; records where each fact was read. */
function loadReplicas(unit: ProgramUnit, dir: string, diags: Diagnostics, cwd: string): { set: ReplicaSet; inputs: InputIndex } | null {
  const schemas = unit.checked.relations;
  const show = (p: string): string => shownPath(p, cwd);
  const layout = scanLayout(dir, replicatedRelations(unit.checked), diags, show, new Set(schemas.keys()));
  if (layout === null || diags.hasErrors()) return null;
  const seals = readSeals(dir, diags, show);
  const state = readState(dir, diags, show);
  if (diags.hasErrors()) return null;
  const previous = ReplicaSet.of(state?.set.replicas.values() ?? [], seals);
  const inputs = new InputIndex();
  const files = readLayout(
    layout,
    schemas,
    (path, schema) => {
      const tuples = readFacts(path, schema);
      const file = layout.files.find((f) => f.path === path);
      const lines = recordLines(readFileSync(path, "utf8"), path.endsWith(".jsonl") ? "jsonl" : "tsv", formatOf(schema).headers === true, schema.columns.length);
      inputs.add(schema.name, tuples, (i) => ({ file: show(path), line: lines[i] ?? null, ...(file === undefined ? {} : { replica: file.replica, epoch: file.epoch }) }));
      return tuples;
    },
    diags,
  );
  if (diags.hasErrors() && diags.items.some((d) => d.code.startsWith("CL4"))) return null;
  // Late or changed files are reported by `evaluate`; explain reads the same reconciled facts.
  const set = reconcile(dir, previous, files, new Diagnostics(), show);
  return { set, inputs };
}

/** `--replica NAME=FACTSDIR`, as `evaluate` takes it: each folder's facts are one epoch of that replica, sealed with `--sealed`. */
function loadAdhoc(unit: ProgramUnit, specs: readonly string[], sealed: boolean, diags: Diagnostics, cwd: string): { set: ReplicaSet; inputs: InputIndex } | null {
  const replicated = replicatedRelations(unit.checked);
  const inputs = new InputIndex();
  let set = ReplicaSet.empty();
  const seen = new Set<string>();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--replica takes NAME=FACTSDIR, got \`${spec}\``);
    const name = spec.slice(0, eq);
    if (seen.has(name)) throw new UsageError(`replica \`${name}\` is given twice`);
    seen.add(name);
    const folder = resolve(cwd, spec.slice(eq + 1));
    if (!existsSync(folder)) {
      diags.add("CL504", wholeFile(folder), `facts directory \`${spec.slice(eq + 1)}\` of replica \`${name}\` does not exist`);
      continue;
    }
    let replica = Replica.empty(name);
    for (const file of readdirSync(folder).sort()) {
      const m = /^(.+)\.(facts|jsonl)$/.exec(file);
      if (m === null || !replicated.has(m[1]!)) continue;
      const path = join(folder, file);
      const schema = unit.checked.relations.get(m[1]!)!;
      try {
        const tuples = readFacts(path, schema);
        const lines = recordLines(readFileSync(path, "utf8"), m[2] === "jsonl" ? "jsonl" : "tsv", formatOf(schema).headers === true, schema.columns.length);
        inputs.add(schema.name, tuples, (i) => ({ file: shownPath(path, cwd), line: lines[i] ?? null, replica: name, epoch: 1 }));
        replica = replica.insert(schema.name, tuples, 1);
      } catch (err) {
        if (err instanceof UserError) diags.push(err.diagnostic);
        else throw err;
      }
    }
    set = set.withReplica(replica);
  }
  if (diags.hasErrors()) return null;
  if (sealed) {
    const outcome = set.seal(1, { sealedAt: new Date().toISOString(), reason: "--sealed: the replicas' facts form a closed epoch" });
    if (!outcome.ok) throw new Error(outcome.message);
    set = outcome.set;
  }
  return { set, inputs };
}
