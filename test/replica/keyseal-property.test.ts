// Key seals against one evaluation: for random programs whose non-monotonic strata are partitioned
// by a key, random facts over replicas and epochs, and random orders of key and whole-epoch seals,
// (a) no tuple of an unsealed key is ever released beyond what the whole-sealed epochs decide,
// (b) each released key's tuples equal what one evaluation of the facts of epochs 1..N gives for
// that key (N: the epoch the key is sealed through), and (c) sealing every key of every epoch gives
// what sealing the epochs as a whole gives.
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { evaluate } from "../../src/eval/engine.js";
import { compile } from "../../src/pipeline.js";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import type { ProgramUnit } from "../../src/replica/evaluate.js";
import { keyGroups, sealKeys } from "../../src/replica/keyseal.js";
import type { Tuple } from "../../src/replica/tuple-keys.js";
import { openReplicas } from "../../src/replica/workflow.js";
import { MemorySource, type MemoryFacts as Facts } from "./memory-source.js";

const DECLS = `.decl a(k: symbol, x: number)
.decl b(k: symbol, x: number)
.decl c(k: symbol)
.input a, b, c
`;

/** Rules by the relation they define, with the relations they read; every one is partitioned by `k`. */
const RULES: Record<string, { decl: string; rules: string; reads: string[] }> = {
  m1: { decl: ".decl m1(k: symbol, x: number)", rules: "m1(k, x) :- a(k, x), b(k, x).", reads: [] },
  p: { decl: ".decl p(k: symbol, x: number)", rules: "p(k, x) :- a(k, x).\np(k, y) :- p(k, x), b(k, y), y > x.", reads: [] },
  n1: { decl: ".decl n1(k: symbol, x: number)", rules: "n1(k, x) :- a(k, x), !b(k, x).", reads: [] },
  n2: { decl: ".decl n2(k: symbol)", rules: "n2(k) :- c(k), !a(k, _).", reads: [] },
  g1: { decl: ".decl g1(k: symbol, s: number)", rules: "g1(k, s) :- c(k), s = count : { a(k, _) }.", reads: [] },
  g2: { decl: ".decl g2(k: symbol, s: number)", rules: "g2(k, s) :- c(k), s = sum x : { b(k, x) }.", reads: [] },
  n3: { decl: ".decl n3(k: symbol, x: number)", rules: "n3(k, x) :- p(k, x), !n1(k, x).", reads: ["p", "n1"] },
  n4: { decl: ".decl n4(k: symbol)", rules: "n4(k) :- g1(k, s), s > 1, !n2(k).", reads: ["g1", "n2"] },
  f: { decl: ".decl f(k: symbol, x: number)", rules: "f(k, x) :- n1(k, x), m1(k, _).", reads: ["n1", "m1"] },
  h: { decl: ".decl h(k: symbol, m: number)", rules: "h(k, m) :- c(k), m = max x : { p(k, x) }.", reads: ["p"] },
};

function programOf(chosen: readonly string[]): string {
  const all = new Set<string>();
  const add = (r: string): void => {
    if (all.has(r)) return;
    all.add(r);
    for (const d of RULES[r]!.reads) add(d);
  };
  for (const r of chosen) add(r);
  const names = Object.keys(RULES).filter((r) => all.has(r));
  return DECLS + names.map((r) => `${RULES[r]!.decl}\n${RULES[r]!.rules}`).join("\n") + "\n";
}


const VALUES = ["k1", "k2", "k3"];
const EPOCHS = 3;

const factArb = fc.record({
  replica: fc.constantFrom("r1", "r2"),
  epoch: fc.integer({ min: 1, max: EPOCHS }),
  relation: fc.constantFrom("a", "b", "c"),
  k: fc.constantFrom(...VALUES),
  x: fc.integer({ min: 0, max: 3 }),
});
const opArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("key" as const), epoch: fc.integer({ min: 1, max: EPOCHS }), value: fc.constantFrom(...VALUES) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("whole" as const), epoch: fc.integer({ min: 1, max: EPOCHS }) }) },
);

function factsOf(list: readonly { replica: string; epoch: number; relation: string; k: string; x: number }[]): Facts {
  const out: Facts = { r1: {}, r2: {} };
  for (const f of list) {
    const rels = (out[f.replica]![f.epoch] ??= {});
    const t: Tuple = f.relation === "c" ? [f.k] : [f.k, f.x];
    const list2 = (rels[f.relation] ??= []);
    if (!list2.some((u) => JSON.stringify(u) === JSON.stringify(t))) list2.push(t);
  }
  return out;
}

/** One evaluation of every fact of epochs 1..n: relation -> tuples (as JSON texts). */
function oracle(unit: ProgramUnit, facts: Facts, n: number): Map<string, Set<string>> {
  const input: Record<string, Tuple[]> = { a: [], b: [], c: [] };
  for (const epochs of Object.values(facts)) for (const [e, rels] of Object.entries(epochs)) if (Number(e) <= n) for (const [r, ts] of Object.entries(rels)) input[r]!.push(...ts);
  const engine = evaluate(unit.checked, unit.analysis, input);
  return new Map([...unit.checked.relations.keys()].map((r) => [r, new Set(engine.tuples(r).map((t) => JSON.stringify(t)))] as const));
}

async function evaluateSource(unit: ProgramUnit, source: MemorySource) {
  const diags = new Diagnostics();
  const ws = (await openReplicas(source, { unit, diagnostics: diags }))!;
  expect(await ws.reconcile()).toBe(true);
  const report = ws.evaluate();
  ws.close();
  expect(diags.items.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
  return report;
}

describe("key seals", () => {
  test.prop([fc.uniqueArray(fc.constantFrom(...Object.keys(RULES)), { minLength: 1, maxLength: 4 }), fc.array(factArb, { maxLength: 24 }), fc.array(opArb, { maxLength: 7 })], { numRuns: 30 })(
    "release exactly the sealed keys, each as one evaluation of its sealed facts gives it; all keys equal the whole epochs",
    async (chosen, factList, ops) => {
      const { checked, analysis } = compile({ path: "p.dl", text: programOf(chosen) });
      expect(checked).not.toBeNull();
      const unit: ProgramUnit = { checked: checked!, analysis: analysis! };
      // The programs are what the property is about: every non-monotonic stratum partitioned.
      expect(unit.analysis.partitions.strata.every((s) => s.blocker === null)).toBe(true);
      const groups = keyGroups(unit.checked, unit.analysis.partitions);
      const decided = new Map<string, number>();
      for (const g of groups) for (const [r, c] of g.relations) decided.set(r, c);
      const facts = factsOf(factList);
      const source = new MemorySource(facts);
      const whole = new Set<number>();
      const keySealed = new Set<string>();
      const oracles = new Map<number, Map<string, Set<string>>>();
      const oracleAt = (n: number) => oracles.get(n) ?? (oracles.set(n, oracle(unit, facts, n)), oracles.get(n)!);

      for (const op of ops) {
        const diags = new Diagnostics();
        const ws = (await openReplicas(source, { unit, diagnostics: diags }))!;
        expect(await ws.reconcile()).toBe(true);
        if (op.kind === "whole") {
          const outcome = await ws.seal(op.epoch, { sealedAt: "2026-01-01T00:00:00.000Z" });
          // Whole seals go in order, once each.
          expect(outcome.ok).toBe(op.epoch === whole.size + 1);
          if (outcome.ok) whole.add(op.epoch);
        } else if (groups.length > 0) {
          const outcome = await sealKeys(ws, [{ relation: groups[0]!.columns[0]!.relation, attribute: groups[0]!.columns[0]!.attribute, value: op.value }], op.epoch, { sealedAt: "2026-01-01T00:00:00.000Z" });
          const fresh = !whole.has(op.epoch) && !keySealed.has(`${op.epoch}/${op.value}`);
          expect(outcome.ok).toBe(fresh);
          if (outcome.ok) keySealed.add(`${op.epoch}/${op.value}`);
        }
        ws.close();

        const report = await evaluateSource(unit, source);
        let k = 0;
        while (whole.has(k + 1)) k++;
        expect(report.sealedEpoch).toBe(k);
        // The epoch each key value is sealed through: every epoch up to it sealed as a whole or for the value.
        const through = new Map<string, number>();
        for (const v of VALUES) {
          let n = k;
          while (n < EPOCHS && (whole.has(n + 1) || keySealed.has(`${n + 1}/${v}`))) n++;
          through.set(v, n);
        }
        const released = new Map((report.keys ?? []).flatMap((s) => s.final.map((f) => [f.value, f.epoch] as const)));
        for (const v of VALUES) expect(released.get(v), `key ${v}`).toBe(through.get(v)! > k ? through.get(v) : undefined);
        for (const [relation, column] of decided) {
          const got = report.sealed?.relations.find((x) => x.relation === relation);
          for (const v of VALUES) {
            const n = through.get(v)!;
            const mine = new Set((got?.tuples ?? []).filter((t) => t[column] === v).map((t) => JSON.stringify(t)));
            // (a) nothing of a key sealed through no epoch; (b) the rest as one evaluation of epochs 1..n gives it.
            const want = n === 0 ? new Set<string>() : new Set([...oracleAt(n).get(relation)!].filter((t) => (JSON.parse(t) as Tuple)[column] === v));
            expect(mine, `${relation} for ${v} through epoch ${n}`).toEqual(want);
          }
        }
      }

      // (c) Every key of every epoch sealed equals every epoch sealed as a whole.
      if (groups.length === 0) return;
      const byKeys = new MemorySource(facts);
      for (let e = 1; e <= EPOCHS; e++) {
        const ws = (await openReplicas(byKeys, { unit, diagnostics: new Diagnostics() }))!;
        await ws.reconcile();
        for (const g of groups) {
          const c = g.columns[0]!;
          const outcome = await sealKeys(ws, VALUES.map((value) => ({ relation: c.relation, attribute: c.attribute, value })), e, { sealedAt: "2026-01-01T00:00:00.000Z" });
          expect(outcome.ok).toBe(true);
        }
        ws.close();
      }
      const byWhole = new MemorySource(facts);
      for (let e = 1; e <= EPOCHS; e++) {
        const ws = (await openReplicas(byWhole, { unit, diagnostics: new Diagnostics() }))!;
        await ws.reconcile();
        expect((await ws.seal(e, { sealedAt: "2026-01-01T00:00:00.000Z" })).ok).toBe(true);
        ws.close();
      }
      const keyed = await evaluateSource(unit, byKeys);
      const sealed = await evaluateSource(unit, byWhole);
      for (const relation of decided.keys()) {
        expect(keyed.sealed?.relations.find((x) => x.relation === relation)?.tuples ?? [], relation).toEqual(sealed.sealed!.relations.find((x) => x.relation === relation)!.tuples);
      }
      expect(keyed.withheld.filter((w) => decided.has(w.relation))).toEqual([]);
    },
  );
});
