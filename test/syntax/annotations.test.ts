// Soufflé 2.5's annotations and the declarations calmlog reads but does not use.
import { describe, expect, it } from "vitest";
import { compile } from "../../src/pipeline.js";
import { runProgram } from "../eval/run-program.js";

const codes = (text: string): string[] => compile({ path: "a.dl", text }).diagnostics.items.map((d) => `${d.code} ${"line" in d.span ? `${d.span.line}:${d.span.column}` : ""}`);

describe("annotations", () => {
  it("skips `@[...]` and `@![...]` wherever Soufflé allows them, brackets nested and strings kept whole", () => {
    const text = `
@[doc = "a type"] @[form = {=} [x] (y)]
.type P = [ @[field] a: number, b: number ]
@[xdecl(.decl fake(x: number))]
.decl p(@[col = "] not the end"] x: P)
.decl q(x: number)
@[x(p)] p([1, 2]),
@[x(q)] q(i) :- @![inner = (1, 2)] i = range(0, 3).
.output p, q
`;
    expect(codes(text)).toEqual([]);
    const run = runProgram(text);
    expect(run("p")).toEqual(["[1, 2]"]);
    expect(run("q")).toEqual(["0", "1", "2"]);
  });

  it("reports an annotation that never closes, and keeps `@f(...)` a user-defined functor call", () => {
    expect(codes(".decl p(x: number)\n@[doc = (\np(1).\n")[0]).toMatch(/^CL10[12] 2:1/);
    expect(codes(".decl p(x: number)\np(@f(1)).\n")).toContain("CL104 2:3");
  });

  it("accepts `.functor` and `.lattice` declarations with a note (CL119)", () => {
    expect(codes(`.type T = A {} | B {}
.functor lub(a: T, b: T): T stateful
.lattice T<> {
  Bottom -> $A(),
  Lub -> @lub(_, _)
}
.decl p(x: number)
p(1).
.output p
`)).toEqual(["CL119 2:1", "CL119 3:1"]);
  });
});
