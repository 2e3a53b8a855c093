// The library API from src/index.ts: explain a fact of an engine's run, and one over replicas.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compile, Engine, EngineModel, Explainer, explainReplicas, InputIndex, parseFactQuery, renderExplainText, ReplicaSet } from "../../src/index.js";

const text = readFileSync(new URL("../../programs/release/release.dl", import.meta.url), "utf8");

describe("explain as a library", () => {
  it("explains a fact of an engine's run and says why another does not hold", () => {
    const { checked, analysis } = compile({ path: "release.dl", text });
    const engine = new Engine(checked, analysis!);
    const inputs = new InputIndex();
    const facts: Record<string, string[][]> = { release: [["v1"], ["v2"]], approval: [["v1", "ana"], ["v1", "sean"], ["v2", "ana"]], blocker: [["v1", "b1"]], resolved: [["v1", "b1"]] };
    for (const [name, tuples] of Object.entries(facts)) {
      engine.insert(name, tuples);
      inputs.add(name, tuples, (i) => ({ file: `${name}.facts`, line: i + 1 }));
    }
    engine.run();
    const explainer = new Explainer({ checked, analysis: analysis! }, new EngineModel(engine), inputs, () => text);
    const ready = parseFactQuery('ready("v1")', checked);
    if (Array.isArray(ready)) throw new Error(ready[0]!.message);
    const tree = explainer.why(ready.relation, ready.tuple)!;
    expect(tree.kind).toBe("rule");
    expect(tree.height).toBe(2);
    const not = explainer.whyNot("approved", ["v2"])!;
    expect(not.rules[0]!.kind).toBe("comparison");
    expect(not.rules[0]!.aggregates![0]!.value).toBe(1);
    expect(explainer.why("approved", ["v2"])).toBeNull();
    expect(explainer.whyNot("ready", ["v1"])).toBeNull();
  });

  it("explains over a replica set: sealed results, and what a withheld relation waits for", () => {
    const { checked, analysis } = compile({ path: "release.dl", text });
    const unit = { checked, analysis: analysis! };
    let set = ReplicaSet.empty();
    set = set.insert("madrid", "release", [["v1"]], 1).set;
    set = set.insert("madrid", "approval", [["v1", "ana"]], 1).set;
    set = set.insert("dublin", "approval", [["v1", "sean"]], 1).set;
    const answer = explainReplicas(unit, set, new InputIndex(), "ready", ["v1"]);
    expect(answer.view).toBe("sealed");
    expect(answer.holds).toBe(false);
    expect(answer.withheld!.release).toEqual({ from: 1, to: 1 });
    expect(answer.withheld!.ifSealedNow.holds).toBe(true);
    const report = renderExplainText({ program: "release.dl", source: { kind: "replicas", path: "-" }, question: "why", ...answer });
    expect(report).toContain("to release it, seal epoch 1");
  });
});

describe("explain's JSON", () => {
  it("is what JSON.stringify writes, and is written for a derivation too deep for it", async () => {
    const { stringify } = await import("../../src/explain/render.js");
    const sample = { a: [1, "x", null, { b: undefined, c: true }], d: "é\n", e: [] as unknown[], f: {} };
    expect(stringify(sample)).toBe(JSON.stringify(sample));
    let deep: unknown = { kind: "input" };
    for (let i = 0; i < 20000; i++) deep = { kind: "rule", body: [{ derivation: deep }] };
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const text = stringify(deep);
    expect(text.startsWith('{"kind":"rule","body":[{"derivation":{"kind":"rule"')).toBe(true);
    expect(text.length).toBe(20000 * '{"kind":"rule","body":[{"derivation":}]}'.length + '{"kind":"input"}'.length);
  });
});
