// SCCs agree with mutual reachability, and the component order puts every dependency first.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { orderComponents, shortestPath, stronglyConnected } from "../../src/analysis/graph.js";

const graph = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 30 }),
  }),
);

function adjacency(n: number, edges: readonly (readonly [number, number])[]): number[][] {
  const succ: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) if (!succ[a]!.includes(b)) succ[a]!.push(b);
  return succ;
}

function reachable(succ: readonly (readonly number[])[]): boolean[][] {
  const n = succ.length;
  const r = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => i === j));
  for (let i = 0; i < n; i++) for (const j of succ[i]!) r[i]![j] = true;
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (r[i]![k] && r[k]![j]) r[i]![j] = true;
  return r;
}

describe("stronglyConnected", () => {
  test.prop([graph])("two nodes share a component iff each reaches the other", ({ n, edges }) => {
    const succ = adjacency(n, edges);
    const comps = stronglyConnected(n, (v) => succ[v]!);
    const compOf = new Map<number, number>();
    comps.forEach((c, i) => c.forEach((v) => compOf.set(v, i)));
    expect(compOf.size).toBe(n);
    const r = reachable(succ);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(compOf.get(i) === compOf.get(j)).toBe(r[i]![j]! && r[j]![i]!);
  });

  test.prop([graph])("every edge goes to the same or an earlier component in the order", ({ n, edges }) => {
    const succ = adjacency(n, edges);
    const order = orderComponents(stronglyConnected(n, (v) => succ[v]!), (v) => succ[v]!);
    const pos = new Map<number, number>();
    order.forEach((c, i) => c.forEach((v) => pos.set(v, i)));
    for (const [a, b] of edges) expect(pos.get(b)!).toBeLessThanOrEqual(pos.get(a)!);
  });

  it("handles a chain far deeper than the call stack", () => {
    const n = 200_000;
    const comps = stronglyConnected(n, (v) => (v + 1 < n ? [v + 1] : [0]));
    expect(comps).toHaveLength(1);
    expect(comps[0]).toHaveLength(n);
  });

  it("breaks ties by the earliest node", () => {
    // 0 and 2 read nothing; 1 reads 2: independent components come out in node order.
    const succ = [[], [2], []];
    expect(orderComponents(stronglyConnected(3, (v) => succ[v]!), (v) => succ[v]!)).toEqual([[0], [2], [1]]);
  });
});

describe("shortestPath", () => {
  it("finds the shortest route, restricted to allowed nodes", () => {
    const succ = [[1, 3], [2], [4], [4], []];
    expect(shortestPath(0, 4, (v) => succ[v]!, () => true)).toEqual([0, 3, 4]);
    expect(shortestPath(0, 4, (v) => succ[v]!, (v) => v !== 3)).toEqual([0, 1, 2, 4]);
    expect(shortestPath(4, 0, (v) => succ[v]!, () => true)).toBeNull();
  });
});
