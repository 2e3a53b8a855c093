// `calmlog graph --format mermaid`: a Mermaid flowchart. Strata are subgraphs; `seal` and
// `coordination` classes colour the relations that wait for a seal and the coordination heads.
import type { GraphNode, RuleGraph } from "./model.js";
import { COLORS, edgeColor, edgeLabel, nodeFill } from "./style.js";

/** Text inside a quoted Mermaid label: quotes and angle brackets as Mermaid's entity codes. */
export function mermaidText(text: string): string {
  return text.replace(/#/g, "#35;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;").replace(/\n/g, "<br/>");
}

const OPEN: Record<GraphNode["kind"], [string, string]> = { input: ["[/", "/]"], fixed: ["[[", "]]"], derived: ["(", ")"], invariant: ["{{", "}}"] };

/** The graph as a Mermaid flowchart, data flowing left to right. */
export function renderMermaid(graph: RuleGraph): string {
  const ids = new Map(graph.nodes.map((n, i) => [n.name, `r${i}`] as const));
  const out: string[] = [`%% ${graph.file}: calmlog rule graph. Amber: waits for a sealed epoch; red: coordination point.`, "flowchart LR"];
  const byName = new Map(graph.nodes.map((n) => [n.name, n] as const));
  for (const s of graph.strata) {
    out.push(`  subgraph stratum${s.index}["stratum ${s.index}${s.recursive ? " (recursive)" : ""}${s.monotonic ? "" : " (waits for a seal)"}"]`);
    for (const name of s.relations) {
      const n = byName.get(name)!;
      const [open, close] = OPEN[n.kind];
      const label = [n.name, ...n.coordination.map((c) => `⚑ ${c}`)].join("\n");
      out.push(`    ${ids.get(name)}${open}"${mermaidText(label)}"${close}`);
    }
    out.push("  end");
  }
  const styles: string[] = [];
  graph.edges.forEach((e, i) => {
    const label = edgeLabel(e);
    const arrow = e.kind === "negation" ? "-.->" : e.kind === "aggregation" ? "==>" : "-->";
    out.push(`  ${ids.get(e.from)} ${arrow}${label === "" ? "" : `|"${mermaidText(label)}"|`} ${ids.get(e.to)}`);
    const color = e.coordination.length > 0 ? COLORS.coordination : edgeColor(e.kind);
    styles.push(`  linkStyle ${i} stroke:${color},color:${color}${e.coordination.length > 0 ? ",stroke-width:3px" : ""}`);
  });
  out.push(...styles);
  for (const n of graph.nodes) out.push(`  style ${ids.get(n.name)} fill:${nodeFill(n)}`);
  out.push(`  classDef coordination stroke:${COLORS.coordination},stroke-width:3px`);
  const marked = graph.nodes.filter((n) => n.coordination.length > 0).map((n) => ids.get(n.name)!);
  if (marked.length > 0) out.push(`  class ${marked.join(",")} coordination`);
  const sealed = graph.nodes.filter((n) => n.requiresSeal).map((n) => ids.get(n.name)!);
  if (sealed.length > 0) out.push(`  classDef seal font-weight:bold`, `  class ${sealed.join(",")} seal`);
  return out.join("\n") + "\n";
}
