// Type checks that follow Soufflé 2.5's type system: which operators take symbols, subtypes in atoms.
import { describe, expect, test } from "vitest";
import { compile } from "../../src/pipeline.js";
import { runProgram } from "../eval/run-program.js";

const errors = (text: string): string[] =>
  compile({ path: "t.dl", text })
    .diagnostics.items.filter((d) => d.severity === "error")
    .map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`);

describe("`+` on symbols", () => {
  test("joins two symbols, constants or variables, as Soufflé's SSADD", () => {
    const out = runProgram(`.decl s(x: symbol)
.decl j(x: symbol)
.output j
s("(a)"). s("(b)").
j("pre-" + "-post").
j(x + "!") :- s(x).
j(x + y + x) :- s(x), s(y), x != y.
`);
    expect(out("j")).toEqual(["(a)!", "(a)(b)(a)", "(b)!", "(b)(a)(b)", "pre--post"]);
  });

  test("a symbol and a number do not mix, and `-` still needs numbers", () => {
    expect(errors('.decl r(s: symbol)\nr("a" + 1).\nr("a" - "b").\n')).toEqual([
      "CL203 2:9 `1` is a number (`number`, `unsigned` or `float`), but the other operand of `+`, `\"a\"`, is a `symbol`",
      "CL203 3:3 `\"a\"` is a `symbol`, but `-` needs a number (`number`, `unsigned` or `float`)",
      "CL203 3:9 `\"b\"` is a `symbol`, but `-` needs a number (`number`, `unsigned` or `float`)",
    ]);
  });

  test("a symbol sum stored in a number column is CL203", () => {
    expect(errors('.decl r(n: number)\nr("a" + "b").\n').map((e) => e.slice(0, 5))).toEqual(["CL203"]);
  });
});
