// Each syntax diagnostic, pinned at its exact line and column, and the recovery that keeps one
// mistake to one message.
import { describe, expect, test } from "vitest";
import type { Rule } from "../../src/syntax/ast.js";
import { diagnosticsOf } from "./helpers.js";

/** Names of the relations the program kept (a rule by its first head). */
function kept(text: string): string[] {
  return diagnosticsOf(text).program.items.map((i) => (i.kind === "rule" ? (i as Rule).heads[0]!.relation.name : i.kind === "decl" ? `.decl ${i.name.name}` : i.kind));
}

describe("CL101 syntax errors", () => {
  test("a token the grammar does not allow, with labels in the message", () => {
    expect(diagnosticsOf("p(x :- q(x).").lines).toEqual(["CL101 1:5-1:7 expected `)` but found `:-`"]);
    expect(diagnosticsOf(".decl a(x number)").lines).toEqual(["CL101 1:11-1:17 expected `:` but found `number`"]);
  });

  test("a missing `.` at the end of the file points just after the last token", () => {
    expect(diagnosticsOf("p(x) :- q(x)\n\n// done\n").lines).toEqual(["CL101 1:13-1:13 expected `.` to end the clause but found end of file"]);
  });

  test("a missing `.` at the end of a line: the next clause is still read", () => {
    const text = "p(x) :- q(x)\nr(x) :- q(x).\n";
    expect(diagnosticsOf(text).lines).toEqual(["CL101 2:1-2:2 expected `.` to end the clause but found `r`"]);
    expect(kept(text)).toEqual(["p", "r"]);
  });

  test("several errors in one file are all reported, one per clause", () => {
    const text = ["p(x) :- q(x) r(x), s(x).", "ok(1).", "t(x) :- (q(x).", ".decl d(x: number", "u(1) v(2).", "fine(2)."].join("\n");
    expect(diagnosticsOf(text).lines).toEqual([
      "CL101 1:14-1:15 expected `.` to end the clause but found `r`",
      "CL101 3:14-3:15 expected `)` but found `.`",
      "CL101 5:1-5:2 expected `)` but found `u`",
    ]);
    expect(kept(text)).toEqual(["ok", "fine"]);
  });

  test("a literal where none can start", () => {
    expect(diagnosticsOf("p(x) :- q(x), .").lines).toEqual(["CL101 1:15-1:16 expected a literal (an atom, a comparison, `true` or `false`) but found `.`"]);
  });

  test("places that expect a kind of thing say which", () => {
    expect(diagnosticsOf("p(x) :- q(x), x = .").lines).toEqual(["CL101 1:19-1:20 expected a term but found `.`"]);
    expect(diagnosticsOf("p(x) :- q(x), x = count : .").lines).toEqual(["CL101 1:27-1:28 expected `{` or an atom after the aggregate's `:` but found `.`"]);
    expect(diagnosticsOf(".type T =").lines).toEqual(["CL101 1:10-1:10 expected a type name or `[` but found end of file"]);
    expect(diagnosticsOf(".input a(IO=)").lines).toEqual(["CL101 1:13-1:14 expected a value (a string, a name or a number) but found `)`"]);
  });

  test("a stray token at the top level", () => {
    expect(diagnosticsOf("a(1).\n) b(2).\nc(3).").lines).toEqual(["CL101 2:1-2:2 expected a clause or a directive but found `)`"]);
  });

  test("a `.` after a directive gets its own message and loses nothing", () => {
    const text = ".decl a(x: number).\na(1).";
    expect(diagnosticsOf(text).lines).toEqual(["CL101 1:19-1:20 a directive does not end with `.`"]);
    expect(kept(text)).toEqual([".decl a", "a"]);
  });

  test("an unknown directive is skipped with its arguments", () => {
    const text = "a(1).\n.frobnicate a, b\nc(1).";
    expect(diagnosticsOf(text).lines).toEqual(["CL101 2:1-2:12 unknown directive `.frobnicate`"]);
    expect(kept(text)).toEqual(["a", "c"]);
  });

  test("a fact has one head", () => {
    expect(diagnosticsOf("a(1), b(2).").lines).toEqual(["CL101 1:7-1:11 a fact has exactly one head; write each fact as its own clause ending in `.`"]);
  });

  test("an aggregate body is a conjunction", () => {
    const { lines, program } = diagnosticsOf("p(n) :- n = count : { q(x); r(x) }.");
    expect(lines).toEqual(["CL101 1:27-1:28 an aggregate body is a conjunction: a disjunction (`;`, or `!` over a group) is not allowed inside `{ }`"]);
    expect(program.items).toEqual([]);
  });

  test("aggregate targets", () => {
    expect(diagnosticsOf("p(n) :- n = count x : q(x).").lines).toEqual(["CL101 1:19-1:20 `count` takes no expression: write `count : { ... }`"]);
    expect(diagnosticsOf("p(n) :- n = sum : q(n).").lines).toEqual(["CL101 1:13-1:16 `sum` needs an expression to aggregate, as in `sum x : { p(x) }`"]);
  });

  test("nesting deeper than the parser allows is refused, not a crash", () => {
    const deep = `p(x) :- q(x), x = ${"(".repeat(5000)}1${")".repeat(5000)}.\nr(1).`;
    const { lines, program } = diagnosticsOf(deep);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^CL101 1:\d+-1:\d+ the clause nests more than 200 levels deep/);
    expect(program.items).toEqual([]);
    const negations = diagnosticsOf(`p(x) :- ${"!".repeat(10000)}q(x).`).lines;
    expect(negations).toHaveLength(1);
  });

  test("a chain of operations too long to nest is refused, not a crash; one within the limit parses", () => {
    const chain = (n: number, inner = "1"): string => Array.from({ length: n + 1 }, (_, i) => (i === 0 ? inner : "1")).join(" + ");
    const long = diagnosticsOf(`r(${chain(3000)}).\ns(1).`);
    expect(long.lines).toHaveLength(1);
    expect(long.lines[0]).toMatch(/^CL101 1:\d+-1:\d+ the clause chains more than 1000 operations in one term/);
    expect(long.program.items).toEqual([]);
    // A bracketed chain hangs below the chain around it, so the two count together.
    expect(diagnosticsOf(`r(${chain(600, `(${chain(600)})`)}).`).lines).toHaveLength(1);
    // Chains in separate arguments or literals do not add up.
    expect(diagnosticsOf(`r(x) :- q(x), x = ${chain(600)}, x = ${chain(600)}.`).lines).toEqual([]);
    expect(diagnosticsOf(`r(${chain(998)}).`).lines).toEqual([]);
  });
});

describe("CL102 lexical errors", () => {
  test("a character that starts no token", () => {
    expect(diagnosticsOf("a(1) & b(2).\nc(3).").lines).toEqual(["CL102 1:6-1:7 unexpected character `&`"]);
    expect(kept("a(1) & b(2).\nc(3).")).toEqual(["c"]);
    expect(diagnosticsOf("a(1).\n€€ b(2).").lines).toEqual(["CL102 2:1-2:3 unexpected characters `€€`"]);
  });

  test("an unterminated string", () => {
    expect(diagnosticsOf('a("abc).\nb(1).').lines).toEqual(['CL102 1:3-1:9 unterminated string: the line ends before the closing `"`']);
    expect(kept('a("abc).\nb(1).')).toEqual(["b"]);
  });

  test("an unterminated block comment", () => {
    expect(diagnosticsOf("a(1).\n  /* no end\nb(2).").lines).toEqual(["CL102 2:3-2:5 unterminated block comment: this `/*` has no closing `*/`"]);
    expect(kept("a(1).\n  /* no end\nb(2).")).toEqual(["a"]);
  });
});

describe("CL103 invalid literals", () => {
  test("numbers outside their type", () => {
    expect(diagnosticsOf("a(4294967296).").lines).toEqual([
      "CL103 1:3-1:13 `4294967296` does not fit in a `number` (a signed 32-bit integer, -2147483648 to 2147483647)",
    ]);
    expect(diagnosticsOf("a(-2147483649).").lines).toHaveLength(1);
    // Up to 2^32 - 1 an unsuffixed literal may be an `unsigned` (the checker decides by its column), as in Soufflé.
    expect(diagnosticsOf("a(-2147483648, 2147483647, 0x7FFFFFFF, 4294967295u, 0xFFFFFFFF, 2147483648).").lines).toEqual([]);
    expect(diagnosticsOf("a(4294967296u).").lines).toEqual(["CL103 1:3-1:14 `4294967296u` does not fit in an `unsigned` (0 to 4294967295)"]);
    expect(diagnosticsOf("a(0x100000000).").lines).toHaveLength(1);
    expect(diagnosticsOf("a(1e999).").lines).toEqual(["CL103 1:3-1:8 the float `1e999` is out of range"]);
  });

  test("malformed numbers", () => {
    expect(diagnosticsOf("a(12abc, 0b102, 1.5u).").lines).toEqual([
      "CL103 1:3-1:8 `12abc` is not a valid number literal",
      "CL103 1:10-1:15 `0b102` is not a valid number literal",
      "CL103 1:17-1:21 `1.5u` is not a valid number literal",
    ]);
  });

  test("unknown escapes, at the escape itself", () => {
    expect(diagnosticsOf('a("ok\\n", "bad\\q here").').lines).toEqual(["CL103 1:15-1:17 unknown escape sequence `\\q` in a string"]);
  });

  test("the clause with a bad literal is still kept", () => {
    expect(kept("a(2147483648).")).toEqual(["a"]);
  });
});

describe("CL104 Soufflé constructs calmlog does not support", () => {
  const cases: [string, string][] = [
    [".init g = Graph<number>", "CL216 1:11-1:16 component `Graph` is not declared"],
    [".functor f(x: number): number stateful", "CL119 1:1-1:39 the functor declaration `f` is accepted; calling it (`@f(...)`) is not supported"],
    ["p(1).\n.plan 0: (1)", "CL101 2:1-2:13 `.plan` belongs right after a rule (`head :- body.`)"],
    ['.pragma "legacy" "on"', 'CL106 1:1-1:22 `.pragma "legacy" "on"` is accepted; it does not change what calmlog computes'],
    ["p(x) :- q(@f(x)).", "CL104 1:11-1:16 user-defined functors `@f(...)` are Soufflé syntax that calmlog does not support"],
    ['#include "other.dl"', "CL104 1:1-1:20 C-preprocessor lines (`#include`) are Soufflé syntax that calmlog does not support"],
    ["#define N 10", "CL104 1:1-1:13 C-preprocessor lines (`#define`) are Soufflé syntax that calmlog does not support"],
  ];
  test.each(cases)("%s", (text, line) => {
    expect(diagnosticsOf(text).lines).toEqual([line]);
  });

  test("choice-domain, subsumption, autoinc and `$` are read, not refused", () => {
    expect(diagnosticsOf(".decl a(x: number, y: number) choice-domain x, (x, y)").lines).toEqual([]);
    expect(diagnosticsOf("p(x) <= p(y) :- x < y.").lines).toEqual([]);
    expect(diagnosticsOf("p(x) :- q(y), x = autoinc().").lines).toEqual([]);
    expect(diagnosticsOf("p(x) :- q($).").lines).toEqual([]);
  });

  test("a subsumption clause has one relation on both sides and a body", () => {
    expect(diagnosticsOf("p(x) <= q(y) :- x < y.").lines).toEqual(["CL101 1:9-1:13 both sides of `<=` must name one relation, here `p`"]);
    expect(diagnosticsOf("p(x) <= p(y).").lines).toEqual([
      "CL101 1:6-1:8 a subsumption clause is `a(x) <= a(y) :- body.`: one dominated atom, one dominating atom and a body",
    ]);
  });

  test("the item with the construct is left out; the rest is read", () => {
    expect(kept('#include "x.dl"\na(1).\np(x) :- q(@f(x)).\nb(2).')).toEqual(["a", "b"]);
  });

  test("an unknown functor is CL211", () => {
    expect(diagnosticsOf("p(x) :- q(y), x = foo(y).").lines).toEqual([
      "CL211 1:19-1:22 unknown functor `foo`: the built-in functors are `cat`, `strlen`, `substr`, `ord`, `to_number`, `to_string`, `min`, `max`, `to_float`, `to_unsigned`, `itof`, `itou`, `utof`, `utoi`, `ftoi`, `ftou`, `range`, `autoinc`",
    ]);
  });
});
