import { describe, expect, test } from "vitest";
import { generate, setSourceDump } from "../../src/eval/compile.js";
import { Engine } from "../../src/eval/engine.js";
import { planClause, planVariant, type PlanStats, type Step } from "../../src/plan/plan.js";
import { compileText } from "./helpers.js";

const ANDERSEN = `
.decl load(p: number, q: number)
.decl pointsTo(p: number, a: number)
.input load
pointsTo(p, a) :- load(p, q), pointsTo(q, r), pointsTo(r, a).
`;

function order(steps: readonly Step[]): string[] {
  return steps.filter((s) => s.kind === "atom").map((s) => (s as Extract<Step, { kind: "atom" }>).text);
}

describe("join planning", () => {
  const { checked } = compileText(ANDERSEN);
  const clause = checked.clauses[0]!;

  test("without statistics the delta atom goes first and bound columns become lookup keys", () => {
    const plan = planClause(clause, checked.relations, checked.types[0]!);
    expect(plan.variants).toHaveLength(3);
    expect(order(plan.variants[2]!.steps)).toEqual(["pointsTo(r, a)", "pointsTo(q, r)", "load(p, q)"]);
    const second = plan.variants[2]!.steps[1] as Extract<Step, { kind: "atom" }>;
    expect(second.keyCols).toEqual([1]);
  });

  test("with statistics a small relation goes before a large delta", () => {
    const stats: PlanStats = { rows: [150, 700_000, 20_000], total: [150, 800_000, 800_000], keys: () => null };
    expect(order(planVariant(clause, checked.relations, checked.types[0]!, 2, stats).steps)).toEqual(["load(p, q)", "pointsTo(q, r)", "pointsTo(r, a)"]);
    const tiny: PlanStats = { rows: [150, 700_000, 2], total: [150, 800_000, 800_000], keys: () => null };
    expect(order(planVariant(clause, checked.relations, checked.types[0]!, 2, tiny).steps)[0]).toBe("pointsTo(r, a)");
  });

  test("generated code starts with the rule it implements", () => {
    const plan = planClause(clause, checked.relations, checked.types[0]!);
    const types = (r: string) => checked.relations.get(r)!.columns.map((c) => c.type);
    const source = generate(plan, plan.variants[0]!, types);
    expect(source.split("\n")[0]).toBe("// pointsTo(p, a) :- load(p, q), pointsTo(q, r), pointsTo(r, a).");
    // One loop per atom, on the access path its shape fixes: no second copy chosen per call.
    expect(source.match(/return function run/g)).toHaveLength(1);
    expect(source).toContain("// reads the pair index of `pointsTo` on column 1");
    expect(source).toContain(".find(");
  });

  test("an atom of three or more columns, or with two bound, reads a chain index; one with none bound, a scan", () => {
    const { checked: c3 } = compileText(`.decl e(a: number, b: number, c: number)\n.decl f(a: number, b: number)\n.input e\nf(x, z) :- e(x, y, z), e(y, x, _), f(x, y), f(y, x).\n`);
    const plan = planClause(c3.clauses[0]!, c3.relations, c3.types[0]!);
    const types = (r: string) => c3.relations.get(r)!.columns.map((c) => c.type);
    const source = generate(plan, plan.variants[0]!, types);
    expect(source).toContain("// scans `e`");
    expect(source).toMatch(/reads the chain index of `e` on columns 1, 2|tests membership in `f`/);
    expect(source).toMatch(/\.first[12N]\(/);
  });
});

describe("types come from the checked program's inference", () => {
  test("the planner computes a term in the type inference gave it, and has no inference of its own", () => {
    const { checked } = compileText(`.decl r(x: number)\n.decl s(y: number)\n.input r\ns(y) :- r(x), y = x + 1.\n`);
    const clause = checked.clauses[0]!;
    const assign = (types: typeof checked.types[0]) => {
      const step = planClause(clause, checked.relations, types).variants[0]!.steps.find((s) => s.kind === "assign");
      return step?.kind === "assign" ? step.expr.type : null;
    };
    expect(assign(checked.types[0]!)).toBe("number");
    // The same clause, told by its inference that every term is `unsigned`, is planned in `unsigned`.
    const unsigned = { terms: new Map([...checked.types[0]!.terms.keys()].map((t) => [t, ["unsigned" as const]] as const)) };
    expect(assign(unsigned)).toBe("unsigned");
    // A clause inference never saw is refused rather than typed by a guess.
    expect(() => planClause(clause, checked.relations, { terms: new Map() })).toThrow(/no inferred type/);
  });
});

describe("compiled variants are shared across size signatures", () => {
  test("a recursive rule whose delta grows through many size buckets is compiled once per distinct order", () => {
    const { checked, analysis } = compileText(`.decl edge(x: number, y: number)\n.input edge\n.decl tc(x: number, y: number)\ntc(x, y) :- edge(x, y).\ntc(x, y) :- tc(x, z), edge(z, y).\n`);
    const sources: string[] = [];
    setSourceDump((s) => sources.push(s));
    let engine: Engine;
    try {
      engine = new Engine(checked, analysis);
      // A chain of 300: the delta of `tc` shrinks from 299 rows to 1 over 300 iterations, through
      // five size buckets, while `edge` stays in one.
      engine.insert("edge", Array.from({ length: 299 }, (_, i) => [i, i + 1]));
      engine.run();
    } finally {
      setSourceDump(null);
    }
    expect(engine.size("tc")).toBe((300 * 299) / 2);
    const recursive = sources.filter((s) => s.startsWith("// tc(x, y) :- tc(x, z), edge(z, y)."));
    // Each distinct code is compiled (and shown) once; the buckets it serves reuse it.
    expect(new Set(recursive).size).toBe(recursive.length);
    expect(recursive.length).toBeLessThanOrEqual(2);
  });
});
