// A proof must never meet a counterexample: whenever a condition proves an invariant, a long random
// search over the same program finds none. Programs are built from invariant templates at random.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { prove } from "../../src/invariant/prove.js";
import { computeRoles } from "../../src/invariant/roles.js";
import { randomSearch, StateChecker } from "../../src/invariant/search.js";
import { solve } from "../../src/invariant/smt.js";
import { compile } from "../../src/pipeline.js";
import { compileFixture } from "./load.js";

const HEADER = `
.decl e(a: number, b: number)
.decl f(a: number, b: number)
.decl k(a: number)
k(1). k(2).
.input e, f
.decl p(a: number, b: number)
p(x, y) :- e(x, y).
p(x, z) :- p(x, y), e(y, z).
.decl g(a: number)
g(x) :- f(x, _).
.decl lone(a: number)
lone(x) :- e(x, _), !f(x, _).
.decl bad(a: number)
.invariant bad
`;

/** Rules for the invariant relation: some confluent, some not. */
const TEMPLATES: readonly string[] = [
  "bad(x) :- e(x, y), f(y, x).",
  "bad(x) :- e(x, _), !f(x, _).",
  "bad(x) :- e(x, y), x > y.",
  "bad(x) :- p(x, x).",
  "bad(x) :- e(x, _), c = count : { f(x, _) }, c < 1.",
  "bad(x) :- e(x, _), count : { f(x, _) } > 1.",
  "bad(x) :- lone(x).",
  "bad(x) :- e(x, y), !g(y).",
  "bad(x) :- e(x, _), !k(x).",
  "bad(x) :- g(x), k(x).",
  "bad(x) :- e(x, y), e(y, x), x != y.",
  "bad(x) :- f(x, y), !lone(y).",
  "bad(x) :- e(x, _), !(count : { f(x, _) } >= 2).",
  "bad(x) :- g(x), c = count : { e(x, _) }, c <= 1.",
];

const programArb = fc.subarray([...TEMPLATES.keys()], { minLength: 1, maxLength: 3 }).map((ids) => HEADER + ids.map((i) => TEMPLATES[i]).join("\n") + "\n");

describe("soundness of the proof conditions", () => {
  test.prop([programArb, fc.integer({ min: 1, max: 1_000_000 })], { numRuns: 40, seed: 1 })("a proved invariant has no counterexample", (text, seed) => {
    const c = compile({ path: "gen.dl", text });
    expect(c.diagnostics.hasErrors()).toBe(false);
    const analysis = c.analysis!;
    const roles = computeRoles(c.checked, analysis);
    const proof = prove("bad", roles);
    if (!proof.proved) return;
    const checker = new StateChecker(c.checked, analysis, "bad", roles);
    const out = randomSearch(c.checked, roles, checker, { trials: 300, maxSize: 4, seed, timeMs: 10_000 });
    expect(out.found).toBeNull();
  });

  for (const name of ["reactions.dl", "log.dl", "audit.dl", "orders.dl", "staffed.dl"]) {
    test(`${name}: the search finds nothing to refute the proof`, () => {
      const c = compileFixture(name);
      const roles = computeRoles(c.checked, c.analysis);
      const relation = [...c.checked.relations.values()].find((s) => s.invariant !== null)!.name;
      expect(prove(relation, roles).proved).toBe(true);
      const checker = new StateChecker(c.checked, c.analysis, relation, roles);
      const out = randomSearch(c.checked, roles, checker, { trials: 1000, maxSize: 5, seed: 3, timeMs: 20_000 });
      expect(out.found).toBeNull();
    });
  }

  test.prop([programArb, fc.integer({ min: 1, max: 1_000_000 })], { numRuns: 25, seed: 2 })("an invariant Z3 proves (unsat) has no counterexample", (text, seed) => {
    const c = compile({ path: "gen.dl", text });
    const analysis = c.analysis!;
    const roles = computeRoles(c.checked, analysis);
    const checker = new StateChecker(c.checked, analysis, "bad", roles);
    if (solve("bad", ["bad"], c.checked, roles, checker, 10_000).run.result !== "unsat") return;
    const out = randomSearch(c.checked, roles, checker, { trials: 300, maxSize: 4, seed, timeMs: 10_000 });
    expect(out.found).toBeNull();
  }, 300_000);

  test("Z3 does not prove templates that are not confluent (so the check above can fail)", () => {
    const c = compile({ path: "gen.dl", text: HEADER + TEMPLATES[0] + "\n" });
    const roles = computeRoles(c.checked, c.analysis!);
    const checker = new StateChecker(c.checked, c.analysis!, "bad", roles);
    expect(solve("bad", ["bad"], c.checked, roles, checker, 10_000).run.result).toBe("sat");
  }, 60_000);

  test("the search does refute templates that are not confluent (so the check above can fail)", () => {
    const c = compile({ path: "gen.dl", text: HEADER + TEMPLATES[0] + "\n" });
    const roles = computeRoles(c.checked, c.analysis!);
    expect(prove("bad", roles).proved).toBe(false);
    const checker = new StateChecker(c.checked, c.analysis!, "bad", roles);
    const out = randomSearch(c.checked, roles, checker, { trials: 300, maxSize: 4, seed: 3, timeMs: 10_000 });
    expect(out.found).not.toBeNull();
  });
});
