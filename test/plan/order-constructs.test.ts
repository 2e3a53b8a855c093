// `choice-domain`, `autoinc()`/`$` and subsumption: what they compute, checked against independent
// references, and the coordination point each one is in the lint report.
import { fc, test as prop } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import { Engine, evaluate } from "../../src/eval/index.js";
import { compile } from "../../src/pipeline.js";
import { compileText } from "../eval/helpers.js";

function diagnostics(text: string): string[] {
  // Inputs without `.input` draw CL213 notes; the codes under test are the coordination points and CL220.
  return compile({ path: "t.dl", text }).diagnostics.items.filter((d) => /^CL(3|220)/.test(d.code)).map((d) => `${d.code} ${d.span.line}:${d.span.column}`);
}

const SHORTEST = `
.decl edge(x: number, y: number, w: number)
.decl path(x: number, y: number, d: number)
path(x, y, w) :- edge(x, y, w).
path(x, z, d + w) :- path(x, y, d), edge(y, z, w).
path(x, y, d1) <= path(x, y, d2) :- d2 <= d1.
`;

/** Shortest distances by Bellman-Ford over the edge list (positive weights). */
function shortest(edges: readonly [number, number, number][]): string[] {
  const nodes = [...new Set(edges.flatMap(([a, b]) => [a, b]))];
  const out: string[] = [];
  for (const s of nodes) {
    const dist = new Map<number, number>();
    for (const [a, b, w] of edges) if (a === s) dist.set(b, Math.min(dist.get(b) ?? Infinity, w));
    for (let round = 0; round < nodes.length; round++) {
      for (const [a, b, w] of edges) {
        const da = dist.get(a);
        if (da !== undefined && da + w < (dist.get(b) ?? Infinity)) dist.set(b, da + w);
      }
    }
    for (const [t, d] of dist) out.push(`${s},${t},${d}`);
  }
  return out.sort();
}

describe("subsumption", () => {
  const { checked, analysis } = compileText(SHORTEST);

  prop.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 9 })), { maxLength: 14 })], { numRuns: 60 })(
    "keeps exactly the shortest distance of every pair, on cyclic graphs too (Bellman-Ford)",
    (edges) => {
      const engine = evaluate(checked, analysis, { edge: edges });
      expect(engine.tuples("path").map((t) => t.join(",")).sort()).toEqual(shortest(edges));
    },
  );

  test("a tuple is never removed by itself, and `_` may stand in either atom", () => {
    const { checked: c, analysis: a } = compileText(`
.decl p(x: number, y: number)
p(1, 5). p(1, 3). p(2, 7).
p(x, y1) <= p(_, y2) :- y2 < y1.
`);
    expect(evaluate(c, a, {}).tuples("p")).toEqual([[1, 3]]);
  });

  test("is a coordination point of its own (CL308)", () => {
    expect(diagnostics(SHORTEST)).toEqual(["CL308 6:1"]);
  });
});

describe("choice-domain", () => {
  const PROGRAM = `
.decl student(s: number, m: number)
.decl prof(p: number, m: number)
.decl advisor(s: number, p: number) choice-domain s
advisor(s, p) :- student(s, m), prof(p, m).
.decl pair(a: number, b: number) choice-domain a, b
pair(a, b) :- student(a, _), prof(b, _).
`;
  const { checked, analysis } = compileText(PROGRAM);
  const rows = fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 3 })), { maxLength: 15 });

  prop.prop([rows, rows], { numRuns: 60 })("keeps one candidate per key, and a tuple for every key that has one", (students, profs) => {
    const engine = evaluate(checked, analysis, { student: students, prof: profs });
    const advisor = engine.tuples("advisor") as number[][];
    const candidates = new Set(students.flatMap(([s, m]) => profs.filter(([, pm]) => pm === m).map(([p]) => `${s},${p}`)));
    for (const [s, p] of advisor) expect(candidates.has(`${s},${p}`)).toBe(true);
    expect(new Set(advisor.map(([s]) => s)).size).toBe(advisor.length);
    expect(new Set(advisor.map(([s]) => s))).toEqual(new Set([...candidates].map((c) => Number(c.split(",")[0]))));
    // Two keys: each `a` and each `b` at most once.
    const pair = engine.tuples("pair") as number[][];
    expect(new Set(pair.map(([a]) => a)).size).toBe(pair.length);
    expect(new Set(pair.map(([, b]) => b)).size).toBe(pair.length);
  });

  test("is a coordination point of its own (CL306), and an unknown column is CL220", () => {
    expect(diagnostics(PROGRAM)).toEqual(["CL306 5:1", "CL306 7:1"]);
    expect(diagnostics(".decl r(x: number) choice-domain y\nr(1).")[0]).toBe("CL220 1:34");
  });
});

describe("autoinc() and $", () => {
  const PROGRAM = `
.decl item(s: symbol)
.decl id(n: number, s: symbol)
item("a"). item("b"). item("c").
id(autoinc(), s) :- item(s).
.decl id2(n: number, s: symbol)
id2($ + 100, s) :- item(s).
`;

  test("numbers each derivation once, from 0, counting on across rules", () => {
    const { checked, analysis } = compileText(PROGRAM);
    const engine = new Engine(checked, analysis);
    engine.run();
    const numbers = [...engine.tuples("id"), ...engine.tuples("id2")].map((t) => t[0] as number).sort((a, b) => a - b);
    expect(numbers).toEqual([0, 1, 2, 103, 104, 105]);
    expect(new Set(engine.tuples("id").map((t) => t[1]))).toEqual(new Set(["a", "b", "c"]));
  });

  test("is a coordination point of its own (CL307), and an error in a recursive rule (CL309)", () => {
    expect(diagnostics(PROGRAM)).toEqual(["CL307 5:4", "CL307 7:5"]);
    expect(diagnostics(".decl a(x: number)\na(1).\na(autoinc()) :- a(1).\n")).toEqual(["CL307 3:3", "CL309 3:3"]);
  });
});
