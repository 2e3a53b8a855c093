// The rule graph as data: one node per relation, one edge per (read relation, head, kind), strata
// as groups, every coordination point (CL302/CL303) on its edge and head. Every format draws this.
import { COORDINATION_CODE, type Analysis, type EdgeKind, type NonMonotonicKind } from "../analysis/types.js";
import { keyName, pointPartition } from "../analysis/partition.js";
import type { CheckedProgram } from "../check/types.js";
import { compile } from "../compile.js";
import { buildLintFile, type CoordinationPoint } from "../lint.js";
import type { Code } from "../diagnostics/codes.js";
import type { SourceFile } from "../diagnostics/span.js";

/** How replicas see a relation: `.input` data, fixed by the program, derived, or an `.invariant`. */
export type NodeKind = "input" | "fixed" | "derived" | "invariant";

/** A coordination point as the graph marks it: its code and the literal, as written. */
export interface CoordinationMark {
  readonly code: Code;
  readonly kind: NonMonotonicKind;
  /** The relation whose absence or total is read. */
  readonly relation: string;
  /** `!blocker(r, _)` or `count : { ... }`. */
  readonly literal: string;
  /** Heads of the rules holding the literal: the marked nodes. */
  readonly heads: readonly string[];
  /** Relations withheld until the seal (the heads and all their readers). */
  readonly withheld: readonly string[];
  readonly line: number;
  readonly column: number;
}

export interface GraphNode {
  readonly name: string;
  readonly kind: NodeKind;
  readonly stratum: number;
  /** True when its results are final only over a sealed epoch (drawn coloured). */
  readonly requiresSeal: boolean;
  readonly output: boolean;
  /** `notify <- ready <- !blocker(r, _)` when it waits for a seal. */
  readonly cause: string | null;
  /** Coordination points held by rules for this relation, as `CL302 !blocker(r, _)`. */
  readonly coordination: readonly string[];
}

/** How a head reads a relation; `threshold` is an aggregate accepted as monotone (CL304). */
export type GraphEdgeKind = EdgeKind | "threshold";

/** Data flows `from` (the relation read) `to` (the rule's head). */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: GraphEdgeKind;
  /** Literals as written, for negation, aggregation and threshold edges. */
  readonly literals: readonly string[];
  /** The coordination points on this edge, as `CL302 !blocker(r, _)`. */
  readonly coordination: readonly string[];
  /**
   * On an edge into a coordination point whose stratum is partitioned: the key a per-key seal
   * names (`release.r`, as `calmlog seal --key release.r=VALUE`); null otherwise.
   */
  readonly key: string | null;
}

export interface GraphStratum {
  readonly index: number;
  readonly relations: readonly string[];
  readonly recursive: boolean;
  readonly monotonic: boolean;
}

export interface RuleGraph {
  readonly file: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly strata: readonly GraphStratum[];
  readonly coordination: readonly CoordinationMark[];
}

/** `CL302 !blocker(r, _)`: how a coordination point is labelled everywhere. */
export function markLabel(m: { readonly code: string; readonly literal: string }): string {
  return `${m.code} ${m.literal}`;
}

/** The mark of one lint coordination point. */
export function coordinationMark(p: CoordinationPoint): CoordinationMark {
  return {
    code: COORDINATION_CODE[p.use.kind],
    kind: p.use.kind,
    relation: p.use.relation,
    literal: p.use.text,
    heads: p.heads,
    withheld: p.withheld,
    line: p.use.span.line,
    column: p.use.span.column,
  };
}

/** The graph of an analysed program. */
export function ruleGraph(file: string, checked: CheckedProgram, analysis: Analysis, coordination: readonly CoordinationPoint[]): RuleGraph {
  const marks = coordination.map(coordinationMark);
  const at = (s: { start: number; end: number }): string => `${s.start}:${s.end}`;
  const markAt = new Map<string, CoordinationMark>();
  coordination.forEach((p, i) => markAt.set(`${at(p.use.span)}:${p.use.kind}`, marks[i]!));
  const thresholdAt = new Map<string, string>();
  for (const rule of analysis.rules) for (const t of rule.thresholds) thresholdAt.set(at(t.span), t.text);

  const nodes: GraphNode[] = analysis.strata.flatMap((s) =>
    s.relations.map((name) => {
      const info = analysis.relations.get(name)!;
      const schema = checked.relations.get(name)!;
      const kind: NodeKind = schema.invariant !== null ? "invariant" : schema.input !== null ? "input" : info.fixed ? "fixed" : "derived";
      const own = marks.filter((m) => m.heads.includes(name)).map(markLabel);
      const cause = info.cause === null ? null : [...info.cause.chain.map((c) => c.relation), info.cause.use.text].join(" <- ");
      return { name, kind, stratum: info.stratum, requiresSeal: info.requiresSeal, output: schema.output !== null, cause, coordination: own };
    }),
  );

  // One edge per (read relation, head, kind); literals and marks collected from every clause.
  const edges = new Map<string, { from: string; to: string; kind: GraphEdgeKind; literals: string[]; coordination: string[]; key: string | null }>();
  const textOf = new Map<string, string>();
  for (const rule of analysis.rules) for (const u of rule.uses) textOf.set(at(u.span), u.text);
  for (const e of analysis.edges) {
    const threshold = e.kind === "aggregation" ? thresholdAt.get(at(e.span)) : undefined;
    const kind: GraphEdgeKind = threshold !== undefined ? "threshold" : e.kind;
    const key = `${e.to}\u0000${e.from}\u0000${kind}`;
    let edge = edges.get(key);
    if (edge === undefined) edges.set(key, (edge = { from: e.to, to: e.from, kind, literals: [], coordination: [], key: null }));
    const literal = threshold ?? (e.kind === "positive" ? undefined : textOf.get(at(e.span)));
    if (literal !== undefined && !edge.literals.includes(literal)) edge.literals.push(literal);
    const mark = e.kind === "positive" ? undefined : markAt.get(`${at(e.span)}:${e.kind}`);
    if (mark !== undefined && mark.heads.includes(e.from) && !edge.coordination.includes(markLabel(mark))) edge.coordination.push(markLabel(mark));
    if (mark !== undefined && mark.heads.includes(e.from)) {
      const p = pointPartition(analysis, [e.from]);
      if (p.sealable && p.inputs[0] !== undefined) edge.key = keyName(p.inputs[0]);
    }
  }
  const strata = analysis.strata.map((s) => ({ index: s.index, relations: s.relations, recursive: s.recursive, monotonic: s.monotonic }));
  return { file, nodes, edges: [...edges.values()], strata, coordination: marks };
}

/** Compiles `source` and builds its graph; null (with the diagnostics) when the program has errors. */
export function graphOfSource(source: SourceFile): { graph: RuleGraph | null; diagnostics: Compiled["diagnostics"] } {
  const compiled = compile(source);
  if (compiled.analysis === null) return { graph: null, diagnostics: compiled.diagnostics };
  const lint = buildLintFile(source.path, compiled.checked, compiled.analysis, [], compiled.diagnostics);
  return { graph: ruleGraph(source.path, compiled.checked, compiled.analysis, lint.coordination), diagnostics: compiled.diagnostics };
}

type Compiled = ReturnType<typeof compile>;
