// Type checks that follow Soufflé 2.5's type system: which operators take symbols, subtypes in atoms.
import { describe, expect, test } from "vitest";
import { compile } from "../../src/pipeline.js";
import { runProgram } from "../eval/run-program.js";

const errors = (text: string): string[] =>
  compile({ path: "t.dl", text })
    .diagnostics.items.filter((d) => d.severity === "error")
    .map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`);

describe("`+` on symbols", () => {
  test("joins two symbols, constants or variables, as Soufflé's SSADD", () => {
    const out = runProgram(`.decl s(x: symbol)
.decl j(x: symbol)
.output j
s("(a)"). s("(b)").
j("pre-" + "-post").
j(x + "!") :- s(x).
j(x + y + x) :- s(x), s(y), x != y.
`);
    expect(out("j")).toEqual(["(a)!", "(a)(b)(a)", "(b)!", "(b)(a)(b)", "pre--post"]);
  });

  test("a symbol and a number do not mix, and `-` still needs numbers", () => {
    expect(errors('.decl r(s: symbol)\nr("a" + 1).\nr("a" - "b").\n')).toEqual([
      "CL203 2:9 `1` is a number (`number`, `unsigned` or `float`), but the other operand of `+`, `\"a\"`, is a `symbol`",
      "CL203 3:3 `\"a\"` is a `symbol`, but `-` needs a number (`number`, `unsigned` or `float`)",
      "CL203 3:9 `\"b\"` is a `symbol`, but `-` needs a number (`number`, `unsigned` or `float`)",
    ]);
  });

  test("a symbol sum stored in a number column is CL203", () => {
    expect(errors('.decl r(n: number)\nr("a" + "b").\n').map((e) => e.slice(0, 5))).toEqual(["CL203"]);
  });
});

describe("subtypes (Soufflé's \"argument type is not a subtype of its declared type\")", () => {
  test("a value of one subtype does not go into a column of a sibling subtype", () => {
    expect(errors(`.type A <: symbol
.type B <: symbol
.decl ra(x: A)
.decl rb(x: B)
.decl out(x: B)
ra("a"). rb("a").
out(v) :- ra(v), rb(cat("", v)).
`)).toEqual(["CL235 7:5 `v` is of type `A`, which is not a subtype of `B`, the declared type of column `x` of `out`"]);
  });

  test("a primitive value does not go into a column of a subtype of it", () => {
    expect(errors('.type S <: symbol\n.decl a(x: symbol)\n.decl b(x: S)\na("q").\nb(x) :- a(x).\n').map((e) => e.slice(0, 9))).toEqual(["CL235 5:3"]);
  });

  test("a subtype chain flows upward only", () => {
    const text = `.type SA <: symbol
.type SB <: SA
.decl r(a: SA, b: SB)
.decl up(a: SA)
.decl down(b: SB)
r("x", "y").
up(b) :- r(_, b).
down(a) :- r(a, _).
`;
    expect(errors(text).map((e) => e.slice(0, 9))).toEqual(["CL235 8:6"]);
  });

  test("a union is narrowed by another atom, and constants and functor results fit any subtype", () => {
    const out = runProgram(`.type S1 <: symbol
.type S2 <: symbol
.type U = S1 | S2
.decl b(x: U)
.decl d(x: S1)
.decl c(x: S1)
.output c
b("m"). b("n"). d("m").
c(x) :- d(x), b(x).
c(y) :- d(x), b(x), y = x.
c(cat("k", x)) :- d(x), b(x).
c("lit").
`);
    expect(out("c")).toEqual(["km", "lit", "m"]);
    expect(errors(".type S1 <: symbol\n.type S2 <: symbol\n.type U = S1 | S2\n.decl b(x: U)\n.decl c(x: S1)\nc(x) :- b(x).\n").map((e) => e.slice(0, 9))).toEqual(["CL235 6:3"]);
  });

  test("a negated atom does not narrow: `!a(x)` leaves `x` a union", () => {
    expect(errors(".type S1 <: symbol\n.type S2 <: symbol\n.type U = S1 | S2\n.decl a(x: S2)\n.decl b(x: U)\n.decl c(x: S1)\nc(x) :- !a(x), b(x).\n").map((e) => e.slice(0, 9))).toEqual(["CL235 7:3"]);
  });

  test("a variable two unrelated subtypes bound fits no type", () => {
    expect(errors(".type S <: symbol\n.type T <: symbol\n.decl a(x: S)\n.decl c(x: T)\n.decl b(x: symbol)\nb(x) :- a(x), c(x).\n")).toEqual([
      "CL235 6:17 no type fits `x`: it must be a subtype of `S` and `T`, which have no common subtype",
    ]);
  });

  test("an alias is the type it names", () => {
    expect(errors('.type S <: symbol\n.type S2 = S\n.decl a(x: S2)\n.decl b(x: S)\na("q").\nb(x) :- a(x).\n')).toEqual([]);
  });

  test("a subtype of a union or a record type is CL236", () => {
    expect(errors(".type A <: symbol\n.type B <: symbol\n.type U = A | B\n.type V <: U\n.type L = [h: number, t: L]\n.type W <: L\n")).toEqual([
      "CL236 4:12 subtype `V` cannot be derived from the union `U`",
      "CL236 6:12 subtype `W` cannot be derived from the record type `L`",
    ]);
  });
});

describe("`as(x, T)` and subtypes", () => {
  test("a cast value goes into a column of the type it is cast to", () => {
    const out = runProgram(`.type S1 <: symbol
.type S2 <: symbol
.type U = S1 | S2
.decl a(x: symbol)
.decl u(x: U)
.decl b(x: S1)
.output b
a("a"). u("u").
b(as(x, S1)) :- a(x).
b(as(x, S1)) :- u(x).
`);
    expect(out("b")).toEqual(["a", "u"]);
  });
});

describe("identity conversions", () => {
  test("`to_string` of a symbol is the symbol, as Soufflé's S2S", () => {
    const out = runProgram('.decl s(x: symbol)\n.decl t(x: symbol)\n.output t\ns("hi").\nt(to_string(x)) :- s(x).\nt(to_string("lit")).\n');
    expect(out("t")).toEqual(["hi", "lit"]);
  });
});
