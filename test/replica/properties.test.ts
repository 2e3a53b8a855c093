// The replica model's guarantees as differential properties against one central evaluation:
// lower bounds per replica, merge = union, sealed results independent of delivery, late facts inert.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { coordinationFreeRelations, engineOver, evaluateReplicas, mergeEngines, ReplicaEvaluator, type ProgramUnit } from "../../src/replica/evaluate.js";
import { tupleKey } from "../../src/replica/tuple-keys.js";
import { ReplicaSet } from "../../src/replica/replica.js";
import { reconcile, type FileFacts } from "../../src/replica/store.js";
import type { Engine } from "../../src/eval/engine.js";
import { factArb, programArb, unitOf, type GenFact } from "./programs.js";

const AT = "2026-01-01T00:00:00.000Z";
const NAMES = ["r0", "r1", "r2"];

function keysOf(engine: Engine, relation: string): string[] {
  return engine.tuples(relation).map(tupleKey).sort();
}

function unionFacts(facts: readonly GenFact[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of facts) {
    if (!out.has(f.relation)) out.set(f.relation, new Set());
    out.get(f.relation)!.add(tupleKey(f.tuple));
  }
  return out;
}

/** A fact placed on a replica in an epoch. */
const placedArb = fc.record({ fact: factArb, replica: fc.integer({ min: 0, max: 2 }), epoch: fc.integer({ min: 1, max: 2 }) });

/** A random binary merge tree over the items, in a random order: any order and grouping. */
function mergeTree<T>(items: readonly T[], merge: (a: T, b: T) => T, choices: readonly number[]): T {
  let pool = [...items];
  let c = 0;
  while (pool.length > 1) {
    const i = (choices[c++ % Math.max(1, choices.length)] ?? 0) % pool.length;
    const a = pool.splice(i, 1)[0]!;
    const j = (choices[c++ % Math.max(1, choices.length)] ?? 0) % pool.length;
    const b = pool.splice(j, 1)[0]!;
    pool.push(merge(a, b));
  }
  return pool[0]!;
}

function setFrom(placed: readonly { fact: GenFact; replica: number; epoch: number }[]): ReplicaSet {
  let set = ReplicaSet.empty();
  for (const name of NAMES) set = set.insert(name, "e", [], 1).set;
  for (const p of placed) set = set.insert(NAMES[p.replica]!, p.fact.relation, [p.fact.tuple], p.epoch).set;
  return set;
}

describe("property 2: per-replica results are lower bounds; merging states equals one evaluation of the union", () => {
  test.prop([programArb, fc.array(placedArb, { maxLength: 14 }), fc.array(fc.nat(), { minLength: 1, maxLength: 8 })], { numRuns: 60 })(
    "lower bounds and merge",
    (text, placed, choices) => {
      const unit = unitOf(text);
      const free = [...coordinationFreeRelations(unit.analysis)];
      const set = setFrom(placed);
      const evaluator = new ReplicaEvaluator(unit, set);
      const union = engineOver(unit, unionFacts(placed.map((p) => p.fact)), (s) => s.relations.every((r) => free.includes(r)));
      const engines = NAMES.map((n) => evaluator.engineOf(n));
      for (const engine of engines) {
        for (const r of free) {
          const all = new Set(keysOf(union, r));
          for (const k of keysOf(engine, r)) expect(all.has(k)).toBe(true);
        }
      }
      const merged = mergeTree(engines, (a, b) => mergeEngines(unit, a, b), choices);
      for (const r of free) expect(keysOf(merged, r)).toEqual(keysOf(union, r));
      // The evaluator's merged view is the same central evaluation.
      const view = evaluator.mergedEngine();
      for (const r of free) expect(keysOf(view, r)).toEqual(keysOf(union, r));
    },
  );

  test.prop([programArb, fc.array(factArb, { maxLength: 10 }), fc.array(factArb, { maxLength: 10 })], { numRuns: 40 })(
    "adding facts continues the fixpoint to the same result as evaluating from scratch",
    (text, first, second) => {
      const unit = unitOf(text);
      const free = [...coordinationFreeRelations(unit.analysis)];
      const evaluator = new ReplicaEvaluator(unit);
      for (const f of first) evaluator.insert("r0", f.relation, [f.tuple], 1);
      evaluator.engineOf("r0");
      for (const f of second) evaluator.insert("r0", f.relation, [f.tuple], 2);
      const fresh = engineOver(unit, unionFacts([...first, ...second]), (s) => s.relations.every((r) => free.includes(r)));
      for (const r of free) expect(keysOf(evaluator.engineOf("r0"), r)).toEqual(keysOf(fresh, r));
    },
  );
});

/** Non-monotonic relations and their results in a report, as keys. */
function sealedOf(unit: ProgramUnit, set: ReplicaSet) {
  const report = evaluateReplicas(unit, set, new Diagnostics());
  return report;
}

describe("property 3: once an epoch is sealed every replica computes the same sealed results", () => {
  test.prop([programArb, fc.array(placedArb, { maxLength: 12 }), fc.array(fc.nat(), { minLength: 2, maxLength: 6 })], { numRuns: 40 })(
    "any delivery order",
    (text, placed, seeds) => {
      const unit = unitOf(text);
      const free = coordinationFreeRelations(unit.analysis);
      const authority = setFrom(placed);
      const outcome = authority.seal(1, { sealedAt: AT, reason: "test" });
      if (!outcome.ok) throw new Error(outcome.message);
      const sealedSet = outcome.set;
      // One evaluation of the sealed facts, every stratum.
      const central = engineOver(unit, sealedSet.sealedFacts(1));
      // Delivery events: every fact of every replica, and the seal record, in a per-node order.
      type Event = { kind: "fact"; replica: string; fact: GenFact; epoch: number } | { kind: "seal" };
      const events: Event[] = [{ kind: "seal" }, ...placed.map((p) => ({ kind: "fact" as const, replica: NAMES[p.replica]!, fact: p.fact, epoch: p.epoch }))];
      for (const seed of seeds) {
        const order = fc.sample(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), { seed, numRuns: 1 })[0]!;
        let node = setFrom([]);
        for (const ev of order) {
          node = ev.kind === "seal" ? node.withSeal(outcome.record) : node.insert(ev.replica, ev.fact.relation, [ev.fact.tuple], ev.epoch).set;
          const report = sealedOf(unit, node);
          // Nothing that waits for a seal appears before the node can verify the seal.
          for (const r of report.replicas) for (const x of r.relations) expect(free.has(x.relation)).toBe(true);
          for (const m of report.merged) expect(free.has(m.relation)).toBe(true);
          if (node.verifySealed().epoch === 0) expect(report.sealed).toBeNull();
          if (report.sealed !== null) {
            for (const x of report.sealed.relations) expect(x.tuples.map(tupleKey).sort()).toEqual(keysOf(central, x.relation));
          }
        }
        const final = sealedOf(unit, node);
        expect(final.sealedEpoch).toBe(1);
        for (const x of final.sealed!.relations) expect(x.tuples.map(tupleKey).sort()).toEqual(keysOf(central, x.relation));
      }
    },
  );
});

describe("property 4: late facts and changed sealed files never change sealed results", () => {
  test.prop([programArb, fc.array(placedArb, { maxLength: 12 }), fc.array(fc.record({ fact: factArb, replica: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 6 }), fc.boolean()], { numRuns: 40 })(
    "late inserts and edited files",
    (text, placed, extra, dropOne) => {
      const unit = unitOf(text);
      const outcome = setFrom(placed).seal(1, { sealedAt: AT });
      if (!outcome.ok) throw new Error(outcome.message);
      const sealed = outcome.set;
      const before = sealedOf(unit, sealed).sealed;
      // Late inserts through the library are refused.
      let node = sealed;
      for (const x of extra) node = node.insert(x.replica === 3 ? "newcomer" : NAMES[x.replica]!, x.fact.relation, [x.fact.tuple], 1).set;
      expect(sealedOf(unit, node).sealed).toEqual(before);
      // Edited files: sealed epoch 1 gains the extra facts, and may lose one.
      const files = filesOf(sealed);
      for (const x of extra) {
        const name = x.replica === 3 ? "newcomer" : NAMES[x.replica]!;
        if (!files.has(name)) files.set(name, new Map());
        const epochs = files.get(name)!;
        if (!epochs.has(1)) epochs.set(1, new Map());
        const rels = epochs.get(1)!;
        if (!rels.has(x.fact.relation)) rels.set(x.fact.relation, { keys: new Set(), files: [`${name}/epoch-1/${x.fact.relation}.facts`] });
        rels.get(x.fact.relation)!.keys.add(tupleKey(x.fact.tuple));
      }
      if (dropOne) {
        const first = [...(files.get("r0")?.get(1)?.values() ?? [])][0];
        if (first !== undefined) first.keys.delete([...first.keys][0]!);
      }
      const diags = new Diagnostics();
      const next = reconcile("D", sealed, files, diags);
      expect(sealedOf(unit, next).sealed).toEqual(before);
    },
  );
});

/** Files holding exactly the set's facts, as `readLayout` would return them. */
function filesOf(set: ReplicaSet): FileFacts {
  const files: FileFacts = new Map();
  for (const name of set.names) {
    const replica = set.replica(name)!;
    const epochs = new Map<number, Map<string, { keys: Set<string>; files: string[] }>>();
    for (const e of replica.epochs) {
      const rels = new Map<string, { keys: Set<string>; files: string[] }>();
      for (const r of replica.relations(e)) rels.set(r, { keys: new Set(replica.keys(r, e)), files: [`${name}/epoch-${e}/${r}.facts`] });
      epochs.set(e, rels);
    }
    files.set(name, epochs);
  }
  return files;
}

describe("property 5: a fresh copy (seal records, no kept state) rebuilds the sealed state from files that match", () => {
  test.prop([programArb, fc.array(placedArb, { maxLength: 14 }), fc.boolean()], { numRuns: 50 })(
    "files as sealed are adopted; the results equal those of the node that sealed",
    (text, placed, both) => {
      const unit = unitOf(text);
      let node = setFrom(placed);
      for (const e of both ? [1, 2] : [1]) {
        const outcome = node.seal(e, { sealedAt: AT });
        if (!outcome.ok) throw new Error(outcome.message);
        node = outcome.set;
      }
      const fresh = ReplicaSet.of([], node.seals.values());
      const diags = new Diagnostics();
      const reported = new Set<string>();
      const next = reconcile("D", fresh, filesOf(node), diags, undefined, reported);
      expect(diags.items).toEqual([]);
      expect(reported.size).toBe(0);
      // Replicas with no facts at all have no folder content to rebuild from; the rest is the same set.
      for (const name of node.names) expect(next.replica(name)?.equals(node.replica(name)!) ?? node.replica(name)!.factCount() === 0).toBe(true);
      const a = sealedOf(unit, node);
      const b = evaluateReplicas(unit, next, new Diagnostics());
      expect(b.sealedEpoch).toBe(a.sealedEpoch);
      expect(b.sealed).toEqual(a.sealed);
      expect(b.merged).toEqual(a.merged);
      expect(b.invariants).toEqual(a.invariants);
    },
  );

  test.prop([programArb, fc.array(placedArb, { minLength: 1, maxLength: 14 }), fc.boolean(), fc.nat()], { numRuns: 50 })(
    "a sealed file that differs from its seal is one CL503 for that relation, and its facts are not adopted",
    (text, placed, drop, pick) => {
      unitOf(text);
      const outcome = setFrom(placed).seal(1, { sealedAt: AT });
      if (!outcome.ok) throw new Error(outcome.message);
      const node = outcome.set;
      const files = filesOf(node);
      const sealedFiles = [...files].flatMap(([name, epochs]) => [...(epochs.get(1) ?? new Map())].map(([relation, entry]) => ({ name, relation, entry })));
      fc.pre(sealedFiles.length > 0);
      const target = sealedFiles[pick % sealedFiles.length]!;
      // Change the file: drop a fact it has (when it keeps one), or add one no generated fact is.
      if (drop && target.entry.keys.size > 1) target.entry.keys.delete([...target.entry.keys][0]!);
      else target.entry.keys.add(tupleKey([9, 9]));
      const diags = new Diagnostics();
      const reported = new Set<string>();
      const next = reconcile("D", ReplicaSet.of([], node.seals.values()), files, diags, undefined, reported);
      expect(diags.items.map((d) => d.code)).toEqual(["CL503"]);
      expect(diags.items[0]!.message).toContain(`replica \`${target.name}\`'s \`${target.relation}\``);
      expect(diags.items[0]!.message).toContain(`${target.name}/epoch-1/${target.relation}.facts`);
      expect([...reported]).toEqual([`${target.name}\t1\t${target.relation}`]);
      expect(next.replica(target.name)?.keys(target.relation, 1).size ?? 0).toBe(0);
      // evaluateReplicas does not report it a second time.
      const again = new Diagnostics();
      evaluateReplicas(unitOf(text), next, again, { reported });
      expect(again.items.filter((d) => d.span.file.includes(`${target.name}/epoch-1/${target.relation}`))).toEqual([]);
    },
  );
});
