// A counterexample as data a user can load: what each replica holds, and as a replica directory
// (`DIR/a/epoch-1/<rel>.facts`, `DIR/b/...`) that `calmlog evaluate` reads. Files appear whole or not at all.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { RelationSchema } from "../check/types.js";
import { formatRelation, writeAtomically } from "../io/write.js";
import type { Counterexample, FactSet, FactValue } from "./types.js";

function union(...sets: FactSet[]): FactSet {
  const out: Record<string, (readonly FactValue[])[]> = {};
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

/**
 * Writes the counterexample as two replicas' first epoch, the base facts in both, each file written
 * atomically. Every input relation gets a file (empty when it has no facts). Returns the paths written.
 */
export function writeCounterexample(dir: string, c: Counterexample, schemas: ReadonlyMap<string, RelationSchema>): string[] {
  const { A, B } = counterexampleAsReplicaFacts(c);
  const written: string[] = [];
  for (const [replica, facts] of [["a", A], ["b", B]] as const) {
    const epoch = join(dir, replica, "epoch-1");
    mkdirSync(epoch, { recursive: true });
    const relations = new Set<string>(Object.keys(facts));
    for (const s of schemas.values()) if (s.input !== null) relations.add(s.name);
    for (const rel of [...relations].sort()) {
      const path = join(epoch, `${rel}.facts`);
      const schema = schemas.get(rel) ?? { name: rel, columns: [] };
      writeAtomically(path, formatRelation(schema, facts[rel] ?? [], "tsv"));
      written.push(path);
    }
  }
  return written;
}
