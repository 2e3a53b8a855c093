import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { compile } from "../../src/pipeline.js";
import { runProgram } from "../eval/run-program.js";

const errors = (text: string): string[] =>
  compile({ path: "t.dl", text })
    .diagnostics.items.filter((d) => d.severity === "error")
    .map((d) => `${d.code} ${"line" in d.span ? `${d.span.line}:${d.span.column}` : ""} ${d.message}`);

describe("inline relations", () => {
  it("replaces a positive inline atom by the bodies of its rules, and the relation is not stored", () => {
    const text = `
.decl e(x: number, y: number)
e(1, 2). e(2, 3). e(3, 4).
.decl hop2(x: number, z: number) inline
hop2(x, z) :- e(x, y), e(y, z).
hop2(x, x) :- e(x, _).
.decl out(x: number, z: number)
out(a, b) :- hop2(a, b), a < 3.
.output out
`;
    const c = compile({ path: "t.dl", text });
    expect(c.checked.clauses.some((cl) => cl.head.relation.name === "hop2")).toBe(false);
    expect(c.checked.clauses.flatMap((cl) => cl.body).some((l) => l.kind === "atom" && l.atom.relation.name === "hop2")).toBe(false);
    expect(runProgram(text)("out")).toEqual(["1\t1", "1\t3", "2\t2", "2\t4"]);
  });

  it("grounds a rule of an inline relation through its head, and negates it by De Morgan", () => {
    // `same(x, y) :- x = y.` alone is not grounded; in `!same(a, b)` it reads as `a != b`.
    const run = runProgram(`
.decl same(x: number, y: number) inline
same(x, y) :- x = y.
.decl diag(x: number, y: number) inline
diag(x, x) :- true.
.decl p(x: number, y: number)
p(1, 1). p(1, 2). p(3, 4).
.decl q(x: number, y: number)
q(a, b) :- p(a, b), !same(a, b).
.decl r(x: number, y: number)
r(a, b) :- p(a, b), !diag(a, b).
.output q, r
`);
    expect(run("q")).toEqual(["1\t2", "3\t4"]);
    expect(run("r")).toEqual(["1\t2", "3\t4"]);
  });

  it("negates an inline relation with several rules and facts", () => {
    const run = runProgram(`
.decl small(x: number) inline
small(1). small(2).
small(x) :- x = 7.
.decl n(x: number)
n(1). n(2). n(3). n(7). n(9).
.decl big(x: number)
big(x) :- n(x), !small(x).
.output big
`);
    expect(run("big")).toEqual(["3", "9"]);
  });

  it("inlines through several inline relations and keeps a rule with no inline rule out", () => {
    const run = runProgram(`
.decl a(x: number)
a(1). a(2).
.decl b(x: number) inline
b(x) :- a(x).
.decl c(x: number) inline
c(y) :- b(x), y = x * 10.
.decl none(x: number) inline
.decl d(x: number)
d(x) :- c(x).
d(x) :- none(x).
d(x) :- a(x), !none(x).
.output d
`);
    expect(run("d")).toEqual(["1", "10", "2", "20"]);
  });

  it("rejects a cycle of inline relations (CL239), and accepts a cycle through a stored one", () => {
    expect(errors(`
.decl a(x: number)
.input a
.decl m(x: number) inline
.decl n(x: number) inline
.decl p(x: number)
.output p
m(x) :- a(x).
m(x) :- n(x).
n(x) :- m(x).
p(x) :- n(x).
`)).toEqual(["CL239 4:7 the inline relations `m`, `n` depend on each other in a cycle, so they cannot be inlined"]);
    expect(errors(`
.decl a(x: number)
.input a
.decl m(x: number) inline
.decl s(x: number)
.decl p(x: number)
.output p
m(x) :- a(x).
m(x) :- s(x).
s(x) :- m(x).
p(x) :- m(x).
`)).toEqual([]);
  });

  it("rejects a negated inline relation that brings in variables, and `_` in a negated inline atom", () => {
    expect(errors(`
.decl d(x: number, y: number)
d(1, 2).
.decl b(x: number) inline
b(x) :- d(x, y), y > 0.
.decl e(x: number) inline
e(x) :- d(x, x).
.decl f(x: number, y: number) inline
f(x, y) :- d(x, y).
.decl a(x: number)
a(x) :- d(x, _), !b(x).
a(x) :- d(x, _), !e(x).
a(x) :- d(x, _), !f(x, _).
.output a
`)).toEqual([
      "CL239 11:18 `!b(…)` cannot be inlined: a rule of `b` has the variable `y`, which its head does not bind",
      "CL239 13:24 `_` cannot be an argument of the negated inline relation `f`",
    ]);
  });

  it("rejects an inline relation inside an aggregate, and `autoinc()` in an inline rule", () => {
    expect(errors(`
.decl d(x: number)
d(1).
.decl b(x: number) inline
b(x) :- d(x).
.decl c(n: number)
c(n) :- n = count : { b(_) }.
.output c
`)).toEqual(["CL239 7:23 the inline relation `b` cannot be used inside an aggregate"]);
    expect(errors(`
.decl d(x: number)
d(1).
.decl b(x: number, i: number) inline
b(x, autoinc()) :- d(x).
.decl c(x: number, i: number)
c(x, i) :- b(x, i).
.output c
`)).toEqual(["CL239 5:6 a rule of the inline relation `b` cannot use `autoinc()` (`$`)"]);
  });

  it("reports a variable left ungrounded once the inline rules are put in place", () => {
    const c = compile({ path: "t.dl", text: `
.decl eq(x: number, y: number) inline
eq(x, y) :- x = y.
.decl out(x: number, y: number)
out(a, b) :- eq(a, b).
.output out
` });
    const e = c.diagnostics.items.filter((d) => d.severity === "error");
    expect(e.map((d) => d.code)).toEqual(["CL205", "CL205"]);
    expect(e[0]!.notes.join(" ")).toContain("inline relation `eq`");
  });

  // Whether a relation is inline does not change what a program computes (when both forms are valid).
  test.prop([
    fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })), { maxLength: 12 }),
    fc.constantFrom("x < y", "x != y", "x = y", "true"),
    fc.boolean(),
  ])("inlining gives the same relations as storing", (edges, cond, negated) => {
    const program = (inline: string): string => `
.decl e(x: number, y: number)
${edges.map(([a, b]) => `e(${a}, ${b}).`).join(" ")}
.decl v(x: number)
v(x) :- e(x, _). v(y) :- e(_, y).
.decl mid(x: number, y: number) ${inline}
mid(x, y) :- e(x, y), ${cond}.
mid(x, x) :- v(x), x > 2.
.decl out(x: number, y: number)
out(a, b) :- v(a), v(b), ${negated ? "!" : ""}mid(a, b).
.output out
`;
    expect(runProgram(program("inline"))("out")).toEqual(runProgram(program(""))("out"));
  });
});

describe("relations kept stored although declared `inline`", () => {
  it("honours `no_inline`, `no_magic` and `.pragma \"inline-exclude\"`, as Soufflé does", () => {
    const text = (qualifiers: string, pragma: string): string => `
${pragma}
.decl a(x: number)
a(1). a(2).
.decl b(x: number, y: number) inline ${qualifiers}
b(x, y) :- x != y.
.decl c(x: number, y: number)
c(x, y) :- a(x), a(y), b(x, y).
.output c
`;
    expect(errors(text("", ""))).toEqual([]);
    for (const [q, p] of [["no_inline", ""], ["no_magic", ""], ["", '.pragma "inline-exclude" "b"'], ["", '.pragma "magic-transform-exclude" "z,b"']]) {
      expect(errors(text(q!, p!)), `${q} ${p}`).toEqual(["CL205 6:3 variable `x` is not grounded", "CL205 6:6 variable `y` is not grounded"]);
    }
  });
});
