// Fixed relations (replicas cannot change them): which relations are fixed, that reading their
// absence or totals needs no seal, that thresholds may compare against their values, and that a
// relation called fixed really is the same whatever input facts arrive.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { fixedRelations, replicatedRelations } from "../../src/analysis/fixed.js";
import type { Analysis } from "../../src/analysis/types.js";
import type { CheckedProgram } from "../../src/check/types.js";
import { evaluate } from "../../src/eval/engine.js";
import { computeRoles } from "../../src/invariant/roles.js";
import { compile } from "../../src/pipeline.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";

function compiled(text: string): { checked: CheckedProgram; analysis: Analysis; diagnostics: readonly Diagnostic[] } {
  const c = compile({ path: "fixed.dl", text });
  if (c.analysis === null) throw new Error(`does not compile:\n${c.diagnostics.items.map((d) => d.message).join("\n")}`);
  return { checked: c.checked, analysis: c.analysis, diagnostics: c.diagnostics.items };
}

const codes = (ds: readonly Diagnostic[]): string[] => ds.map((d) => d.code).filter((c) => c.startsWith("CL30"));

describe("which relations are fixed", () => {
  const { checked, analysis } = compiled(`
    .decl stock(p: symbol, n: number)
    stock("a", 1).
    .decl sale(p: symbol)
    .input sale
    .decl seeded(p: symbol)
    .input seeded
    seeded("a").
    .decl edge(a: symbol, b: symbol)
    edge("a", "b"). edge("b", "c").
    .decl path(a: symbol, b: symbol)
    path(a, b) :- edge(a, b).
    path(a, c) :- path(a, b), edge(b, c).
    .decl lonely(a: symbol)
    lonely(a) :- edge(a, _), !path(_, a).
    .decl sold(p: symbol)
    sold(p) :- sale(p).
    .decl via(p: symbol)
    via(p) :- stock(p, _), !sold(p).
    .decl seeded_stock(p: symbol)
    seeded_stock(p) :- stock(p, _), seeded(p).
    .decl totals(n: number)
    totals(n) :- n = count : { sale(_) }.
    .decl empty(p: symbol)
    .decl fromempty(p: symbol)
    fromempty(p) :- stock(p, _), !empty(p).
  `);
  const fixed = fixedRelations(checked);

  it.each([
    ["stock", "program facts only", true],
    ["edge", "program facts only", true],
    ["path", "recursive over program facts", true],
    ["lonely", "negating a fixed relation", true],
    ["empty", "declared only: fixed and empty", true],
    ["fromempty", "reading a declared-only relation", true],
    ["sale", "an `.input`", false],
    ["seeded", "an `.input` that also has program facts", false],
    ["sold", "reading an `.input`", false],
    ["via", "negating a relation that reads an `.input`", false],
    ["seeded_stock", "joining a fixed relation with an `.input`", false],
    ["totals", "aggregating an `.input`", false],
  ] as const)("`%s` (%s): fixed is %s", (name, _why, expected) => {
    expect(fixed.has(name)).toBe(expected);
    expect(analysis.relations.get(name)!.fixed).toBe(expected);
  });

  it("the invariant checker's roles use the same definition: replicated is `.input`, constant is fixed", () => {
    const roles = computeRoles(checked, analysis);
    expect([...roles.replicated].sort()).toEqual(["sale", "seeded"]);
    expect([...replicatedRelations(checked)]).toEqual(["sale", "seeded"]);
    expect([...roles.constant].sort()).toEqual([...fixed].sort());
  });
});

describe("reading a fixed relation needs no seal", () => {
  it("a negated atom over a fixed relation is monotonic: no CL302, no seal", () => {
    const { analysis, diagnostics } = compiled(`
      .decl banned(p: symbol)
      banned("x").
      .decl sale(p: symbol)
      .input sale
      .decl ok(p: symbol)
      ok(p) :- sale(p), !banned(p).
    `);
    expect(codes(diagnostics)).toEqual([]);
    expect(analysis.relations.get("ok")).toMatchObject({ monotonic: true, requiresSeal: false, fixed: false });
    expect(analysis.rules.find((r) => r.relation === "ok")!.uses).toEqual([]);
  });

  it("a negated atom over an `.input` that also has program facts still waits for a seal (CL302)", () => {
    const { analysis, diagnostics } = compiled(`
      .decl banned(p: symbol)
      .input banned
      banned("x").
      .decl sale(p: symbol)
      .input sale
      .decl ok(p: symbol)
      ok(p) :- sale(p), !banned(p).
    `);
    expect(codes(diagnostics)).toEqual(["CL302"]);
    expect(analysis.relations.get("ok")!.requiresSeal).toBe(true);
  });

  it("negating a relation derived from an `.input`, however far down, waits for a seal", () => {
    const { diagnostics } = compiled(`
      .decl stock(p: symbol)
      stock("a").
      .decl sale(p: symbol)
      .input sale
      .decl sold(p: symbol)
      sold(p) :- stock(p), sale(p).
      .decl sold2(p: symbol)
      sold2(p) :- sold(p).
      .decl left(p: symbol)
      left(p) :- stock(p), !sold2(p).
    `);
    expect(codes(diagnostics)).toEqual(["CL302"]);
  });

  it("a declared-only relation is fixed and empty: negating it needs no seal", () => {
    const { analysis, diagnostics } = compiled(`
      .decl sale(p: symbol)
      .input sale
      .decl nothing(p: symbol)
      .decl ok(p: symbol)
      ok(p) :- sale(p), !nothing(p).
    `);
    expect(codes(diagnostics)).toEqual([]);
    expect(analysis.relations.get("nothing")).toMatchObject({ fixed: true, isInput: true });
  });

  it("an aggregate whose body reads only fixed relations is monotonic: no CL303", () => {
    const { analysis, diagnostics } = compiled(`
      .decl stock(p: symbol, n: number)
      stock("a", 1). stock("a", 2).
      .decl banned(p: symbol)
      banned("b").
      .decl sale(p: symbol)
      .input sale
      .decl kinds(p: symbol, k: number)
      kinds(p, k) :- sale(p), k = count : { stock(p, _), !banned(p) }.
      .decl total(n: number)
      total(n) :- n = sum x : { stock(_, x) }.
    `);
    expect(codes(diagnostics)).toEqual([]);
    expect(analysis.relations.get("kinds")!.requiresSeal).toBe(false);
    expect(analysis.relations.get("total")).toMatchObject({ fixed: true, monotonic: true });
  });

  it("an aggregate that reads a fixed relation and an `.input` still waits for a seal (CL303)", () => {
    const { diagnostics } = compiled(`
      .decl stock(p: symbol, n: number)
      stock("a", 1).
      .decl sale(p: symbol)
      .input sale
      .decl sold(p: symbol, k: number)
      sold(p, k) :- stock(p, _), k = count : { stock(p, _), sale(p) }.
    `);
    expect(codes(diagnostics)).toEqual(["CL303"]);
  });

  it("a count that only filters by negating a fixed relation is still a threshold", () => {
    const { diagnostics } = compiled(`
      .decl banned(u: symbol)
      banned("bot").
      .decl vote(p: symbol, u: symbol)
      .input vote
      .decl popular(p: symbol)
      popular(p) :- vote(p, _), count : { vote(p, u), !banned(u) } >= 2.
    `);
    expect(codes(diagnostics)).toEqual(["CL304"]);
  });
});

describe("thresholds against a fixed bound", () => {
  const program = (bound: string, cmp: string): string => `
    .decl capacity(w: symbol, n: number)
    capacity("a", 2).
    ${bound}
    .decl sale(w: symbol, id: number)
    .input sale
    .decl full(w: symbol)
    full(w) :- capacity(w, n), ${cmp}.
  `;

  it.each([
    ["count : { sale(w, _) } > n"],
    ["count : { sale(w, _) } >= n"],
    ["n <= count : { sale(w, _) }"],
    ["c = count : { sale(w, _) }, c >= n"],
    ["c = count : { sale(w, _) }, n < c"],
    ["count : { sale(w, _) } > n + 1"],
    ["c = count : { sale(w, _) }, c >= max(n, 3) * 2"],
  ])("`%s` with `n` from program facts is a threshold (CL304 says where the bound comes from)", (cmp) => {
    const { analysis, diagnostics } = compiled(program("", cmp));
    expect(codes(diagnostics)).toEqual(["CL304"]);
    expect(analysis.relations.get("full")!.requiresSeal).toBe(false);
    const d = diagnostics.find((x) => x.code === "CL304")!;
    expect(d.notes).toContain("the bound `n` comes from `capacity`, which only the program's facts define, so it cannot move as facts arrive");
    expect(analysis.rules.find((r) => r.relation === "full")!.thresholds[0]!.fixedBounds).toEqual([{ variable: "n", relation: "capacity" }]);
  });

  it("a bound from a relation derived only from program facts is a threshold too", () => {
    const { diagnostics } = compiled(`
      .decl base(w: symbol, n: number)
      base("a", 1).
      .decl capacity(w: symbol, n: number)
      capacity(w, n + 1) :- base(w, n).
      .decl sale(w: symbol, id: number)
      .input sale
      .decl full(w: symbol)
      full(w) :- capacity(w, n), count : { sale(w, _) } >= n.
    `);
    expect(codes(diagnostics)).toEqual(["CL304"]);
    expect(diagnostics.find((x) => x.code === "CL304")!.notes.join("\n")).toMatch(/`capacity`, which is derived only from the program's facts/);
  });

  it.each([
    ["an `.input` bound", `.input capacity`, "count : { sale(w, _) } >= n"],
    ["an `.input` bound inside arithmetic", `.input capacity`, "count : { sale(w, _) } >= n + 1"],
    ["a bound mixing a fixed value with a count", "", "c = count : { sale(w, _) }, c >= n + count : { sale(_, _) }"],
  ])("%s is not a threshold (CL303)", (_name, extra, cmp) => {
    const { diagnostics } = compiled(program(extra, cmp));
    expect(codes(diagnostics)).toContain("CL303");
    expect(codes(diagnostics)).not.toContain("CL304");
  });

  it("a bound from a relation derived from an `.input` is not a threshold (CL303)", () => {
    const { diagnostics } = compiled(`
      .decl limit(w: symbol, n: number)
      .input limit
      .decl capacity(w: symbol, n: number)
      capacity(w, n) :- limit(w, n).
      .decl sale(w: symbol, id: number)
      .input sale
      .decl full(w: symbol)
      full(w) :- capacity(w, n), count : { sale(w, _) } >= n.
    `);
    expect(codes(diagnostics)).toEqual(["CL303"]);
  });

  it("a fixed bound compared the wrong way is not a threshold, and escrow is offered", () => {
    const { analysis, diagnostics } = compiled(program("", "count : { sale(w, _) } < n"));
    expect(codes(diagnostics)).toEqual(["CL303"]);
    const use = analysis.rules.find((r) => r.relation === "full")!.uses[0]!;
    expect(use.reason).toMatch(/compared with `<` against `n`/);
    expect(use.remedies).toContain("escrow");
  });

  it("a total bound to a variable and compared against a replicated value says so", () => {
    const { analysis, diagnostics } = compiled(`
      .decl order(o: symbol, total: unsigned)
      .input order
      .decl refund(o: symbol, a: unsigned)
      .input refund
      .decl over(o: symbol)
      over(o) :- order(o, total), t = sum a : { refund(o, a) }, t > total.
    `);
    expect(codes(diagnostics)).toEqual(["CL303"]);
    expect(analysis.rules.find((r) => r.relation === "over")!.uses[0]!.reason).toBe(
      "its value `t` is compared with `>` against `total`, which is neither a constant nor read from a relation only the program's facts define, so the comparison can change as facts arrive",
    );
  });

  it("the same total compared against a fixed value is a threshold", () => {
    const { diagnostics } = compiled(`
      .decl limit(o: symbol, total: unsigned)
      limit("a", 3u).
      .decl refund(o: symbol, a: unsigned)
      .input refund
      .decl over(o: symbol)
      over(o) :- limit(o, total), t = sum a : { refund(o, a) }, t > total.
    `);
    expect(codes(diagnostics)).toEqual(["CL304"]);
  });

  it("a bound only compared to, never read from a fixed atom, is not fixed", () => {
    const { diagnostics } = compiled(`
      .decl capacity(w: symbol, n: number)
      capacity("a", 2).
      .decl sale(w: symbol, id: number)
      .input sale
      .decl full(w: symbol)
      full(w) :- capacity(w, _), sale(w, n), count : { sale(w, _) } >= n.
    `);
    expect(codes(diagnostics)).toEqual(["CL303"]);
  });
});

describe("soundness", () => {
  // Rules over two fixed relations (`a`, `b`, from facts) and one `.input` (`i`); whatever the
  // analysis calls fixed must come out the same with and without input facts.
  const RULES = [
    "p(x) :- a(x).",
    "p(x) :- i(x).",
    "q(x) :- a(x), !b(x).",
    "q(x) :- p(x), !a(x).",
    "r(x) :- b(x), !q(x).",
    "r(x) :- r(y), a(x), x > y.",
    "s(n) :- n = count : { a(_) }.",
    "s(n) :- n = count : { p(_) }.",
    "t(x) :- a(x), c = count : { i(_) }, c >= x.",
    "t(x) :- q(x), !i(x).",
    "u(x) :- cap(x, n), count : { i(y), y >= x } >= n.",
    "u(x) :- cap(x, n), c = count : { i(_) }, n < c.",
    "u(x) :- i(x), !q(x), k = count : { a(_), !b(_) }, k > 0.",
    "w(x, k) :- i(x), k = sum n : { cap(_, n) }.",
    "z(x) :- cap(x, n), count : { i(_) } <= n.",
    "z(x) :- a(x), !p(x).",
  ];
  const HEADER = `
    .decl a(x: number)
    .decl b(x: number)
    .decl i(x: number)
    .input i
    .decl p(x: number)
    .decl q(x: number)
    .decl r(x: number)
    .decl s(n: number)
    .decl t(x: number)
    .decl u(x: number)
    .decl w(x: number, k: number)
    .decl z(x: number)
    .decl cap(x: number, n: number)
    a(0). a(1). a(2). b(1).
    cap(0, 1). cap(1, 2). cap(3, 0).
  `;

  test.prop([fc.subarray([...RULES.keys()], { minLength: 1 }), fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { maxLength: 5 })])(
    "a fixed relation is the same whatever input facts arrive",
    (ids, inputs) => {
      const { checked, analysis } = compiled(HEADER + ids.map((k) => RULES[k]).join("\n"));
      const without = evaluate(checked, analysis, {});
      const withInputs = evaluate(checked, analysis, { i: inputs.map((x) => [x]) });
      for (const info of analysis.relations.values()) {
        if (!info.fixed) continue;
        expect(withInputs.tuples(info.name), info.name).toEqual(without.tuples(info.name));
      }
    },
  );

  test.prop([fc.subarray([...RULES.keys()], { minLength: 1 }), fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { maxLength: 5 }), fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { maxLength: 5 })])(
    "a relation that needs no seal only grows as input facts arrive",
    (ids, first, more) => {
      const { checked, analysis } = compiled(HEADER + ids.map((k) => RULES[k]).join("\n"));
      const before = evaluate(checked, analysis, { i: first.map((x) => [x]) });
      const after = evaluate(checked, analysis, { i: [...new Set([...first, ...more])].map((x) => [x]) });
      for (const info of analysis.relations.values()) {
        if (info.requiresSeal) continue;
        const grown = new Set(after.tuples(info.name).map((t) => JSON.stringify(t)));
        for (const t of before.tuples(info.name)) expect(grown.has(JSON.stringify(t)), `${info.name}${JSON.stringify(t)}`).toBe(true);
      }
    },
  );
});
