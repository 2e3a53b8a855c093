import { describe, expect, it } from "vitest";
import { compile } from "../../src/pipeline.js";

const found = (text: string): string[] =>
  compile({ path: "t.dl", text }).diagnostics.items.filter((d) => d.code === "CL238" || d.code === "CL107" || d.code === "CL101").map((d) => `${d.code} ${"line" in d.span ? `${d.span.line}:${d.span.column}` : ""} ${d.message}`);

const PATHS = `
.decl e(x: number, y: number)
e(1, 2). e(2, 3).
.decl p(x: number, y: number)
.decl q(x: number)
.output p, q
p(x, y) :- e(x, y).
`;

describe("`.plan`", () => {
  it("accepts a plan that numbers every positive atom once, for versions of the rule's recursive atoms", () => {
    expect(found(`${PATHS}p(x, z) :- p(x, y), !e(z, z), p(y, z), e(x, _).
  .plan 0: (1, 2, 3), 1: (2, 3, 1)
`)).toEqual(["CL107 9:3 `.plan` is accepted and ignored: calmlog orders each rule's joins itself"]);
  });

  it("rejects orders that miss, repeat or add atoms, and versions past the recursive atoms (CL238)", () => {
    expect(found(`${PATHS}p(x, z) :- p(x, y), p(y, z), e(x, _).
  .plan 0: (1, 1, 3), 1: (1, 2), 2: (3, 2, 1)
`)).toEqual([
      "CL238 9:12 this order is incomplete: it must name each atom 1..3 once",
      "CL238 9:26 this order names 2 atoms, but the rule has 3 positive atoms",
      "CL238 9:37 `.plan` gives an order for version 2, but this rule has only versions 0..1",
    ]);
  });

  it("rejects a plan on a rule that is not recursive, and a plan after a fact", () => {
    expect(found(`${PATHS}q(x) :- p(x, _), e(x, _).
  .plan 0: (2, 1)
q(1).
  .plan 0: (1)
`).sort()).toEqual([
      "CL101 11:3 `.plan` belongs right after a rule (`head :- body.`)",
      "CL238 9:12 `.plan` orders the joins of a recursive rule, but this rule for `q` is not recursive",
    ]);
  });

  it("counts a subsumption rule's two atoms, and checks a plan inside a component once per instance", () => {
    expect(found(`
.decl d(x: number)
d(3). d(1).
d(a) <= d(b) :- a > b.
  .plan 0: (2, 1), 1: (1, 2)
.output d
.comp C {
  .decl r(x: number)
  r(x) :- r(y), x = y + 1, x < 3.
    .plan 1: (1)
  r(0).
}
.init c1 = C
.init c2 = C
.output c1.r
`)).toEqual([
      "CL107 5:3 `.plan` is accepted and ignored: calmlog orders each rule's joins itself",
      "CL238 10:14 `.plan` gives an order for version 1, but this rule has only versions 0..0",
    ]);
  });
});
