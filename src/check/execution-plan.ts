// Soufflé's `.plan` checks (its ExecutionPlanChecker): a plan is for a recursive rule, each order
// numbers the rule's positive atoms 1..n once each, and a version exists for each atom of the rule's
// own recursive stratum (0..n-1). calmlog plans joins itself, so a valid `.plan` is noted and ignored.
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import type { PlanOrder } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";

/** Reports CL238 for each `.plan` that does not fit its rule, and CL107 (a note) for each one that does. */
export function checkExecutionPlans(clauses: readonly Clause[], diags: Diagnostics): void {
  if (!clauses.some((c) => c.rule.plan !== undefined)) return;
  // Which relations each relation reads through a positive atom (Soufflé's recursive clauses use these).
  const reads = new Map<string, Set<string>>();
  for (const c of clauses) {
    const set = reads.get(c.head.relation.name) ?? new Set<string>();
    reads.set(c.head.relation.name, set);
    for (const name of positiveAtoms(c)) set.add(name);
  }
  const reachCache = new Map<string, Set<string>>();
  const reachable = (from: string): Set<string> => {
    let seen = reachCache.get(from);
    if (seen !== undefined) return seen;
    seen = new Set([from]);
    const todo = [from];
    while (todo.length > 0) for (const next of reads.get(todo.pop()!) ?? []) if (!seen.has(next)) (seen.add(next), todo.push(next));
    reachCache.set(from, seen);
    return seen;
  };

  for (const c of clauses) {
    const plan = c.rule.plan;
    if (plan === undefined) continue;
    // A version given twice keeps the last; versions are checked in increasing order, as Soufflé's map does.
    const byVersion = new Map<number, PlanOrder>();
    for (const o of plan.orders) byVersion.set(o.version, o);
    const orders = [...byVersion.values()].sort((a, b) => a.version - b.version);
    const head = c.head.relation.name;
    const atoms = positiveAtoms(c);
    const recursive = atoms.some((a) => reachable(a).has(head));
    if (!recursive) {
      diags.add("CL238", orders[0]!.span, `\`.plan\` orders the joins of a recursive rule, but this rule for \`${head}\` is not recursive`, {
        notes: ["Soufflé rejects a plan on a non-recursive rule: it would be ignored."],
        help: "Remove the `.plan`.",
      });
      continue;
    }
    const head_ = reachable(head);
    const versions = atoms.filter((a) => head_.has(a) && reachable(a).has(head)).length;
    let ok = true;
    for (const o of orders) {
      if (o.order.length !== atoms.length) {
        ok = false;
        diags.add("CL238", o.span, `this order names ${o.order.length} atom${o.order.length === 1 ? "" : "s"}, but the rule has ${atoms.length} positive atom${atoms.length === 1 ? "" : "s"}`, {
          help: `Give each of the ${atoms.length} positive body atoms its number (1..${atoms.length}) once.`,
        });
      } else if (!o.order.every((_, i) => o.order.includes(i + 1))) {
        ok = false;
        diags.add("CL238", o.span, `this order is incomplete: it must name each atom 1..${atoms.length} once`, {
          help: `Number the positive body atoms from 1 to ${atoms.length}, each once, in the order to join them.`,
        });
      }
    }
    const maxVersion = orders[orders.length - 1]!.version;
    if (versions <= maxVersion) {
      ok = false;
      for (const o of orders.filter((x) => x.version >= versions)) {
        diags.add("CL238", o.span, `\`.plan\` gives an order for version ${o.version}, but this rule has only versions 0..${versions - 1}`, {
          notes: [`A recursive rule has one version per body atom of its own recursive stratum; this rule has ${versions}.`],
          help: `Use versions 0..${versions - 1}.`,
        });
      }
    }
    if (ok) diags.add("CL107", plan.span, "`.plan` is accepted and ignored: calmlog orders each rule's joins itself");
  }
}

/** The relations of a clause's positive body atoms, in order (a subsumption clause's two atoms included). */
function positiveAtoms(c: Clause): string[] {
  return c.body.flatMap((l) => (l.kind === "atom" && !l.negated ? [l.atom.relation.name] : []));
}
