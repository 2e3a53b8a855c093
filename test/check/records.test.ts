// Records, `nil` and ADT values are checked against their column's type, as Soufflé checks them.
import { describe, expect, test } from "vitest";
import { compile } from "../../src/pipeline.js";

function errors(text: string): string[] {
  return compile({ path: "t.dl", text })
    .diagnostics.items.filter((d) => d.severity === "error")
    .map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`)
    .sort((a, b) => Number(/ (\d+):/.exec(a)![1]) - Number(/ (\d+):/.exec(b)![1]));
}

describe("record and ADT terms fit their column", () => {
  test("nil only where a record is expected, at any depth (Soufflé's record_null)", () => {
    expect(
      errors(`.type N <: symbol
.type L = [h: N, t: L]
.decl a(a: N, b: L, l: L)
a("N", nil, nil).
a("N", nil, ["N", ["N", nil]]).
a(nil, nil, nil).
a("N", nil, [nil, nil]).
`),
    ).toEqual([
      "CL203 6:3 `nil` is used as a non-record: `a: N` of `a` is not a record type",
      "CL203 7:14 `nil` is used as a non-record: field 1 of `l: L` of `a` is not a record type",
    ]);
  });

  test("a record has its type's number of fields; constant fields have the field's kind; branches belong to the column's ADT", () => {
    expect(
      errors(`.type One = [x: number]
.type P = [x: number, s: symbol]
.type S = Dot {} | Box {w: number}
.type Q = Other {}
.decl one(x: One)
.decl p(x: P)
.decl s(x: S)
one([1]).
one([1, 1]).
p([1, "a"]).
p(["a", 1]).
s($Box(2)).
s($Other()).
.decl n(x: number)
n([1]) :- one([1]).
.decl m(x: symbol)
m([2]) :- one([2]).
`),
    ).toEqual([
      "CL203 9:5 the record has 2 fields but `x: One` of `one` has 1",
      "CL203 11:4 the symbol \"a\" is given for field 1 of `x: P` of `p`, which is not a symbol",
      "CL203 11:9 the number `1` is given for field 2 of `x: P` of `p`, which is not a number",
      "CL203 13:3 `$Other` is no branch of the type of `x: S` of `s` (branches: `$Dot`, `$Box`)",
      "CL203 15:3 `[1]` is a `symbol`, but column `x` of `n` is a `number`",
      "CL203 17:3 a record is used where `x: symbol` of `m` is expected, which is not a record type",
    ]);
  });
});
