// `calmlog graph --format svg` without Graphviz: dagre (a JavaScript port of Graphviz's layered
// layout) places the nodes, strata as clusters; this module draws the result as SVG, in the same
// colours as the DOT output, with every coordination head marked `class="... coordination"`.
import dagre from "@dagrejs/dagre";
import type { GraphEdge, GraphNode, RuleGraph } from "./model.js";
import { COLORS, EDGE_KIND_TEXT, edgeColor, edgeLabel, nodeFill, NODE_KIND_TEXT } from "./style.js";

/** Characters are this wide in the 11px monospace font the SVG uses (measured in Chromium: 6.6px). */
const CHAR = 6.7;
const LINE = 14;

export interface SvgOptions {
  /** Prefix of every id in the SVG, so several drawings can share one HTML page. */
  readonly idPrefix?: string;
}

/** Text for XML content and attributes. */
export function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function nodeLines(n: GraphNode): string[] {
  return [n.name, ...n.coordination.map((c) => `⚑ ${c}`)];
}

function textSize(lines: readonly string[]): { width: number; height: number } {
  return { width: Math.max(0, ...lines.map((l) => [...l].length)) * CHAR, height: lines.length * LINE };
}

/** Lays the graph out with dagre: node boxes, strata boxes (when `clusters`), edge polylines and label centres. */
export function layoutGraph(graph: RuleGraph, clusters = true): {
  width: number;
  height: number;
  nodes: Map<string, Box>;
  strata: Map<number, Box>;
  edges: { edge: GraphEdge; points: { x: number; y: number }[]; label: { x: number; y: number } | null }[];
} {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 28, ranksep: 70, edgesep: 14, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  if (clusters) for (const s of graph.strata) g.setNode(`s${s.index}`, { label: `stratum ${s.index}`, paddingTop: 26, paddingBottom: 10, paddingLeft: 10, paddingRight: 10 });
  graph.nodes.forEach((n, i) => {
    const size = textSize(nodeLines(n));
    g.setNode(`n${i}`, { width: size.width + 26, height: size.height + 14 });
    if (clusters) g.setParent(`n${i}`, `s${n.stratum}`);
  });
  const idOf = new Map(graph.nodes.map((n, i) => [n.name, `n${i}`] as const));
  graph.edges.forEach((e, i) => {
    const label = edgeLabel(e);
    const size = textSize(label === "" ? [] : label.split("\n"));
    g.setEdge(idOf.get(e.from)!, idOf.get(e.to)!, label === "" ? { minlen: 1 } : { width: size.width + 6, height: size.height, labelpos: "c", minlen: 1 }, `e${i}`);
  });
  dagre.layout(g);
  const box = (id: string): Box => {
    const v = g.node(id) as { x: number; y: number; width: number; height: number };
    return { x: v.x - v.width / 2, y: v.y - v.height / 2, width: v.width, height: v.height };
  };
  const nodes = new Map(graph.nodes.map((n, i) => [n.name, box(`n${i}`)] as const));
  const strata = new Map(clusters ? graph.strata.map((s) => [s.index, box(`s${s.index}`)] as const) : []);
  const edges = graph.edges.map((edge, i) => {
    const v = g.edge(idOf.get(edge.from)!, idOf.get(edge.to)!, `e${i}`) as { points: { x: number; y: number }[]; x?: number; y?: number };
    return { edge, points: v.points, label: v.x === undefined || v.y === undefined || edgeLabel(edge) === "" ? null : { x: v.x, y: v.y } };
  });
  const info = g.graph() as { width?: number; height?: number };
  return { width: info.width ?? 0, height: info.height ?? 0, nodes, strata, edges };
}

const r = (x: number): string => String(Math.round(x * 10) / 10);

/** The graph as a standalone SVG document (laid out with dagre; no Graphviz needed). */
export function renderSvg(graph: RuleGraph, options: SvgOptions = {}): string {
  const id = options.idPrefix ?? "calmlog";
  let layout: ReturnType<typeof layoutGraph>;
  try {
    layout = layoutGraph(graph);
  } catch {
    // dagre's compound layout can fail on unusual cluster shapes; strata then show in the node tooltips only.
    layout = layoutGraph(graph, false);
  }
  const legendHeight = 58;
  const width = Math.max(layout.width, 940);
  const height = layout.height + legendHeight;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${r(width)}" height="${r(height)}" viewBox="0 0 ${r(width)} ${r(height)}" font-family="monospace" font-size="11" role="img" aria-labelledby="${id}-title">`);
  out.push(`<title id="${id}-title">${xml(`${graph.file}: rule graph, ${graph.nodes.length} relations, ${graph.coordination.length} coordination point(s)`)}</title>`);
  out.push(`<desc>Laid out with dagre (JavaScript); drawn by calmlog. Amber: waits for a sealed epoch. Red: coordination point (code and literal).</desc>`);
  out.push("<defs>");
  for (const kind of ["positive", "negation", "aggregation", "threshold", "coordination"] as const) {
    const color = kind === "coordination" ? COLORS.coordination : edgeColor(kind);
    out.push(`<marker id="${id}-arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`);
  }
  out.push("</defs>");
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  for (const s of graph.strata) {
    const b = layout.strata.get(s.index);
    if (b === undefined) continue;
    const label = `stratum ${s.index}${s.recursive ? " (recursive)" : ""}${s.monotonic ? "" : " (waits for a seal)"}`;
    out.push(`<g class="stratum" data-stratum="${s.index}"><rect x="${r(b.x)}" y="${r(b.y)}" width="${r(b.width)}" height="${r(b.height)}" rx="8" fill="${COLORS.stratum}" stroke="${COLORS.stratumBorder}" stroke-dasharray="4 3"/><text x="${r(b.x + 8)}" y="${r(b.y + 15)}" fill="#475569">${xml(label)}</text></g>`);
  }
  for (const { edge, points, label } of layout.edges) {
    const marked = edge.coordination.length > 0;
    const color = marked ? COLORS.coordination : edgeColor(edge.kind);
    const dash = edge.kind === "negation" ? ` stroke-dasharray="6 4"` : "";
    const widthAttr = marked ? 2.6 : edge.kind === "aggregation" ? 2 : 1.3;
    const d = points.map((p, i) => `${i === 0 ? "M" : "L"}${r(p.x)},${r(p.y)}`).join(" ");
    out.push(`<g class="edge edge-${edge.kind}${marked ? " coordination" : ""}${edge.key !== null ? " keyed" : ""}" data-from="${xml(edge.from)}" data-to="${xml(edge.to)}"${edge.key !== null ? ` data-key="${xml(edge.key)}"` : ""}>`);
    out.push(`<title>${xml(`${edge.to} ${EDGE_KIND_TEXT[edge.kind]} ${edge.from}${edge.literals.length > 0 ? `: ${edge.literals.join("; ")}` : ""}`)}</title>`);
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${widthAttr}"${dash} marker-end="url(#${id}-arrow-${marked ? "coordination" : edge.kind})"/>`);
    if (label !== null) {
      const lines = edgeLabel(edge).split("\n");
      const top = label.y - (lines.length * LINE) / 2 + LINE - 3;
      const w = Math.max(...lines.map((l) => [...l].length)) * CHAR + 6;
      out.push(`<rect x="${r(label.x - w / 2)}" y="${r(label.y - (lines.length * LINE) / 2 - 1)}" width="${r(w)}" height="${r(lines.length * LINE + 2)}" rx="3" fill="#ffffff" fill-opacity="0.9"/>`);
      out.push(`<text x="${r(label.x)}" y="${r(top)}" text-anchor="middle" fill="${color}">${lines.map((l, i) => `<tspan x="${r(label.x)}" dy="${i === 0 ? 0 : LINE}">${xml(l)}</tspan>`).join("")}</text>`);
    }
    out.push("</g>");
  }
  for (const n of graph.nodes) out.push(nodeSvg(n, layout.nodes.get(n.name)!, id));
  out.push(legend(layout.height + 6, width));
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function nodeSvg(n: GraphNode, b: Box, prefix: string): string {
  const marked = n.coordination.length > 0;
  const stroke = marked ? COLORS.coordination : "#1f2937";
  const sw = marked ? 3 : 1.2;
  const fill = nodeFill(n);
  const cls = ["node", `node-${n.kind}`, n.requiresSeal ? "seal" : "free", ...(marked ? ["coordination"] : [])].join(" ");
  const tip = `${n.name}: ${NODE_KIND_TEXT[n.kind]}, stratum ${n.stratum}; ${n.requiresSeal ? `waits for a sealed epoch (${n.cause ?? ""})` : "coordination-free"}`;
  const out = [`<g class="${cls}" id="${prefix}-node-${xml(n.name)}" data-relation="${xml(n.name)}"${marked ? ` data-coordination="${xml(n.coordination.join("; "))}"` : ""}>`, `<title>${xml(tip)}</title>`];
  out.push(shape(n.kind, b, fill, stroke, sw));
  if (n.output) out.push(shape(n.kind, { x: b.x + 3, y: b.y + 3, width: b.width - 6, height: b.height - 6 }, "none", stroke, 0.8));
  const lines = nodeLines(n);
  const top = b.y + b.height / 2 - (lines.length * LINE) / 2 + LINE - 3;
  out.push(
    `<text x="${r(b.x + b.width / 2)}" y="${r(top)}" text-anchor="middle" fill="#111827">${lines
      .map((l, i) => `<tspan x="${r(b.x + b.width / 2)}" dy="${i === 0 ? 0 : LINE}"${i === 0 ? ` font-weight="bold"` : ` fill="${COLORS.coordination}"`}>${xml(l)}</tspan>`)
      .join("")}</text>`,
  );
  out.push("</g>");
  return out.join("");
}

function shape(kind: GraphNode["kind"], b: Box, fill: string, stroke: string, sw: number): string {
  const common = `fill="${fill}" stroke="${stroke}" stroke-width="${sw}"`;
  if (kind === "invariant") {
    const c = Math.min(10, b.height / 3);
    const pts = [
      [b.x + c, b.y],
      [b.x + b.width - c, b.y],
      [b.x + b.width, b.y + c],
      [b.x + b.width, b.y + b.height - c],
      [b.x + b.width - c, b.y + b.height],
      [b.x + c, b.y + b.height],
      [b.x, b.y + b.height - c],
      [b.x, b.y + c],
    ];
    return `<polygon points="${pts.map(([x, y]) => `${r(x!)},${r(y!)}`).join(" ")}" ${common}/>`;
  }
  const rx = kind === "derived" ? Math.min(b.height / 2, 14) : kind === "input" ? 2 : 0;
  const rect = `<rect x="${r(b.x)}" y="${r(b.y)}" width="${r(b.width)}" height="${r(b.height)}" rx="${r(rx)}" ${common}/>`;
  // A fixed relation is a box with a bar on its left, like Graphviz's `component`.
  if (kind === "fixed" && fill !== "none") return rect + `<path d="M${r(b.x + 6)},${r(b.y)} L${r(b.x + 6)},${r(b.y + b.height)}" stroke="${stroke}" stroke-width="${sw}"/>`;
  return rect;
}

function legend(y: number, width: number): string {
  const items: string[] = [];
  let x = 16;
  const swatch = (fill: string, text: string, stroke = "#1f2937", sw = 1.2): void => {
    items.push(`<rect x="${x}" y="${y + 4}" width="14" height="12" fill="${fill}" stroke="${stroke}" stroke-width="${sw}"/><text x="${x + 19}" y="${y + 14}">${xml(text)}</text>`);
    x += 24 + text.length * CHAR;
  };
  swatch(COLORS.input, "input");
  swatch(COLORS.fixed, "fixed");
  swatch(COLORS.free, "coordination-free");
  swatch(COLORS.seal, "waits for a seal");
  swatch(COLORS.invariant, "invariant");
  swatch("#ffffff", "coordination point", COLORS.coordination, 3);
  const row2 = y + 26;
  let x2 = 16;
  const line = (kind: "positive" | "negation" | "aggregation" | "threshold"): void => {
    const text = EDGE_KIND_TEXT[kind];
    items.push(`<path d="M${x2},${row2 + 10} L${x2 + 26},${row2 + 10}" stroke="${edgeColor(kind)}" stroke-width="${kind === "aggregation" ? 2 : 1.3}"${kind === "negation" ? ` stroke-dasharray="6 4"` : ""}/><text x="${x2 + 31}" y="${row2 + 14}" fill="${edgeColor(kind)}">${xml(text)}</text>`);
    x2 += 44 + text.length * CHAR;
  };
  for (const k of ["positive", "negation", "aggregation", "threshold"] as const) line(k);
  return `<g class="legend" transform="translate(0,0)" data-width="${r(width)}">${items.join("")}</g>`;
}
