// POSIX class names inside brackets, as `std::regex`'s ECMAScript grammar takes them in Soufflé's `match`.
import { describe, expect, test } from "vitest";
import { ecmaPatternToJs } from "../../src/builtins/regex.js";
import { runProgram } from "../eval/run-program.js";

describe("match with `[[:name:]]`", () => {
  test("class names are spelled out inside brackets only, escapes kept", () => {
    expect(ecmaPatternToJs("a[[:digit:]]+")).toBe("a[0-9]+");
    expect(ecmaPatternToJs("[^[:space:]x]")).toBe("[^ \\t\\n\\v\\f\\rx]");
    expect(ecmaPatternToJs("\\[:digit:]")).toBe("\\[:digit:]");
    expect(ecmaPatternToJs("[[:nope:]]")).toBeNull();
  });

  test("a rule keeps the terms whose number part is digits", () => {
    const out = runProgram(`.decl t(s: symbol)
.decl hit(s: symbol)
.output hit
t("id_123#X"). t("id_12a#X"). t("id_#X").
hit(s) :- t(s), match("id_[[:digit:]]+#[[:upper:]]", s).
`);
    expect(out("hit")).toEqual(["id_123#X"]);
  });

  test("an unknown class name is a bad pattern, which matches nothing", () => {
    const out = runProgram('.decl t(s: symbol)\n.decl hit(s: symbol)\n.output hit\nt("a").\nhit(s) :- t(s), match("[[:nope:]]", s).\nhit(s) :- t(s), !match("[[:nope:]]", s).\n');
    expect(out("hit")).toEqual([]);
  });
});
