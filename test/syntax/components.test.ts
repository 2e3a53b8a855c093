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

const errorsOf = (text: string): string[] =>
  compile({ path: "c.dl", text }).diagnostics.items.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`);

describe("component checks (Soufflé's ComponentChecker)", () => {
  test("`.override` needs a relation a base declares `overridable`, and not one of the component's own", () => {
    expect(errorsOf(`.comp A {
  .decl r(x: number)
  .decl s(x: number) overridable
}
.comp B : A {
  .override r
  .override s
  r(2). s(2).
}
.comp C {
  .decl t(x: number) overridable
  .override t
}
`)).toEqual([
      "CL216 6:3 `.override r` in component `B`: `r` of `A` is not `overridable`",
      "CL216 12:3 `.override t` in component `C`: `t` is declared in `C` itself, not inherited",
    ]);
  });

  test("an overridable relation's rules come from the overriding component only", () => {
    const c = compile({ path: "c.dl", text: `.comp A {
  .decl r(x: number) overridable
  r(1).
}
.comp B : A {
  .override r
  r(2).
}
.init b = B
.output b.r
` });
    expect(c.diagnostics.items.filter((d) => d.severity === "error")).toEqual([]);
    expect(c.checked.clauses.map((cl) => `${cl.head.relation.name}(${cl.head.args.map((a) => (a.kind === "number" ? a.value : "?")).join(",")})`)).toEqual(["b.r(2)"]);
  });

  test("components and instances share one namespace with types and relations (CL204)", () => {
    expect(errorsOf(`.type t <: symbol
.decl r(x: number)
.comp t { }
.comp r { }
.comp K { }
.init K = K
.init r = K
.init i = K
.init i = K
`)).toEqual([
      "CL204 3:7 the component `t` has the name of a type",
      "CL204 4:7 the component `r` has the name of a relation",
      "CL204 6:7 the instance `K` has the name of a component",
      "CL204 7:7 the instance `r` has the name of a relation",
      "CL204 9:7 the instance `i` has the name of an instance",
    ]);
  });

  test("`.init` finds a component declared inside a base component", () => {
    const c = compile({ path: "c.dl", text: `.comp Model {
  .comp Inner {
    r("inner").
  }
}
.comp Concrete : Model {
  .decl r(s: symbol)
  .init i = Inner
}
.init c = Concrete
.output c.r
` });
    expect(c.diagnostics.items.filter((d) => d.severity === "error")).toEqual([]);
    expect(c.checked.clauses.map((cl) => cl.head.relation.name)).toEqual(["c.r"]);
  });
});
