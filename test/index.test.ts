// The public API as the README's "Library API" section shows it, on the release example.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compile, Diagnostics, Engine, evaluateReplicas, ReplicaSet } from "../src/index.js";

const text = readFileSync(new URL("../programs/release/release.dl", import.meta.url), "utf8");

describe("public API", () => {
  it("compiles, analyzes and evaluates a program", () => {
    const { analysis, checked, diagnostics } = compile({ path: "release.dl", text });
    expect(diagnostics.hasErrors()).toBe(false);
    expect(analysis).not.toBeNull();
    expect(analysis!.relations.get("ready")!.requiresSeal).toBe(true);

    const engine = new Engine(checked, analysis!);
    engine.insert("release", [["v1"], ["v2"]]);
    engine.insert("approval", [["v1", "ana"], ["v1", "sean"], ["v2", "ana"], ["v2", "sean"]]);
    engine.insert("blocker", [["v2", "b1"]]);
    engine.run();
    expect(engine.tuples("ready")).toEqual([["v1"]]);
  });

  it("withholds non-monotonic results until an epoch is sealed, then releases them", () => {
    const { analysis, checked } = compile({ path: "release.dl", text });
    let set = ReplicaSet.empty();
    set = set.insert("madrid", "release", [["v1"]], 1).set;
    set = set.insert("madrid", "approval", [["v1", "ana"]], 1).set;
    set = set.insert("dublin", "approval", [["v1", "sean"]], 1).set;
    set = set.insert("dublin", "blocker", [["v1", "b1"]], 1).set;

    const before = evaluateReplicas({ checked, analysis: analysis! }, set, new Diagnostics());
    expect(before.sealed).toBeNull();
    expect(before.withheld.map((w) => w.relation)).toEqual(["open_blocker", "ready", "blocked_but_ready"]);

    const sealed = set.seal(1, { sealedAt: "2026-01-01T00:00:00.000Z", reason: "review closed" });
    if (!sealed.ok) throw new Error(sealed.message);
    const after = evaluateReplicas({ checked, analysis: analysis! }, sealed.set, new Diagnostics());
    expect(after.sealedEpoch).toBe(1);
    const rel = (name: string) => after.sealed!.relations.find((r) => r.relation === name)!.tuples;
    expect(rel("ready")).toEqual([]);
    expect(rel("open_blocker")).toEqual([["v1", "b1"]]);

    // A resolution sealed in the next epoch makes v1 ready, final as of epoch 2.
    const next = sealed.set.insert("madrid", "resolved", [["v1", "b1"]], 2).set.seal(2, { sealedAt: "2026-01-02T00:00:00.000Z", reason: null });
    if (!next.ok) throw new Error(next.message);
    const later = evaluateReplicas({ checked, analysis: analysis! }, next.set, new Diagnostics());
    expect(later.sealed!.relations.find((r) => r.relation === "ready")!.tuples).toEqual([["v1"]]);
  });
});
