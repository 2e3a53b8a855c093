// The SVG layout on random stratified programs: every relation and every edge is drawn, and the
// layout never fails (dagre's compound layout falls back to one without strata boxes).
import { describe, expect, it } from "vitest";
import { graphOfSource } from "../../src/graph/model.js";
import { renderSvg } from "../../src/graph/svg.js";

function randomProgram(seed: number): string {
  let s = seed;
  const rnd = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const n = 5 + Math.floor(rnd() * 30);
  const lines = Array.from({ length: n }, (_, i) => `.decl r${i}(x: number)`);
  lines.push(".input r0, r1");
  for (let i = 2; i < n; i++) {
    const a = Math.floor(rnd() * i);
    const b = Math.floor(rnd() * i);
    const kind = rnd();
    if (kind < 0.2) lines.push(`r${i}(x) :- r${a}(x), !r${b}(x).`);
    else if (kind < 0.3) lines.push(`r${i}(c) :- c = count : { r${a}(_) }.`);
    else if (kind < 0.4) lines.push(`r${i}(x) :- r${a}(x). r${i}(x) :- r${i}(x), r${b}(x).`);
    else lines.push(`r${i}(x) :- r${a}(x), r${b}(x).`);
  }
  return lines.join("\n") + "\n";
}

describe("renderSvg", () => {
  for (const seed of [1, 2, 3, 5, 8, 13, 21, 34]) {
    it(`draws every relation and edge of random program ${seed}`, () => {
      const { graph } = graphOfSource({ path: `random-${seed}.dl`, text: randomProgram(seed) });
      expect(graph).not.toBeNull();
      const svg = renderSvg(graph!);
      expect(svg.match(/<g class="node /g)?.length).toBe(graph!.nodes.length);
      expect(svg.match(/<g class="edge /g)?.length).toBe(graph!.edges.length);
      expect(svg).not.toContain("NaN");
      for (const n of graph!.nodes.filter((x) => x.coordination.length > 0)) expect(svg).toContain(`data-relation="${n.name}" data-coordination=`);
    });
  }
});
