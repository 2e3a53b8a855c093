// Explain follows every plan step and functor the planner makes: a fixture uses each (the test
// fails when the planner gains a step kind or functor the fixture does not reach), every fact of
// it is explained, and every step shown and every failing literal named is checked by the engine.
import { makeRecord, NIL } from "../../src/eval/records.js";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Engine } from "../../src/eval/index.js";
import type { Tuple } from "../../src/eval/values.js";
import { Explainer, type Derivation, type WhyNot } from "../../src/explain/explain.js";
import { EngineModel, InputIndex } from "../../src/explain/model.js";
import { headLiterals, planItems, walkExpr } from "../../src/explain/plans.js";
import { FOLLOWED_FUNCTORS, FOLLOWED_STEPS, Solver, Unsupported, type BoundPlan } from "../../src/explain/solve.js";
import { planClause, planTouched, planVariant, type PExpr, type Step } from "../../src/plan/plan.js";
import { compileText } from "../eval/helpers.js";

const text = readFileSync(new URL("./fixtures/language.dl", import.meta.url), "utf8");
const unit = compileText(text, "language.dl");

function setup(): { engine: Engine; explainer: Explainer } {
  const engine = new Engine(unit.checked, unit.analysis);
  engine.run();
  return { engine, explainer: new Explainer(unit, new EngineModel(engine), new InputIndex(), () => text) };
}

/** Every plan explain makes for the fixture: one per clause, the head's values bound. */
function plans(): BoundPlan[] {
  return unit.checked.clauses
    .filter((c) => c.body.length > 0)
    .map((c) => planItems(c, [...headLiterals(c, unit.checked.relations.get(c.head.relation.name)!), ...c.body], unit.checked.relations))
    .filter((p): p is BoundPlan => p !== null);
}

function visit(steps: readonly Step[], kinds: Set<string>, functors: Set<string>): void {
  const expr = (e: PExpr): void =>
    walkExpr(e, (x) => {
      if (x.kind === "call") functors.add(x.name.startsWith("$") ? "$" : x.name);
      if (x.kind === "agg") visit(x.agg.steps, kinds, functors);
    });
  for (const s of steps) {
    kinds.add(s.kind);
    if (s.kind === "filter") (expr(s.left), expr(s.right));
    if (s.kind === "assign") expr(s.expr);
    if (s.kind === "range") [s.from, s.to, ...(s.step ? [s.step] : [])].forEach(expr);
    if (s.kind === "unpack") expr(s.from);
    if (s.kind === "neg") for (const a of s.args) if (a.kind === "expr") expr(a.expr);
  }
}

/** Runs the fixture with probe rules added; which probes derive their fact. */
function probe(bodies: readonly string[]): boolean[] {
  // `3 = range(0, 10, 3)` as a generator and a comparison, which the engine plans for constants too.
  // (A float range's generator variable is typed `number` by the checker, so a float one stays a comparison, which holds for members.)
  const asGenerator = (b: string): string => b.replace(/(^|, )(-?\d+) = (range\([^)]*\))/g, (_, sep: string, c: string, r: string) => `${sep}r_ = ${r}, r_ = ${c}`);
  const lines = bodies.flatMap((b, i) => [`.decl probe${i}()`, `probe${i}() :- ${asGenerator(b)}.`]);
  const u = compileText(`${text}\n${lines.join("\n")}\n`, "probe.dl");
  const engine = new Engine(u.checked, u.analysis);
  engine.run();
  return bodies.map((_, i) => engine.size(`probe${i}`) > 0);
}

function steps(d: Derivation, out: string[]): void {
  if (d.kind !== "rule") return;
  out.push(d.body.map((s) => s.instance).join(", "));
  for (const s of d.body) if (s.derivation !== undefined) steps(s.derivation, out);
}

function failures(w: WhyNot, out: string[]): void {
  for (const f of w.rules) {
    expect(f.kind, f.message).not.toBe("unsupported");
    if (f.kind === "missing") failures(f.missing!, out);
    else if (f.kind !== "blocked" && f.kind !== "head" && f.kind !== "error") out.push(f.instance);
  }
}

describe("explain over Soufflé's language", () => {
  it("the fixture reaches every plan step kind and functor explain follows", () => {
    const kinds = new Set<string>();
    const functors = new Set<string>();
    for (const p of plans()) visit(p.plan.steps, kinds, functors);
    // The engine's own plans too (a generator such as `x = range(a, b)` is a step there; with the
    // head's value bound, explain tests membership instead), and its touched variants (`once`).
    for (const c of unit.checked.clauses) {
      const types = unit.checked.types[c.id]!;
      visit(planVariant(c, unit.checked.relations, types, -1).steps, kinds, functors);
      planClause(c, unit.checked.relations, types).touches?.forEach((_, t) => visit(planTouched(c, unit.checked.relations, types, t, 0).steps, kinds, functors));
    }
    expect([...kinds].sort()).toEqual(Object.keys(FOLLOWED_STEPS).sort());
    // `range` is a step (or a membership test, listed as a functor) rather than a value.
    expect([...functors].filter((f) => f !== "record" && f !== "nil" && f !== "$").sort()).toEqual(Object.keys(FOLLOWED_FUNCTORS).sort());
    expect(functors).toContain("record");
    expect(functors).toContain("nil");
    expect(functors).toContain("$");
  });

  it("explains every fact of the fixture, and every step it shows holds", () => {
    const { engine, explainer } = setup();
    const bodies: string[] = [];
    let facts = 0;
    for (const r of unit.checked.relations.keys()) {
      for (const t of engine.tuples(r)) {
        const d = explainer.why(r, t);
        expect(d, `${r}${JSON.stringify(t)}`).not.toBeNull();
        expect(explainer.whyNot(r, t)).toBeNull();
        steps(d!, bodies);
        facts++;
      }
    }
    expect(facts).toBeGreaterThan(60);
    // A float constant compared with a range is not a generator to the checker (its variable would be
    // a `number`), and the engine has no membership test for it: those steps were checked by `why` above.
    const checked = bodies.filter((b) => !/(^|, )-?\d+\.\d+ = range\(/.test(b));
    expect(bodies.length - checked.length).toBeLessThan(bodies.length / 5);
    const derived = probe(checked);
    checked.forEach((b, i) => expect(derived[i], `step \`${b}\` does not hold`).toBe(true));
  });

  it("says why facts near the fixture's do not hold, each literal named really failing", () => {
    const { explainer } = setup();
    const absent: [string, Tuple][] = [
      ["xs", [2]], ["moved", ["\u0000[9,9]"]], ["second", [7]], ["area", [10]], ["square", ["\u0001Square[4]"]],
      ["ab", ["xyz"]], ["n", [4]], ["down", [0]], ["fl", [2]], ["ids", [5]], ["retyped", [6]], ["wrap", [1, 1]],
      ["lonely", [9]], ["uops", [1, 1, 1, 1]], ["strs", ["q", 1, "", 1, "m", "m", 1]], ["stats", [1, 1, 1, 1, 1]],
      ["shifted", ["\u0000[2,1]"]], ["nested", ["\u0000[1,\"\\u0000[4,\\\"\\\\u0000nil\\\"]\"]"]],
      ["g.reach", [3, 1]], ["nums", [2, 5, 2, "2x"]], ["conv", [1, 1, 1, "1", 1, 1]], ["none", []],
    ];
    const bodies: string[] = [];
    for (const [r, t] of absent) {
      const w = explainer.whyNot(r, t);
      expect(w, `${r}${JSON.stringify(t)} holds`).not.toBeNull();
      failures(w!, bodies);
    }
    expect(bodies.length).toBeGreaterThan(10);
    const derived = probe(bodies);
    bodies.forEach((b, i) => expect(derived[i], `\`${b}\` holds, but is named as failing`).toBe(false));
  });

  it("reads records and ADT values in the fact asked about and shows them as Datalog", () => {
    const { explainer } = setup();
    const d = explainer.why("square", ["\u0001Square[9]"])!;
    expect(d.fact.text).toBe("square($Square(9))");
    expect(d.height).toBe(2);
    expect(explainer.fact("list", [makeRecord([1, makeRecord([2, NIL])])]).text).toBe("list([1, [2, nil]])");
  });

  it("matches a head record with computed fields against the fact asked about", () => {
    const { explainer } = setup();
    const d = explainer.why("shifted", ["\u0000[4,8]"])!;
    expect(d.kind === "rule" && d.bindings).toEqual([{ name: "x", value: 3 }, { name: "y", value: 4 }]);
    expect(explainer.why("nested", [makeRecord([3, makeRecord([7, NIL])])])?.fact.text).toBe("nested([3, [7, nil]])");
    // The field that differs, with its value under the body's bindings.
    const w = explainer.whyNot("shifted", ["\u0000[2,1]"])!;
    expect(w.rules.map((r) => r.message)).toEqual(["the head `shifted([x + 1, y * 2])` has 4 for `y * 2` in column 1, where the fact has 1"]);
    const far = explainer.whyNot("shifted", ["\u0000[9,8]"])!;
    expect(far.rules[0]!.message).toBe("the head `shifted([x + 1, y * 2])` has 2 for `x + 1` in column 1, where the fact has 9");
  });

  it("a plan step it does not know is a clear message for a derivation and a named rule for why-not, not a crash", () => {
    const { explainer } = setup();
    const clause = unit.checked.clauses.find((c) => c.head.relation.name === "area")!;
    const real = (explainer as unknown as { headPlan(c: unknown): BoundPlan }).headPlan(clause);
    const unknown = { kind: "autoinc", text: "x = autoinc()" } as unknown as Step;
    const fake: BoundPlan = { ...real, plan: { ...real.plan, steps: [unknown, ...real.plan.steps] }, literals: [null, ...real.literals], headArg: [-1, ...real.headArg] };
    (explainer as unknown as { headPlans: Map<number, BoundPlan> }).headPlans.set(clause.id, fake);
    expect(() => explainer.why("area", [9])).toThrow(Unsupported);
    expect(() => explainer.why("area", [9])).toThrow("explain does not follow the plan step `autoinc` (`x = autoinc()`) yet");
    const solver = new Solver(new EngineModel(setup().engine), () => []);
    expect(() => solver.solve(fake, [9], () => true)).toThrow(Unsupported);
  });
});
