// The editor features over one checked document, as plain functions of its text and check: hover,
// definition, references, symbols, completion and code actions. Positions are LSP's (0-based line,
// UTF-16 character), which are the spans' 1-based line and column minus one.
import { listNames } from "../analysis/analyze.js";
import { describeRemedy } from "../analysis/remedies.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { LintRelation } from "../lint.js";
import { FUNCTOR_NAMES, PRIMITIVE_TYPES, type Aggregate, type Body, type Comparison, type Term } from "../syntax/ast.js";
import { parse } from "../syntax/parse.js";
import { Diagnostics } from "../diagnostics/diagnostic.js";
import type { LineIndex, Location } from "../diagnostics/span.js";
import type { DocumentCheck } from "./check.js";
import type { Occurrence, Scan, SourceItem } from "../syntax/items.js";

export interface Position {
  readonly line: number;
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

/** An edit of the document: replace `range` with `newText`. */
export interface Edit {
  readonly range: Range;
  readonly newText: string;
}

/** The LSP range of a span (the file's start for a whole file). */
export function spanRange(span: Location): Range {
  return { start: { line: span.line - 1, character: span.column - 1 }, end: { line: span.endLine - 1, character: span.endColumn - 1 } };
}

/** The LSP range of offsets in `lines`' text. */
export function offsetRange(lines: LineIndex, start: number, end: number): Range {
  return spanRange(lines.span("", start, end));
}

/** The item holding `offset`, by binary search over items in source order. */
export function itemAt(scan: Scan, offset: number): SourceItem | null {
  const items = scan.items;
  let lo = 0;
  let hi = items.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const it = items[mid]!;
    if (offset < it.start) hi = mid - 1;
    else if (offset > it.end) lo = mid + 1;
    else return it;
  }
  return null;
}

/** The relation name under `offset` (its end counts, so the cursor just after a name finds it). */
export function occurrenceAt(scan: Scan, offset: number): Occurrence | null {
  const item = itemAt(scan, offset);
  if (item === null) return null;
  return item.relations.find((o) => o.start <= offset && offset <= o.end) ?? null;
}

/** Every occurrence of relation `name`, in source order. */
export function occurrencesOf(scan: Scan, name: string): Occurrence[] {
  const out: Occurrence[] = [];
  for (const item of scan.items) for (const o of item.relations) if (o.name === name) out.push(o);
  return out;
}

/** The `.decl` items declaring `name`. */
function declarationsOf(scan: Scan, name: string): SourceItem[] {
  return scan.items.filter((i) => i.kind === "decl" && i.relations.some((o) => o.name === name));
}

/** Markdown for a hover on a relation: its declaration, CALM class, cause chain, stratum and seal. */
export function relationHover(check: DocumentCheck, text: string, scan: Scan, name: string): string {
  const decls = declarationsOf(scan, name);
  const out: string[] = [];
  if (decls.length > 0) out.push("```calmlog", ...decls.map((d) => oneLine(text.slice(d.start, d.end))), "```");
  else out.push(`\`${name}\` is not declared.`);
  const r = check.relations.get(name);
  if (r === undefined) {
    const errors = check.diagnostics.some((d) => d.severity === "error");
    out.push("", errors ? "No CALM analysis while the file has errors." : "Not part of the analysed program.");
    return out.join("\n");
  }
  out.push("", `**\`${name}\`**: ${calmClass(r)}`, "");
  out.push(`- needs a seal: ${r.requiresSeal ? "**yes**, its results are final only over a sealed epoch" : "no, it may run on every replica at any time"}`);
  if (r.causeText !== null) out.push(`- cause: \`${r.causeText}\``);
  const stratumNote = check.mode === "parts" ? " (numbered within the part of the file it depends on)" : "";
  out.push(`- stratum: ${r.stratum}${stratumNote}`);
  if (r.reads.length > 0) out.push(`- reads: ${listNames(r.reads)}`);
  if (r.isInput) out.push(`- input: no rule derives it${r.fixed ? "; nothing in the program adds to it, so it is fixed" : ""}`);
  else if (r.fixed) out.push("- fixed: only the program's own facts define it, so replicas cannot change it");
  return out.join("\n");
}

function calmClass(r: LintRelation): string {
  if (r.cause === null) return "monotonic (coordination-free)";
  if (r.cause.chain.length > 1) return `non-monotonic: reads \`${r.cause.chain[1]!.relation}\`, which waits for a seal (${r.cause.use.kind} at the end of the chain)`;
  return `non-monotonic (${r.cause.use.kind})`;
}

/** A declaration on one line, for hovers and completion details. */
function oneLine(s: string): string {
  return s.replace(/\/\/[^\n]*/g, "").replace(/\s+/g, " ").replace(/\(\s+/g, "(").replace(/\s+\)/g, ")").trim();
}

/** Markdown for a hover inside a coordination point: why it needs a seal and the options. */
export function coordinationHover(check: DocumentCheck, offset: number): string | null {
  const c = check.coordination.find((p) => p.use.span.start <= offset && offset < p.use.span.end);
  if (c === undefined) return null;
  return [
    `**Coordination point**: \`${c.use.text}\` makes ${listNames(c.heads)} wait for a sealed epoch (${c.use.kind}).`,
    "",
    c.use.reason,
    "",
    `Withheld until the seal: ${listNames(c.withheld)}.`,
    "",
    "Options:",
    ...c.remedies.map((r) => `- ${describeRemedy(r, c.use)}`),
  ].join("\n");
}

/** Relation names, directives, functors, aggregates and types offered at `offset`. */
export interface Completion {
  readonly label: string;
  readonly kind: "relation" | "directive" | "functor" | "keyword" | "type";
  readonly detail: string;
  /** What to replace (the word typed so far). */
  readonly range: Range;
}

const DIRECTIVE_HELP: readonly [string, string][] = [
  ["decl", "declare a relation: `.decl name(a: symbol, n: number)`"],
  ["type", "declare a type: `.type Id <: symbol`"],
  ["input", "read a relation's facts from `<name>.facts`"],
  ["output", "write a relation to `<name>.csv`"],
  ["printsize", "print a relation's size"],
  ["invariant", "a relation that must stay empty in every valid state"],
  ["limitsize", "stop a relation at a number of tuples: `.limitsize r(n=10)`"],
  ["comp", "declare a component: `.comp C<T> { ... }`"],
  ["init", "instantiate a component: `.init c = C<number>`"],
  ["override", "let a component's rules for a relation replace its base's"],
  ["plan", "fix a rule's join order per version: `.plan 0:(2,1)`"],
  ["pragma", "set an option in the program: `.pragma \"magic-transform\" \"*\"`"],
  ["functor", "declare a user functor (calls to it are not supported)"],
  ["number_type", "deprecated: `.number_type T` is `.type T <: number`"],
  ["symbol_type", "deprecated: `.symbol_type T` is `.type T <: symbol`"],
];
const AGGREGATES = ["count", "sum", "min", "max", "mean"];

export function completions(scan: Scan, text: string, lines: LineIndex, offset: number): Completion[] {
  let start = offset;
  while (start > 0 && /[\w?]/.test(text[start - 1]!)) start--;
  const word = text.slice(start, offset);
  const range = offsetRange(lines, start, offset);
  if (text[start - 1] === ".") {
    const dot = start - 1;
    const lineStart = text.lastIndexOf("\n", dot - 1) + 1;
    if (/^\s*$/.test(text.slice(lineStart, dot))) {
      const r = offsetRange(lines, dot, offset);
      return DIRECTIVE_HELP.filter(([d]) => d.startsWith(word)).map(([d, help]) => ({ label: `.${d}`, kind: "directive", detail: help, range: r }));
    }
  }
  const item = itemAt(scan, Math.max(0, start - 1));
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const before = text.slice(lineStart, start);
  if (item !== null && item.kind === "decl" && /:\s*$/.test(before)) {
    const types = new Set<string>([...PRIMITIVE_TYPES, ...scan.items.flatMap((i) => (i.typeName === null ? [] : [i.typeName.name]))]);
    return [...types].filter((t) => t.startsWith(word)).map((t) => ({ label: t, kind: "type", detail: "type", range }));
  }
  const out: Completion[] = [];
  const seen = new Set<string>();
  for (const i of scan.items) {
    if (i.kind !== "decl") continue;
    const decl = oneLine(text.slice(i.start, i.end));
    for (const o of i.relations) {
      if (seen.has(o.name) || !o.name.startsWith(word)) continue;
      seen.add(o.name);
      out.push({ label: o.name, kind: "relation", detail: decl, range });
    }
  }
  const inRule = item === null || item.kind === "rule";
  if (inRule) {
    for (const f of FUNCTOR_NAMES) if (f.startsWith(word)) out.push({ label: f, kind: "functor", detail: "built-in functor", range });
    for (const a of AGGREGATES) if (a.startsWith(word)) out.push({ label: a, kind: "keyword", detail: "aggregate", range });
  }
  return out;
}

/** A document symbol: declarations, types, invariants and rules, in source order. */
export interface SymbolInfo {
  readonly name: string;
  readonly kind: "relation" | "type" | "invariant" | "rule" | "directive";
  readonly detail: string;
  readonly range: Range;
  readonly selection: Range;
}

export function documentSymbols(check: DocumentCheck, scan: Scan, text: string, lines: LineIndex): SymbolInfo[] {
  const out: SymbolInfo[] = [];
  for (const item of scan.items) {
    const range = offsetRange(lines, item.start, item.end);
    if (item.kind === "decl") {
      for (const o of item.relations) {
        const r = check.relations.get(o.name);
        const cls = r === undefined ? "" : r.requiresSeal ? " · needs a sealed epoch" : " · coordination-free";
        out.push({ name: o.name, kind: "relation", detail: `(${item.attributes.map((a) => `${a.name}: ${a.type}`).join(", ")})${cls}`, range, selection: offsetRange(lines, o.start, o.end) });
      }
    } else if (item.kind === "type" && item.typeName !== null) {
      out.push({ name: item.typeName.name, kind: "type", detail: oneLine(text.slice(item.start, item.end)), range, selection: offsetRange(lines, item.typeName.start, item.typeName.end) });
    } else if (item.kind === "invariant" && item.relations[0] !== undefined) {
      const o = item.relations[0];
      out.push({ name: `.invariant ${o.name}`, kind: "invariant", detail: oneLine(text.slice(item.start, item.end)), range, selection: offsetRange(lines, o.start, o.end) });
    } else if (item.kind === "rule") {
      const heads = item.relations.filter((o) => o.role === "head");
      const first = heads[0];
      if (first === undefined) continue;
      const body = item.relations.some((o) => o.role === "body");
      const names = [...new Set(heads.map((h) => h.name))].join(", ");
      out.push({ name: body ? `${names} :- …` : oneLine(text.slice(item.start, item.end)), kind: "rule", detail: body ? oneLine(text.slice(item.start, item.end)).slice(0, 120) : "fact", range, selection: offsetRange(lines, first.start, first.end) });
    } else if (item.kind === "io") {
      for (const o of item.relations) out.push({ name: `${text.slice(item.start, item.start + text.slice(item.start).search(/\s|$/))} ${o.name}`, kind: "directive", detail: "", range, selection: offsetRange(lines, o.start, o.end) });
    }
  }
  return out;
}

/** A quick fix: a title and the edits it makes. */
export interface Fix {
  readonly title: string;
  readonly edits: readonly Edit[];
  readonly preferred: boolean;
  /** The diagnostic it answers. */
  readonly diagnostic: Diagnostic;
}

/** The mechanical rewrites for `d`: `_` for a single-use variable, a suggested name, a missing `.input`, a monotone threshold. */
export function fixesFor(d: Diagnostic, check: DocumentCheck, text: string, lines: LineIndex): Fix[] {
  const range = spanRange(d.span);
  const written = text.slice(d.span.start, d.span.end);
  const out: Fix[] = [];
  switch (d.code) {
    case "CL206": {
      if (!/^[A-Za-z?][\w?]*$/.test(written)) break;
      out.push({ title: `Replace \`${written}\` with \`_\``, edits: [{ range, newText: "_" }], preferred: true, diagnostic: d });
      out.push({ title: `Rename \`${written}\` to \`_${written}\` (kept as a name, not warned about)`, edits: [{ range, newText: `_${written}` }], preferred: false, diagnostic: d });
      break;
    }
    case "CL213": {
      const name = /^`([^`]+)`/.exec(d.message)?.[1];
      const declSpan = d.related[0]?.span;
      if (name === undefined || declSpan === undefined) break;
      const decl = itemAt(check.scan, declSpan.start);
      if (decl === null || decl.kind !== "decl") break;
      const at = lines.position(decl.end);
      const pos = { line: at.line - 1, character: at.column - 1 };
      out.push({ title: `Add \`.input ${name}\` (its facts come from \`${name}.facts\`)`, edits: [{ range: { start: pos, end: pos }, newText: `\n.input ${name}` }], preferred: false, diagnostic: d });
      break;
    }
    case "CL303": {
      const fix = thresholdRewrite(d, check, text, lines);
      if (fix !== null) out.push(fix);
      break;
    }
    default:
      break;
  }
  const suggestion = d.help === null ? undefined : /did you mean `([^`]+)`\?/.exec(d.help)?.[1];
  if (suggestion !== undefined && /^[A-Za-z_?][\w?]*$/.test(written) && d.code !== "CL206") {
    out.push({ title: `Change \`${written}\` to \`${suggestion}\``, edits: [{ range, newText: suggestion }], preferred: true, diagnostic: d });
  }
  return out;
}

/**
 * `c = count : {...}, c = 3` or `count : {...} = 3`: rewrite the `=` as `>=` (`<=` for `min`) when
 * the coordination point lists the threshold option; a deliberate change of meaning the user picks.
 */
function thresholdRewrite(d: Diagnostic, check: DocumentCheck, text: string, lines: LineIndex): Fix | null {
  const point = check.coordination.find((c) => c.use.span.start === d.span.start && c.use.span.end === d.span.end);
  if (point === undefined || !point.remedies.includes("threshold")) return null;
  const item = itemAt(check.scan, d.span.start);
  if (item === null || item.kind !== "rule") return null;
  // Parse the rule alone: its spans are relative to the rule's text.
  const ruleText = text.slice(item.start, item.end);
  const sink = new Diagnostics();
  const program = parse({ path: d.span.file, text: ruleText }, sink);
  const rule = program.items[0];
  if (sink.hasErrors() || rule === undefined || rule.kind !== "rule" || rule.body === null) return null;
  const rel = { start: d.span.start - item.start, end: d.span.end - item.start };
  const cmps: Comparison[] = [];
  const collect = (b: Body): void => {
    if (b.kind === "and" || b.kind === "or") b.items.forEach(collect);
    else if (b.kind === "cmp") cmps.push(b);
  };
  collect(rule.body);
  const isAgg = (t: Term): t is Aggregate => t.kind === "aggregate" && t.span.start === rel.start && t.span.end === rel.end;
  const direct = cmps.find((c) => isAgg(c.left) || isAgg(c.right));
  if (direct === undefined || direct.negated) return null;
  const agg = (isAgg(direct.left) ? direct.left : direct.right) as Aggregate;
  const op = agg.op === "min" ? "<=" : ">=";
  let target: Comparison | undefined;
  let aggOnLeft = true;
  const other = isAgg(direct.left) ? direct.right : direct.left;
  if (other.kind === "number" && direct.op === "=") {
    target = direct;
    aggOnLeft = isAgg(direct.left);
  } else if (other.kind === "var" && direct.op === "=") {
    const v = other.name;
    const uses = cmps.filter((c) => c !== direct && ((c.left.kind === "var" && c.left.name === v) || (c.right.kind === "var" && c.right.name === v)));
    if (uses.length !== 1 || uses[0]!.op !== "=" || uses[0]!.negated) return null;
    const u = uses[0]!;
    const k = u.left.kind === "var" && u.left.name === v ? u.right : u.left;
    if (k.kind !== "number") return null;
    target = u;
    aggOnLeft = u.left.kind === "var" && u.left.name === v;
  }
  if (target === undefined) return null;
  const between = ruleText.slice(target.left.span.end, target.right.span.start);
  const eq = between.indexOf("=");
  if (eq < 0 || between.trim() !== "=") return null;
  const at = item.start + target.left.span.end + eq;
  const newOp = aggOnLeft ? op : op === ">=" ? "<=" : ">=";
  const before = ruleText.slice(target.span.start, target.span.end);
  const after = before.replace(/\s*=\s*/, ` ${newOp} `);
  return {
    title: `Rewrite \`${before}\` as the monotone threshold \`${after}\` (coordination-free; true once reached)`,
    edits: [{ range: offsetRange(lines, at, at + 1), newText: newOp }],
    preferred: false,
    diagnostic: d,
  };
}
