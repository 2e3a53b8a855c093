import { describe, expect, test } from "vitest";
import { describeSplit, splitRights } from "../../src/invariant/escrow.js";
import { checkInvariants } from "../../src/invariant/check.js";
import { prove } from "../../src/invariant/prove.js";
import { computeRoles } from "../../src/invariant/roles.js";
import { compile } from "../../src/pipeline.js";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";

const HEADER = `
.decl e(a: number, b: number)
.decl f(a: number, b: number)
.input e, f
.decl bad(a: number)
.invariant bad
`;

function proofOf(rules: string) {
  const c = compile({ path: "t.dl", text: HEADER + rules });
  expect(c.diagnostics.items.filter((d) => d.severity === "error")).toEqual([]);
  return prove("bad", computeRoles(c.checked, c.analysis!));
}

describe("the single-replicated-read condition", () => {
  test("unfolds non-recursive positive rules and counts their replicated reads", () => {
    expect(proofOf(".decl v(a: number)\nv(x) :- e(x, _).\nbad(x) :- v(x), x > 3.\n").proved).toBe(true);
    const two = proofOf(".decl v(a: number)\nv(x) :- e(x, y), f(y, _).\nbad(x) :- v(x).\n");
    expect(two.proved).toBe(false);
    expect(two.reason).toContain("several replicated facts");
  });

  test("stops at recursion over replicated data", () => {
    const r = proofOf(".decl p(a: number, b: number)\np(x, y) :- e(x, y).\np(x, z) :- p(x, y), e(y, z).\nbad(x) :- p(x, x).\n");
    expect(r.proved).toBe(false);
    expect(r.reason).toContain("`p` is recursive");
  });

  test("accepts negation of a growing relation, rejects negation of one that can shrink", () => {
    expect(proofOf(".decl g(a: number)\ng(x) :- f(x, _).\nbad(x) :- e(x, _), !g(x).\n").proved).toBe(true);
    const r = proofOf(".decl g(a: number)\ng(x) :- f(x, _), !e(x, _).\nbad(x) :- e(_, x), !g(x).\n");
    expect(r.proved).toBe(false);
    expect(r.reason).toContain("`!g(x)` negates `g`");
  });

  test("a count is fine only as a small-is-bad comparison", () => {
    expect(proofOf("bad(x) :- e(x, _), c = count : { f(x, _) }, c < 2.\n").proved).toBe(true);
    expect(proofOf("bad(x) :- e(x, _), !(count : { f(x, _) } >= 2).\n").proved).toBe(true);
    expect(proofOf("bad(x) :- e(x, _), count : { f(x, _) } > 2.\n").proved).toBe(false);
    expect(proofOf("bad(x) :- e(x, _), c = count : { f(x, _) }, c < 2, c > 0.\n").proved).toBe(false);
    expect(proofOf("bad(x) :- e(x, _), c = sum y : { f(x, y) }, c < 2.\n").proved).toBe(false);
    // Exported through an intermediate relation, the count's value could differ in a smaller state.
    expect(proofOf(".decl low(a: number, c: number)\nlow(x, c) :- e(x, _), c = count : { f(x, _) }, c < 2.\nbad(x) :- low(x, 1).\n").proved).toBe(false);
  });
});

describe("programs whose own facts break the invariant", () => {
  test("are reported as impossible to judge, not as proved", () => {
    const c = compile({ path: "t.dl", text: ".decl k(a: number)\nk(1).\n.decl bad(a: number)\nbad(x) :- k(x).\n.invariant bad\n" });
    const diags = new Diagnostics();
    const [r] = checkInvariants(c.checked, c.analysis!, diags);
    expect(r!.verdict).toBe("unknown");
    expect(r!.reason).toContain("bad(1)");
    expect(diags.items[0]!.code).toBe("CL604");
  });
});

describe("escrow rights", () => {
  test("split evenly, the first replicas taking the remainder", () => {
    expect(splitRights(10, 2)).toEqual([5, 5]);
    expect(splitRights(11, 3)).toEqual([4, 4, 3]);
    expect(splitRights(1, 2)).toEqual([1, 0]);
    expect(describeSplit(10, 2)).toBe("10 over 2 replicas: 5 each");
    expect(describeSplit(1, 2)).toBe("1 over 2 replicas: 1 for replica 1, 0 for replica 2");
  });
});
