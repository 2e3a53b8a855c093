// Every construct of the language parses to the AST it stands for.
import { describe, expect, test } from "vitest";
import type { Body, Rule, Term } from "../../src/syntax/ast.js";
import { diagnosticsOf, itemsOf, parseClean, strip } from "./helpers.js";

const v = (name: string) => ({ kind: "var", name });
const n = (value: number, text = String(value), type = "number") => ({ kind: "number", value, type, text });
const s = (value: string) => ({ kind: "string", value });
const w = { kind: "wildcard" };
const id = (name: string) => ({ name });
const atom = (rel: string, ...args: unknown[]) => ({ relation: id(rel), args });
const lit = (rel: string, ...args: unknown[]) => ({ kind: "atom", negated: false, atom: atom(rel, ...args) });
const neg = (rel: string, ...args: unknown[]) => ({ kind: "atom", negated: true, atom: atom(rel, ...args) });
const cmp = (op: string, left: unknown, right: unknown, negated = false) => ({ kind: "cmp", op, left, right, negated });
const bin = (op: string, left: unknown, right: unknown) => ({ kind: "binary", op, left, right });
const un = (op: string, operand: unknown) => ({ kind: "unary", op, operand });

/** The body of the only rule in `text`. */
function bodyOf(text: string): unknown {
  const [rule] = itemsOf(text) as Rule[];
  return rule?.body;
}

/** The right-hand side of `x = TERM` in a one-rule program. */
function termOf(term: string): unknown {
  const body = bodyOf(`r(x) :- x = ${term}.`) as { right: Term };
  return body.right;
}

describe("declarations and directives", () => {
  test("relation declarations keep attributes and qualifiers", () => {
    expect(itemsOf(".decl edge(a: number, b: symbol) btree brie\n.decl empty()")).toEqual([
      { kind: "decl", name: id("edge"), attributes: [{ name: id("a"), type: id("number") }, { name: id("b"), type: id("symbol") }], qualifiers: [id("btree"), id("brie")] },
      { kind: "decl", name: id("empty"), attributes: [], qualifiers: [] },
    ]);
  });

  test("`.decl a, b(...)` declares each relation", () => {
    const items = itemsOf(".decl a, b(x: number) inline") as { name: { name: string }; qualifiers: unknown[] }[];
    expect(items.map((d) => d.name.name)).toEqual(["a", "b"]);
    expect(items[1]!.qualifiers).toEqual([id("inline")]);
  });

  test("a qualifier is not confused with the next clause", () => {
    const items = itemsOf(".decl a(x: number) brie\nb(1).") as { kind: string }[];
    expect(items.map((i) => i.kind)).toEqual(["decl", "rule"]);
  });

  test("types: subtype, alias, union", () => {
    expect(itemsOf(".type Id <: symbol\n.type N = number\n.type U = A | B | C")).toEqual([
      { kind: "type", name: id("Id"), form: "subtype", bases: [id("symbol")] },
      { kind: "type", name: id("N"), form: "alias", bases: [id("number")] },
      { kind: "type", name: id("U"), form: "union", bases: [id("A"), id("B"), id("C")] },
    ]);
  });

  test("io directives with several relations and parameters", () => {
    expect(itemsOf('.input a, b(IO=file, filename="x.facts", delimiter="\\t", headers=true, n=3)\n.output c\n.printsize d')).toEqual([
      {
        kind: "directive",
        directive: "input",
        relations: [id("a"), id("b")],
        params: [
          { key: id("IO"), value: "file" },
          { key: id("filename"), value: "x.facts" },
          { key: id("delimiter"), value: "\t" },
          { key: id("headers"), value: "true" },
          { key: id("n"), value: "3" },
        ],
      },
      { kind: "directive", directive: "output", relations: [id("c")], params: [] },
      { kind: "directive", directive: "printsize", relations: [id("d")], params: [] },
    ]);
  });

  test("invariants with and without a description", () => {
    expect(itemsOf('.invariant oversold "each product has sold <= stock"\n.invariant bad')).toEqual([
      { kind: "invariant", relation: id("oversold"), description: "each product has sold <= stock" },
      { kind: "invariant", relation: id("bad"), description: null },
    ]);
  });

  test("comments are ignored", () => {
    expect(itemsOf("// line\n/* block\n over lines */ a(1). // trailing\n")).toEqual([{ kind: "rule", heads: [atom("a", n(1))], body: null }]);
  });
});

describe("clauses", () => {
  test("facts and rules", () => {
    expect(itemsOf('a(1, "x").\np(x) :- a(x, _).\nz().')).toEqual([
      { kind: "rule", heads: [atom("a", n(1), s("x"))], body: null },
      { kind: "rule", heads: [atom("p", v("x"))], body: lit("a", v("x"), w) },
      { kind: "rule", heads: [atom("z")], body: null },
    ]);
  });

  test("several heads share one body", () => {
    expect(itemsOf("a(x), b(x) :- c(x).")).toEqual([{ kind: "rule", heads: [atom("a", v("x")), atom("b", v("x"))], body: lit("c", v("x")) }]);
  });

  test("`,` binds tighter than `;`, and parentheses nest", () => {
    expect(bodyOf("r(x) :- a(x), b(x); c(x).")).toEqual({ kind: "or", items: [{ kind: "and", items: [lit("a", v("x")), lit("b", v("x"))] }, lit("c", v("x"))] });
    expect(bodyOf("r(x) :- a(x), (b(x); c(x)).")).toEqual({ kind: "and", items: [lit("a", v("x")), { kind: "or", items: [lit("b", v("x")), lit("c", v("x"))] }] });
    expect(bodyOf("r(x) :- (a(x), b(x)), c(x).")).toEqual({ kind: "and", items: [{ kind: "and", items: [lit("a", v("x")), lit("b", v("x"))] }, lit("c", v("x"))] });
    expect(bodyOf("r(x) :- ((a(x))).")).toEqual(lit("a", v("x")));
  });

  test("negation, negated comparisons, true and false", () => {
    expect(bodyOf("r(x) :- a(x), !b(x), !(x < 3), true, false.")).toEqual({
      kind: "and",
      items: [lit("a", v("x")), neg("b", v("x")), cmp("<", v("x"), n(3), true), { kind: "bool", value: true }, { kind: "bool", value: false }],
    });
  });

  test("`!` over a group follows De Morgan, as in Soufflé", () => {
    expect(bodyOf("r(x) :- a(x), !(b(x), c(x)).")).toEqual({
      kind: "and",
      items: [lit("a", v("x")), { kind: "or", items: [neg("b", v("x")), neg("c", v("x"))] }],
    });
    expect(bodyOf("r(x) :- a(x), !!b(x), !true.")).toEqual({ kind: "and", items: [lit("a", v("x")), lit("b", v("x")), { kind: "bool", value: false }] });
  });

  test("every comparison operator", () => {
    for (const op of ["=", "!=", "<", "<=", ">", ">="]) {
      expect(bodyOf(`r(x) :- a(x), x ${op} 1.`)).toEqual({ kind: "and", items: [lit("a", v("x")), cmp(op, v("x"), n(1))] });
    }
  });

  test("a body literal that starts like an atom or a group can be a comparison", () => {
    expect(bodyOf('r(s) :- a(s), strlen(s) > 3.')).toEqual({ kind: "and", items: [lit("a", v("s")), cmp(">", { kind: "call", name: "strlen", args: [v("s")] }, n(3))] });
    expect(bodyOf("r(x) :- a(x), (x + 1) * 2 < 9.")).toEqual({ kind: "and", items: [lit("a", v("x")), cmp("<", bin("*", bin("+", v("x"), n(1)), n(2)), n(9))] });
  });
});

describe("terms", () => {
  test("arithmetic precedence and associativity", () => {
    expect(termOf("1 + 2 * 3")).toEqual(bin("+", n(1), bin("*", n(2), n(3))));
    expect(termOf("1 - 2 - 3")).toEqual(bin("-", bin("-", n(1), n(2)), n(3)));
    expect(termOf("2 ^ 3 ^ 2")).toEqual(bin("^", n(2), bin("^", n(3), n(2))));
    expect(termOf("-x ^ 2")).toEqual(un("-", bin("^", v("x"), n(2))));
    expect(termOf("(1 + 2) * 3 % 4 / 5")).toEqual(bin("/", bin("%", bin("*", bin("+", n(1), n(2)), n(3)), n(4)), n(5)));
  });

  test("Soufflé's bitwise and logical operators, by Soufflé's precedence", () => {
    // lor < lxor < land < bor < bxor < band < shifts < + - < * / %
    expect(termOf("a lor b lxor c land d")).toEqual(bin("lor", v("a"), bin("lxor", v("b"), bin("land", v("c"), v("d")))));
    expect(termOf("a bor b bxor c band d")).toEqual(bin("bor", v("a"), bin("bxor", v("b"), bin("band", v("c"), v("d")))));
    expect(termOf("a band b bshl 1 + 2")).toEqual(bin("band", v("a"), bin("bshl", v("b"), bin("+", n(1), n(2)))));
    expect(termOf("a bshr 1 bshru 2")).toEqual(bin("bshru", bin("bshr", v("a"), n(1)), n(2)));
    expect(termOf("bnot a land lnot b")).toEqual(bin("land", un("bnot", v("a")), un("lnot", v("b"))));
  });

  test("a minus directly before a number is part of the constant", () => {
    expect(termOf("-5")).toEqual(n(-5, "-5"));
    expect(termOf("-2147483648")).toEqual(n(-2147483648, "-2147483648"));
    expect(termOf("-1.5")).toEqual(n(-1.5, "-1.5", "float"));
    expect(termOf("-(5)")).toEqual(un("-", n(5)));
    expect(termOf("x - -5")).toEqual(bin("-", v("x"), n(-5, "-5")));
    expect(termOf("-5u")).toEqual(un("-", n(5, "5u", "unsigned")));
  });

  test("number literals in every spelling", () => {
    expect(termOf("0x1F")).toEqual(n(31, "0x1F"));
    expect(termOf("0b101")).toEqual(n(5, "0b101"));
    expect(termOf("42u")).toEqual(n(42, "42u", "unsigned"));
    expect(termOf("4294967295u")).toEqual(n(4294967295, "4294967295u", "unsigned"));
    expect(termOf("0xFFu")).toEqual(n(255, "0xFFu", "unsigned"));
    expect(termOf("1.5")).toEqual(n(1.5, "1.5", "float"));
    expect(termOf("2e3")).toEqual(n(2000, "2e3", "float"));
    expect(termOf("2.5E-1")).toEqual(n(0.25, "2.5E-1", "float"));
  });

  test("strings decode their escapes", () => {
    expect(termOf('"a\\"b\\\\c\\nd\\te\\rf"')).toEqual(s('a"b\\c\nd\te\rf'));
    expect(termOf('""')).toEqual(s(""));
  });

  test("functors", () => {
    expect(termOf('cat(a, "-", b)')).toEqual({ kind: "call", name: "cat", args: [v("a"), s("-"), v("b")] });
    for (const f of ["strlen", "ord", "to_number", "to_string"]) expect(termOf(`${f}(a)`)).toEqual({ kind: "call", name: f, args: [v("a")] });
    expect(termOf("substr(a, 0, 2)")).toEqual({ kind: "call", name: "substr", args: [v("a"), n(0), n(2)] });
    expect(termOf("min(a, b, c)")).toEqual({ kind: "call", name: "min", args: [v("a"), v("b"), v("c")] });
    expect(termOf("max(a, 1) + 1")).toEqual(bin("+", { kind: "call", name: "max", args: [v("a"), n(1)] }, n(1)));
  });

  test("aggregates, long and short forms", () => {
    const agg = (op: string, target: unknown, ...body: unknown[]) => ({ kind: "aggregate", op, target, body });
    expect(termOf("count : { a(y), !b(y), y > 1 }")).toEqual(agg("count", null, lit("a", v("y")), neg("b", v("y")), cmp(">", v("y"), n(1))));
    expect(termOf("count : a(_)")).toEqual(agg("count", null, lit("a", w)));
    expect(termOf("sum y : { a(y) }")).toEqual(agg("sum", v("y"), lit("a", v("y"))));
    expect(termOf("sum y * 2 : { a(y) }")).toEqual(agg("sum", bin("*", v("y"), n(2)), lit("a", v("y"))));
    expect(termOf("min y : a(y)")).toEqual(agg("min", v("y"), lit("a", v("y"))));
    expect(termOf("max (y) : { a(y) }")).toEqual(agg("max", v("y"), lit("a", v("y"))));
    expect(termOf("mean y : { a(y), (b(y), c(y)) }")).toEqual(agg("mean", v("y"), lit("a", v("y")), lit("b", v("y")), lit("c", v("y"))));
  });

  test("an aggregate is a term like any other", () => {
    const count = { kind: "aggregate", op: "count", target: null, body: [lit("a", v("y"))] };
    expect(termOf("count : { a(y) } + 1")).toEqual(bin("+", count, n(1)));
    expect(termOf("max(count : { a(y) }, 2)")).toEqual({ kind: "call", name: "max", args: [count, n(2)] });
    expect(bodyOf("r(x) :- b(x), count : { a(y) } >= x.")).toEqual({ kind: "and", items: [lit("b", v("x")), cmp(">=", count, v("x"))] });
  });
});

describe("spans", () => {
  test("items and terms carry exact spans", () => {
    const program = parseClean(".decl a(x: number)\n  p(x) :- a(x), x > 10.\n");
    const rule = program.items[1] as Rule;
    expect([rule.span.line, rule.span.column, rule.span.endLine, rule.span.endColumn]).toEqual([2, 3, 2, 24]);
    const cmpLit = (rule.body as Extract<Body, { kind: "and" }>).items[1]!;
    expect([cmpLit.span.start, cmpLit.span.end]).toEqual([35, 41]);
    expect(program.span).toMatchObject({ start: 0, end: 43, file: "test.dl" });
  });

  test("a parenthesised term's span holds its parentheses, and so does the operation around it", () => {
    const text = "r(x) :- x = (a + 1) * 2.";
    const [rule] = parseClean(text).items as Rule[];
    const right = (rule!.body as Extract<Body, { kind: "cmp" }>).right as Extract<Term, { kind: "binary" }>;
    expect(text.slice(right.span.start, right.span.end)).toBe("(a + 1) * 2");
    expect(text.slice(right.left.span.start, right.left.span.end)).toBe("(a + 1)");
  });

  test("a program with only comments is empty", () => {
    expect(strip(parseClean("// nothing here\n/* at all */").items)).toEqual([]);
    expect(diagnosticsOf("").lines).toEqual([]);
  });
});
