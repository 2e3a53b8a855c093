// Sound sufficient conditions for invariant confluence under inserts. Each returns a proof only when
// the argument in its comment applies to every rule the invariant relation can be derived through.
//
// Setting. A state is the set D of replicated (input) facts; the program's facts are in every state.
// D is valid when evaluation derives no tuple of the invariant relation R. The invariant is confluent
// when for every D0 and inserts A, B: D0, D0 ∪ A and D0 ∪ B valid implies D0 ∪ A ∪ B valid.
//
// `no-replicated-reads`: R reads no replicated relation, transitively, so it is the same in every state;
// if D0 ∪ A is valid, so is every state.
//
// `never-derived`: every rule of R asks for a fact and its absence at once (see never.ts), so no state
// derives R at all.
//
// `single-replicated-read`: unfold R's rules through the positive atoms over relations that depend on
// replicated data (non-recursive only), so every derivation of an R tuple is an instance of one unfolded
// body. Suppose each unfolded body has at most one positive atom over a replicated relation (its other
// positive atoms are over constant relations), every negated atom is over a relation that only grows as
// facts arrive (or is constant), every aggregate reads only constant relations or is a `count` (or a
// `sum` of values from an `unsigned` column) of growing relations used only as `count < t` /
// `count <= t` (it can only get smaller in a smaller state), and comparisons are pure. Let D0 ∪ A ∪ B derive a violation v by an instance I of such a
// body. I's one replicated fact f lies in D0 ∪ A or in D0 ∪ B; say D0 ∪ A =: S1 (any side if none).
// In S1: every positive atom of I holds (f is there, constant relations are equal in every state);
// every negated atom `!g` holds, since g ∉ M(S1 ∪ S2) ⊇ M(S1) for a growing g; every `count` is at
// most its value in the merge, so `count < t` still holds; comparisons do not depend on the state.
// So I also derives an R tuple in S1, contradicting S1 valid. Hence the merge is valid. ∎
import type { Aggregate, ComparisonOp, Literal, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import { forEachAggregate, forEachSubterm, hasAggregate, literalTerms } from "../syntax/visit.js";
import { aggregateReads } from "../analysis/reads.js";
import type { Roles } from "./roles.js";
import { storedType } from "../check/types.js";
import { neverDerived } from "./never.js";
import { listCode, showLiteral, showTerm } from "./show.js";

/** A sufficient condition that holds, by its stable name. */
export interface Proof {
  readonly proved: true;
  readonly condition: "no-replicated-reads" | "never-derived" | "single-replicated-read";
  readonly reason: string;
}

/** Why no condition applies: the first obstacle found. */
export interface NoProof {
  readonly proved: false;
  readonly reason: string;
}

class Obstacle extends Error {}

/** Tries the sufficient conditions, cheapest first. */
export function prove(relation: string, roles: Roles): Proof | NoProof {
  if (roles.constant.has(relation)) {
    return {
      proved: true,
      condition: "no-replicated-reads",
      reason: `\`${relation}\` reads no replicated relation, so every state derives the same \`${relation}\` as the program's own facts: a valid state stays valid whatever replicas insert`,
    };
  }
  const never = neverDerived(relation, roles);
  if (never !== null) return { proved: true, condition: "never-derived", reason: never };
  const walk = new Walk(roles, relation);
  let reads: number;
  try {
    reads = walk.relationReads(relation);
  } catch (e) {
    if (e instanceof Obstacle) return { proved: false, reason: e.message };
    throw e;
  }
  if (reads > 1) return { proved: false, reason: walk.explainTooMany(relation) };
  const parts: string[] = [];
  parts.push(
    walk.positive.size === 0
      ? `every derivation of \`${relation}\` reads no replicated fact positively`
      : `every derivation of \`${relation}\` reads at most one replicated fact (of ${listCode([...walk.positive].sort())})`,
  );
  if (walk.negated.size > 0) parts.push(`its negations (${listCode([...walk.negated].sort().map((n) => `!${n}`))}) read only relations that grow as facts arrive`);
  if (walk.counts.length > 0) parts.push(`its counts and sums of \`unsigned\` values (${listCode(walk.counts)}) are only compared as upper bounds on a violation, and they only grow`);
  return {
    proved: true,
    condition: "single-replicated-read",
    reason: `${joinClauses(parts)}; so a violation in a merged state would already be derived on the replica that holds that one fact`,
  };
}

function joinClauses(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]!}`;
}

/** The unfolding walk: the most replicated facts any derivation reads positively, per relation. */
class Walk {
  readonly positive = new Set<string>();
  readonly negated = new Set<string>();
  readonly counts: string[] = [];
  private readonly memo = new Map<string, number>();
  private readonly clauseMemo = new Map<number, number>();
  private readonly visiting = new Set<string>();

  constructor(private readonly roles: Roles, private readonly invariant: string) {}

  relationReads(rel: string): number {
    if (this.roles.constant.has(rel)) return 0;
    const known = this.memo.get(rel);
    if (known !== undefined) return known;
    if (this.visiting.has(rel)) {
      throw new Obstacle(`\`${rel}\` is recursive over replicated data, so its derivations cannot be unfolded into single rule instances`);
    }
    this.visiting.add(rel);
    let best = 0;
    if (this.roles.replicated.has(rel)) {
      best = 1;
      this.positive.add(rel);
    }
    for (const c of this.roles.clausesOf.get(rel) ?? []) best = Math.max(best, this.clauseReads(c));
    this.visiting.delete(rel);
    this.memo.set(rel, best);
    return best;
  }

  clauseReads(c: Clause): number {
    const known = this.clauseMemo.get(c.id);
    if (known !== undefined) return known;
    let sum = 0;
    for (const lit of c.body) {
      for (const t of literalTerms(lit)) forEachAggregate(t, (a) => this.checkAggregate(a, c, lit));
      if (lit.kind !== "atom") continue;
      const rel = lit.atom.relation.name;
      if (!lit.negated) {
        sum += this.relationReads(rel);
      } else if (!this.roles.constant.has(rel)) {
        if (!this.roles.grows(rel)) {
          throw new Obstacle(`\`${showLiteral(lit)}\` negates \`${rel}\`, which can lose tuples as facts arrive, so a negation that was false on one replica can become true in the merge`);
        }
        this.negated.add(rel);
      }
    }
    this.clauseMemo.set(c.id, sum);
    return sum;
  }

  private checkAggregate(agg: Aggregate, c: Clause, lit: Literal): void {
    if (aggregateReads(agg).every((r) => this.roles.constant.has(r.relation))) return;
    const growing =
      (agg.op === "count" || agg.op === "sum" && this.unsignedTarget(agg, c)) &&
      agg.body.every((l) =>
        l.kind === "atom" ? !l.negated && this.roles.grows(l.atom.relation.name) && !l.atom.args.some(hasAggregate)
        : l.kind === "bool" || !literalTerms(l).some(hasAggregate));
    if (growing && antiMonotoneUse(agg, c, lit, c.head.relation.name === this.invariant)) {
      const text = showTerm(agg);
      if (!this.counts.includes(text)) this.counts.push(text);
      return;
    }
    throw new Obstacle(`\`${showTerm(agg)}\` reads many replicated facts at once, and they can come from different replicas (each within its bound, together past it)`);
  }

  /** A sum whose target is an `unsigned` variable (by inference) read in its body: adding facts never lowers it. */
  private unsignedTarget(agg: Aggregate, c: Clause): boolean {
    const t = agg.target;
    if (t === null || t.kind !== "var") return false;
    const read = agg.body.some((l) => l.kind === "atom" && !l.negated && l.atom.args.some((a) => a.kind === "var" && a.name === t.name));
    return read && storedType(this.roles.typesOf(c), t) === "unsigned";
  }

  /** Names the first rule of the invariant whose unfolding reads two replicated facts. */
  explainTooMany(rel: string): string {
    for (const c of this.roles.clausesOf.get(rel) ?? []) {
      if (this.clauseReads(c) < 2) continue;
      const atoms = c.body.filter((l) => l.kind === "atom" && !l.negated && !this.roles.constant.has(l.atom.relation.name)).map((l) => showLiteral(l));
      return `the rule for \`${rel}\` at line ${c.span.line} reads several replicated facts (${listCode(atoms)}), and they can come from different replicas`;
    }
    return `a derivation of \`${rel}\` reads several replicated facts, and they can come from different replicas`;
  }
}

/** `a op b` read as `b op' a`. */
function flip(op: ComparisonOp): ComparisonOp {
  return op === "<" ? ">" : op === ">" ? "<" : op === "<=" ? ">=" : op === ">=" ? "<=" : op;
}

/** `!(a op b)` read as `a op' b`. */
function negate(op: ComparisonOp): ComparisonOp {
  const m: Record<ComparisonOp, ComparisonOp> = { "=": "!=", "!=": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">", match: "match", contains: "contains" };
  return m[op];
}

/** The operator with `x` on the left, or null when `x` is not a direct side of the comparison. */
function opWithVarLeft(l: Literal, isX: (t: Term) => boolean): ComparisonOp | null {
  if (l.kind !== "cmp") return null;
  const op = l.negated ? negate(l.op) : l.op;
  if (isX(l.left) && !isX(l.right)) return op;
  if (isX(l.right) && !isX(l.left)) return flip(op);
  return null;
}

function occurrences(t: Term, name: string): number {
  let n = 0;
  const visit = (t: Term): void =>
    forEachSubterm(t, (x) => {
      if (x.kind === "var" && x.name === name) n++;
    });
  visit(t);
  return n;
}

/**
 * True when a smaller count can only keep the rule instance firing: the count is compared only as
 * `count < t` or `count <= t` (t free of it), and, bound to a variable, that variable is used nowhere
 * else except in the invariant's own head.
 */
function antiMonotoneUse(agg: Aggregate, c: Clause, lit: Literal, headIsInvariant: boolean): boolean {
  const small = (op: ComparisonOp | null): boolean => op === "<" || op === "<=";
  // The other side of a comparison whose one side is x: it must not involve x or any aggregate.
  const cleanOther = (l: Literal, isX: (t: Term) => boolean, x: string | null): boolean => {
    if (l.kind !== "cmp") return false;
    const other = isX(l.left) ? l.right : l.left;
    return !hasAggregate(other) && (x === null || occurrences(other, x) === 0);
  };
  if (lit.kind !== "cmp") return false;
  const isAgg = (t: Term): boolean => t === agg;
  // Directly compared: `count : {..} < t`.
  if (small(opWithVarLeft(lit, isAgg))) return cleanOther(lit, isAgg, null) && occurrencesOfAgg(lit, agg) === 1;
  // Bound to a variable: `x = count : {..}`, then only `x < t` elsewhere.
  if (lit.op !== "=" || lit.negated) return false;
  const other = lit.left === agg ? lit.right : lit.right === agg ? lit.left : null;
  if (other === null || other.kind !== "var") return false;
  const x = other.name;
  const isX = (t: Term): boolean => t.kind === "var" && t.name === x;
  if (!headIsInvariant && c.head.args.some((t) => occurrences(t, x) > 0)) return false;
  for (const l of c.body) {
    if (l === lit) continue;
    const terms = literalTerms(l);
    const uses = terms.reduce((n, t) => n + occurrences(t, x), 0);
    if (uses === 0) continue;
    if (uses !== 1 || !small(opWithVarLeft(l, isX)) || !cleanOther(l, isX, x)) return false;
  }
  return true;
}

function occurrencesOfAgg(lit: Literal, agg: Aggregate): number {
  let n = 0;
  for (const t of literalTerms(lit)) forEachAggregate(t, (a) => { if (a === agg) n++; });
  return n;
}
