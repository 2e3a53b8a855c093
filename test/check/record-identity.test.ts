import { describe, expect, it } from "vitest";
import { compile } from "../../src/pipeline.js";

const errors = (text: string): string[] =>
  compile({ path: "t.dl", text }).diagnostics.items.filter((d) => d.severity === "error").map((d) => `${d.code} ${"line" in d.span ? `${d.span.line}:${d.span.column}` : ""} ${d.message}`);

describe("record and ADT types are nominal", () => {
  it("rejects one variable in columns of two record types with the same fields", () => {
    expect(errors(`.type A = [x: number]
.type B = [x: number]
.decl a(v: A)
.decl b(v: B)
b([1]).
a(v) :- b(v).
.output a
`)).toEqual(["CL203 6:11 `v` has the type `A`, but `v` of `b` has the type `B`, a different record type"]);
  });

  it("accepts an alias of a record type, and the same record type through two relations", () => {
    expect(errors(`.type A = [x: number]
.type C = A
.decl a(v: A)
.decl c(v: C)
.decl d(v: A)
c([1]).
a(v) :- c(v), d(v).
d([1]).
.output a
`)).toEqual([]);
  });

  it("tells apart the record types of two instances of one component", () => {
    expect(errors(`.comp K<P> {
  .type inner = [x: P]
  .decl r(a: inner)
  r(["s"]).
}
.type s1 <: symbol
.init k1 = K<s1>
.init k2 = K<s1>
.decl both(a: k1.inner)
both(x) :- k1.r(x).
both(x) :- k2.r(x).
.output both
`)).toEqual(["CL203 11:17 `x` has the type `k1.inner`, but `a` of `k2.r` has the type `k2.inner`, a different record type"]);
  });
});
