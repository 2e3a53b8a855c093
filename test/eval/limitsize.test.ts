// `.limitsize r(n=N)` as Soufflé 2.5 runs it: a recursive stratum ends after the iteration in which
// `r` holds N tuples or more; a stratum that is not recursive derives everything in one step.
import { describe, expect, test } from "vitest";
import { compile } from "../../src/pipeline.js";
import { runProgram } from "../eval/run-program.js";

const errors = (text: string): string[] =>
  compile({ path: "t.dl", text })
    .diagnostics.items.map((d) => `${d.code} ${d.severity} ${d.span.line}:${d.span.column} ${d.message}`);

describe(".limitsize", () => {
  test("a relation that grows by one tuple an iteration stops at the limit", () => {
    const out = runProgram(".decl a(x: number)\na(1).\na(x + 1) :- a(x), x < 1000.\n.limitsize a(n=47)\n.output a\n");
    expect(out("a").length).toBe(47);
    expect(out("a").map(Number).sort((p, q) => p - q).at(-1)).toBe(47);
  });

  test("the check comes after a whole iteration: two tuples an iteration pass 10 at 11", () => {
    const out = runProgram(".decl c(x: number)\nc(1).\nc(x + 1) :- c(x), x < 100.\nc(x + 2) :- c(x), x < 100.\n.limitsize c(n=10)\n.output c\n");
    expect(out("c").length).toBe(11);
  });

  test("a stratum that is not recursive is not cut, and readers see the whole relation", () => {
    const out = runProgram(".decl a(x: number)\na(1). a(2). a(3). a(4). a(5).\n.decl b(x: number)\nb(x) :- a(x).\n.limitsize b(n=2)\n.decl d(x: number)\nd(x) :- b(x).\n.output b, d\n");
    expect(out("b").length).toBe(5);
    expect(out("d").length).toBe(5);
  });

  test("without `n`, or with a limit that is no whole number, it is CL237", () => {
    expect(errors(".decl a(x: number)\na(1).\n.limitsize a\n")).toEqual(["CL237 error 3:1 `.limitsize a` needs the limit `n`"]);
    expect(errors(".decl a(x: number)\na(1).\n.limitsize a(n=1.5)\n")).toEqual(["CL237 error 3:16 the limit `n=1.5` of `.limitsize` must be a whole number from 0 to 2147483647"]);
    expect(errors(".decl a(x: number)\na(1).\n.limitsize a(n=3, m=2)\n")).toEqual(["CL237 error 3:19 `.limitsize` takes only `n`, not `m`"]);
  });

  test("lint: a rule for a `.limitsize` relation is a coordination point (CL318), never sealable per key", () => {
    const c = compile({ path: "t.dl", text: ".decl e(x: number, y: number)\n.decl p(x: number, y: number)\np(x, y) :- e(x, y).\np(x, z) :- p(x, y), e(y, z).\n.limitsize p(n=5)\n.output p\n" });
    const found = c.diagnostics.items.filter((d) => d.code === "CL318");
    expect(found.map((d) => d.span.line)).toEqual([3, 4]);
    expect(found[0]!.notes.join("\n")).toContain("counts the tuples of every key of `p` against one limit");
  });
});
