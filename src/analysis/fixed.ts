// Which relations replicas can change: only `.input` relations receive replicated inserts, so a
// relation that reads none of them, transitively, is the same on every replica and never changes.
import type { CheckedProgram, RelationSchema } from "../check/types.js";
import { clauseReads } from "./reads.js";

/** True when replicas insert into the relation: it is named by `.input` (program facts or not). */
export function isReplicated(schema: RelationSchema): boolean {
  return schema.input !== null;
}

/** The relations replicas may insert into: the `.input` ones, in declaration order. */
export function replicatedRelations(checked: CheckedProgram): Set<string> {
  return new Set([...checked.relations.values()].filter(isReplicated).map((s) => s.name));
}

/**
 * The fixed relations: not `.input`, and every clause a program fact or a rule reading only fixed
 * relations (positively, negated or in aggregates). A declared relation with no clause is fixed and empty.
 */
export function fixedRelations(checked: CheckedProgram): Set<string> {
  const readsOf = new Map<string, Set<string>>();
  for (const name of checked.relations.keys()) readsOf.set(name, new Set());
  for (const c of checked.clauses) {
    const reads = readsOf.get(c.head.relation.name);
    if (reads !== undefined) for (const r of clauseReads(c)) reads.add(r.relation);
  }
  // variable = replicated, or reads something variable (or undeclared): a least fixpoint.
  const variable = replicatedRelations(checked);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, reads] of readsOf) {
      if (variable.has(name)) continue;
      for (const r of reads) {
        if (variable.has(r) || !readsOf.has(r)) {
          variable.add(name);
          changed = true;
          break;
        }
      }
    }
  }
  return new Set([...readsOf.keys()].filter((n) => !variable.has(n)));
}
