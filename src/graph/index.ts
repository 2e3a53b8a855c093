// The rule graph: the model and one renderer per format (DOT, Mermaid, SVG laid out by dagre).
export { coordinationMark, graphOfSource, markLabel, ruleGraph, type CoordinationMark, type GraphEdge, type GraphEdgeKind, type GraphNode, type GraphStratum, type NodeKind, type RuleGraph } from "./model.js";
export { renderDot } from "./dot.js";
export { renderMermaid } from "./mermaid.js";
export { layoutGraph, renderSvg, type SvgOptions } from "./svg.js";
