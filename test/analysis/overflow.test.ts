// CL319: where 32-bit arithmetic predictably wraps around, and where it does not.
import { describe, expect, test } from "vitest";
import { compile } from "../../src/pipeline.js";

function overflow(text: string): string[] {
  const c = compile({ path: "t.dl", text });
  expect(c.diagnostics.items.filter((d) => d.severity === "error")).toEqual([]);
  return c.diagnostics.items.filter((d) => d.code === "CL319").map((d) => `${d.span.line}:${d.span.column} ${d.message}`);
}

describe("recursive growth", () => {
  test("a sum of two values of the cycle (fibonacci) and a count up without a bound are reported", () => {
    const found = overflow(`.decl fib(i: number, v: number)
fib(0, 0). fib(1, 1).
fib(i + 1, a + b) :- fib(i, a), fib(i - 1, b), i < 60.
.decl nat(n: unsigned)
nat(0).
nat(n + 1) :- nat(n).
.decl dbl(x: number)
dbl(1).
dbl(y) :- dbl(x), y = x * 2.
`);
    expect(found).toEqual([
      "3:12 `a + b` grows with each round of the recursion through `fib` and nothing bounds it: past 2147483647 it wraps around (32-bit `number`)",
      "6:5 `n + 1` grows with each round of the recursion through `nat` and nothing bounds it: past 4294967295 it wraps around (32-bit `unsigned`)",
      "9:23 `x * 2` grows with each round of the recursion through `dbl` and nothing bounds it: past 2147483647 it wraps around (32-bit `number`)",
    ]);
  });

  test("bounded, shrinking, non-recursive and float values are not", () => {
    expect(overflow(`.decl m(n: number)
m(1).
m(n + 1) :- m(n), n + 1 <= 12.
.decl down(n: number)
down(100).
down(n - 1) :- down(n), n > 0.
.decl e(x: number, y: number, w: number)
e(1, 2, 3).
.decl d(x: number, y: number, w: number)
d(x, y, w) :- e(x, y, w).
d(x, z, a + w) :- d(x, y, a), e(y, z, w).
.decl f(x: float)
f(1.0).
f(x * 2.0) :- f(x), x < 1000.0.
.decl g(x: number)
g(y + 1) :- e(y, _, _).
`)).toEqual([]);
  });
});

describe("constant expressions", () => {
  test("a constant expression that does not fit its type is reported with the value it wraps to", () => {
    expect(overflow(".decl k(x: number)\nk(x) :- x = 2147483647 + 1.\n.decl u(x: unsigned)\nu(4294967295 + 2).\n.decl ok(x: number)\nok(2147483646 + 1).\n")).toEqual([
      "2:13 `2147483647 + 1` is 2147483648, which does not fit in a 32-bit `number`: it wraps around to -2147483648",
      "4:3 `4294967295 + 2` is 4294967297, which does not fit in a 32-bit `unsigned`: it wraps around to 1",
    ]);
  });

  test("what the warning predicts is what evaluation computes (two's complement)", async () => {
    const { evaluate } = await import("../../src/eval/index.js");
    const c = compile({ path: "t.dl", text: ".decl k(x: number)\nk(x) :- x = 2147483647 + 1.\n.decl u(x: unsigned)\nu(4294967295 + 2).\n" });
    const engine = evaluate(c.checked, c.analysis!, {});
    expect([...engine.tuples("k")].map((t) => t[0])).toEqual([-2147483648]);
    expect([...engine.tuples("u")].map((t) => t[0])).toEqual([1]);
  });
});
