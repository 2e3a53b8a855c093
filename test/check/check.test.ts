import { describe, expect, test } from "vitest";
import { check } from "../../src/check/check.js";
import { Diagnostics, type Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { parse } from "../../src/syntax/parse.js";

/** Parses (which must succeed) and checks; returns the diagnostics by position. */
function diagnose(text: string): Diagnostic[] {
  const diags = new Diagnostics();
  const program = parse({ path: "t.dl", text }, diags);
  expect(diags.items.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  check(program, diags);
  return diags.sorted();
}

/** `CODE line:column` for each diagnostic: pins the code and its exact place. */
function found(text: string): string[] {
  return diagnose(text).map((d) => `${d.code} ${d.span.line}:${d.span.column}`);
}

const lines = (...ls: string[]): string => ls.join("\n") + "\n";

describe("a clean program", () => {
  test("gives no diagnostics", () => {
    const text = lines(
      ".type Id <: symbol",
      ".type N = number",
      ".decl edge(x: Id, y: Id)",
      ".decl path(x: Id, y: Id)",
      ".decl out_degree(x: Id, n: N)",
      ".decl weight(x: Id, w: float)",
      ".decl heavy(x: Id, total: float)",
      ".decl label(x: Id, s: symbol)",
      ".input edge(IO=file, filename=\"edge.facts\", delimiter=\",\", headers=true)",
      ".input weight",
      ".output path",
      ".printsize out_degree",
      'edge("a", "b").',
      "path(x, y) :- edge(x, y).",
      "path(x, z) :- path(x, y), edge(y, z).",
      "out_degree(x, n) :- edge(x, _), n = count : { edge(x, _) }.",
      "heavy(x, t) :- weight(x, _), t = sum w : { weight(x, w) }, t > 2.5.",
      'label(x, s) :- edge(x, y), n = strlen(y) + 1, s = cat(y, to_string(n)), !path(y, x).',
      "label(x, s) :- edge(x, _), s = substr(x, 0, 1) ; edge(_, x), s = x.",
    );
    expect(diagnose(text)).toEqual([]);
  });

  test("check returns relations in declaration order with resolved column types", () => {
    const diags = new Diagnostics();
    const program = parse({ path: "t.dl", text: lines(".type Id <: symbol", ".decl b(x: Id, n: unsigned)", ".decl a(x: float)", ".input b", ".output a", "a(1.5).") }, diags);
    const checked = check(program, diags);
    expect([...checked.relations.keys()]).toEqual(["b", "a"]);
    expect(checked.relations.get("b")!.columns.map((c) => [c.name, c.declaredType, c.type])).toEqual([
      ["x", "Id", "symbol"],
      ["n", "unsigned", "unsigned"],
    ]);
    expect(checked.relations.get("b")!.input?.directive).toBe("input");
    expect(checked.relations.get("a")!.output?.directive).toBe("output");
    expect(checked.clauses).toHaveLength(1);
  });
});

describe("CL201 undeclared relation", () => {
  test("at the relation name, with a did-you-mean", () => {
    const ds = diagnose(lines(".decl edge(x: number)", ".decl a(x: number)", ".input edge", "a(x) :- edg(x)."));
    expect(ds.map((d) => `${d.code} ${d.span.line}:${d.span.column}`)).toEqual(["CL201 4:9"]);
    expect(ds[0]!.message).toBe("relation `edg` is not declared");
    expect(ds[0]!.help).toBe("did you mean `edge`?");
  });

  test("Soufflé's match and contains constraints are string comparisons, not relations", () => {
    expect(found(lines(".decl a(x: symbol)", ".output a", 'a(x) :- x = "ab", match("a.*", x).', 'a(x) :- x = "ab", contains("a", x).'))).toEqual([]);
    const ds = diagnose(lines(".decl a(x: number)", ".output a", 'a(x) :- x = 1, match("a.*", x).'));
    expect(ds.map((d) => d.code)).toEqual(["CL203"]);
  });
});

describe("CL202 arity mismatch", () => {
  test("at the atom, related to the declaration", () => {
    const ds = diagnose(lines(".decl edge(x: number, y: number)", "edge(1, 2, 3)."));
    expect(ds.map((d) => `${d.code} ${d.span.line}:${d.span.column}`)).toEqual(["CL202 2:1"]);
    expect(ds[0]!.message).toBe("`edge` has 2 columns but this atom gives 3");
    expect(ds[0]!.related.map((r) => `${r.span.line}:${r.span.column} ${r.message}`)).toEqual(["1:7 `edge` is declared here"]);
  });
});

describe("CL203 type mismatch", () => {
  test("a variable used as a symbol and a number: at the second use, related to the first", () => {
    const ds = diagnose(lines(".decl s(x: symbol)", ".decl n(x: number)", ".decl r(x: symbol)", ".input s, n", "r(x) :- s(x), n(x)."));
    expect(ds.map((d) => `${d.code} ${d.span.line}:${d.span.column}`)).toEqual(["CL203 5:17"]);
    expect(ds[0]!.message).toBe("`x` is a `symbol`, but column `x` of `n` is a `number`");
    expect(ds[0]!.related.map((r) => `${r.span.line}:${r.span.column}`)).toEqual(["5:3"]);
  });

  test("one report per variable even when it conflicts again", () => {
    expect(found(lines(".decl s(x: symbol)", ".decl n(x: number)", ".decl f(x: float)", ".input s, n, f", "s(x) :- s(x), n(x), f(x)."))).toEqual(["CL203 5:17"]);
  });

  test("a message quotes a compound term with the parentheses its meaning needs", () => {
    const ds = diagnose(lines(".decl s(x: symbol)", ".decl n(x: number)", ".input s", "n((a + 1) * 2) :- s(a)."));
    expect(ds.flatMap((d) => d.related.map((r) => r.message))).toContain("`(a + 1) * 2` is a `number` here");
  });

  test("a fact of the wrong type", () => {
    expect(found(lines(".decl n(x: number)", 'n("a").'))).toEqual(["CL203 2:3"]);
  });

  test("an integer literal fits number, unsigned and float; a float literal does not fit number", () => {
    expect(found(lines(".decl u(x: unsigned, y: float, z: number)", "u(1, 2, 3).", "u(1, 2, 3.5)."))).toEqual(["CL203 3:9"]);
  });

  test("a negative constant in an unsigned column", () => {
    expect(found(lines(".decl u(x: unsigned)", "u(1).", "u(-1).", "u(-(2))."))).toEqual(["CL203 3:3", "CL203 4:3"]);
  });

  test("comparing a number with a float", () => {
    expect(found(lines(".decl n(x: number)", ".decl f(x: float)", ".decl r(x: number)", ".input n, f", "r(x) :- n(x), f(y), x < y."))).toEqual(["CL203 5:21"]);
  });

  test("arithmetic mixing unsigned and number", () => {
    expect(found(lines(".decl n(x: number)", ".decl u(x: unsigned)", ".decl r(x: number)", ".input n, u", "r(z) :- n(x), u(y), z = x + y."))).toEqual(["CL203 5:29"]);
  });

  test("a functor argument of the wrong type", () => {
    expect(found(lines(".decl n(x: number)", ".decl r(x: number)", ".input n", "r(y) :- n(x), y = strlen(x)."))).toEqual(["CL203 4:26"]);
  });

  test("a functor result of the wrong type", () => {
    expect(found(lines(".decl s(x: symbol)", ".decl r(x: symbol)", ".input s", "r(y) :- s(x), y = strlen(x)."))).toEqual(["CL203 4:15"]);
  });

  test("sum of symbols", () => {
    expect(found(lines(".decl s(x: symbol)", ".decl t(n: number)", ".input s", "t(n) :- n = sum x : { s(x) }."))).toEqual(["CL203 4:17"]);
  });

  test("mean gives a float", () => {
    expect(found(lines(".decl s(x: number)", ".decl t(n: number)", ".input s", "t(n) :- n = mean x : { s(x) }."))).toEqual(["CL203 4:9"]);
  });

  test("a union over different primitive types", () => {
    const ds = diagnose(lines(".type U = number | symbol", ".type Id <: symbol", ".type V = U | Id", ".type W = number | Id"));
    expect(ds.map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`)).toEqual([
      "CL203 1:20 union `U` mixes `number` and `symbol`",
      "CL203 4:20 union `W` mixes `number` and `symbol`: `Id` is a `symbol`",
    ]);
  });
});

describe("CL204 duplicate declaration", () => {
  test("relation declared twice: at the second, related to the first", () => {
    const ds = diagnose(lines(".decl a(x: number)", ".decl a(y: symbol)"));
    expect(ds.map((d) => `${d.code} ${d.span.line}:${d.span.column}`)).toEqual(["CL204 2:7"]);
    expect(ds[0]!.related[0]!.span.line).toBe(1);
  });

  test("type declared twice", () => {
    expect(found(lines(".type T <: symbol", ".type T <: number"))).toEqual(["CL204 2:7"]);
  });

  test("two columns with one name", () => {
    expect(found(lines(".decl a(x: number, x: number)"))).toEqual(["CL204 1:20"]);
  });

  test("a relation with the name of a type, as Soufflé's one namespace for both", () => {
    const ds = diagnose(lines(".type item <: number", ".decl item(x: item)", ".decl other(x: item)"));
    expect(ds.map((d) => `${d.code} ${d.span.line}:${d.span.column}`)).toEqual(["CL204 2:7"]);
    expect(ds[0]!.related[0]!.span.line).toBe(1);
  });
});

describe("CL205 ungrounded variable", () => {
  test("a head variable bound only in a negated atom", () => {
    const ds = diagnose(lines(".decl a(x: number)", ".decl b(x: number)", ".input b", "a(x) :- !b(x)."));
    expect(ds.map((d) => `${d.code} ${d.span.line}:${d.span.column}`)).toEqual(["CL205 4:3"]);
    expect(ds[0]!.message).toBe("variable `x` is not grounded");
    expect(ds[0]!.notes[0]).toMatch(/`x` occurs only in the head and a negated atom\.$/);
  });

  test("a variable only in a comparison (no single-use warning on top)", () => {
    expect(found(lines(".decl a(x: number)", ".decl b(x: number)", ".input b", "a(x) :- b(x), y > 3."))).toEqual(["CL205 4:15"]);
  });

  test("a variable only inside a functor argument of a positive atom", () => {
    expect(found(lines(".decl a(x: number)", ".decl b(x: number)", ".input b", "a(x) :- b(x + 1)."))).toEqual(["CL205 4:3"]);
  });

  test("equalities ground transitively, in any order", () => {
    expect(found(lines(".decl a(x: number)", ".decl b(x: number)", ".input b", "a(z) :- z = y * 2, b(x), y = x + 1."))).toEqual([]);
  });

  test("equalities with an ungrounded side ground nothing", () => {
    expect(found(lines(".decl a(x: number, y: number)", ".decl b(x: number)", ".input b", "a(x, y) :- b(x), y = z + 1, z = y - 1."))).toEqual(["CL205 4:6", "CL205 4:22"]);
  });

  test("an aggregate target not bound in the aggregate body", () => {
    expect(found(lines(".decl a(x: number)", ".decl b(x: number)", ".input b", "a(s) :- s = sum y : { b(_) }."))).toEqual(["CL205 4:17"]);
  });

  test("each disjunct is grounded on its own", () => {
    expect(found(lines(".decl a(x: number)", ".decl b(x: number)", ".decl c(x: number)", ".input b, c", "a(x) :- b(x) ; c(y), x = 1 + y ; c(_)."))).toEqual(["CL205 5:3"]);
  });
});

describe("CL206 single-use variable", () => {
  test("a named variable used once", () => {
    const ds = diagnose(lines(".decl a(x: number)", ".decl b(x: number, y: number)", ".input b", "a(x) :- b(x, y)."));
    expect(ds.map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.severity}`)).toEqual(["CL206 4:14 warning"]);
  });

  test("names starting with `_` are exempt", () => {
    expect(found(lines(".decl a(x: number)", ".decl b(x: number, y: number)", ".input b", "a(x) :- b(x, _y)."))).toEqual([]);
  });
});

describe("CL207 directive names an undeclared relation", () => {
  test(".output", () => {
    expect(found(lines(".decl a(x: number)", ".output b"))).toEqual(["CL207 2:9"]);
  });

  test(".invariant", () => {
    expect(found(lines(".decl a(x: number)", ".invariant nope"))).toEqual(["CL207 2:12"]);
  });
});

describe("CL207 on .input", () => {
  test("suggests the declared name", () => {
    const ds = diagnose(lines(".decl edge(x: number)", ".input edeg"));
    expect(ds.map((d) => `${d.code} ${d.span.line}:${d.span.column}`)).toEqual(["CL207 2:8"]);
    expect(ds[0]!.help).toBe("did you mean `edge`?");
  });
});

describe("CL208 unknown type", () => {
  test("in a column", () => {
    const ds = diagnose(lines(".decl a(x: nubmer)"));
    expect(ds.map((d) => `${d.code} ${d.span.line}:${d.span.column}`)).toEqual(["CL208 1:12"]);
    expect(ds[0]!.help).toBe("did you mean `number`?");
  });

  test("as the base of a type", () => {
    expect(found(lines(".type A <: Nope"))).toEqual(["CL208 1:12"]);
  });

  test("a cycle of types is reported once", () => {
    expect(found(lines(".type A <: B", ".type B <: A", ".decl r(x: A)"))).toEqual(["CL208 2:12"]);
  });
});

describe("CL209 fact argument not constant", () => {
  test("a variable in a fact", () => {
    expect(found(lines(".decl a(x: number)", "a(x)."))).toEqual(["CL209 2:3"]);
  });

  test("constant arithmetic is allowed", () => {
    expect(found(lines(".decl a(x: number)", "a(-1).", "a(1 + 2 * 3)."))).toEqual([]);
  });
});

describe("CL210 wildcard in head", () => {
  test("in a rule head", () => {
    expect(found(lines(".decl a(x: number)", ".decl b(x: number)", ".input b", "a(_) :- b(_)."))).toEqual(["CL210 4:3"]);
  });
});

describe("CL211 bad functor", () => {
  test("wrong number of arguments", () => {
    const ds = diagnose(lines(".decl a(x: symbol)", ".decl b(x: symbol)", ".input b", "a(y) :- b(x), y = substr(x, 1)."));
    expect(ds.map((d) => `${d.code} ${d.span.line}:${d.span.column}`)).toEqual(["CL211 4:19"]);
    expect(ds[0]!.message).toBe("`substr` takes 3 arguments but is given 2");
  });
});

describe("CL212 IO parameters", () => {
  test("an unknown parameter is a warning at its key", () => {
    const ds = diagnose(lines(".decl a(x: number)", '.input a(IO=file, filename="a.facts", mode=fast)'));
    expect(ds.map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.severity}`)).toEqual(["CL212 2:39 warning"]);
  });

  test("what would be read wrongly as a plain file is an error: SQLite, stdin on an output; stdin input, rfc4180 and gzip are read", () => {
    for (const p of [".input a(IO=sqlite)", ".output a(IO=stdin)"]) {
      const ds = diagnose(lines(".decl a(x: number)", "a(1).", p));
      expect(ds.map((d) => `${d.code} ${d.severity}`)).toEqual(["CL212 error"]);
    }
    for (const p of ["compress=true", "IO=stdin", "rfc4180=true, headers=true"]) expect(diagnose(lines(".decl a(x: number)", `.input a(${p})`))).toEqual([]);
    expect(diagnose(lines(".decl a(x: number)", '.input a(rfc4180=true, delimiter="\\"")')).map((d) => `${d.code} ${d.severity}`)).toEqual(["CL212 error"]);
  });

  test("headers must be true or false", () => {
    expect(found(lines(".decl a(x: number)", ".input a(headers=yes)"))).toEqual(["CL212 2:18"]);
  });

  test("an unsupported IO kind is reported at its value; IO=stdout is one only for input", () => {
    expect(found(lines(".decl a(x: number)", ".input a(IO=sqlite)"))).toEqual(["CL212 2:10"]);
    expect(found(lines(".decl a(x: number)", ".input a(IO=stdout)"))).toEqual(["CL212 2:13"]);
    expect(found(lines(".decl a(x: number)", "a(1).", ".output a(IO=stdout)"))).toEqual([]);
  });
});

describe("CL213 relation read but never defined", () => {
  test("at the first read, related to the declaration", () => {
    const ds = diagnose(lines(".decl a(x: number)", ".decl b(x: number)", "a(x) :- b(x)."));
    expect(ds.map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.severity}`)).toEqual(["CL213 3:9 warning"]);
    expect(ds[0]!.related[0]!.span.line).toBe(2);
  });
});

describe("CL213 through an output", () => {
  test("an output relation that nothing defines", () => {
    expect(found(lines(".decl a(x: number)", ".output a"))).toEqual(["CL213 2:9"]);
  });

  test("facts and .input both define", () => {
    expect(found(lines(".decl a(x: number)", ".decl b(x: number)", ".input b", "a(1).", ".output a, b"))).toEqual([]);
  });
});

describe("CL214 aggregate misuse", () => {
  test("witness problem: a variable bound only inside an aggregate used outside", () => {
    const ds = diagnose(lines(".decl a(x: number, c: number)", ".decl b(x: number)", ".input b", "a(x, c) :- c = count : { b(x) }."));
    expect(ds.map((d) => `${d.code} ${d.span.line}:${d.span.column}`)).toEqual(["CL214 4:3"]);
    expect(ds[0]!.related[0]!.span.column).toBe(16);
  });

  test("nested aggregates are accepted; the inner one reads the outer body's variables", () => {
    expect(found(lines(".decl b(x: number)", ".decl a(c: number)", ".input b", "a(c) :- c = sum y : { b(y), y = count : { b(_) } }."))).toEqual([]);
    expect(found(lines(".decl b(x: number, y: number)", ".decl a(c: number)", ".input b", "a(c) :- c = sum y : { b(x, _), y = count : { b(x, _) } }."))).toEqual([]);
  });
});

describe("CL234 mutually dependent aggregates", () => {
  test("each aggregate uses a variable only the other grounds (judged literal by literal, as Soufflé does)", () => {
    const text = lines(
      ".decl r(i: number, j: number, h: number)",
      ".input r",
      ".decl s(i: number, j: number)",
      "s(i, j) :- r(i, j, h), 0 = count : { r(x, j, z), x < i, z > h }, 0 = count : { r(i, y, z), y < j, z > h }.",
    );
    expect(found(text)).toEqual(["CL234 4:28", "CL234 4:70"]);
  });

  test("one-way dependence, or variables each aggregate grounds itself, is fine", () => {
    expect(found(lines(".decl r(i: number, j: number)", ".input r", ".decl s(i: number, n: number)", "s(i, n) :- r(i, _), n = count : { r(i, _) }, 0 = count : { r(x, i), x > n }."))).toEqual([]);
    expect(found(lines(".decl r(i: number, j: number)", ".input r", ".decl s(n: number, m: number)", "s(n, m) :- n = count : { r(x, _) }, m = count : { r(_, x) }."))).toEqual([]);
  });
});

describe("CL215 invariant on a relation without rules", () => {
  test("an input relation", () => {
    expect(found(lines(".decl a(x: number)", ".input a", ".invariant a"))).toEqual(["CL215 3:12"]);
  });

  test("a derived relation is fine", () => {
    expect(found(lines(".decl a(x: number)", ".decl bad(x: number)", ".input a", "bad(x) :- a(x), x < 0.", ".invariant bad"))).toEqual([]);
  });
});

describe("after syntax errors", () => {
  test("relations whose rules were dropped are not reported as never defined", () => {
    const diags = new Diagnostics();
    const text = lines(".decl a(x: number)", ".decl b(x: number)", "b(x) :- a(x) a(x).", ".output b");
    check(parse({ path: "t.dl", text }, diags), diags);
    const codes = diags.items.map((d) => d.code);
    expect(codes.some((c) => c.startsWith("CL1"))).toBe(true);
    expect(codes).not.toContain("CL213");
  });
});
