// The public API as the README shows it: compile a program, evaluate it, and run it on replicas.
import { describe, expect, it } from "vitest";
import { compile, Diagnostics, Engine, evaluateReplicas, ReplicaSet } from "../src/index.js";

const text = `
.decl blocker(r: symbol, id: symbol)
.decl resolved(r: symbol, id: symbol)
.decl release(r: symbol)
.input blocker
.input resolved
.input release
.decl open(r: symbol, id: symbol)
open(r, id) :- blocker(r, id), !resolved(r, id).
.decl ready(r: symbol)
ready(r) :- release(r), !open(r, _).
.output ready
`;

describe("public API", () => {
  it("compiles, analyzes and evaluates a program", () => {
    const { analysis, checked, diagnostics } = compile({ path: "release.dl", text });
    expect(diagnostics.hasErrors()).toBe(false);
    expect(analysis).not.toBeNull();
    expect(analysis!.relations.get("ready")!.requiresSeal).toBe(true);

    const engine = new Engine(checked, analysis!);
    engine.insert("release", [["v1"], ["v2"]]);
    engine.insert("blocker", [["v2", "b1"]]);
    engine.run();
    expect(engine.tuples("ready")).toEqual([["v1"]]);
  });

  it("withholds non-monotonic results until an epoch is sealed, then releases them", () => {
    const { analysis, checked } = compile({ path: "release.dl", text });
    let set = ReplicaSet.empty();
    set = set.insert("madrid", "release", [["v1"]], 1).set;
    set = set.insert("dublin", "blocker", [["v1", "b1"]], 1).set;
    set = set.insert("madrid", "resolved", [["v1", "b1"]], 1).set;

    const before = evaluateReplicas({ checked, analysis: analysis! }, set, new Diagnostics());
    expect(before.sealed).toBeNull();
    expect(before.withheld.map((w) => w.relation)).toContain("ready");

    const sealed = set.seal(1, { sealedAt: "2026-01-01T00:00:00.000Z", reason: "review closed" });
    if (!sealed.ok) throw new Error(sealed.message);
    const after = evaluateReplicas({ checked, analysis: analysis! }, sealed.set, new Diagnostics());
    expect(after.sealedEpoch).toBe(1);
    const ready = after.sealed!.relations.find((r) => r.relation === "ready")!;
    expect(ready.tuples).toEqual([["v1"]]);
  });
});
