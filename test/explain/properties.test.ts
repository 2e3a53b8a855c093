// Every printed derivation re-verifies and every why-not names a literal that really fails, both
// judged by the engine itself: each claim becomes a probe rule added to the program (`probeN() :-
// <the step with its values in place>.`), evaluated on the same facts, and must derive (a step) or
// derive nothing (a failing literal).
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { Engine } from "../../src/eval/index.js";
import type { Tuple } from "../../src/eval/values.js";
import { Explainer, type Derivation, type WhyNot } from "../../src/explain/explain.js";
import { EngineModel, InputIndex } from "../../src/explain/model.js";
import { compileText } from "../eval/helpers.js";
import { printLiteral, printTerm } from "../../src/syntax/printer.js";
import type { Literal } from "../../src/syntax/ast.js";
import { DERIVED, factsArb, programArb, programText } from "./arbitraries.js";

type Facts = Record<string, number[][]>;

function setup(text: string, facts: Facts): { engine: Engine; explainer: Explainer } {
  const unit = compileText(text);
  const engine = new Engine(unit.checked, unit.analysis);
  const inputs = new InputIndex();
  for (const [name, tuples] of Object.entries(facts)) {
    engine.insert(name, tuples);
    inputs.add(name, tuples, (i) => ({ file: `${name}.facts`, line: i + 1 }));
  }
  engine.run();
  return { engine, explainer: new Explainer(unit, new EngineModel(engine), inputs, () => text) };
}

/** Runs the program with probe rules added; returns which probes derived their fact. */
function probe(text: string, facts: Facts, bodies: readonly string[]): boolean[] {
  if (bodies.length === 0) return [];
  const lines = bodies.flatMap((b, i) => [`.decl probe${i}()`, `probe${i}() :- ${b}.`]);
  const unit = compileText(`${text}\n${lines.join("\n")}\n`, "probe.dl");
  const engine = new Engine(unit.checked, unit.analysis);
  for (const [name, tuples] of Object.entries(facts)) engine.insert(name, tuples);
  engine.run();
  return bodies.map((_, i) => engine.size(`probe${i}`) > 0);
}

/** The probe bodies that must derive for each step of the tree; checks heights and premises on the way. */
function stepsOf(d: Derivation, engine: Engine, facts: Facts, shown: Set<string>, out: string[]): void {
  expect(engine.has(d.fact.relation, d.fact.tuple), d.fact.text).toBe(true);
  switch (d.kind) {
    case "input":
      expect(facts[d.fact.relation]!.some((t) => JSON.stringify(t) === JSON.stringify(d.fact.tuple))).toBe(true);
      expect(d.height).toBe(0);
      return;
    case "program":
      return;
    case "shown":
      expect(shown.has(d.fact.text), `${d.fact.text} is shown before it is referred to`).toBe(true);
      return;
    case "rule": {
      shown.add(d.fact.text);
      const head = /^[a-z]+\((.*)\) :- /.exec(d.rule.text);
      expect(head).not.toBeNull();
      // The head's arguments with the step's values, equal to the fact's.
      const values = new Map(d.bindings.map((b) => [b.name, String(b.value)] as const));
      const headArgs = head![1]!.split(", ").map((a) => (values.has(a) ? values.get(a)! : a));
      const eqs = headArgs.map((a, i) => `${a} = ${d.fact.tuple[i]}`);
      out.push([...d.body.map((s) => s.instance), ...eqs].join(", "));
      let max = -1;
      for (const s of d.body) {
        if (s.kind !== "atom") continue;
        expect(s.derivation).toBeDefined();
        const child = s.derivation!;
        expect(child.fact.text).toBe(s.instance);
        if (child.kind !== "shown") expect(child.height).toBeLessThan(d.height);
        max = Math.max(max, child.height);
        stepsOf(child, engine, facts, shown, out);
      }
      expect(d.height).toBe(max + 1);
    }
  }
}

/** Probe bodies that must derive nothing: each failing literal under its bindings. */
function failuresOf(w: WhyNot, engine: Engine, out: string[]): void {
  expect(engine.has(w.fact.relation, w.fact.tuple)).toBe(false);
  for (const f of w.rules) {
    switch (f.kind) {
      case "missing":
        failuresOf(f.missing!, engine, out);
        break;
      case "blocked":
        expect(f.blocking!.length).toBeGreaterThan(0);
        for (const b of f.blocking!) expect(engine.has(b.relation, b.tuple)).toBe(true);
        out.push(f.instance.replace(/^!/, ""));
        out.push(`true`); // keeps indexes paired: a blocking atom must derive
        break;
      case "error":
        break;
      default:
        out.push(f.instance);
    }
  }
}

/**
 * Derivations found with `options` are proven minimal (no `lowest`), as high as the default search's,
 * and every step holds when the program is evaluated.
 */
function sameHeightAndSteps(rules: Parameters<typeof programText>[0], facts: Facts, options: Parameters<Explainer["why"]>[2]): void {
  const text = programText(rules);
  const { engine, explainer } = setup(text, facts);
  const bodies: string[] = [];
  for (const d of DERIVED) {
    for (const t of engine.tuples(d.name).slice(0, 4)) {
      const whole = explainer.why(d.name, t)!;
      const found = explainer.why(d.name, t, options)!;
      expect(found.kind === "rule" ? found.lowest : undefined).toBeUndefined();
      expect(found.height, `${d.name}${JSON.stringify(t)}`).toBe(whole.height);
      stepsOf(found, engine, facts, new Set(), bodies);
    }
  }
  const derived = probe(text, facts, bodies);
  bodies.forEach((b, i) => expect(derived[i], `step \`${b}\` does not hold in\n${text}`).toBe(true));
}

describe("explain", () => {
  test.prop([programArb, factsArb], { numRuns: 60 })("every step of every derivation is an instance of its rule over facts that hold", (rules, facts) => {
    const text = programText(rules);
    const { engine, explainer } = setup(text, facts);
    const bodies: string[] = [];
    for (const d of DERIVED) {
      for (const t of engine.tuples(d.name).slice(0, 4)) {
        const tree = explainer.why(d.name, t);
        expect(tree, `${d.name}${JSON.stringify(t)}`).not.toBeNull();
        stepsOf(tree!, engine, facts, new Set(), bodies);
      }
    }
    const derived = probe(text, facts, bodies);
    bodies.forEach((b, i) => expect(derived[i], `step \`${b}\` does not hold in\n${text}`).toBe(true));
  });

  test.prop([programArb, factsArb], { numRuns: 40 })("the goal-directed search (for large supports) gives trees that re-verify, of the same minimal height", (rules, facts) => {
    // A support of one fact is "too large": the goal-directed search answers.
    sameHeightAndSteps(rules, facts, { supportFacts: 1 });
  });

  test.prop([programArb, factsArb], { numRuns: 40 })("the derivation read from one more evaluation's heights (for large supports) re-verifies, its height minimal", (rules, facts) => {
    sameHeightAndSteps(rules, facts, { strategy: "levels" });
  });

  test.prop([programArb, factsArb], { numRuns: 30 })("the height of every derivation equals the least level a naive unrolled evaluation derives the fact at", (rules, facts) => {
    const text = programText(rules);
    const { engine, explainer } = setup(text, facts);
    let total = 0;
    for (const d of DERIVED) total += engine.size(d.name);
    const level = unrolled(text, facts, total + 1);
    for (const d of DERIVED) {
      for (const t of engine.tuples(d.name)) {
        const expected = level(d.name, t);
        expect(expected, `${d.name}${JSON.stringify(t)} is derived by the unrolled program`).not.toBeNull();
        expect(explainer.minimalHeight(d.name, t), `${d.name}${JSON.stringify(t)} in\n${text}`).toBe(expected);
        for (const strategy of ["auto", "levels"] as const) {
          expect(explainer.why(d.name, t, { strategy })!.height, `${strategy}: ${d.name}${JSON.stringify(t)} in\n${text}`).toBe(expected);
        }
      }
    }
  });

  const absentArb = fc.array(fc.record({ rel: fc.nat(DERIVED.length - 1), t: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 2, maxLength: 2 }) }), { minLength: 1, maxLength: 4 });

  test.prop([programArb, factsArb, absentArb], { numRuns: 60 })("every why-not names a literal that fails under its bindings", (rules, facts, asks) => {
    const text = programText(rules);
    const { engine, explainer } = setup(text, facts);
    const bodies: string[] = [];
    for (const ask of asks) {
      const d = DERIVED[ask.rel]!;
      const t: Tuple = ask.t.slice(0, d.arity);
      const w = explainer.whyNot(d.name, t);
      if (w === null) {
        expect(engine.has(d.name, t)).toBe(true);
        continue;
      }
      expect(w.rules.length + (w.kind === "rules" ? 0 : 1)).toBeGreaterThan(0);
      failuresOf(w, engine, bodies);
    }
    const derived = probe(text, facts, bodies);
    bodies.forEach((b, i) => {
      if (b === "true") return;
      const blocking = bodies[i + 1] === "true";
      expect(derived[i], `\`${b}\` ${blocking ? "must hold (it blocks a negation)" : "must fail"} in\n${text}`).toBe(blocking);
    });
  });
});

/**
 * The naive reference for minimal heights: the program unrolled into levels, `R_k` holding the facts
 * of `R` that have a derivation of height at most k (its rules read the positive atoms of derived
 * relations at level k - 1, negations and aggregates the finished relations), evaluated once.
 * Returns the least k whose level holds a fact.
 */
function unrolled(text: string, facts: Facts, levels: number): (relation: string, tuple: Tuple) => number | null {
  const unit = compileText(text);
  const derived = new Set(DERIVED.map((d) => d.name));
  const lines: string[] = [];
  for (const d of DERIVED) {
    const cols = Array.from({ length: d.arity }, (_, i) => `c${i}: number`).join(", ");
    const vars = Array.from({ length: d.arity }, (_, i) => `v${i}`).join(", ");
    for (let k = 0; k <= levels; k++) lines.push(`.decl ${d.name}_${k}(${cols})`);
    for (let k = 1; k <= levels; k++) lines.push(`${d.name}_${k}(${vars}) :- ${d.name}_${k - 1}(${vars}).`);
  }
  for (const c of unit.checked.clauses) {
    if (c.body.length === 0) continue;
    for (let k = 1; k <= levels; k++) {
      const body = c.body.map((l): string => {
        if (l.kind === "atom" && !l.negated && derived.has(l.atom.relation.name)) {
          const at: Literal = { ...l, atom: { ...l.atom, relation: { ...l.atom.relation, name: `${l.atom.relation.name}_${k - 1}` } } };
          return printLiteral(at);
        }
        return printLiteral(l);
      });
      lines.push(`${c.head.relation.name}_${k}(${c.head.args.map(printTerm).join(", ")}) :- ${body.join(", ")}.`);
    }
  }
  const full = compileText(`${text}\n${lines.join("\n")}\n`, "unrolled.dl");
  const engine = new Engine(full.checked, full.analysis);
  for (const [name, tuples] of Object.entries(facts)) engine.insert(name, tuples);
  engine.run();
  return (relation, tuple) => {
    for (let k = 1; k <= levels; k++) if (engine.has(`${relation}_${k}`, tuple)) return k;
    return null;
  };
}
