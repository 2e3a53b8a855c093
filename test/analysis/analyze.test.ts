// The analysis on hand-built programs: strata, the CALM table, thresholds, cause chains, CL301.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { analyze, formatCause } from "../../src/analysis/analyze.js";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { _, agg, atom, cmp, n, not, or, pos, ProgramBuilder, sym, v } from "./build.js";

function run(b: ProgramBuilder) {
  const diags = new Diagnostics();
  const analysis = analyze(b.build(), diags);
  return { analysis, diags, codes: diags.items.map((d) => d.code) };
}

describe("monotonicity of single rules", () => {
  it("a join of positive atoms is monotonic and reports nothing", () => {
    const { analysis, codes } = run(
      new ProgramBuilder().decl("post", "p").decl("reaction", "p", "u", "e").decl("shown", "p", "u", "e")
        .rule(atom("shown", v("p"), v("u"), v("e")), pos("post", v("p")), pos("reaction", v("p"), v("u"), v("e"))),
    );
    expect(codes).toEqual([]);
    expect([...analysis.relations.values()].every((r) => r.monotonic && !r.requiresSeal)).toBe(true);
    expect(analysis.strata.every((s) => s.monotonic)).toBe(true);
  });

  it("a negated atom makes the rule wait for a seal (CL302)", () => {
    const { analysis, diags } = run(
      new ProgramBuilder().decl("release", "r").decl("blocker", "r", "b").decl("ready", "r")
        .rule(atom("ready", v("r")), pos("release", v("r")), not("blocker", v("r"), _())),
    );
    const ready = analysis.relations.get("ready")!;
    expect(ready.monotonic).toBe(false);
    expect(ready.requiresSeal).toBe(true);
    expect(ready.cause && formatCause(ready.cause)).toBe("ready <- !blocker(r, _)");
    expect(diags.items).toHaveLength(1);
    const d = diags.items[0]!;
    expect(d.code).toBe("CL302");
    expect(d.severity).toBe("warning");
    expect(d.message).toBe("rule for `ready` negates `blocker`, so `ready` waits for a sealed epoch");
    expect(d.help).toMatch(/seal an epoch/);
    expect(d.help).toMatch(/one authority/);
    expect(d.help).not.toMatch(/threshold/);
  });

  it("an aggregate compared as an upper bound is aggregation, with escrow among the options (CL303)", () => {
    const { analysis, diags } = run(
      new ProgramBuilder().decl("sale", "w", "b").decl("accepted", "w", "b")
        .rule(atom("accepted", v("w"), v("b")), pos("sale", v("w"), v("b")), cmp(agg("count", null, pos("sale", v("w"), _())), "<=", n(10))),
    );
    expect(analysis.relations.get("accepted")!.monotonic).toBe(false);
    expect(diags.items.map((d) => d.code)).toEqual(["CL303"]);
    const use = analysis.rules[0]!.uses[0]!;
    expect(use.kind).toBe("aggregation");
    expect(use.relation).toBe("sale");
    expect(use.text).toBe("count : { sale(w, _) }");
    expect(use.reason).toMatch(/compared with `<=` against 10/);
    expect(use.remedies).toEqual(["seal", "threshold", "escrow", "authority"]);
  });
});

describe("monotone thresholds", () => {
  const approvals = () => new ProgramBuilder().decl("proposal", "p").decl("approval", "p", "u").decl("approved", "p").decl("out", "p", "c:number");

  it.each([
    ["inline `count >= 2`", () => [cmp(agg("count", null, pos("approval", v("p"), _())), ">=", n(2))]],
    ["inline `2 <= count`", () => [cmp(n(2), "<=", agg("count", null, pos("approval", v("p"), _())))]],
    ["inline `count > 1`", () => [cmp(agg("count", null, pos("approval", v("p"), _())), ">", n(1))]],
    ["negated `!(count < 2)`", () => [cmp(agg("count", null, pos("approval", v("p"), _())), "<", n(2), true)]],
    ["through a variable", () => [cmp(v("c"), "=", agg("count", null, pos("approval", v("p"), _()))), cmp(v("c"), ">=", n(2))]],
    ["through a variable, two bounds", () => [cmp(agg("count", null, pos("approval", v("p"), _())), "=", v("c")), cmp(v("c"), ">=", n(2)), cmp(n(5), "<", v("c"))]],
  ])("%s is monotonic with a CL304 note", (_name, body) => {
    const { analysis, diags } = run(approvals().rule(atom("approved", v("p")), pos("proposal", v("p")), ...body()));
    expect(analysis.relations.get("approved")!.monotonic).toBe(true);
    expect(analysis.rules[0]!.thresholds).toHaveLength(1);
    expect(diags.items.map((d) => d.code)).toEqual(["CL304"]);
    expect(diags.items[0]!.severity).toBe("note");
    expect(diags.items[0]!.notes[0]).toMatch(/only grows/);
  });

  it.each([
    ["exactly 2 (`c = 2`)", () => [cmp(agg("count", null, pos("approval", v("p"), _())), "=", n(2))], /`=`/],
    ["no more than 10 (`c <= 10`)", () => [cmp(v("c"), "=", agg("count", null, pos("approval", v("p"), _()))), cmp(v("c"), "<=", n(10))], /`<=`/],
    ["`c != 2`", () => [cmp(agg("count", null, pos("approval", v("p"), _())), "!=", n(2))], /`!=`/],
    ["the count also used elsewhere", () => [cmp(v("c"), "=", agg("count", null, pos("approval", v("p"), _()))), cmp(v("c"), ">=", n(2)), pos("out", v("p"), v("c"))], /also used/],
    ["a bound that is not a constant", () => [pos("out", v("p"), v("k")), cmp(agg("count", null, pos("approval", v("p"), _())), ">=", v("k"))], /neither a constant nor read from a relation only the program/],
    ["a negation inside the aggregate", () => [cmp(agg("count", null, pos("approval", v("p"), v("u")), not("out", v("u"), _())), ">=", n(2))], /negates `out`/],
    ["`mean`", () => [cmp(agg("mean", v("x"), pos("out", v("p"), v("x"))), ">=", n(2))], /`mean`/],
    ["`sum` over a signed column", () => [cmp(agg("sum", v("x"), pos("out", v("p"), v("x"))), ">=", n(2))], /not `unsigned`/],
    ["`min` compared upwards", () => [cmp(agg("min", v("x"), pos("out", v("p"), v("x"))), ">=", n(2))], /only shrinks/],
  ])("%s is not a threshold", (_name, body, reason) => {
    const { analysis, diags } = run(approvals().rule(atom("approved", v("p")), pos("proposal", v("p")), ...body()));
    expect(analysis.relations.get("approved")!.monotonic).toBe(false);
    expect(analysis.rules[0]!.thresholds).toHaveLength(0);
    expect(diags.items.map((d) => d.code)).toContain("CL303");
    expect(analysis.rules[0]!.uses[0]!.reason).toMatch(reason);
  });

  it("the count put in the head is not a threshold", () => {
    const { analysis } = run(approvals().rule(atom("out", v("p"), v("c")), pos("proposal", v("p")), cmp(v("c"), "=", agg("count", null, pos("approval", v("p"), _())))));
    expect(analysis.relations.get("out")!.monotonic).toBe(false);
    expect(analysis.rules[0]!.uses[0]!.reason).toMatch(/in the head/);
  });

  it("`sum` over an unsigned column and `min` compared downwards are thresholds", () => {
    const b = new ProgramBuilder().decl("pay", "a", "x:unsigned").decl("bid", "a", "x:number").decl("rich", "a").decl("cheap", "a")
      .rule(atom("rich", v("a")), pos("pay", v("a"), _()), cmp(agg("sum", v("x"), pos("pay", v("a"), v("x"))), ">", n(100)))
      .rule(atom("cheap", v("a")), pos("bid", v("a"), _()), cmp(agg("min", v("x"), pos("bid", v("a"), v("x"))), "<=", n(5)));
    const { analysis, codes } = run(b);
    expect(analysis.relations.get("rich")!.monotonic).toBe(true);
    expect(analysis.relations.get("cheap")!.monotonic).toBe(true);
    expect(codes).toEqual(["CL304", "CL304"]);
  });

  it("`min` over symbols compared downwards with a symbol is a threshold; `max` compared downwards is not", () => {
    const b = new ProgramBuilder().decl("tag", "a", "t").decl("early", "a").decl("late", "a")
      .rule(atom("early", v("a")), pos("tag", v("a"), _()), cmp(agg("min", v("t"), pos("tag", v("a"), v("t"))), "<=", sym("b")))
      .rule(atom("late", v("a")), pos("tag", v("a"), _()), cmp(agg("max", v("t"), pos("tag", v("a"), v("t"))), "<=", sym("b")));
    const { analysis } = run(b);
    expect(analysis.relations.get("early")!.monotonic).toBe(true);
    expect(analysis.relations.get("late")!.monotonic).toBe(false);
    expect(analysis.rules[1]!.uses[0]!.reason).toMatch(/only grows/);
  });
});

describe("relations and cause chains", () => {
  it("non-monotonicity flows to readers, with the shortest chain", () => {
    const b = new ProgramBuilder().decl("release", "r").decl("blocker", "r", "b").decl("ready", "r").decl("notify", "r").decl("page", "r")
      .rule(atom("ready", v("r")), pos("release", v("r")), not("blocker", v("r"), _()))
      .rule(atom("notify", v("r")), pos("ready", v("r")))
      .rule(atom("page", v("r")), pos("notify", v("r")))
      .rule(atom("page", v("r")), pos("ready", v("r")));
    const { analysis, codes } = run(b);
    const chain = (name: string) => {
      const c = analysis.relations.get(name)!.cause;
      return c === null ? null : formatCause(c);
    };
    expect(chain("notify")).toBe("notify <- ready <- !blocker(r, _)");
    expect(chain("page")).toBe("page <- ready <- !blocker(r, _)");
    expect(chain("release")).toBeNull();
    expect(chain("blocker")).toBeNull();
    expect(analysis.relations.get("blocker")!.isInput).toBe(true);
    expect(analysis.relations.get("notify")!.cause!.chain.map((s) => s.relation)).toEqual(["notify", "ready"]);
    // One warning for the literal; notes for the relations that only read it.
    expect(codes.filter((c) => c === "CL302")).toHaveLength(1);
    expect(codes.filter((c) => c === "CL305")).toHaveLength(2);
  });

  it("the warning lists every relation withheld until the seal", () => {
    const b = new ProgramBuilder().decl("added", "i", "t").decl("removed", "t").decl("visible", "i").decl("badge", "i")
      .rule(atom("visible", v("i")), pos("added", v("i"), v("t")), not("removed", v("t")))
      .rule(atom("badge", v("i")), pos("visible", v("i")));
    const { diags } = run(b);
    const w = diags.items.find((d) => d.code === "CL302")!;
    expect(w.message).toBe("rule for `visible` negates `removed`, so `visible` waits for a sealed epoch");
    expect(w.notes.join("\n")).toMatch(/`visible` and every relation that reads it \(`badge`\) are withheld/);
  });

  it("a literal shared by a disjunction's clauses is reported once", () => {
    const b = new ProgramBuilder().decl("a", "x").decl("b", "x").decl("c", "x").decl("h", "x")
      .rule(atom("h", v("x")), not("c", v("x")), or(pos("a", v("x")), pos("b", v("x"))));
    const { analysis, codes } = run(b);
    expect(analysis.rules).toHaveLength(2);
    expect(codes).toEqual(["CL302"]);
  });
});

describe("strata", () => {
  it("orders strata so that every relation comes after what it reads, ties in declaration order", () => {
    const b = new ProgramBuilder().decl("notify", "r").decl("ready", "r").decl("edge", "a", "b").decl("path", "a", "b").decl("blocker", "r")
      .rule(atom("notify", v("r")), pos("ready", v("r")))
      .rule(atom("ready", v("r")), pos("path", v("r"), _()), not("blocker", v("r")))
      .rule(atom("path", v("a"), v("b")), pos("edge", v("a"), v("b")))
      .rule(atom("path", v("a"), v("c")), pos("path", v("a"), v("b")), pos("edge", v("b"), v("c")));
    const { analysis } = run(b);
    expect(analysis.strata.map((s) => s.relations)).toEqual([["edge"], ["path"], ["blocker"], ["ready"], ["notify"]]);
    expect(analysis.strata.map((s) => s.recursive)).toEqual([false, true, false, false, false]);
    expect(analysis.strata.map((s) => s.monotonic)).toEqual([true, true, true, false, false]);
    expect(analysis.stratified).toBe(true);
  });

  it("rejects negation through a cycle with one CL301 naming the cycle", () => {
    const b = new ProgramBuilder().decl("a", "x").decl("b", "x").decl("c", "x")
      .rule(atom("a", v("x")), pos("b", v("x")), not("c", v("x")))
      .rule(atom("c", v("x")), pos("a", v("x")));
    const { analysis, diags } = run(b);
    expect(analysis.stratified).toBe(false);
    const errors = diags.items.filter((d) => d.code === "CL301");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.severity).toBe("error");
    expect(errors[0]!.message).toContain("`a -> c -> a`");
    expect(errors[0]!.related.map((r) => r.message)).toEqual(["`c` reads `a` here"]);
    expect(errors[0]!.help).toMatch(/break the cycle/);
    // The literal is an error, not a coordination point.
    expect(diags.items.map((d) => d.code)).not.toContain("CL302");
  });

  it("reports a cycle once even when two of its edges are negations", () => {
    const b = new ProgramBuilder().decl("a", "x").decl("b", "x").decl("d", "x")
      .rule(atom("a", v("x")), pos("d", v("x")), not("b", v("x")))
      .rule(atom("b", v("x")), pos("d", v("x")), not("a", v("x")));
    const { diags } = run(b);
    const errors = diags.items.filter((d) => d.code === "CL301");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain("`a -> b -> a`");
  });

  it("rejects a relation that negates itself and an aggregate over its own cycle", () => {
    const b = new ProgramBuilder().decl("p", "x").decl("q", "x").decl("r", "x")
      .rule(atom("p", v("x")), pos("q", v("x")), not("p", v("x")))
      .rule(atom("r", v("x")), pos("q", v("x")), cmp(agg("count", null, pos("r", _())), ">=", n(1)));
    const { diags } = run(b);
    const messages = diags.items.filter((d) => d.code === "CL301").map((d) => d.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain("`p -> p`");
    expect(messages[1]).toContain("`r -> r`");
  });

  // Random programs over six relations: each clause a head and up to three literals, some negated.
  const programs = fc.array(
    fc.record({ head: fc.nat(5), body: fc.array(fc.record({ rel: fc.nat(5), negated: fc.boolean() }), { minLength: 1, maxLength: 3 }) }),
    { maxLength: 10 },
  );

  test.prop([programs])("every edge goes to a lower or equal stratum; negations strictly lower when stratified", (clauses) => {
    const b = new ProgramBuilder();
    for (let i = 0; i < 6; i++) b.decl(`r${i}`, "x");
    for (const c of clauses) b.rule(atom(`r${c.head}`, v("x")), pos(`r${(c.head + 1) % 6}`, v("x")), ...c.body.map((l) => (l.negated ? not : pos)(`r${l.rel}`, v("x"))));
    const { analysis, diags } = run(b);
    expect(analysis.strata.flatMap((s) => s.relations).sort()).toEqual(["r0", "r1", "r2", "r3", "r4", "r5"]);
    for (const e of analysis.edges) {
      const from = analysis.relations.get(e.from)!.stratum;
      const to = analysis.relations.get(e.to)!.stratum;
      expect(to).toBeLessThanOrEqual(from);
      if (analysis.stratified && e.kind !== "positive") expect(to).toBeLessThan(from);
    }
    expect(analysis.stratified).toBe(!diags.items.some((d) => d.code === "CL301"));
    // A relation is monotonic iff no non-monotonic rule is reachable from it.
    for (const r of analysis.relations.values()) expect(r.monotonic).toBe(r.cause === null);
  });
});
