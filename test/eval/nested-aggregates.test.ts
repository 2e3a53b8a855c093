// Aggregates inside aggregates, as Soufflé evaluates them: the inner one reads the variables the
// bodies around it ground; a body with several atoms (or a nested aggregate) ranges over distinct
// bindings of its own variables; a variable of the target is the aggregate's own.
import { describe, expect, test } from "vitest";
import { compile } from "../../src/pipeline.js";
import { runProgram } from "./run-program.js";

describe("nested aggregates", () => {
  test("an inner aggregate reads a variable of the outer aggregate's body", () => {
    const out = runProgram(`
.decl n(x: number)
n(2). n(3). n(5). n(7).
.decl below(n: number, s: number)
below(m, s) :- n(m), s = sum z : { n(z), z < m }.
.decl total(s: number)
// sums of smaller values that stay under 6: 0 (for 2), 2 (for 3), 5 (for 5); 10 (for 7) is left out
total(s) :- s = sum y : { n(m), y = sum z : { n(z), z < m }, y < 6 }.
.output below, total
`);
    expect(out("below")).toEqual(["2\t0", "3\t2", "5\t5", "7\t10"]);
    expect(out("total")).toEqual(["7"]);
  });

  test("three levels, a grouping variable of the rule passed down to the innermost, and a witness of the outermost", () => {
    const out = runProgram(`
.decl p(a: symbol)
.decl m(x: number)
.decl h(a: symbol, m: number)
p("ann"). p("bob"). p("cy").
m(1). m(2).
h("ann", 1). h("ann", 1). h("ann", 2). h("bob", 2). h("cy", 1). h("cy", 1). h("cy", 2). h("cy", 9).
.decl worst(a: symbol, n: number)
worst(a, n) :- n = min w : { p(a), w = max part : { m(x), part = count : { h(a, x) } } }.
.decl perPerson(a: symbol, n: number)
perPerson(a, n) :- p(a), n = max part : { m(x), part = count : { h(a, x) } }.
.output worst, perPerson
`);
    expect(out("perPerson")).toEqual(["ann\t1", "bob\t1", "cy\t1"]);
    expect(out("worst")).toEqual(["ann\t1", "bob\t1", "cy\t1"]);
  });

  test("the mean of means, compared with the mean of one group", () => {
    const out = runProgram(`
.decl class(s: symbol, c: symbol)
.decl height(s: symbol, h: float)
class("jane", "fr"). class("jay", "fr"). class("rob", "es"). class("reece", "es").
height("jane", 156). height("jay", 150). height("rob", 180). height("reece", 195).
.decl shortest(c: symbol)
shortest(c) :- class(_, c), n = min a : { class(_, k), a = mean h : { class(p, k), height(p, h) } }, n = mean h : { class(p, c), height(p, h) }.
.output shortest
`);
    expect(out("shortest")).toEqual(["fr"]);
  });

  test("a witness grounded in an aggregate nested in a count", () => {
    const out = runProgram(`
.decl d(x: number, y: number)
.decl b(x: number, y: number)
d(1, 1). d(1, 2). d(3, 3).
b(2, 1). b(2, 2). b(4, 1).
.decl f(r: number, w: number)
f(r, w) :- r = count : { b(x, _), x > min y : { d(y, w) } }.
.output f
`);
    // x ranges over the distinct values 2 and 4; the least `y` is 1, reached with w = 1 and w = 2.
    expect(out("f")).toEqual(["2\t1", "2\t2"]);
  });
});

describe("what an aggregate ranges over", () => {
  test("a body of several atoms counts distinct bindings of its variables, one atom counts its rows", () => {
    const out = runProgram(`
.decl a(x: number, y: number)
.decl b(x: number)
a(1, 1). a(1, 2). a(2, 1).
b(1). b(2).
.decl joined(n: number)
joined(n) :- n = count : { a(x, _), b(x) }.
.decl rows(n: number)
rows(n) :- n = count : { a(_, _) }.
.decl summed(n: number)
summed(n) :- n = sum x : { a(x, _), b(x) }.
.output joined, rows, summed
`);
    expect(out("joined")).toEqual(["2"]);
    expect(out("rows")).toEqual(["3"]);
    expect(out("summed")).toEqual(["3"]);
  });

  test("a variable of the target is the aggregate's own, even where the rule binds the same name", () => {
    const out = runProgram(`
.decl q(x: number)
.decl r(x: number)
q(1). q(2).
r(10). r(20).
.decl s(x: number, t: number)
s(x, t) :- q(x), t = sum x : { r(x) }.
.output s
`);
    expect(out("s")).toEqual(["1\t30", "2\t30"]);
  });

  test("a nested aggregate using a variable nothing grounds is an error, not a crash", () => {
    const c = compile({ path: "t.dl", text: ".decl b(x: number)\n.decl a(c: number)\n.input b\na(c) :- c = sum y : { b(y), y = count : { b(z), z < k } }.\n" });
    expect(c.diagnostics.items.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.span.line}:${d.span.column}`)).toEqual(["CL205 4:53"]);
  });
});
