// A counterexample as what each replica holds (`A` = base ∪ replicaA, `B` = base ∪ replicaB):
// plain data, no files, so it is shown the same way in a browser and in a report.
import type { Counterexample, FactSet } from "./types.js";
import type { Value } from "../eval/values.js";

function union(...sets: FactSet[]): FactSet {
  const out: Record<string, (readonly Value[])[]> = {};
  const seen = new Map<string, Set<string>>();
  for (const set of sets) {
    for (const [rel, tuples] of Object.entries(set)) {
      const list = (out[rel] ??= []);
      let keys = seen.get(rel);
      if (keys === undefined) seen.set(rel, (keys = new Set()));
      for (const t of tuples) {
        const k = JSON.stringify(t);
        if (keys.has(k)) continue;
        keys.add(k);
        list.push(t);
      }
    }
  }
  return out;
}

/** What each replica holds: `A` = base ∪ replicaA (S1), `B` = base ∪ replicaB (S2). */
export function counterexampleAsReplicaFacts(c: Counterexample): { base: FactSet; A: FactSet; B: FactSet } {
  return { base: union(c.base), A: union(c.base, c.replicaA), B: union(c.base, c.replicaB) };
}
