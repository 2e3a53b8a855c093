// Witnesses of `min` and `max`, as Soufflé grounds them: a variable bound only inside the aggregate
// takes its values from the tuples that reach the result.
import { describe, expect, test } from "vitest";
import { runProgram } from "./run-program.js";

const run = runProgram;

describe("aggregate witnesses", () => {
  test("the tallest student, the pair with the least sum, two witnesses of one maximum", () => {
    const out = run(`
.decl student(name: symbol, height: number)
student("Anna", 170). student("Rachel", 177). student("Quarantina", 180). student("Tie", 180).
.decl tallest(s: symbol, h: number)
tallest(s, n) :- n = max h : { student(s, h) }.
.decl a(x: number, y: number)
a(1, 2). a(5, 6). a(-50, 3). a(54, 5).
.decl minsum(x: number, y: number, s: number)
minsum(x, y, s) :- s = min w : { a(x, y), w = x + y }.
.decl minsum2(x: number, y: number, s: number)
minsum2(x, y, s) :- s = min x + y : { a(x, y) }.
.decl h(x: number, y: number, z: number)
h(1, 2, 3). h(24, 5, 6). h(7, 8, 9).
.decl g(r: number, a: number, b: number)
g(r, a, b) :- r = max x : { h(x, a, b) }.
.output tallest, minsum, minsum2, g
`);
    expect(out("tallest")).toEqual(["Quarantina\t180", "Tie\t180"]);
    expect(out("minsum")).toEqual(["-50\t3\t-47"]);
    expect(out("minsum2")).toEqual(["-50\t3\t-47"]);
    expect(out("g")).toEqual(["24\t5\t6"]);
  });

  test("a grouping variable bound outside is no witness; the witness is found per group", () => {
    const out = run(`
.decl len(x: symbol, y: symbol, l: number)
len("a", "b", 2). len("a", "b", 5). len("a", "c", 3). len("b", "c", 4).
.decl longest(y: symbol, x: symbol, l: number)
longest(y, x, l) :- l = max m : len(x, y, m).
.decl node(x: symbol)
node("a"). node("b").
.decl far(x: symbol, y: symbol)
far(x, y) :- node(x), l = max m : { len(x, y, m) }, l > 0.
.output longest, far
`);
    expect(out("longest")).toEqual(["b\ta\t5"]);
    expect(out("far")).toEqual(["a\tb", "b\tc"]);
  });
});
