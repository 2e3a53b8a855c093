// evaluateReplicas on hand-picked programs: what is withheld and why (negation, aggregation,
// a relation downstream of one), what counts as new, and snapshots that later inserts leave alone.
import { describe, expect, it } from "vitest";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { evaluateReplicas, ReplicaEvaluator } from "../../src/replica/evaluate.js";
import { ReplicaSet } from "../../src/replica/replica.js";
import { unitOf } from "./programs.js";

const ORDERS = `
.decl item(o: symbol, i: symbol)
.decl removed(o: symbol, i: symbol)
.decl live(o: symbol, i: symbol)
.decl size(o: symbol, n: number)
.decl large(o: symbol)
.decl busy(o: symbol)
.input item
.input removed
live(o, i) :- item(o, i), !removed(o, i).
size(o, n) :- item(o, _), n = count : { item(o, _) }.
large(o) :- size(o, n), n > 1.
busy(o) :- item(o, _), c = count : { item(o, _) }, c >= 2.
`;

describe("evaluateReplicas", () => {
  const unit = unitOf(ORDERS);
  const set = ReplicaSet.empty()
    .insert("a", "item", [["o1", "x"], ["o1", "y"]], 1).set
    .insert("b", "removed", [["o1", "x"]], 1).set
    .insert("b", "item", [["o2", "z"]], 2).set;

  it("withholds negation and aggregation with the literal, and downstream relations through their chain", () => {
    const report = evaluateReplicas(unit, set, new Diagnostics());
    expect(report.sealed).toBeNull();
    const byName = new Map(report.withheld.map((w) => [w.relation, w]));
    expect([...byName.keys()].sort()).toEqual(["large", "live", "size"]);
    expect(byName.get("live")).toMatchObject({ kind: "negation", literal: "!removed(o, i)", openFacts: 4, openEpochs: [1, 2], release: { from: 1, to: 2 } });
    expect(byName.get("size")).toMatchObject({ kind: "aggregation", openFacts: 3 });
    expect(byName.get("size")!.literal).toMatch(/^count : \{ ?item\(o, _\) ?\}$/);
    expect(byName.get("large")!.via).toEqual(["large", "size"]);
    // A monotone threshold is coordination-free: computed per replica, never withheld.
    expect(report.merged.find((m) => m.relation === "busy")).toMatchObject({ size: 1, tuples: [["o1"]] });
    expect(report.replicas.find((r) => r.name === "b")!.relations.find((x) => x.relation === "busy")!.size).toBe(0);
  });

  it("releases sealed results as of the sealed epoch and keeps withholding the open one", () => {
    const sealed = set.seal(1, { sealedAt: "2026-01-01T00:00:00.000Z", reason: "close" });
    if (!sealed.ok) throw new Error(sealed.message);
    const report = evaluateReplicas(unit, sealed.set, new Diagnostics());
    expect(report.sealed).toMatchObject({ epoch: 1, reason: "close" });
    const rel = (n: string) => report.sealed!.relations.find((r) => r.relation === n)!.tuples;
    expect(rel("live")).toEqual([["o1", "y"]]);
    expect(rel("size")).toEqual([["o1", 2]]);
    expect(rel("large")).toEqual([["o1"]]);
    expect(report.withheld.map((w) => [w.relation, w.openFacts, w.openEpochs])).toEqual([
      ["live", 1, [2]],
      ["size", 1, [2]],
      ["large", 1, [2]],
    ]);
  });

  it("reports as new only what the set adds to the previous one", () => {
    const previous = ReplicaSet.empty().insert("a", "item", [["o1", "x"]], 1).set;
    const report = evaluateReplicas(unit, set, new Diagnostics(), { previous });
    const a = report.replicas.find((r) => r.name === "a")!;
    expect(a.newFacts).toBe(1);
    expect(a.relations.find((x) => x.relation === "item")!.added).toEqual([["o1", "y"]]);
    expect(a.relations.find((x) => x.relation === "busy")!.added).toEqual([["o1"]]);
    expect(report.replicas.find((r) => r.name === "b")!.newFacts).toBe(2);
  });

  it("a snapshot is a value that later inserts do not change", () => {
    const evaluator = new ReplicaEvaluator(unit);
    evaluator.insert("a", "item", [["o1", "x"]], 1);
    const snap = evaluator.snapshot();
    evaluator.insert("a", "item", [["o1", "y"]], 1);
    expect(snap.replica("a")!.tuples("item")).toEqual([["o1", "x"]]);
    expect(evaluator.snapshot().replica("a")!.tuples("item")).toEqual([["o1", "x"], ["o1", "y"]]);
    expect(evaluator.engineOf("a").size("busy")).toBe(1);
  });
});
