// One look for every format: what a node kind, a seal and an edge kind are drawn as. The legend
// in each output is generated from this table, so the formats cannot drift apart.
import type { GraphEdgeKind, NodeKind } from "./model.js";

export const COLORS = {
  /** Relations whose results wait for a sealed epoch. */
  seal: "#fcd34d",
  /** Relations computed on every replica without coordination. */
  free: "#dcfce7",
  input: "#dbeafe",
  fixed: "#e5e7eb",
  invariant: "#fce7f3",
  /** Coordination points: the head's border and the marked edge. */
  coordination: "#dc2626",
  negation: "#b91c1c",
  aggregation: "#7c3aed",
  threshold: "#15803d",
  positive: "#374151",
  stratum: "#f8fafc",
  stratumBorder: "#94a3b8",
} as const;

/** What a node kind means, for legends. */
export const NODE_KIND_TEXT: Record<NodeKind, string> = {
  input: "input (`.input`: replicas insert facts)",
  fixed: "fixed (only the program's facts define it)",
  derived: "derived by rules",
  invariant: "invariant (`.invariant`: must stay empty)",
};

/** What an edge kind means, for legends and labels. */
export const EDGE_KIND_TEXT: Record<GraphEdgeKind, string> = {
  positive: "reads (monotonic)",
  negation: "negates (waits for a seal)",
  aggregation: "aggregates (waits for a seal)",
  threshold: "threshold read (monotonic, CL304)",
};

/** The fill of a node: amber when it waits for a seal, else by kind. */
export function nodeFill(n: { readonly kind: NodeKind; readonly requiresSeal: boolean }): string {
  if (n.requiresSeal) return COLORS.seal;
  return n.kind === "input" ? COLORS.input : n.kind === "fixed" ? COLORS.fixed : n.kind === "invariant" ? COLORS.invariant : COLORS.free;
}

/** An edge's colour by kind. */
export function edgeColor(kind: GraphEdgeKind): string {
  return COLORS[kind];
}

/** The label of an edge: its kind's sign and the literals, shortened for drawing. */
export function edgeLabel(e: { readonly kind: GraphEdgeKind; readonly literals: readonly string[]; readonly coordination: readonly string[]; readonly key?: string | null }): string {
  // A partitioned coordination point: the key a per-key seal names, under its code and literal.
  if (e.coordination.length > 0) return [...e.coordination, ...(e.key != null ? [`🔑 key ${e.key}`] : [])].join("\n");
  if (e.kind === "positive") return "";
  const prefix = e.kind === "threshold" ? "threshold: " : e.kind === "negation" ? "not: " : "aggregate: ";
  return e.literals.map((l) => prefix + shorten(l, 48)).join("\n");
}

/** `text` cut to `max` characters with an ellipsis. */
export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
