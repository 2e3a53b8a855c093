// A counterexample as data a user can load: what each replica holds, and as a replica directory
// (`DIR/a/epoch-1/<rel>.facts`, `DIR/b/...`) that `calmlog evaluate` reads. Files appear whole or not at all.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { RelationSchema } from "../check/types.js";
import { formatRelation } from "../io/write.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { counterexampleAsReplicaFacts } from "./replica-facts.js";
import type { Counterexample } from "./types.js";

export { counterexampleAsReplicaFacts };

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
      writeFileAtomic(path, formatRelation(schema, facts[rel] ?? [], "tsv"));
      written.push(path);
    }
  }
  return written;
}
