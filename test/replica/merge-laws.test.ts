// Property 1: merging replica states is commutative, associative and idempotent, for replicas
// and for whole replica sets (facts and seals), so delivery order and duplication do not matter.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { Replica, ReplicaSet } from "../../src/replica/replica.js";

const value = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom("a", "b", "1"));
const fact = fc.record({ relation: fc.constantFrom("p", "q"), tuple: fc.array(value, { minLength: 1, maxLength: 2 }), epoch: fc.integer({ min: 1, max: 3 }) });
const replicaOf = (name: string) =>
  fc.array(fact, { maxLength: 12 }).map((facts) => facts.reduce((r, f) => r.insert(f.relation, [f.tuple], f.epoch), Replica.empty(name)));
const setOf = fc
  .array(fc.record({ replica: fc.constantFrom("r1", "r2", "r3"), f: fact }), { maxLength: 15 })
  .chain((facts) =>
    fc.boolean().map((sealOne) => {
      let s = facts.reduce((acc, { replica, f }) => acc.insert(replica, f.relation, [f.tuple], f.epoch).set, ReplicaSet.empty());
      if (sealOne) {
        const o = s.seal(1, { sealedAt: "2026-01-01T00:00:00.000Z" });
        if (o.ok) s = o.set;
      }
      return s;
    }),
  );

describe("Replica.merge", () => {
  test.prop([replicaOf("r"), replicaOf("r")])("is commutative", (a, b) => {
    expect(a.merge(b).equals(b.merge(a))).toBe(true);
  });
  test.prop([replicaOf("r"), replicaOf("r"), replicaOf("r")])("is associative", (a, b, c) => {
    expect(a.merge(b).merge(c).equals(a.merge(b.merge(c)))).toBe(true);
  });
  test.prop([replicaOf("r"), replicaOf("r")])("is idempotent and inflationary", (a, b) => {
    expect(a.merge(a).equals(a)).toBe(true);
    const m = a.merge(b);
    expect(m.merge(b).equals(m)).toBe(true);
    for (const e of a.epochs) for (const rel of a.relations(e)) for (const k of a.keys(rel, e)) expect(m.keys(rel, e).has(k)).toBe(true);
  });
});

describe("ReplicaSet.merge", () => {
  test.prop([setOf, setOf])("is commutative", (a, b) => {
    expect(a.merge(b).equals(b.merge(a))).toBe(true);
  });
  test.prop([setOf, setOf, setOf])("is associative", (a, b, c) => {
    expect(a.merge(b).merge(c).equals(a.merge(b.merge(c)))).toBe(true);
  });
  test.prop([setOf])("is idempotent", (a) => {
    expect(a.merge(a).equals(a)).toBe(true);
  });
  test.prop([setOf])("detects a difference", (a) => {
    const b = a.insert("r9", "p", [["new"]], 4).set;
    expect(a.equals(b)).toBe(false);
  });
});
