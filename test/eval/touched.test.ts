// A run that continues a monotonic fixpoint evaluates a threshold rule again only for the groups
// that new rows of its aggregate's body touch (plan/plan.ts `TouchPlan`): results equal one run over
// all the facts, and the work done is proportional to the new rows, not to every group.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { Engine, type RunStats } from "../../src/eval/engine.js";
import { generate } from "../../src/eval/compile.js";
import { planClause, planTouched } from "../../src/plan/plan.js";
import { naiveEvaluate, sortedTuples } from "../reference/naive.js";
import { compileText } from "./helpers.js";

const ORDERS = `
.decl customer(id: symbol, region: symbol)
.decl order(id: symbol, customer: symbol, amount: unsigned)
.input customer, order
.decl repeat_customer(c: symbol)
repeat_customer(c) :- customer(c, _), count : { order(_, c, _) } >= 3.
.decl big_spender(c: symbol)
big_spender(c) :- customer(c, _), sum a : { order(_, c, a) } >= 1000.
`;

/** The aggregates a run evaluated for the rules of `relation`. */
function aggregatesOf(stats: RunStats, relation: string): number {
  let n = 0;
  for (const s of stats.strata) for (const r of s.rules) if (r.relation === relation) n += r.aggregates;
  return n;
}

describe("a continuing run narrows threshold rules to touched groups", () => {
  test("new orders of two customers evaluate the thresholds of those two, not of all 2,000", () => {
    const { checked, analysis } = compileText(ORDERS);
    const customers = Array.from({ length: 2000 }, (_, i) => [`c${i}`, i % 2 === 0 ? "north" : "south"]);
    const orders = Array.from({ length: 4000 }, (_, i) => [`o${i}`, `c${i % 2000}`, 300]);
    const e = new Engine(checked, analysis);
    e.insert("customer", customers);
    e.insert("order", orders);
    const first = e.run();
    expect(aggregatesOf(first, "repeat_customer")).toBe(2000);
    expect(e.size("repeat_customer")).toBe(0);
    // c7 gets its third order and c8 its third and fourth: both pass `count >= 3` and `sum >= 1000` (1200).
    e.insert("order", [["n1", "c7", 300], ["n2", "c8", 300], ["n3", "c8", 300]]);
    const next = e.run();
    expect(e.tuples("repeat_customer")).toEqual([["c7"], ["c8"]]);
    expect(e.tuples("big_spender")).toEqual([["c8"]]);
    // Each touched customer once (c8's two new orders share one evaluation), per rule.
    expect(aggregatesOf(next, "repeat_customer")).toBe(2);
    expect(aggregatesOf(next, "big_spender")).toBe(2);
  });

  test("a new customer is evaluated through its own delta, and a customer without orders still passes nothing", () => {
    const { checked, analysis } = compileText(ORDERS);
    const e = new Engine(checked, analysis);
    e.insert("customer", [["a", "north"]]);
    e.insert("order", [["o1", "b", 600], ["o2", "b", 600], ["o3", "b", 600]]);
    e.run();
    expect(e.size("big_spender")).toBe(0);
    e.insert("customer", [["b", "south"], ["z", "south"]]);
    e.run();
    expect(e.tuples("big_spender")).toEqual([["b"]]);
    expect(e.tuples("repeat_customer")).toEqual([["b"]]);
  });

  test("a body of two atoms is driven by either atom's new rows, joined with the other's old and new ones", () => {
    const { checked, analysis } = compileText(`
      .decl author(p: symbol, u: symbol)
      .decl like(u: symbol, p: symbol)
      .decl user(u: symbol)
      .input author, like, user
      .decl famous(u: symbol)
      famous(u) :- user(u), count : { author(p, u), like(l, p) } >= 2.`);
    // Two users are few groups: narrowing is chosen here whatever it costs.
    const e = new Engine(checked, analysis, { touch: "always" });
    e.insert("user", [["ann"], ["bob"]]);
    e.insert("author", [["p1", "ann"]]);
    e.insert("like", [["x", "p1"], ["y", "p2"]]);
    e.run();
    expect(e.size("famous")).toBe(0);
    // A new post of bob's with an old like, and a new like of ann's old post.
    e.insert("author", [["p2", "bob"]]);
    e.insert("like", [["z", "p1"], ["w", "p3"]]);
    const stats = e.run();
    expect(e.tuples("famous")).toEqual([["ann"]]);
    e.insert("like", [["v", "p2"]]);
    e.run();
    expect(e.tuples("famous")).toEqual([["ann"], ["bob"]]);
    expect(aggregatesOf(stats, "famous")).toBeLessThanOrEqual(2);
  });

  test("the touched variant says what it evaluates, and passes each group once", () => {
    const { checked } = compileText(ORDERS);
    const clause = checked.clauses.find((c) => c.head.relation.name === "repeat_customer")!;
    const plan = planClause(clause, checked.relations, checked.types[clause.id]!);
    expect(plan.touches).toEqual([{ atoms: ["order"], groupCols: [[1]], text: "count : { order(_, c, _) }" }]);
    const touched = planTouched(clause, checked.relations, checked.types[clause.id]!, 0, 0);
    expect(touched.atoms).toEqual(["order", "customer"]);
    const source = generate(plan, touched, (r) => checked.relations.get(r)!.columns.map((c) => c.type));
    expect(source).toContain("// variant: the groups of `count : { order(_, c, _) }` that new rows of atom 1 (`order`) touch");
    expect(source).toContain("// once per `c`");
  });

  test("new rows touching many of the groups evaluate every group, which reads fewer cache lines", () => {
    const { checked, analysis } = compileText(ORDERS);
    const e = new Engine(checked, analysis);
    e.insert("customer", Array.from({ length: 40 }, (_, i) => [`c${i}`, "north"]));
    e.insert("order", Array.from({ length: 80 }, (_, i) => [`o${i}`, `c${i % 40}`, 300]));
    e.run();
    // Ten new orders, at 16 rows a cache line, touch more than the 40 groups are worth.
    e.insert("order", Array.from({ length: 10 }, (_, i) => [`n${i}`, `c${i}`, 300]));
    const stats = e.run();
    expect(aggregatesOf(stats, "repeat_customer")).toBe(40);
    expect(e.tuples("repeat_customer")).toEqual(Array.from({ length: 10 }, (_, i) => [`c${i}`]).sort());
    const narrow = new Engine(checked, analysis, { touch: "always" });
    narrow.insert("customer", Array.from({ length: 40 }, (_, i) => [`c${i}`, "north"]));
    narrow.insert("order", Array.from({ length: 80 }, (_, i) => [`o${i}`, `c${i % 40}`, 300]));
    narrow.run();
    narrow.insert("order", Array.from({ length: 10 }, (_, i) => [`n${i}`, `c${i}`, 300]));
    expect(aggregatesOf(narrow.run(), "repeat_customer")).toBe(10);
    expect(narrow.tuples("repeat_customer")).toEqual(e.tuples("repeat_customer"));
  });

  test("a count compared with its bound stops reading once the bound is passed; a sum, whose later rows could overflow, does not", () => {
    const { checked } = compileText(ORDERS);
    const sourceOf = (relation: string): string => {
      const clause = checked.clauses.find((c) => c.head.relation.name === relation)!;
      const plan = planClause(clause, checked.relations, checked.types[clause.id]!);
      return generate(plan, plan.variants[0]!, (r) => checked.relations.get(r)!.columns.map((c) => c.type));
    };
    expect(sourceOf("repeat_customer")).toContain("if (c0 >= 3) break L2; // the threshold is decided");
    expect(sourceOf("big_spender")).not.toContain("the threshold is decided");
  });

  test("an aggregate without grouping variables leaves the rule to be evaluated whole", () => {
    const { checked } = compileText(`
      .decl item(x: number)
      .decl vote(x: number)
      .input item, vote
      .decl open(x: number)
      open(x) :- item(x), count : { vote(_) } >= 3.`);
    const clause = checked.clauses.find((c) => c.head.relation.name === "open")!;
    expect(planClause(clause, checked.relations, checked.types[clause.id]!).touches).toBeNull();
  });
});

const INPUTS = ["a", "b"] as const;
type Agg = { op: "count" | "sum" | "max" | "min"; rel: number; group: number; two: boolean; bound: number; constant: boolean };
const aggArb: fc.Arbitrary<Agg> = fc.record({
  op: fc.constantFrom("count" as const, "sum" as const, "max" as const, "min" as const),
  rel: fc.nat(5),
  group: fc.nat(3),
  two: fc.boolean(),
  bound: fc.integer({ min: 1, max: 4 }),
  constant: fc.boolean(),
});
const ruleArb = fc.record({ outer: fc.nat(5), aggs: fc.array(aggArb, { minLength: 1, maxLength: 2 }), headCol: fc.nat(1) });

/**
 * A program of threshold rules over unsigned pairs: `t0` reads the inputs, `t1` reads `t0` too, each
 * with one or two thresholds (`count`/`sum`/`max` with `>=`, `min` with `<=`), grouped by one or two
 * variables, over a body of one or two atoms (the second joined on the first's other column).
 */
function programText(rules: { outer: number; aggs: Agg[]; headCol: number }[]): string {
  const lines = [".decl a(x: unsigned, y: unsigned)", ".decl b(x: unsigned, y: unsigned)", ".input a, b", ".decl t0(x: unsigned, y: unsigned)", ".decl t1(x: unsigned, y: unsigned)"];
  rules.forEach((rule, level) => {
    const rels = [...INPUTS, ...(level > 0 ? ["t0"] : [])];
    const outer = rels[rule.outer % rels.length]!;
    const body = [`${outer}(x, y)`];
    rule.aggs.forEach((g, i) => {
      const rel = rels[g.rel % rels.length]!;
      const other = rels[(g.rel + 1) % rels.length]!;
      // Grouped by x, by y, or by both.
      const key = g.group % 3 === 0 ? "x" : g.group % 3 === 1 ? "y" : null;
      let atoms: string;
      let target: string;
      if (key === null) (atoms = g.two ? `${rel}(x, w${i}), ${other}(w${i}, y)` : `${rel}(x, y), ${other}(y, w${i})`), (target = `w${i}`);
      else if (g.constant) (atoms = `${rel}(${key}, v${i}), ${other}(v${i}, 1)`), (target = `v${i}`);
      else (atoms = g.two ? `${rel}(${key}, w${i}), ${other}(w${i}, v${i})` : `${rel}(${key}, v${i})`), (target = `v${i}`);
      const bound = g.op === "min" ? 2 * g.bound : g.bound;
      body.push(`${g.op}${g.op === "count" ? "" : ` ${target}`} : { ${atoms} } ${g.op === "min" ? "<=" : ">="} ${bound}`);
    });
    lines.push(`t${level}(${rule.headCol === 0 ? "x, y" : "y, x"}) :- ${body.join(", ")}.`);
  });
  return lines.join("\n") + "\n";
}

const pairArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })), { maxLength: 14 });

describe("continuing runs over thresholds equal one run", () => {
  test.prop([fc.array(ruleArb, { minLength: 2, maxLength: 2 }), fc.record({ a: pairArb, b: pairArb }), fc.integer({ min: 2, max: 4 })], { numRuns: 150 })(
    "on random threshold programs inserted in batches",
    (rules, facts, batches) => {
      const text = programText(rules);
      const { checked, analysis } = compileText(text);
      // Every rule stays monotonic, so its stratum continues rather than starting over.
      expect(analysis.rules.every((r) => r.monotonic), text).toBe(true);
      // Narrowed whatever it costs: the sets are small, so the cost would choose whole evaluations.
      const inc = new Engine(checked, analysis, { touch: "always" });
      for (let k = 0; k < batches; k++) {
        for (const name of INPUTS) inc.insert(name, facts[name].filter((_, i) => i % batches === k));
        inc.run();
      }
      const reference = naiveEvaluate(checked, analysis, facts);
      for (const r of ["t0", "t1"]) expect(inc.tuples(r), `${r} in\n${text}`).toEqual(sortedTuples(reference, r));
    },
  );
});
