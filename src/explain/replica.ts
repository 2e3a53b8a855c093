// Explain over replicas: a coordination-free relation is explained over the merged view (the union
// of every replica's facts), any other over the sealed results; a fact of a relation that waits for
// a seal is also told what it waits for: the literal, the epochs to seal, the open facts it reads and
// the replicas that have not delivered facts for those epochs.
import { coordinationFreeRelations, coordinationFreeStrata, engineOver, evaluateReplicas, type ProgramUnit } from "../replica/evaluate.js";
import { keyTuple, tupleKey } from "../replica/tuple-keys.js";
import type { ReplicaSet } from "../replica/replica.js";
import { Diagnostics } from "../diagnostics/diagnostic.js";
import type { Tuple, Value } from "../eval/values.js";
import { Explainer, type Derivation, type ExplainOptions, type FactOrigin, type FactRef, type InputFacts, type WhyNot } from "./explain.js";
import { EngineModel } from "./model.js";
import { describeKey, keyColumnOf, keyName, pointPartition } from "../analysis/partition.js";
import type { Analysis } from "../analysis/types.js";
import { readsTransitively } from "../analysis/graph.js";
import type { NonMonotonicKind } from "../analysis/types.js";

/** One open fact a withheld relation reads. */
export interface OpenFact {
  readonly fact: FactRef;
  readonly replica: string;
  readonly epoch: number;
  readonly origin: FactOrigin | null;
}

/** Why a relation's result is withheld, for one fact of it. */
export interface Withheld {
  readonly relation: string;
  readonly kind: NonMonotonicKind;
  /** The literal that makes it wait, as written, and where. */
  readonly literal: string;
  readonly at: string;
  /** From the relation down to the rule holding the literal. */
  readonly via: readonly string[];
  readonly reason: string;
  /** Sealed results are final as of this epoch (0: none). */
  readonly sealedEpoch: number;
  /** The epochs to seal, in order, to release the relation over the open facts (null: none hold facts). */
  readonly release: { readonly from: number; readonly to: number } | null;
  /** Open facts of the relations it reads; those that mention a value of the fact first. */
  readonly openFacts: readonly OpenFact[];
  readonly openFactCount: number;
  /** Per epoch to seal: replicas holding no facts in it yet. */
  readonly undelivered: readonly { readonly epoch: number; readonly replicas: readonly string[] }[];
  /** Sealed epochs whose facts here are incomplete: which replica lacks how many. */
  readonly incomplete: readonly { readonly epoch: number; readonly replica: string; readonly relation: string; readonly facts: number; readonly sealedFacts: number }[];
  /**
   * With per-key seals: the key seal that would release this fact (the stratum it waits on is
   * partitioned, and the fact's key column holds `value`), or why there is none; null when no epoch is to be sealed.
   */
  readonly keySeal: KeySeal | null;
  /** The fact over every fact seen so far, as if all epochs were sealed now: how it would hold, or why not. */
  readonly ifSealedNow: { readonly holds: boolean; readonly derivation: Derivation | null; readonly whyNot: WhyNot | null };
}

/** The key seal that would release a withheld fact, or why none can. */
export type KeySeal =
  | { readonly sealable: true; readonly key: string; readonly column: number; readonly value: Value; readonly epochs: { readonly from: number; readonly to: number } }
  | { readonly sealable: false; readonly reason: string };

/** Which key seal releases `relation(tuple)`, from the partition inference, for the epochs `release` names. */
export function keySealFor(analysis: Analysis, relation: string, tuple: Tuple, waitsOn: string, release: { readonly from: number; readonly to: number }): KeySeal {
  const p = pointPartition(analysis, [waitsOn]);
  if (!p.sealable) return { sealable: false, reason: p.blocker.reason };
  const column = keyColumnOf(analysis.partitions, relation);
  const first = p.inputs[0];
  if (column === undefined || first === undefined) {
    return { sealable: false, reason: `\`${waitsOn}\` is sealable per key ${describeKey(p.inputs)}, but \`${relation}\` does not carry the key` };
  }
  return { sealable: true, key: keyName(first), column, value: tuple[column]!, epochs: release };
}

/** The answer about one fact over replicas. */
export interface ReplicaAnswer {
  readonly fact: FactRef;
  /** `merged`: a coordination-free relation over the union of the replicas; `sealed`: over the sealed epochs. */
  readonly view: "merged" | "sealed";
  readonly holds: boolean;
  readonly sealedEpoch: number;
  readonly derivation: Derivation | null;
  readonly whyNot: WhyNot | null;
  /** Set when the relation waits for a seal over facts that are still open. */
  readonly withheld: Withheld | null;
}

/**
 * Explains `relation(tuple)` over a replica set. `inputs` says where each replica's facts were
 * read (replica, epoch, file and line); `sourceOf` gives rule files' text to quote rules as written.
 */
export function explainReplicas(
  unit: ProgramUnit,
  set: ReplicaSet,
  inputs: InputFacts,
  relation: string,
  tuple: Tuple,
  options: ExplainOptions & { readonly sourceOf?: (file: string) => string | null; readonly openFacts?: number } = {},
): ReplicaAnswer {
  const free = coordinationFreeRelations(unit.analysis);
  const sourceOf = options.sourceOf ?? (() => null);
  const verification = set.verifySealed();
  const k = verification.epoch;
  const answer = (engine: ReturnType<typeof engineOver>, within: InputFacts): { holds: boolean; derivation: Derivation | null; whyNot: WhyNot | null; explainer: Explainer } => {
    const explainer = new Explainer(unit, new EngineModel(engine), within, sourceOf);
    const derivation = explainer.why(relation, tuple, options);
    return { holds: derivation !== null, derivation, whyNot: derivation === null ? explainer.whyNot(relation, tuple, options) : null, explainer };
  };
  if (free.has(relation)) {
    const merged = engineOver(unit, set.factsWhere(() => true, () => true), coordinationFreeStrata(unit.analysis));
    const a = answer(merged, inputs);
    return { fact: a.explainer.fact(relation, tuple), view: "merged", holds: a.holds, sealedEpoch: k, derivation: a.derivation, whyNot: a.whyNot, withheld: null };
  }
  // Only the facts of sealed, verified epochs count as inputs of the sealed view.
  const sealedKeys = set.sealedFacts(k);
  const sealedInputs: InputFacts = {
    origins: (r, t) => (sealedKeys.get(r)?.has(tupleKey(t)) === true ? inputs.origins(r, t)?.filter((o) => o.epoch === undefined || o.epoch <= k) ?? null : null),
  };
  const sealed = answer(engineOver(unit, sealedKeys), sealedInputs);
  const fact = sealed.explainer.fact(relation, tuple);
  const report = evaluateReplicas(unit, set, new Diagnostics());
  const entry = report.withheld.find((w) => w.relation === relation);
  let withheld: Withheld | null = null;
  if (entry !== undefined) {
    const everything = answer(engineOver(unit, set.factsWhere(() => true, () => true)), inputs);
    const deps = readsTransitively(unit.analysis.relations, relation);
    const values = new Set(tuple.map((v) => JSON.stringify(v)));
    const open: OpenFact[] = [];
    for (const name of set.names) {
      const replica = set.replica(name)!;
      for (const e of replica.epochs) {
        if (e <= k && set.seals.get(e)?.replicas[name] !== undefined) continue;
        for (const dep of replica.relations(e)) {
          if (!deps.has(dep)) continue;
          for (const key of replica.keys(dep, e)) {
            if (sealedKeys.get(dep)?.has(key)) continue;
            const t = keyTuple(key);
            const origin = inputs.origins(dep, t)?.find((o) => o.replica === name && o.epoch === e) ?? null;
            open.push({ fact: sealed.explainer.fact(dep, t), replica: name, epoch: e, origin });
          }
        }
      }
    }
    const mentions = (f: OpenFact): number => (f.fact.tuple.some((v) => values.has(JSON.stringify(v))) ? 0 : 1);
    open.sort((a, b) => mentions(a) - mentions(b));
    const limit = options.openFacts ?? 10;
    const known = new Set<string>(set.names);
    for (const s of set.seals.values()) for (const r of Object.keys(s.replicas)) known.add(r);
    const undelivered: { epoch: number; replicas: string[] }[] = [];
    if (entry.release !== null) {
      for (let e = entry.release.from; e <= entry.release.to; e++) {
        const missing = [...known].sort().filter((r) => (set.replica(r)?.factCount(e) ?? 0) === 0);
        undelivered.push({ epoch: e, replicas: missing });
      }
    }
    withheld = {
      relation,
      kind: entry.kind,
      literal: entry.literal,
      at: entry.at,
      via: entry.via,
      reason: entry.reason,
      sealedEpoch: k,
      release: entry.release,
      openFacts: open.slice(0, limit),
      openFactCount: open.length,
      undelivered,
      keySeal: entry.release === null ? null : keySealFor(unit.analysis, relation, tuple, entry.via[entry.via.length - 1] ?? relation, entry.release),
      incomplete: verification.mismatches
        .filter((m) => m.kind === "incomplete")
        .map((m) => ({ epoch: m.epoch, replica: m.replica, relation: m.relation, facts: m.facts, sealedFacts: m.sealedFacts })),
      ifSealedNow: { holds: everything.holds, derivation: everything.derivation, whyNot: everything.whyNot },
    };
  }
  return { fact, view: "sealed", holds: sealed.holds, sealedEpoch: k, derivation: sealed.derivation, whyNot: sealed.whyNot, withheld };
}

