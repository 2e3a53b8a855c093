// Which relations replicas can change: inserts go to input relations; a relation that reads none of
// them, transitively, is the same in every state (fixed by the program's facts).
import { replicatedRelations } from "../analysis/fixed.js";
import { clauseReads } from "../analysis/reads.js";
import type { Analysis } from "../analysis/types.js";
import type { CheckedProgram, ClauseTypes } from "../check/types.js";
import { typesFor } from "../check/infer.js";
import { allVariables, collectOuter } from "../syntax/visit.js";
import type { Term, Variable } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";

/** The part each relation plays under replicated inserts. */
export interface Roles {
  /** Relations replicas insert into: the `.input` ones. */
  readonly replicated: ReadonlySet<string>;
  /** Relations equal in every state: not replicated and reading nothing replicated. */
  readonly constant: ReadonlySet<string>;
  /** Clauses by head relation, in program order. */
  readonly clausesOf: ReadonlyMap<string, readonly Clause[]>;
  /** Relations each relation's clauses read directly (positive, negated or aggregated). */
  readonly readsOf: ReadonlyMap<string, ReadonlySet<string>>;
  /** True when evaluation only adds tuples of the relation as input facts arrive. */
  grows(relation: string): boolean;
  /** The checked program's inference for a clause. */
  typesOf(clause: Clause): ClauseTypes;
}

/** Variables of a term, outside aggregates unless `deep`. */
export function termVars(t: Term, out: Set<string> = new Set(), deep = false): Set<string> {
  const vars: Variable[] = [];
  if (deep) allVariables(t, vars);
  else collectOuter(t, vars, []);
  for (const v of vars) out.add(v.name);
  return out;
}

/** Works out the roles from the checked program and its analysis. */
export function computeRoles(checked: CheckedProgram, analysis: Analysis): Roles {
  const clausesOf = new Map<string, Clause[]>();
  const readsOf = new Map<string, Set<string>>();
  for (const name of checked.relations.keys()) {
    clausesOf.set(name, []);
    readsOf.set(name, new Set());
  }
  for (const c of checked.clauses) {
    const head = c.head.relation.name;
    if (!clausesOf.has(head)) {
      clausesOf.set(head, []);
      readsOf.set(head, new Set());
    }
    clausesOf.get(head)!.push(c);
    for (const r of clauseReads(c)) readsOf.get(head)!.add(r.relation);
  }
  // One definition with the analysis: only `.input` relations take inserts; the fixed ones never change.
  const replicated = replicatedRelations(checked);
  const constant = new Set([...clausesOf.keys()].filter((n) => analysis.relations.get(n)?.fixed ?? false));
  return {
    replicated,
    constant,
    clausesOf,
    readsOf,
    grows: (relation) => constant.has(relation) || replicated.has(relation) && (clausesOf.get(relation) ?? []).length === 0
      || (analysis.relations.get(relation)?.monotonic ?? false),
    typesOf: (clause) => typesFor(checked, clause),
  };
}

/** Every relation `relation` depends on, itself included. */
export function dependencies(roles: Roles, relation: string): Set<string> {
  const seen = new Set<string>([relation]);
  const stack = [relation];
  while (stack.length > 0) {
    const r = stack.pop()!;
    for (const d of roles.readsOf.get(r) ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        stack.push(d);
      }
    }
  }
  return seen;
}
