// Renders an explain report as text for people (a tree drawn with box characters) or as JSON
// (explain-schema.json). Both read the same report data; neither computes anything.
import { showValue } from "../eval/values.js";
import type { AggregateInfo, Derivation, FactOrigin, FactRef, RuleFailure, RuleRef, WhyNot } from "./explain.js";
import type { Withheld } from "./replica.js";

/** Everything `calmlog explain` says about one fact. */
export interface ExplainReport {
  readonly program: string;
  /** Where the facts came from: a fact directory as `run` reads it, or a replica directory. */
  readonly source: { readonly kind: "facts" | "replicas"; readonly path: string };
  /** What was asked: how it holds (`why`) or why it does not (`why-not`). */
  readonly question: "why" | "why-not";
  readonly fact: FactRef;
  readonly holds: boolean;
  /** The facts it was decided over: one fact set, the replicas' merged view, or their sealed epochs. */
  readonly view: "facts" | "merged" | "sealed";
  /** With replicas: sealed results are final as of this epoch (0: none). */
  readonly sealedEpoch: number | null;
  readonly derivation: Derivation | null;
  readonly whyNot: WhyNot | null;
  readonly withheld: Withheld | null;
}

/** A tree line and its children; `detail` lines sit under the line, before the children. */
interface TreeNode {
  readonly line: string;
  readonly detail: readonly string[];
  /** Made when drawn, so a deep derivation is never held twice. */
  readonly children: () => readonly TreeNode[];
}

const leaf = (line: string, detail: readonly string[] = []): TreeNode => ({ line, detail, children: () => [] });

/** Draws a tree with box characters; iterative, since a derivation can be thousands of levels deep. */
function draw(root: TreeNode, out: string[], prefix: string, last: boolean, isRoot: boolean): void {
  const stack = [{ node: root, prefix, last, isRoot }];
  while (stack.length > 0) {
    const { node, prefix: p, last: l, isRoot: r } = stack.pop()!;
    out.push(p + (r ? "" : l ? "└─ " : "├─ ") + node.line);
    const inner = r ? p : p + (l ? "   " : "│  ");
    const children = node.children();
    const bar = children.length > 0 ? "│ " : "  ";
    for (const d of node.detail) out.push((inner + bar + d).trimEnd());
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, prefix: inner, last: i === children.length - 1, isRoot: false });
  }
}

/** A tree's children under a header line that already says what the root would. */
function drawChildren(node: TreeNode, out: string[]): void {
  const children = node.children();
  children.forEach((c, i) => draw(c, out, "  ", i === children.length - 1, false));
}

function at(r: RuleRef): string {
  return `${r.file}:${r.line}:${r.column}`;
}

function origin(o: FactOrigin): string {
  const where = o.line === null ? o.file : `${o.file}:${o.line}`;
  return o.replica === undefined ? where : `${where} (replica ${o.replica}, epoch ${o.epoch})`;
}

function aggregateLines(a: AggregateInfo): string[] {
  const value = a.value === null ? "no value" : showValue(a.value);
  const lines = [`${a.term} = ${value}, over ${a.rowCount} row${a.rowCount === 1 ? "" : "s"}${a.rowCount === 0 ? "" : ":"}`];
  for (const r of a.rows) lines.push(`  ${r.map((f) => f.text).join(", ")}`);
  if (a.rowCount > a.rows.length) lines.push(`  ... and ${a.rowCount - a.rows.length} more`);
  return lines;
}

function derivationTree(d: Derivation): TreeNode {
  switch (d.kind) {
    case "input":
      return leaf(`${d.fact.text}  input fact${d.origins.length === 0 ? "" : `, ${d.origins.map(origin).join("; ")}`}`);
    case "program":
      return leaf(`${d.fact.text}  program fact, ${at(d.rule)}`);
    case "shown":
      return leaf(`${d.fact.text}  (derived above)`);
    case "rule": {
      const detail = [d.rule.text];
      if (d.bindings.length > 0) detail.push(`with ${d.bindings.map((b) => `${b.name} = ${showValue(b.value)}`).join(", ")}`);
      const children = (): TreeNode[] =>
        d.body.map((s): TreeNode => {
          if (s.derivation !== undefined) return derivationTree(s.derivation);
          if (s.kind === "negation") return leaf(`${s.instance}  no such fact`);
          return leaf(`${s.instance}  holds`, (s.aggregates ?? []).flatMap(aggregateLines));
        });
      return { line: `${d.fact.text}  by the rule at ${at(d.rule)}`, detail, children };
    }
  }
}

function whyNotTree(w: WhyNot): TreeNode {
  if (w.kind !== "rules") return leaf(`${w.fact.text} does not hold: ${w.note}`);
  return { line: `${w.fact.text} does not hold: ${w.note}`, detail: [], children: () => w.rules.map(failureTree) };
}

function failureTree(f: RuleFailure): TreeNode {
  const detail = [f.rule.text];
  if (f.bindings.length > 0) detail.push(`with ${f.bindings.map((b) => `${b.name} = ${showValue(b.value)}`).join(", ")}`);
  detail.push(f.kind === "unsupported" ? f.message : `fails at \`${f.literal}\` (${f.at}): ${f.message}`);
  for (const a of f.aggregates ?? []) detail.push(...aggregateLines(a));
  const children: TreeNode[] = [];
  if (f.missing !== undefined) children.push(whyNotTree(f.missing));
  if (f.blocking !== undefined) {
    const more = (f.blockingCount ?? 0) - f.blocking.length;
    if (f.blockingWhy !== undefined) children.push(derivationTree(f.blockingWhy));
    for (const b of f.blocking.slice(f.blockingWhy === undefined ? 0 : 1)) children.push(leaf(`${b.text}  holds too`));
    if (more > 0) detail.push(`... and ${more} more blocking fact${more === 1 ? "" : "s"}`);
  }
  return { line: `rule at ${at(f.rule)}`, detail, children: () => children };
}

/** A word as a POSIX shell reads it back: bare when safe, else in single quotes. */
function shellWord(s: string): string {
  return /^[\w.,:@%+=\/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function withheldLines(w: Withheld, fact: FactRef, dir: string, program: string): string[] {
  const out: string[] = [];
  const via = w.via.length > 1 ? ` (through ${w.via.join(" <- ")})` : "";
  out.push(`\`${w.relation}\` waits for a sealed epoch: its rule reads \`${w.literal}\` at ${w.at}${via}; ${w.reason}`);
  out.push(w.sealedEpoch === 0 ? "no epoch is sealed yet" : `sealed results are final as of epoch ${w.sealedEpoch}`);
  if (w.release !== null) {
    out.push(w.release.from === w.release.to ? `to release it, seal epoch ${w.release.from}` : `to release it, seal epochs ${w.release.from} to ${w.release.to}, in order`);
  }
  if (w.keySeal?.sealable === true) {
    const k = w.keySeal;
    const value = typeof k.value === "string" ? k.value : String(k.value);
    const epochs = k.epochs.from === k.epochs.to ? `--epoch ${k.epochs.from}` : `--epoch N for each epoch N from ${k.epochs.from} to ${k.epochs.to}`;
    out.push(`per key: \`calmlog seal ${dir} ${epochs} --key ${k.key}=${shellWord(value)} --program ${program}\` would release it (column ${k.column + 1} holds the key \`${k.key}\`)`);
  } else if (w.keySeal?.sealable === false) {
    out.push(`no key seal releases it alone: ${w.keySeal.reason}`);
  }
  for (const u of w.undelivered) {
    out.push(u.replicas.length === 0 ? `every known replica holds facts in epoch ${u.epoch}` : `no facts yet in epoch ${u.epoch} from: ${u.replicas.join(", ")}`);
  }
  for (const m of w.incomplete) out.push(`replica ${m.replica} holds ${m.facts} of the ${m.sealedFacts} facts of \`${m.relation}\` sealed in epoch ${m.epoch}`);
  if (w.openFactCount > 0) {
    out.push(`it waits on ${w.openFactCount} open fact${w.openFactCount === 1 ? "" : "s"} of relations it reads${w.openFactCount > w.openFacts.length ? ` (the first ${w.openFacts.length})` : ""}:`);
    for (const f of w.openFacts) out.push(`  ${f.fact.text}  replica ${f.replica}, epoch ${f.epoch}${f.origin?.line != null ? `, ${f.origin.file}:${f.origin.line}` : ""}`);
  }
  out.push(`if every epoch were sealed with the facts seen so far, ${fact.text} would ${w.ifSealedNow.holds ? "hold" : "not hold"}${w.ifSealedNow.holds ? ":" : ";"}`);
  return out;
}

/** The report as text. */
export function renderExplainText(r: ExplainReport): string {
  const out: string[] = [];
  const where = r.view === "facts" ? "" : r.view === "merged" ? " in the merged view of every replica" : r.sealedEpoch === 0 ? " (no sealed epoch yet)" : ` in the sealed results (final as of epoch ${r.sealedEpoch})`;
  if (r.holds && r.derivation !== null) {
    const lowest = r.derivation.kind === "rule" && r.derivation.lowest !== undefined ? ` (the lowest has height ${r.derivation.lowest} or more; the search stopped before finding it)` : "";
    out.push(`${r.fact.text} holds${where}; a derivation of ${lowest === "" ? "minimal " : ""}height ${r.derivation.height}${lowest}:`);
    draw(derivationTree(r.derivation), out, "  ", true, true);
  } else if (r.view === "sealed" && r.sealedEpoch === 0 && r.withheld !== null) {
    // Nothing is sealed, so nothing of the relation is known yet: what it waits for is the answer.
    out.push(`${r.fact.text} is withheld: no epoch is sealed yet`);
  } else if (r.whyNot !== null) {
    out.push(`${r.fact.text} does not hold${where}: ${r.whyNot.note}`);
    drawChildren(whyNotTree(r.whyNot), out);
  }
  if (r.withheld !== null) {
    out.push("");
    // Key seals are written into a replica directory; ad-hoc `--replica` sets have none to name.
    const dir = r.source.path.includes("=") || r.source.path === "-" ? "REPLICA_DIR" : shellWord(r.source.path);
    out.push(...withheldLines(r.withheld, r.fact, dir, shellWord(r.program)));
    const w = r.withheld.ifSealedNow;
    if (w.derivation !== null) draw(derivationTree(w.derivation), out, "  ", true, true);
    else if (w.whyNot !== null && r.whyNot !== null && JSON.stringify(w.whyNot) === JSON.stringify(r.whyNot)) out.push("  for the same reasons");
    else if (w.whyNot !== null) {
      out.push(`  ${w.whyNot.note}`);
      drawChildren(whyNotTree(w.whyNot), out);
    }
  }
  return out.join("\n") + "\n";
}

/**
 * The report as JSON (see explain-schema.json), on one line: a derivation can be thousands of
 * levels deep, and indenting it would grow with the square of its height.
 */
export function renderExplainJson(r: ExplainReport): string {
  return stringify({ format: "calmlog-explain/1", ...r }) + "\n";
}

/** `JSON.stringify` without recursion (it overflows the stack on a derivation a few thousand steps deep). */
export function stringify(value: unknown): string {
  const out: string[] = [];
  // Either a value to write or literal text (a separator or a closing bracket).
  const stack: ({ readonly text: string } | { readonly value: unknown })[] = [{ value }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ("text" in item) {
      out.push(item.text);
      continue;
    }
    const v = item.value;
    if (v === null || typeof v !== "object") {
      out.push(JSON.stringify(v) ?? "null");
      continue;
    }
    const parts: ({ readonly text: string } | { readonly value: unknown })[] = [];
    if (Array.isArray(v)) {
      out.push("[");
      v.forEach((x, i) => {
        if (i > 0) parts.push({ text: "," });
        parts.push({ value: x === undefined ? null : x });
      });
      parts.push({ text: "]" });
    } else {
      out.push("{");
      let first = true;
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined || typeof x === "function") continue;
        parts.push({ text: `${first ? "" : ","}${JSON.stringify(k)}:` });
        parts.push({ value: x });
        first = false;
      }
      parts.push({ text: "}" });
    }
    for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i]!);
  }
  return out.join("");
}
