// The library's replica read API: a relation that waits for a seal is never read as `[]`. Reading
// it from a replica or the merged view throws `WithheldError` with the reason; `sealed` gives it
// once its epochs are sealed; an undeclared relation is CL201, in `insert` as in `Engine.insert`.
import { describe, expect, it } from "vitest";
import { compile, ReplicaEvaluator, UserError, WithheldError } from "../../src/index.js";

const PROGRAM = `.decl edge(a: symbol, b: symbol)
.decl blocked(a: symbol)
.decl reach(a: symbol, b: symbol)
.decl ready(a: symbol)
.decl ready_reach(a: symbol, b: symbol)
.input edge
.input blocked
reach(x, y) :- edge(x, y).
reach(x, z) :- reach(x, y), edge(y, z).
ready(x) :- edge(x, _), !blocked(x).
ready_reach(x, y) :- ready(x), reach(x, y).
`;

function evaluator(): ReplicaEvaluator {
  const c = compile({ path: "p.dl", text: PROGRAM });
  if (c.analysis === null) throw new Error("does not compile");
  return new ReplicaEvaluator({ checked: c.checked, analysis: c.analysis });
}

describe("reading a relation that waits for a seal", () => {
  it("throws WithheldError with the literal and where it is, from a replica and the merged view", () => {
    const ev = evaluator();
    ev.insert("a", "edge", [["x", "y"], ["y", "z"]], 1);
    ev.insert("b", "blocked", [["y"]], 1);
    expect(ev.tuples("a", "reach")).toHaveLength(3);
    expect(ev.merged("reach")).toHaveLength(3);
    let caught: unknown;
    try {
      ev.tuples("a", "ready");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(WithheldError);
    const w = (caught as WithheldError).withheld;
    expect(w.relation).toBe("ready");
    expect(w.kind).toBe("negation");
    expect(w.literal).toBe("!blocked(x)");
    expect(w.at).toBe("p.dl:10:25");
    expect((caught as Error).message).toBe("`ready` is withheld: it reads absence (`!blocked(x)` at p.dl:10:25), so its result waits for a sealed epoch");
    // Through another relation: the chain is named.
    expect(() => ev.merged("ready_reach")).toThrow(/`ready_reach` is withheld: it reads `ready`, which reads absence/);
    // The raw engine would have said [] without a word.
    expect(ev.engineOf("a").tuples("ready")).toEqual([]);
  });

  it("sealed() says withheld while open facts remain, and gives the final result once sealed", () => {
    const ev = evaluator();
    ev.insert("a", "edge", [["x", "y"], ["y", "z"]], 1);
    ev.insert("b", "blocked", [["y"]], 1);
    expect(() => ev.sealed("ready")).toThrow(WithheldError);
    expect(() => ev.sealed("ready")).toThrow(/open epoch\(s\) 1 hold \d+ fact\(s\) it depends on/);
    const outcome = ev.seal(1, { sealedAt: "2026-01-01T00:00:00Z" });
    expect(outcome.ok).toBe(true);
    expect(ev.sealed("ready")).toEqual({ epoch: 1, tuples: [["x"]] });
    expect(ev.sealed("reach").tuples).toHaveLength(3);
    // New open facts withhold it again.
    ev.insert("a", "edge", [["z", "w"]], 2);
    expect(() => ev.sealed("ready")).toThrow(WithheldError);
    // Still not readable per replica: a replica alone never has the final answer.
    expect(() => ev.tuples("a", "ready")).toThrow(WithheldError);
  });

  it("an undeclared relation is CL201 on insert and on every read", () => {
    const ev = evaluator();
    for (const f of [() => ev.insert("a", "edges", [["x", "y"]], 1), () => ev.tuples("a", "edges"), () => ev.merged("edges"), () => ev.sealed("edges")]) {
      let caught: unknown;
      try {
        f();
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(UserError);
      expect((caught as UserError).diagnostic.code).toBe("CL201");
    }
    expect(ev.snapshot().names).toEqual([]);
  });
});
