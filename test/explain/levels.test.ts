// Minimal heights from one more evaluation, on relations whose finished facts are fewer than their
// rules derive (`choice-domain`, subsumption), and the fallback for `autoinc()`.
import { describe, expect, it } from "vitest";
import { Engine } from "../../src/eval/index.js";
import { Explainer } from "../../src/explain/explain.js";
import { EngineModel, InputIndex } from "../../src/explain/model.js";
import { compileText } from "../eval/helpers.js";

function explainer(text: string): { engine: Engine; explainer: Explainer } {
  const unit = compileText(text);
  const engine = new Engine(unit.checked, unit.analysis);
  engine.run();
  return { engine, explainer: new Explainer(unit, new EngineModel(engine), new InputIndex(), () => text) };
}

const GRAPH = `
.decl edge(x: number, y: number)
edge(1, 2). edge(2, 3). edge(3, 4). edge(1, 4). edge(4, 5).
.decl reach(x: number, y: number)
reach(x, y) :- edge(x, y).
reach(x, z) :- reach(x, y), edge(y, z).
`;

describe("minimal heights by evaluation", () => {
  it("agree with the whole-support search where a relation keeps one fact per key (choice-domain) or only undominated facts (subsumption)", () => {
    const text = `${GRAPH}
.decl first(x: number, y: number) choice-domain x
first(x, y) :- reach(x, y).
.decl far(x: number, y: number)
far(x, y) :- reach(x, y), !edge(x, y).
.decl shortest(x: number, d: number)
shortest(x, d) :- reach(1, x), d = count : { reach(1, _) }.
shortest(x, 1) :- edge(1, x).
shortest(x, d1) <= shortest(x, d2) :- d2 <= d1.
.decl via(y: number)
via(y) :- first(_, y).
.decl near(x: number, d: number)
near(x, d) :- shortest(x, d), d > 1.
.decl cost(x: number, d: number)
cost(x, 5) :- edge(1, x).
cost(x, 2) :- reach(1, x), reach(1, 3).
cost(x, d1) <= cost(x, d2) :- d2 <= d1.
.decl priced(x: number)
priced(x) :- cost(x, _).
`;
    const { engine, explainer: e } = explainer(text);
    let n = 0;
    for (const r of ["reach", "first", "far", "shortest", "via", "near", "cost", "priced"]) {
      for (const t of engine.tuples(r)) {
        const whole = e.why(r, t)!;
        expect(e.minimalHeight(r, t), `${r}${JSON.stringify(t)}`).toBe(whole.height);
        expect(e.why(r, t, { strategy: "levels" })!.height, `${r}${JSON.stringify(t)}`).toBe(whole.height);
        n++;
      }
    }
    expect(n).toBeGreaterThan(20);
    // reach(1, 5) through 1 -> 4 -> 5, not 1 -> 2 -> 3 -> 4 -> 5.
    expect(e.minimalHeight("reach", [1, 5])).toBe(2);
    expect(e.minimalHeight("reach", [1, 6])).toBeNull();
    // \`cost(2, 5)\` (height 1) is dominated by \`cost(2, 2)\` (height 3): \`priced(2)\` rests on the latter.
    expect(engine.has("cost", [2, 5])).toBe(false);
    expect(e.minimalHeight("priced", [2])).toBe(4);
  });

  it("a program with `autoinc()` keeps the goal-directed search", () => {
    const { engine, explainer: e } = explainer(`${GRAPH}
.decl id(x: number, n: number)
id(x, autoinc()) :- edge(x, _).
`);
    expect(engine.size("id")).toBeGreaterThan(0);
    expect(e.minimalHeight("reach", [1, 5])).toBeNull();
    expect(e.why("reach", [1, 5], { supportFacts: 1 })!.height).toBe(2);
  });
});
