// `range(a, b, 0)` as Soufflé's runRange: a zero step gives `a` once, unless the range is empty.
import { describe, expect, test } from "vitest";
import { runProgram } from "./run-program.js";

describe("range with a zero step", () => {
  test("gives the start once over a non-empty range, for number, unsigned and float", () => {
    const out = runProgram(`.decl i(x: number)
.decl u(x: unsigned)
.decl f(x: float)
.decl e(x: number)
.output i, u, f, e
i(x) :- x = range(5, 1, 0).
u(x) :- x = range(1, 5, 0).
f(x) :- x = range(3.75, 5.0, 0.0).
e(x) :- x = range(5, 5, 0).
`);
    expect(out("i")).toEqual(["5"]);
    expect(out("u")).toEqual(["1"]);
    expect(out("f")).toEqual(["3.75"]);
    expect(out("e")).toEqual([]);
  });
});
