// Diagnostics inside a component body point at the `.init` that instantiated it, too.
import { describe, expect, test } from "vitest";
import { compile } from "../../src/compile.js";

const GRAPH = `.comp Graph<N> {
  .decl edge(a: N, b: N)
  .decl reach(a: N, b: N)
  reach(x, y) :- edge(x, y), missing(x).
}
.init g = Graph<number>
.init h = Graph<number>
.output g.reach
`;

const notes = (text: string): string[] =>
  compile({ path: "c.dl", text }).diagnostics.items.map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.related.filter((r) => r.message.startsWith("in component")).map((r) => `${r.span.line}:${r.message}`).join(" | ")}`);

describe("instantiation notes", () => {
  test("a finding in a component body names each instantiation once; one about `g.edge` names `g` alone", () => {
    expect(notes(GRAPH).filter((n) => n.startsWith("CL201"))).toEqual([
      "CL201 4:30 6:in component `Graph`, instantiated here as `g` | 7:in component `Graph`, instantiated here as `h`",
    ]);
    const warnings = notes(GRAPH.replace(", missing(x)", ""));
    expect(warnings).toContain("CL213 4:18 6:in component `Graph`, instantiated here as `g`");
    expect(warnings).toContain("CL213 4:18 7:in component `Graph`, instantiated here as `h`");
  });

  test("nested and inherited components name the chain of `.init`s", () => {
    const text = `.comp Base {
  .decl r(x: number)
  r(x) :- nope(x).
}
.comp Outer {
  .comp Inner : Base {}
  .init i = Inner
}
.init o = Outer
`;
    expect(notes(text)).toEqual(["CL201 3:11 7:in component `Base`, instantiated here as `o.i` (inside `o`)"]);
  });

  test("a finding outside every component gets no such note", () => {
    expect(notes(`${GRAPH.replace(", missing(x)", "")}.decl top(x: number)\ntop(x) :- gone(x).\n`).filter((n) => n.startsWith("CL201"))).toEqual(["CL201 10:11 "]);
  });
});
