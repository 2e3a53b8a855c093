// Replica values: grow-only inserts, merge as union, seals in order, late facts refused.
import { describe, expect, it } from "vitest";
import { epochDigest, relationDigest, tupleKey } from "../../src/replica/tuple-keys.js";
import { Replica, ReplicaSet } from "../../src/replica/replica.js";

const at = "2026-01-01T00:00:00.000Z";

describe("Replica", () => {
  it("is a value: a snapshot does not change when later inserts happen", () => {
    const a = Replica.empty("a").insert("edge", [[1, 2]], 1);
    const b = a.insert("edge", [[2, 3]], 1);
    expect(a.tuples("edge")).toEqual([[1, 2]]);
    expect(b.tuples("edge")).toEqual([[1, 2], [2, 3]]);
  });

  it("returns itself when nothing is new, so state never churns", () => {
    const a = Replica.empty("a").insert("edge", [[1, 2]], 1);
    expect(a.insert("edge", [[1, 2]], 1)).toBe(a);
  });

  it("keeps facts per epoch and counts them", () => {
    const a = Replica.empty("a").insert("edge", [[1, 2]], 1).insert("edge", [[1, 2], ["x", 3]], 2);
    expect(a.epochs).toEqual([1, 2]);
    expect(a.factCount()).toBe(3);
    expect(a.factCount(2)).toBe(2);
    expect(a.tuples("edge")).toEqual([["x", 3], [1, 2]]); // key order: JSON text, code units
  });

  it("refuses to merge two different replicas", () => {
    expect(() => Replica.empty("a").merge(Replica.empty("b"))).toThrow(/cannot merge/);
  });

  it("digests are order-independent and tell symbols from numbers", () => {
    expect(relationDigest("r", [tupleKey([1]), tupleKey([2])])).toBe(relationDigest("r", [tupleKey([2]), tupleKey([1])]));
    expect(relationDigest("r", [tupleKey([1])])).not.toBe(relationDigest("r", [tupleKey(["1"])]));
    expect(epochDigest([["b", ["[1]"]], ["a", ["[2]"]]])).toBe(epochDigest([["a", ["[2]"]], ["b", ["[1]"]]]));
  });
});

describe("ReplicaSet seals", () => {
  const base = (() => {
    let s = ReplicaSet.empty();
    s = s.insert("a", "edge", [[1, 2]], 1).set;
    s = s.insert("b", "edge", [[2, 3]], 1).set;
    s = s.insert("b", "edge", [[3, 4]], 2).set;
    return s;
  })();

  it("seals epochs in order, once each", () => {
    const two = base.seal(2, { sealedAt: at });
    expect(two.ok).toBe(false);
    if (!two.ok) expect(two.message).toMatch(/epoch 1 is not sealed yet/);
    const one = base.seal(1, { sealedAt: at, reason: "end of day" });
    expect(one.ok).toBe(true);
    if (!one.ok) return;
    expect(one.record.reason).toBe("end of day");
    expect(Object.keys(one.record.replicas)).toEqual(["a", "b"]);
    expect(one.record.replicas["a"]!.facts).toBe(1);
    const again = one.set.seal(1, { sealedAt: at });
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.message).toMatch(/already sealed/);
    expect(one.set.sealedEpoch).toBe(1);
    expect(one.set.openEpochs).toEqual([2]);
    expect(base.sealedEpoch).toBe(0);
  });

  it("refuses late facts once a sealed relation matches its digest", () => {
    const one = base.seal(1, { sealedAt: at });
    if (!one.ok) throw new Error(one.message);
    const r = one.set.insert("a", "edge", [[9, 9]], 1);
    expect(r.added).toBe(0);
    expect(r.late).toEqual([[9, 9]]);
    expect(r.set.verifySealed()).toEqual({ epoch: 1, mismatches: [] });
    const other = one.set.insert("c", "edge", [[5, 5]], 1);
    expect(other.late).toEqual([[5, 5]]);
    const open = one.set.insert("a", "edge", [[9, 9]], 2);
    expect(open.added).toBe(1);
  });

  it("accepts facts that complete a seal delivered before them, and verifies the digest", () => {
    const one = base.seal(1, { sealedAt: at });
    if (!one.ok) throw new Error(one.message);
    // A node that knows only the seal and replica a's facts.
    let node = ReplicaSet.of([one.set.replica("a")!], [one.record]);
    expect(node.verifySealed().epoch).toBe(0);
    expect(node.verifySealed().mismatches).toEqual([{ replica: "b", epoch: 1, relation: "edge", kind: "incomplete", sealedFacts: 1, facts: 0 }]);
    const r = node.insert("b", "edge", [[2, 3], [7, 7]], 1);
    expect(r.added).toBe(1);
    expect(r.late).toEqual([[7, 7]]);
    node = r.set;
    expect(node.verifySealed()).toEqual({ epoch: 1, mismatches: [] });
  });

  it("merges seals and facts", () => {
    const one = base.seal(1, { sealedAt: at });
    if (!one.ok) throw new Error(one.message);
    const merged = ReplicaSet.empty().merge(one.set);
    expect(merged.equals(one.set)).toBe(true);
    expect(base.equals(one.set)).toBe(false);
  });
});
