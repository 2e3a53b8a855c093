// print -> parse gives back the same AST (spans aside), for generated programs of every node kind.
import { test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { parse } from "../../src/syntax/parse.js";
import { printProgram } from "../../src/syntax/printer.js";
import { program } from "./arbitraries.js";
import { itemsOf, strip } from "./helpers.js";

function reparse(text: string): { items: unknown; diagnostics: string[] } {
  const diags = new Diagnostics();
  const parsed = parse({ path: "test.dl", text }, diags);
  return { items: strip(parsed.items), diagnostics: diags.items.map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`) };
}

describe("printProgram", () => {
  test.prop([program], { numRuns: 400 })("parses back to the same AST", (p) => {
    const text = printProgram(p);
    const back = reparse(text);
    expect(back.diagnostics).toEqual([]);
    expect(back.items).toEqual(strip(p.items));
  });

  test.prop([program], { numRuns: 100 })("is a fixed point: printing the reparsed program gives the same text", (p) => {
    const text = printProgram(p);
    const diags = new Diagnostics();
    expect(printProgram(parse({ path: "test.dl", text }, diags))).toBe(text);
  });

  test("prints canonical text with minimal parentheses", () => {
    const source = [
      ".decl edge(a: number, b: symbol) btree",
      ".type U = A | B",
      '.input edge(IO=file, filename="e.facts")',
      '.invariant bad "never \\"this\\""',
      "p(x, y), q(y) :- edge(x, _), !r(x), !(x < 2), (s(x) ; t(x)), y = (x + 1) * 2 - -3.",
      "c(n) :- n = count : a(_), m = max z : { a(z), z > 0 }, k = max(n, m), j = -(5), i = (-5) ^ 2, h = -5 ^ 2.",
      "",
    ].join("\n");
    expect(printProgram({ kind: "program", file: "t.dl", items: itemsOf(source) as never, span: null as never })).toBe(
      [
        ".decl edge(a: number, b: symbol) btree",
        ".type U = A | B",
        '.input edge(IO="file", filename="e.facts")',
        '.invariant bad "never \\"this\\""',
        "p(x, y), q(y) :- edge(x, _), !r(x), !(x < 2), (s(x); t(x)), y = (x + 1) * 2 - -3.",
        "c(n) :- n = count : { a(_) }, m = max z : { a(z), z > 0 }, k = max(n, m), j = -(5), i = (-5) ^ 2, h = -5 ^ 2.",
        "",
      ].join("\n"),
    );
  });

  test("wraps aggregate targets the parser would otherwise misread", () => {
    for (const source of ["p(n) :- n = min ((x + 1) * 2) : { a(x) }.", "p(n) :- n = sum (max(x, 1)) : { a(x) }.", "p(n) :- n = sum (x + min(x, 1)) : { a(x) }."]) {
      const items = itemsOf(source);
      const printed = printProgram({ kind: "program", file: "t.dl", items: items as never, span: null as never });
      expect(itemsOf(printed)).toEqual(items);
    }
  });
});
