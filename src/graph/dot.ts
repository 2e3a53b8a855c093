// `calmlog graph --format dot`: Graphviz DOT. Strata are clusters, relations that wait for a seal
// are filled amber, coordination points are red (the head's border, the edge and its label), and
// every coordination head carries `class="coordination"`, which Graphviz keeps in its SVG.
import type { GraphNode, RuleGraph } from "./model.js";
import { COLORS, edgeColor, edgeLabel, nodeFill } from "./style.js";

const SHAPE: Record<GraphNode["kind"], string> = { input: "box", fixed: "component", derived: "ellipse", invariant: "octagon" };

/** A DOT string literal. */
export function dotString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** The graph as DOT text, data flowing left to right (read relation -> head). */
export function renderDot(graph: RuleGraph): string {
  const out: string[] = [];
  out.push(`// ${graph.file}: calmlog rule graph. Amber: waits for a sealed epoch; red: coordination point.`);
  out.push(`digraph ${dotString(graph.file)} {`);
  out.push(`  graph [rankdir=LR, fontname="monospace", fontsize=11, compound=true, label=${dotString(`${graph.file}: ${graph.coordination.length} coordination point(s)`)}, labelloc=t];`);
  out.push(`  node [fontname="monospace", fontsize=11, style=filled];`);
  out.push(`  edge [fontname="monospace", fontsize=9];`);
  const byName = new Map(graph.nodes.map((n) => [n.name, n] as const));
  for (const s of graph.strata) {
    out.push(`  subgraph ${dotString(`cluster_stratum_${s.index}`)} {`);
    out.push(`    label=${dotString(`stratum ${s.index}${s.recursive ? " (recursive)" : ""}${s.monotonic ? "" : " (waits for a seal)"}`)}; style="rounded,filled"; fillcolor=${dotString(COLORS.stratum)}; color=${dotString(COLORS.stratumBorder)};`);
    for (const name of s.relations) out.push(`    ${nodeLine(byName.get(name)!)}`);
    out.push("  }");
  }
  for (const e of graph.edges) {
    const attrs = [`color=${dotString(e.coordination.length > 0 ? COLORS.coordination : edgeColor(e.kind))}`];
    const label = edgeLabel(e);
    if (label !== "") attrs.push(`label=${dotString(label)}`, `fontcolor=${dotString(e.coordination.length > 0 ? COLORS.coordination : edgeColor(e.kind))}`);
    if (e.kind === "negation") attrs.push(`style=dashed`, `arrowhead=odot`);
    if (e.kind === "aggregation") attrs.push(`style=bold`, `arrowhead=diamond`);
    if (e.kind === "threshold") attrs.push(`arrowhead=vee`);
    if (e.coordination.length > 0) attrs.push(`penwidth=2.5`);
    attrs.push(`class=${dotString(`edge-${e.kind}${e.coordination.length > 0 ? " coordination" : ""}${e.key !== null ? " keyed" : ""}`)}`);
    if (e.key !== null) attrs.push(`tooltip=${dotString(`sealable per key ${e.key}: calmlog seal DIR --epoch N --key ${e.key}=VALUE`)}`);
    out.push(`  ${dotString(e.from)} -> ${dotString(e.to)} [${attrs.join(", ")}];`);
  }
  out.push("}");
  return out.join("\n") + "\n";
}

function nodeLine(n: GraphNode): string {
  const lines = [n.name, ...n.coordination.map((c) => `⚑ ${c}`)];
  const attrs = [`id=${dotString(`node-${n.name}`)}`, `label=${dotString(lines.join("\n"))}`, `shape=${SHAPE[n.kind]}`, `fillcolor=${dotString(nodeFill(n))}`];
  if (n.output) attrs.push("peripheries=2");
  if (n.coordination.length > 0) attrs.push(`color=${dotString(COLORS.coordination)}`, "penwidth=3", `class="coordination"`);
  const tip = [`${n.kind}, stratum ${n.stratum}`, n.requiresSeal ? `waits for a sealed epoch: ${n.cause ?? ""}` : "coordination-free"].join("; ");
  attrs.push(`tooltip=${dotString(tip)}`);
  return `${dotString(n.name)} [${attrs.join(", ")}];`;
}
