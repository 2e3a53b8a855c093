// `calmlog lint` for people: per file a summary, one entry per coordination point (where and why
// the program must wait for a seal, and the honest options), the relation table, thresholds, invariants, diagnostics.
import { styleText, type Style as AnsiStyle } from "./style.js";
import { listNames } from "../analysis/analyze.js";
import { sealableNote } from "../analysis/partition.js";
import { describeRemedy } from "../analysis/remedies.js";
import { COORDINATION_CODE, type Remedy } from "../analysis/types.js";
import { hasPosition, type Location, type SourceFile, type Span } from "../diagnostics/span.js";
import { codeFrame } from "./frame.js";
import { renderDiagnostics } from "./text.js";
import type { CoordinationPoint, LintFile, LintResult } from "../lint.js";
import { decidedBy } from "../invariant/show.js";
import type { FactSet, InvariantResult } from "../invariant/types.js";

/** Options shared by the text renderers. */
export interface TextOptions {
  readonly color: boolean;
}

type Style = AnsiStyle;
type Format = Exclude<Style, readonly unknown[]>;

/** Diagnostics shown in their own sections rather than in the generic list at the end. */
const SECTIONED = new Set(["CL302", "CL303", "CL304", "CL305", "CL601", "CL602", "CL603", "CL604", "CL605"]);

/** The whole report for every file, then a total line when there are several. */
export function renderLintText(result: LintResult, sources: readonly SourceFile[], options: TextOptions): string {
  const paint = painter(options.color);
  const byPath = new Map(sources.map((s) => [s.path, s] as const));
  const parts = result.files.map((f) => renderFile(f, byPath, options, paint));
  if (result.files.length > 1) {
    parts.push(`${result.files.length} files: ${plural(result.errorCount, "error")}, ${plural(result.warningCount, "warning")}\n`);
  }
  return parts.join("\n");
}

type Paint = (style: Style, text: string) => string;

function painter(color: boolean): Paint {
  return color ? (style, text) => styleText(style, text) : (_style, text) => text;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function renderFile(f: LintFile, sources: ReadonlyMap<string, SourceFile>, options: TextOptions, paint: Paint): string {
  const out: string[] = [];
  const s = f.summary;
  out.push(paint("bold", f.file));
  if (!s.analyzed) {
    out.push(`  not analyzed: ${plural(s.errors, "error")} in the program (see below)`);
  } else {
    const seal = s.relationsNeedingSeal === 0 ? "no relation needs a sealed epoch" : `${s.relationsNeedingSeal} of ${plural(s.relations, "relation")} need${s.relationsNeedingSeal === 1 ? "s" : ""} a sealed epoch`;
    out.push(`  ${plural(s.rules, "rule")}, ${s.monotonicRules} monotonic; ${seal}; ${plural(s.strata, "stratum").replace(/stratums$/, "strata")}`);
    if (!s.stratified) out.push(`  ${paint(["bold", "red"], "not stratifiable")}: a negation or aggregation sits inside a recursive cycle (CL301 below)`);
    else if (f.coordination.length === 0) out.push(`  ${paint("green", "coordination-free")}: every rule is monotonic, so it may run on every replica at any time (CALM)`);
  }
  out.push("");

  const source = sources.get(f.file);
  f.coordination.forEach((p, i) => {
    out.push(...renderPoint(p, i + 1, f.coordination.length, sources.get(p.use.span.file) ?? source, paint));
    out.push("");
  });

  if (f.relations.length > 0) {
    out.push(paint("bold", "relations (in evaluation order)"));
    const rows = f.relations.map((r) => [
      r.name,
      r.requiresSeal ? "needs seal" : "monotonic",
      String(r.stratum),
      r.causeText ?? (r.fixed ? "(fixed)" : r.isInput ? "(input)" : ""),
    ]);
    out.push(...table(["relation", "status", "stratum", "cause"], rows).map((line, k) => (k > 0 && rows[k - 1]![1] === "needs seal" ? paint("yellow", line) : line)));
    out.push("");
  }

  if (f.thresholds.length > 0) {
    out.push(paint("bold", "thresholds accepted (monotonic)"));
    for (const t of f.thresholds) {
      out.push(`  ${where(t.span)}: \`${t.text}\` in the rule for ${names(t.heads)}`);
      out.push(`    ${t.reason}`);
      for (const note of t.boundNotes) out.push(`    ${note}`);
    }
    out.push("");
  }

  if (f.invariants.length > 0) {
    out.push(paint("bold", "invariants"));
    for (const inv of f.invariants) out.push(...renderInvariant(inv, paint), "");
  }

  const rest = f.diagnostics.filter((d) => !SECTIONED.has(d.code));
  if (rest.length > 0) {
    out.push(paint("bold", "diagnostics"));
    out.push(renderDiagnostics(rest, [...sources.values()], { color: options.color }).replace(/\n+$/, ""));
    out.push("");
  }

  const byComment = f.suppressed.filter((a) => a.comment !== null);
  const byBaseline = f.suppressed.filter((a) => a.comment === null);
  for (const [title, list] of [["accepted by calmlog-ignore (not counted)", byComment], ["accepted by the baseline (not counted)", byBaseline]] as const) {
    if (list.length === 0) continue;
    out.push(paint("bold", title));
    for (const a of list) {
      out.push(`  ${where(a.diagnostic.span)}: ${a.diagnostic.severity} ${a.diagnostic.code}: ${a.diagnostic.message}`);
      out.push(`    reason: ${a.reason} ${paint("dim", `(${a.comment !== null ? where(a.comment) : `baseline ${a.baseline ?? ""}`})`)}`);
    }
    out.push("");
  }
  return out.join("\n");
}

/** What the literal depends on, in words: "the absence of `blocker`", "a total of `sale`". */
function dependsOn(p: CoordinationPoint): string {
  switch (p.use.kind) {
    case "negation":
      return `the absence of \`${p.use.relation}\``;
    case "aggregation":
      return `a total of \`${p.use.relation}\` (\`${p.use.text}\`)`;
    case "choice":
      return `the order its tuples arrive in (\`${p.use.text}\`)`;
    case "counter":
      return `the order its rules fire in (\`autoinc()\`)`;
    case "subsumption":
      return `no dominating tuple arriving later (\`${p.use.text}\`)`;
    case "limit":
      return `the order its tuples arrive in, up to a size limit (\`${p.use.text}\`)`;
  }
}

/** Why a remedy does not apply to this literal. */
const NOT_APPLICABLE: Readonly<Record<Remedy, (p: CoordinationPoint) => string>> = {
  seal: () => "sealing always applies",
  threshold: (p) =>
    p.use.kind === "aggregation" ? "a threshold rewrite needs a value that moves one way (`count`, `max`, `min`, `sum` over `unsigned`)" : "a threshold rewrite only helps aggregates",
  escrow: (p) => (p.use.kind === "aggregation" ? "escrow splits an upper bound on a `count` or `sum`, and this rule has none" : p.use.kind === "negation" ? "escrow splits a numeric bound, and absence has none" : "escrow splits a numeric bound, and an order of arrival has none"),
  authority: () => "routing to one authority always applies",
};

function renderPoint(p: CoordinationPoint, k: number, total: number, source: SourceFile | undefined, paint: Paint): string[] {
  const out: string[] = [];
  const code = COORDINATION_CODE[p.use.kind];
  const heads = names(p.heads);
  out.push(`${paint(["bold", "yellow"], `coordination point ${k} of ${total}`)} ${paint("dim", `[${code}]`)}: ${heads} depends on ${dependsOn(p)}`);
  out.push(`  ${paint("cyan", "-->")} ${where(p.use.span)}`);
  if (source !== undefined) {
    const framed = codeFrame(source.text, p.use.span, { context: 0, paint: (part, text) => paint(part === "marker" ? ["bold", "yellow"] : "cyan", text) });
    out.push(...framed.split("\n").map((line) => `  ${line}`));
  }
  // The heading already says what the rule depends on, and a frame holding the whole rule shows it.
  if (source === undefined || !within(p.ruleSpan, p.use.span)) out.push(`  ${paint("bold", "rule:")}         ${p.clauseText}`);
  out.push(`  ${paint("bold", "why:")}          ${p.use.reason}`);
  const readers = p.withheld.filter((r) => !p.heads.includes(r));
  out.push(
    `  ${paint("bold", "what follows:")} the rule runs only after its epoch is sealed; ${heads}${readers.length === 0 ? " is" : ` and every relation that reads ${p.heads.length === 1 ? "it" : "them"} (${names(readers)}) are`} withheld until then`,
  );
  out.push(`  ${paint("bold", "per key:")}      ${sealableNote(p.partition)}`);
  out.push(`  ${paint("bold", "options:")}`);
  for (const r of p.remedies) out.push(`    - ${describeRemedy(r, p.use)}`);
  const missing = (["threshold", "escrow"] as const).filter((r) => !p.remedies.includes(r));
  if (missing.length > 0) out.push(`    ${paint("dim", `(not here: ${missing.map((r) => NOT_APPLICABLE[r](p)).join("; ")})`)}`);
  return out;
}

function renderInvariant(inv: InvariantResult, paint: Paint): string[] {
  const verdictStyle: Readonly<Record<InvariantResult["verdict"], Format>> = { proved: "green", counterexample: "red", escrow: "yellow", unknown: "dim" };
  const out = [`  \`${inv.relation}\`${inv.description === null ? "" : ` (${inv.description})`}: ${paint(["bold", verdictStyle[inv.verdict]], inv.verdict)}  ${paint("dim", where(inv.span))}`];
  out.push(`    ${inv.reason}`);
  if (inv.condition !== null && inv.method === "syntactic") out.push(`    condition: ${inv.condition}`);
  if (inv.method !== null) out.push(`    decided by: ${decidedBy(inv)}`);
  if (inv.checkNeedsSeal) out.push(`    checking it needs a sealed epoch: the invariant relation is non-monotonic`);
  const ce = inv.counterexample;
  if (ce !== null) {
    out.push(`    counterexample:`);
    // The checker's story already walks through S0, both replicas and the merge; fall back to the facts.
    const story = ce.explanation.length > 0
      ? ce.explanation
      : [`start (valid): ${facts(ce.base)}`, `replica A adds: ${facts(ce.replicaA)}`, `replica B adds: ${facts(ce.replicaB)}`, `merged derives: ${ce.violation.relation}(${ce.violation.tuple.map(value).join(", ")})`];
    for (const line of story) out.push(`      ${line}`);
  }
  const e = inv.escrow;
  if (e !== null) {
    out.push(e.kind === "authority" ? `    ownership design: \`${e.aggregate}\` at most ${e.bound}` : `    escrow design: \`${e.aggregate}\` bounded by ${e.bound}`);
    out.push(`      split: ${e.split}`);
    out.push(`      trade-off: ${e.tradeoff}`);
  }
  // A counterexample built from the bound needs no random trials; "searched 0 trials" would only confuse.
  if (inv.search !== null && (inv.search.trials > 0 || inv.counterexample === null)) out.push(`    ${paint("dim", `searched ${inv.search.trials} trials up to size ${inv.search.maxSize} (seed ${inv.search.seed})`)}`);
  return out;
}

function value(v: number | string): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function facts(set: FactSet): string {
  const items = Object.entries(set).flatMap(([rel, tuples]) => tuples.map((t) => `${rel}(${t.map(value).join(", ")})`));
  return items.length === 0 ? "(nothing)" : items.join(", ");
}

function names(list: readonly string[]): string {
  return listNames(list);
}

/** True when `inner`'s lines hold all of `outer`'s lines (a frame of `inner` shows `outer` whole). */
function within(outer: Span, inner: Span): boolean {
  return outer.line >= inner.line && outer.endLine <= inner.endLine;
}

function where(span: Location): string {
  return hasPosition(span) ? `${span.file}:${span.line}:${span.column}` : span.file;
}

/** Left-aligned columns; the last column is not padded. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => "  " + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)];
}
