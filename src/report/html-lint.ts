// `calmlog lint --format html` (and `calmlog graph --format html`): one self-contained page per
// run: the rule graph, the coordination points with code frames, thresholds, and each invariant,
// with a counterexample drawn as two replica timelines that merge into the violation.
import { describeRemedy } from "../analysis/remedies.js";
import { COORDINATION_CODE } from "../analysis/types.js";
import { graphOfSource, markLabel, type RuleGraph } from "../graph/model.js";
import { renderSvg, xml } from "../graph/svg.js";
import { COLORS } from "../graph/style.js";
import { counterexampleAsReplicaFacts } from "../invariant/replica-facts.js";
import type { Counterexample, FactSet, InvariantResult } from "../invariant/types.js";
import type { SourceFile } from "../diagnostics/span.js";
import { diagnosticsHtml, esc, frameHtml, htmlPage, prose } from "./html-page.js";
import type { LintFile, LintResult } from "../lint.js";

/** The graph section of one program: the SVG (laid out in JavaScript) and what it shows. */
export function graphSection(graph: RuleGraph, idPrefix: string): string {
  const svg = renderSvg(graph, { idPrefix });
  return `<div class="graph" id="${esc(idPrefix)}-graph">${svg.replace(/^<\?xml[^>]*>\n?/, "")}</div>
<p class="muted">Arrows run from the relation read to the rule's head. Amber relations wait for a sealed epoch; a red border and a red edge mark a coordination point with its code and literal; dashed edges negate, bold edges aggregate, green edges are threshold reads.</p>`;
}

/** The whole lint report as one HTML page. */
export function renderLintHtml(result: LintResult, sources: readonly SourceFile[]): string {
  const texts = new Map(sources.map((s) => [s.path, s.text] as const));
  const header = `<h1>calmlog lint</h1><div class="muted">${result.files.length} file(s), ${result.errorCount} error(s), ${result.warningCount} warning(s)</div>`;
  const main = result.files.map((f, i) => fileSection(f, texts.get(f.file), `f${i}`)).join("\n");
  const first = result.files[0]?.file.split("/").pop() ?? "";
  return htmlPage(`calmlog lint: ${first.slice(0, 40)}${result.files.length > 1 ? ` and ${result.files.length - 1} more` : ""}`, header, main);
}

function fileSection(f: LintFile, text: string | undefined, id: string): string {
  const out: string[] = [`<section id="${id}"><h2><code>${esc(f.file)}</code></h2>`];
  const s = f.summary;
  out.push(
    `<div class="stats"><div>${s.rules} rule(s), ${s.monotonicRules} monotonic</div><div>${s.relations} relation(s), ${s.relationsNeedingSeal} wait for a seal</div><div>${s.strata} strat${s.strata === 1 ? "um" : "a"}</div><div><strong>${s.coordinationPoints}</strong> coordination point(s)</div><div>${s.thresholds} threshold read(s)</div></div>`,
  );
  if (!s.analyzed) out.push(`<p><span class="badge error">not analysed</span> errors keep the analysis from running; see the diagnostics below.</p>`);
  else if (!s.stratified) out.push(`<p><span class="badge error">not stratifiable</span> a negation or aggregation sits inside a recursive cycle (CL301).</p>`);
  else if (s.coordinationPoints === 0) out.push(`<p><span class="badge free">coordination-free</span> every rule is monotonic, so it may run on every replica at any time.</p>`);
  const graph = text === undefined || !s.analyzed || !s.stratified ? null : graphOfSource({ path: f.file, text }).graph;
  if (graph !== null) out.push(`<h3>Rule graph</h3>`, graphSection(graph, `${id}g`));

  if (f.coordination.length > 0) {
    out.push(`<h3>Coordination points</h3>`);
    f.coordination.forEach((p, k) => {
      const code = COORDINATION_CODE[p.use.kind];
      const readers = p.withheld.filter((r) => !p.heads.includes(r));
      out.push(`<div class="card coordination" data-code="${code}" data-heads="${esc(p.heads.join(" "))}">`);
      out.push(
        `<div><strong>coordination point ${k + 1} of ${f.coordination.length}</strong> <span class="badge code">${esc(markLabel({ code, literal: p.use.text }))}</span> at <code>${esc(`${p.use.span.file}:${p.use.span.line}:${p.use.span.column}`)}</code></div>`,
      );
      out.push(`<div>rule for ${p.heads.map((h) => `<code>${esc(h)}</code>`).join(", ")} ${{ negation: "negates", aggregation: "reads a total of", choice: "keeps one tuple per key of", counter: "numbers with autoinc() the tuples of", subsumption: "removes dominated tuples of", limit: "stops at a size limit the growth of" }[p.use.kind]} <code>${esc(p.use.relation)}</code></div>`);
      out.push(frameHtml(text, p.use.span));
      out.push(`<div><strong>why:</strong> ${prose(p.use.reason)}</div>`);
      out.push(`<div><strong>withheld until the seal:</strong> ${p.heads.map((h) => `<code>${esc(h)}</code>`).join(", ")}${readers.length > 0 ? ` and its readers ${readers.map((r) => `<code>${esc(r)}</code>`).join(", ")}` : ""}</div>`);
      if (p.remedies.length > 0) out.push(`<div><strong>options:</strong><ul class="tight">${p.remedies.map((r) => `<li>${prose(describeRemedy(r, p.use))}</li>`).join("")}</ul></div>`);
      out.push(`</div>`);
    });
  }
  if (f.thresholds.length > 0) {
    out.push(`<h3>Threshold reads (monotonic)</h3>`);
    for (const t of f.thresholds) out.push(`<div class="card"><span class="badge free">CL304</span> <code>${esc(t.text)}</code> in the rule for ${t.heads.map((h) => `<code>${esc(h)}</code>`).join(", ")}: ${prose(t.reason)}${frameHtml(text, t.span, 0)}</div>`);
  }
  if (f.relations.length > 0) {
    out.push(`<h3>Relations in evaluation order</h3><table><thead><tr><th>relation</th><th>status</th><th>stratum</th><th>cause</th></tr></thead><tbody>`);
    for (const r of f.relations) {
      const status = r.requiresSeal ? `<span class="badge seal">needs seal</span>` : r.isInput || r.fixed ? `<span class="badge">${r.fixed ? "fixed" : "input"}</span>` : `<span class="badge free">free</span>`;
      out.push(`<tr><td><code>${esc(r.name)}</code></td><td>${status}</td><td class="num">${r.stratum}</td><td>${r.causeText === null ? "" : `<code>${esc(r.causeText)}</code>`}</td></tr>`);
    }
    out.push(`</tbody></table>`);
  }
  if (f.invariants.length > 0) {
    out.push(`<h3>Invariants</h3>`);
    f.invariants.forEach((inv, k) => out.push(invariantHtml(inv, text, `${id}i${k}`)));
  }
  out.push(`<h3>Diagnostics</h3>`, diagnosticsHtml(f.diagnostics, new Map(text === undefined ? [] : [[f.file, text]])));
  out.push(`</section>`);
  return out.join("\n");
}

function invariantHtml(inv: InvariantResult, text: string | undefined, id: string): string {
  const out = [`<div class="card invariant" data-verdict="${inv.verdict}"><div><code>${esc(inv.relation)}</code>${inv.description === null ? "" : ` (${esc(inv.description)})`}: <span class="badge ${inv.verdict}">${inv.verdict}</span></div>`];
  out.push(`<div>${prose(inv.reason)}</div>`);
  out.push(frameHtml(text, inv.span, 0));
  if (inv.escrow !== null) out.push(`<div><strong>escrow:</strong> ${prose(`\`${inv.escrow.aggregate}\` against \`${inv.escrow.bound}\`: ${inv.escrow.split}; ${inv.escrow.tradeoff}`)}</div>`);
  if (inv.counterexample !== null) {
    out.push(`<div><strong>counterexample:</strong> two replicas each stay valid, and their merge breaks the invariant.</div>`);
    out.push(timelineSvg(inv.counterexample, id));
    if (inv.counterexample.explanation.length > 0) out.push(`<ol class="tight">${inv.counterexample.explanation.map((l) => `<li>${prose(l)}</li>`).join("")}</ol>`);
  }
  if (inv.search !== null && inv.search.trials > 0) out.push(`<div class="muted">searched ${inv.search.trials} trials up to size ${inv.search.maxSize} (seed ${inv.search.seed})</div>`);
  out.push(`</div>`);
  return out.join("\n");
}

function factLines(set: FactSet): string[] {
  return Object.entries(set).flatMap(([rel, tuples]) => tuples.map((t) => `${rel}(${t.map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v))).join(", ")})`));
}

/**
 * A counterexample as a picture: the common start S0 on the left, replica A's and replica B's
 * inserts on two lanes, both arrows meeting in the merge, which derives the violation (red).
 */
export function timelineSvg(c: Counterexample, id: string): string {
  const base = factLines(c.base);
  const a = factLines(c.replicaA);
  const b = factLines(c.replicaB);
  const v = `${c.violation.relation}(${c.violation.tuple.map((x) => (typeof x === "string" ? JSON.stringify(x) : String(x))).join(", ")})`;
  const merged = counterexampleAsReplicaFacts(c);
  const CH = 7;
  const LH = 15;
  const boxW = (lines: string[], title: string): number => Math.max(title.length, ...lines.map((l) => l.length)) * CH + 20;
  const boxH = (lines: string[]): number => 24 + Math.max(1, lines.length) * LH + 6;
  const w0 = boxW(base, "S0: both replicas start here");
  const wa = Math.max(boxW(a, "replica A inserts"), boxW(b, "replica B inserts"));
  const wm = boxW([v], "merge: S1 ∪ S2 derives");
  const hA = boxH(a);
  const hB = boxH(b);
  const h0 = boxH(base);
  const gap = 60;
  const laneGap = 20;
  const height = Math.max(h0, hA + hB + laneGap) + 20;
  const x0 = 10;
  const xa = x0 + w0 + gap;
  const xm = xa + wa + gap;
  const width = xm + wm + 10;
  const yA = 10;
  const yB = yA + hA + laneGap;
  const y0 = (height - h0) / 2;
  const hm = boxH([v]);
  const ym = (height - hm) / 2;
  const box = (x: number, y: number, w: number, h: number, title: string, lines: string[], stroke: string, fill: string, cls: string): string =>
    `<g class="${cls}"><rect x="${x}" y="${y}" width="${w}" height="${h}" rx="6" fill="${fill}" stroke="${stroke}" stroke-width="1.5"/><text x="${x + 10}" y="${y + 17}" font-weight="bold">${xml(title)}</text>${(lines.length === 0 ? ["(nothing)"] : lines).map((l, i) => `<text x="${x + 10}" y="${y + 24 + (i + 1) * LH - 3}">${xml(l)}</text>`).join("")}</g>`;
  const arrow = (x1: number, y1: number, x2: number, y2: number, color: string): string => `<path d="M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}" fill="none" stroke="${color}" stroke-width="2" marker-end="url(#${id}-tip)"/>`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="12" role="img" aria-label="${xml(`counterexample: replicas A and B merge into ${v}`)}">`,
    `<defs><marker id="${id}-tip" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#334155"/></marker></defs>`,
    box(x0, y0, w0, h0, "S0: both replicas start here", base, "#64748b", "#f1f5f9", "lane-base"),
    box(xa, yA, wa, hA, "replica A inserts", a, "#2563eb", "#dbeafe", "lane-a"),
    box(xa, yB, wa, hB, "replica B inserts", b, "#7c3aed", "#ede9fe", "lane-b"),
    box(xm, ym, wm, hm, "merge: S1 ∪ S2 derives", [v], COLORS.coordination, "#fee2e2", "merge"),
    arrow(x0 + w0, y0 + h0 / 2, xa, yA + hA / 2, "#2563eb"),
    arrow(x0 + w0, y0 + h0 / 2, xa, yB + hB / 2, "#7c3aed"),
    arrow(xa + wa, yA + hA / 2, xm, ym + hm / 2, "#2563eb"),
    arrow(xa + wa, yB + hB / 2, xm, ym + hm / 2, "#7c3aed"),
    `<title>${xml(`S1 = S0 ∪ A (${factLines(merged.A).length} facts) and S2 = S0 ∪ B (${factLines(merged.B).length} facts) are each valid; their union derives ${v}`)}</title>`,
    `</svg>`,
  ];
  return `<div class="graph">${parts.join("")}</div>`;
}
