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

describe("relations that nothing the program outputs, prints or checks reads", () => {
  const DEAD = `
.decl e(x: number)
.input e
.decl kept(x: number)
kept(x) :- e(x), x > 1.
.decl mid(x: number)
mid(x) :- e(x).
.decl top(x: number)
top(x) :- mid(x), !kept(x).
.output top
.decl printed(x: number)
printed(x) :- e(x), x < 3.
.printsize printed
.decl broken(x: number)
broken(x) :- e(x), x > 100.
.invariant broken "no value above 100"
.decl unread(x: number)
unread(y) :- e(x), y = 10 / (x - x).
.decl unread_gap(x: number)
unread_gap(x) :- e(x), !kept(x).
`;
  const set = ReplicaSet.empty().insert("a", "e", [[1], [2]], 1).set.insert("b", "e", [[3]], 2).set;

  it("are not evaluated: their rules' errors cannot happen, and the report lists them apart", () => {
    const diags = new Diagnostics();
    const report = evaluateReplicas(unitOf(DEAD), set, diags, { skipUnread: true });
    expect(diags.items.map((d) => d.code)).toEqual([]);
    expect(report.unevaluated).toEqual(["unread", "unread_gap"]);
    const listed = [...report.replicas.flatMap((r) => r.relations.map((x) => x.relation)), ...report.merged.map((m) => m.relation), ...report.withheld.map((w) => w.relation)];
    expect(listed).not.toContain("unread");
    expect(listed).not.toContain("unread_gap");
    // What outputs, printed relations and invariants read is all there.
    expect(report.merged.map((m) => m.relation)).toEqual(expect.arrayContaining(["e", "kept", "mid", "printed", "broken"]));
    expect(report.merged.find((m) => m.relation === "printed")!.size).toBe(2);
    expect(report.withheld.map((w) => w.relation)).toEqual(["top"]);
    expect(report.invariants.map((i) => [i.relation, i.status])).toEqual([["broken", "holds"]]);
  });

  it("are left out of the sealed results too", () => {
    const sealed = set.seal(1, { sealedAt: "2026-01-01T00:00:00.000Z", reason: null });
    if (!sealed.ok) throw new Error(sealed.message);
    const diags = new Diagnostics();
    const report = evaluateReplicas(unitOf(DEAD), sealed.set, diags, { skipUnread: true });
    expect(diags.items.map((d) => d.code)).toEqual([]);
    expect(report.sealed!.relations.map((r) => [r.relation, r.tuples])).toEqual([["top", [[1]]]]);
  });

  it("are evaluated when the caller does not ask to leave them out (a library reader may read any relation)", () => {
    const plain = DEAD.replace(/\.decl unread\(.*\n.*\n/, "");
    const report = evaluateReplicas(unitOf(plain), set, new Diagnostics());
    expect(report.unevaluated).toBeUndefined();
    expect(report.withheld.map((w) => w.relation).sort()).toEqual(["top", "unread_gap"]);
  });

  it("are all evaluated when the program names no output, printed relation or invariant", () => {
    const bare = DEAD.replace(".output top\n", "").replace(".printsize printed\n", "").replace('.invariant broken "no value above 100"\n', "").replace(/\.decl unread\(.*\n.*\n/, "");
    const report = evaluateReplicas(unitOf(bare), set, new Diagnostics(), { skipUnread: true });
    expect(report.unevaluated).toBeUndefined();
    expect(report.withheld.map((w) => w.relation).sort()).toEqual(["top", "unread_gap"]);
    expect(report.merged.map((m) => m.relation)).toEqual(expect.arrayContaining(["printed", "broken", "mid", "kept"]));
  });
});
