// The never-derived condition: unit cases, and a check over a family of generated programs that
// whenever it claims the invariant relation is always empty, evaluation on random facts agrees.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Engine } from "../../src/eval/engine.js";
import { neverDerived } from "../../src/invariant/never.js";
import { prove } from "../../src/invariant/prove.js";
import { computeRoles } from "../../src/invariant/roles.js";
import { compile } from "../../src/pipeline.js";

const HEADER = `
.decl e(a: number, b: number)
.decl f(a: number, b: number)
.input e, f
.decl bad(a: number, b: number)
.invariant bad
`;

function compiled(rules: string) {
  return compile({ path: "t.dl", text: HEADER + rules });
}

function verdict(rules: string): string | null {
  const c = compiled(rules);
  expect(c.diagnostics.items.filter((d) => d.severity === "error")).toEqual([]);
  return neverDerived("bad", computeRoles(c.checked, c.analysis!));
}

describe("the never-derived condition", () => {
  test("a rule that asks for a fact and its absence in one body", () => {
    expect(verdict("bad(x, y) :- e(x, y), !e(x, _).\n")).toContain("needs `e(x, y)` and `!e(x, _)`");
    expect(verdict("bad(x, y) :- e(x, y), !e(y, x).\n")).toBeNull();
  });

  test("through a relation that holds only without the fact, as in the release example", () => {
    const rules = ".decl ready(a: number)\nready(x) :- f(x, _), !e(x, _).\nbad(x, y) :- ready(x), e(x, y).\n";
    expect(verdict(rules)).toContain("while `ready(x)` holds only without it (`!e(x, _)`)");
    const c = compiled(rules);
    const proof = prove("bad", computeRoles(c.checked, c.analysis!));
    expect(proof.proved && proof.condition).toBe("never-derived");
  });

  test("not when the rule reads the relation for another value, a rule or fact derives it regardless, or its head repeats a variable", () => {
    expect(verdict(".decl ready(a: number)\nready(x) :- f(x, _), !e(x, _).\nbad(x, y) :- ready(x), e(y, x).\n")).toBeNull();
    expect(verdict(".decl ready(a: number)\nready(x) :- f(x, _), !e(x, _).\nready(x) :- f(_, x).\nbad(x, y) :- ready(x), e(x, y).\n")).toBeNull();
    expect(verdict(".decl ready(a: number)\nready(x) :- f(x, _), !e(x, _).\nready(1).\nbad(x, y) :- ready(x), e(x, y).\n")).toBeNull();
    expect(verdict(".decl same(a: number, b: number)\nsame(x, x) :- f(x, _), !e(x, _).\nbad(x, y) :- same(x, y), e(x, y).\n")).toBeNull();
    expect(verdict(".decl ready(a: number)\nready(x) :- f(x, _), !e(x, _).\nbad(x, y) :- ready(_), e(x, y).\n")).toBeNull();
  });

  test("every clause must be contradictory, including each disjunct", () => {
    expect(verdict("bad(x, y) :- e(x, y), !e(x, _) ; f(x, y).\n")).toBeNull();
    expect(verdict("bad(x, y) :- e(x, y), !e(x, _) ; f(x, y), !f(_, y).\n")).toContain("each of its rules");
  });

  // Programs of one shape, with every choice of argument: q(X, Y) :- f(X, Y), !e(N1, N2).
  // and bad(A, B) :- e(P1, P2), q(Q1, Q2). Each one the condition proves must derive no `bad` on any facts.
  test("whenever it applies, evaluation on random facts derives no tuple", () => {
    const terms = ["X", "Y", "_", "1"];
    const outer = ["a", "b", "_", "1"];
    let proved = 0;
    let checked = 0;
    const facts = fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { maxLength: 8 });
    for (const n1 of terms) for (const n2 of terms) for (const p1 of outer) for (const p2 of outer) for (const q1 of outer) for (const q2 of outer) {
      const rules = `.decl q(a: number, b: number)\nq(X, Y) :- f(X, Y), !e(${n1}, ${n2}).\nbad(a, b) :- e(${p1}, ${p2}), q(${q1}, ${q2}), a = a, b = b.\n`;
      const c = compiled(rules);
      if (c.diagnostics.hasErrors() || c.analysis === null) continue;
      checked++;
      if (neverDerived("bad", computeRoles(c.checked, c.analysis)) === null) continue;
      proved++;
      fc.assert(
        fc.property(facts, facts, (es, fs) => {
          const engine = new Engine(c.checked, c.analysis!);
          engine.insert("e", es);
          engine.insert("f", fs);
          engine.run();
          return engine.size("bad") === 0;
        }),
        { numRuns: 25, seed: 7 },
      );
    }
    expect(checked).toBeGreaterThan(100);
    expect(proved).toBeGreaterThan(5);
  });
});
