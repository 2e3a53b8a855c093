// Soufflé's IPv4 literals and deprecated type declarations read as Soufflé 2.5's scanner and parser read them.
import { describe, expect, test } from "vitest";
import { compile } from "../../src/pipeline.js";
import { runProgram } from "../eval/run-program.js";
import { diagnosticsOf } from "./helpers.js";

describe("IPv4 literals", () => {
  test("`a.b.c.d` is the signed 32-bit number (a<<24)+(b<<16)+(c<<8)+d", () => {
    const out = runProgram(".decl ip(n: number)\n.output ip\nip(0.0.0.1). ip(1.0.0.1). ip(10.0.0.0). ip(255.255.255.255).\n");
    expect(out("ip")).toEqual(["-1", "1", "167772160", "16777217"]);
  });

  test("an IPv4 literal compares with a column", () => {
    const out = runProgram(".decl a(x: number)\n.decl b(x: number)\n.output b\na(10.10.10.10). a(2.1.1.1).\nb(x) :- a(x), 2.1.1.1 = x.\n");
    expect(out("b")).toEqual(["33620225"]);
  });

  test("a part above 255 is CL103 at the literal", () => {
    const { lines } = diagnosticsOf(".decl ip(n: number)\nip(1.256.0.1).\n");
    expect(lines).toEqual(["CL103 2:4-2:13 `1.256.0.1` is not an IPv4 address: each part must be 0 to 255"]);
  });

  test("a float followed by the clause's `.` stays a float", () => {
    const out = runProgram(".decl f(x: float)\n.output f\nf(1.5).\n");
    expect(out("f")).toEqual(["1.5"]);
  });
});

describe("deprecated type declarations", () => {
  const program = `.number_type A
.symbol_type B
.type C
.type BC = B | C
.decl ra(a: A)
.decl rb(b: B)
.decl rc(c: C)
.decl rbc(x: BC)
.output ra, rbc
ra(1). rb("m"). rc("n").
rbc(x) :- rb(x).
rbc(x) :- rc(x).
`;

  test("`.number_type A` is a subtype of number, `.symbol_type B` and `.type C` of symbol", () => {
    const out = runProgram(program);
    expect(out("ra")).toEqual(["1"]);
    expect(out("rbc")).toEqual(["m", "n"]);
  });

  test("each is a CL109 warning naming the modern form", () => {
    const c = compile({ path: "t.dl", text: program });
    expect(c.diagnostics.items.map((d) => `${d.code} ${d.severity} ${d.span.line} ${d.message} | ${d.help ?? ""}`)).toEqual([
      "CL109 warning 1 `.number_type A` is a deprecated type declaration | Write `.type A <: number`.",
      "CL109 warning 2 `.symbol_type B` is a deprecated type declaration | Write `.type B <: symbol`.",
      "CL109 warning 3 `.type C` is a deprecated type declaration | Write `.type C <: symbol`.",
    ]);
  });

  test("a deprecated subtype keeps its base: a symbol in a `.number_type` column is CL203", () => {
    const c = compile({ path: "t.dl", text: '.number_type A\n.decl ra(a: A)\nra("x").\n' });
    expect(c.diagnostics.items.filter((d) => d.severity === "error").map((d) => d.code)).toEqual(["CL203"]);
  });

  test("`.number_type` takes no definition", () => {
    const { lines } = diagnosticsOf(".number_type A <: symbol\n");
    expect(lines[0]).toMatch(/^CL101 1:1-.* `\.number_type` takes a name only$/);
  });
});
