// Recognises a rule that bounds a count or sum of replicated facts from above (`count : {..} > n`),
// and turns the bound into per-replica rights: each replica may add up to its share without asking.
import type { Aggregate, Atom, ComparisonOp, Literal, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import { literalValue, type Probes } from "./query.js";
import { hasAggregate, literalTerms } from "../syntax/visit.js";
import { termVars, type Roles } from "./roles.js";
import { showAtom, showTerm, showValue } from "./show.js";
import type { EscrowDesign } from "./types.js";
import type { Value } from "../eval/values.js";

/** `agg > bound` (or `>=`) in one clause of the invariant. */
export interface BoundPattern {
  readonly clause: Clause;
  readonly aggregate: Aggregate;
  /** The one atom the aggregate reads, over replicated data (an input or a relation derived from inputs). */
  readonly aggregated: Atom;
  /** With the aggregate on the left: a violation is `agg > bound` or `agg >= bound`. */
  readonly op: ">" | ">=";
  readonly bound: Term;
  /**
   * `constant`: a literal; `fixed`: read from relations the program's facts fix; `growing`: a count or
   * sum of relations that only grow (deposits); else other replicated data.
   */
  readonly boundKind: "constant" | "fixed" | "growing" | "replicated";
  /** For a `growing` bound: the aggregate it is. */
  readonly boundAggregate: Aggregate | null;
  /** The atoms that bind the bound's variables. */
  readonly boundAtoms: readonly Atom[];
}

function flip(op: ComparisonOp): ComparisonOp {
  return op === "<" ? ">" : op === ">" ? "<" : op === "<=" ? ">=" : op === ">=" ? "<=" : op;
}

function negate(op: ComparisonOp): ComparisonOp {
  const m: Record<ComparisonOp, ComparisonOp> = { "=": "!=", "!=": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">", match: "match", contains: "contains" };
  return m[op];
}

/** `(op, other side)` with `isX` on the left, when one side of the comparison is x. */
function sideOf(l: Literal, isX: (t: Term) => boolean): { op: ComparisonOp; other: Term } | null {
  if (l.kind !== "cmp") return null;
  const op = l.negated ? negate(l.op) : l.op;
  if (isX(l.left) && !isX(l.right)) return { op, other: l.right };
  if (isX(l.right) && !isX(l.left)) return { op: flip(op), other: l.left };
  return null;
}

/** A count or sum whose body only grows as facts arrive: positive atoms of growing relations, comparisons. */
function growingAggregate(a: Aggregate, roles: Roles): boolean {
  if (a.op !== "count" && a.op !== "sum") return false;
  return a.body.every((l) => (l.kind === "atom" ? !l.negated && roles.grows(l.atom.relation.name) : !literalTerms(l).some(hasAggregate)));
}

/** The upper bounds on a count or sum of one replicated relation in a clause. */
export function findBoundPatterns(clause: Clause, roles: Roles): BoundPattern[] {
  const out: BoundPattern[] = [...selfJoinUniqueness(clause, roles)];
  // `d = sum ..` in the clause: a bound variable standing for a growing aggregate.
  const aggVars = new Map<string, Aggregate>();
  for (const l of clause.body) {
    if (l.kind !== "cmp" || l.op !== "=" || l.negated) continue;
    if (l.left.kind === "var" && l.right.kind === "aggregate") aggVars.set(l.left.name, l.right);
    if (l.right.kind === "var" && l.left.kind === "aggregate") aggVars.set(l.right.name, l.left);
  }
  const consider = (agg: Aggregate, op: ComparisonOp, bound: Term): void => {
    if (op !== ">" && op !== ">=") return;
    if (agg.op !== "count" && agg.op !== "sum") return;
    const boundAgg = bound.kind === "aggregate" ? bound : bound.kind === "var" ? aggVars.get(bound.name) ?? null : null;
    if (boundAgg !== null && boundAgg !== agg) {
      if (!growingAggregate(boundAgg, roles) || !growingAggregate(agg, roles)) return;
      const atoms = agg.body.filter((l) => l.kind === "atom");
      if (atoms.length !== 1 || atoms[0]!.kind !== "atom") return;
      out.push({ clause, aggregate: agg, aggregated: atoms[0]!.atom, op, bound, boundKind: "growing", boundAtoms: [], boundAggregate: boundAgg });
      return;
    }
    if (hasAggregate(bound)) return;
    const atoms = agg.body.filter((l) => l.kind === "atom");
    if (atoms.length !== 1 || atoms[0]!.kind !== "atom" || atoms[0]!.negated) return;
    if (agg.body.some((l) => l.kind === "cmp" && literalTerms(l).some(hasAggregate))) return;
    const aggregated = atoms[0]!.atom;
    const rel = aggregated.relation.name;
    if (roles.constant.has(rel)) return;
    const vars = [...termVars(bound)];
    const binders = clause.body.filter((l): l is Literal & { kind: "atom" } =>
      l.kind === "atom" && !l.negated && l.atom.args.some((t) => [...termVars(t)].some((v) => vars.includes(v))));
    const boundAtoms = binders.map((l) => l.atom);
    const fixed = vars.every((v) => binders.some((l) => roles.constant.has(l.atom.relation.name) && l.atom.args.some((t) => t.kind === "var" && t.name === v)));
    const boundKind = vars.length === 0 ? "constant" : fixed ? "fixed" : "replicated";
    out.push({ clause, aggregate: agg, aggregated, op, bound, boundKind, boundAtoms: boundKind === "fixed" ? boundAtoms.filter((a) => roles.constant.has(a.relation.name)) : boundAtoms, boundAggregate: null });
  };
  for (const lit of clause.body) {
    if (lit.kind !== "cmp") continue;
    // Directly: `count : {..} > n`.
    for (const t of [lit.left, lit.right]) {
      if (t.kind !== "aggregate") continue;
      const s = sideOf(lit, (x) => x === t);
      if (s !== null) consider(t, s.op, s.other);
    }
    // Through a variable: `s = count : {..}, s > n`.
    if (lit.op === "=" && !lit.negated) {
      const pair = lit.left.kind === "var" && lit.right.kind === "aggregate" ? { x: lit.left.name, agg: lit.right }
        : lit.right.kind === "var" && lit.left.kind === "aggregate" ? { x: lit.right.name, agg: lit.left } : null;
      if (pair === null) continue;
      const isX = (t: Term): boolean => t.kind === "var" && t.name === pair.x;
      for (const other of clause.body) {
        if (other === lit) continue;
        const s = sideOf(other, isX);
        if (s !== null && !termVars(s.other).has(pair.x)) consider(pair.agg, s.op, s.other);
      }
    }
  }
  return out;
}

/** The grouping variables of the bounded aggregate, as written: `u` in `count : { account(_, u) }`. */
function keyOf(p: BoundPattern): string {
  const local = new Set<string>();
  const outer = new Set<string>();
  for (const l of p.clause.body) if (l !== undefined) for (const t of literalTerms(l)) if (t !== p.aggregate) termVars(t, outer);
  for (const t of p.aggregated.args) termVars(t, local);
  return [...local].filter((v) => outer.has(v) || p.clause.head.args.some((h) => termVars(h).has(v))).join(", ");
}

/**
 * Uniqueness written as a self-join, `dup(u) :- account(a, u), account(b, u), a != b.`: the same promise
 * as `count : { account(_, u) } > 1`, so it is read as that bound (one fact per key).
 */
function selfJoinUniqueness(clause: Clause, roles: Roles): BoundPattern[] {
  const atoms = clause.body.filter((l): l is Literal & { kind: "atom" } => l.kind === "atom" && !l.negated && !roles.constant.has(l.atom.relation.name));
  const out: BoundPattern[] = [];
  for (let i = 0; i < atoms.length; i++) {
    for (let j = i + 1; j < atoms.length; j++) {
      const x = atoms[i]!.atom;
      const y = atoms[j]!.atom;
      if (x.relation.name !== y.relation.name || x.args.length !== y.args.length) continue;
      const differ: number[] = [];
      let same = true;
      x.args.forEach((t, k) => {
        const u = y.args[k]!;
        if (t.kind === "var" && u.kind === "var" && t.name === u.name) return;
        if (t.kind === "wildcard" && u.kind === "wildcard") return;
        if (t.kind === "var" && u.kind === "var") differ.push(k);
        else same = false;
      });
      if (!same || differ.length !== 1) continue;
      const k = differ[0]!;
      const a = (x.args[k] as Term & { kind: "var" }).name;
      const b = (y.args[k] as Term & { kind: "var" }).name;
      // `a != b`, or `a < b` (any two distinct values are ordered one way): two facts for one key.
      const distinct = clause.body.some((l) => l.kind === "cmp" && !l.negated && (l.op === "!=" || l.op === "<" || l.op === ">") &&
        ((l.left.kind === "var" && l.right.kind === "var") && ((l.left.name === a && l.right.name === b) || (l.left.name === b && l.right.name === a))));
      // a and b must be used nowhere else, or the rule asks for more than two facts with one key.
      const headUses = (v: string): number => clause.head.args.reduce((n, t) => n + (termVars(t).has(v) ? 1 : 0), 0);
      const uses = (v: string): number => clause.body.reduce((n, l) => n + literalTerms(l).reduce((m, t) => m + (termVars(t).has(v) ? 1 : 0), 0), 0)
        + clause.head.args.reduce((n, t) => n + (termVars(t).has(v) ? 1 : 0), 0);
      if (!distinct || uses(a) - headUses(a) !== 2 || uses(b) - headUses(b) !== 2) continue;
      const wildcard: Term = { kind: "wildcard", span: x.args[k]!.span };
      const aggregated = { ...x, args: x.args.map((t, m) => (m === k ? wildcard : t)) };
      const aggregate: Aggregate = { kind: "aggregate", op: "count", opSpan: x.span, target: null, body: [{ kind: "atom", negated: false, atom: aggregated, span: x.span }], span: clause.span };
      const one: Term = { kind: "number", value: 1, type: "number", text: "1", span: clause.span };
      out.push({ clause, aggregate, aggregated, op: ">", bound: one, boundKind: "constant", boundAtoms: [], boundAggregate: null });
    }
  }
  return out;
}

/** Rows of the key variables and the bound's value, computed by the engine over the program's facts. */
function boundValues(p: BoundPattern, keyVars: readonly string[], probes: Probes): Value[][] {
  const lits: Literal[] = p.boundAtoms.map((atom) => ({ kind: "atom", negated: false, atom, span: atom.span }));
  const name = "calmlog_bound";
  lits.push({ kind: "cmp", op: "=", left: { kind: "var", name, span: p.bound.span }, right: p.bound, negated: false, span: p.bound.span });
  return probes.rows(lits, [...keyVars, name], []) ?? [];
}

/** Splits `total` rights over `replicas`: the first ones take the remainder. */
export function splitRights(total: number, replicas: number): number[] {
  const k = Math.max(1, Math.floor(replicas));
  const t = Math.max(0, Math.floor(total));
  const each = Math.floor(t / k);
  const rem = t - each * k;
  return Array.from({ length: k }, (_, i) => each + (i < rem ? 1 : 0));
}

/** "10 over 2 replicas: 5 each" or "1 over 2 replicas: 1 for replica 1, 0 for replica 2". */
export function describeSplit(total: number, replicas: number): string {
  const shares = splitRights(total, replicas);
  const t = Math.max(0, Math.floor(total));
  const head = `${t} over ${shares.length} replica${shares.length === 1 ? "" : "s"}`;
  if (shares.every((s) => s === shares[0])) return `${head}: ${shares[0]!} each`;
  return `${head}: ${shares.map((s, i) => `${s} for replica ${i + 1}`).join(", ")}`;
}

/** The per-replica rights design for a bound the program fixes (a constant or a fixed relation). */
export function escrowDesign(p: BoundPattern, probes: Probes, replicas: number): EscrowDesign | null {
  if (p.boundKind === "replicated") return null;
  const allowed = (v: number): number => (p.op === ">" ? v : v - 1);
  const agg = `\`${showTerm(p.aggregate)}\``;
  if (p.boundKind === "growing") {
    const bound = `\`${showTerm(p.boundAggregate!)}\``;
    return {
      kind: "backed",
      aggregate: showTerm(p.aggregate),
      bound: showTerm(p.boundAggregate!),
      split:
        `${agg} may reach ${bound}, which grows: each replica holds the rights backed by the ${bound} it has seen, ` +
        `less what it has already spent; a new fact behind ${bound} adds rights on the replica that sees it first, and a replica spends only its own`,
      tradeoff:
        `a replica refuses an update that its own rights do not cover even when another replica holds unspent rights, ` +
        `until rights are transferred (one coordinated step per transfer, not per update)`,
    };
  }
  let split: string;
  let bound: string;
  if (p.boundKind === "constant") {
    const v = literalValue(p.bound) ?? boundValues(p, [], probes)[0]?.[0];
    if (typeof v !== "number") return null;
    bound = showTerm(p.bound);
    if (allowed(v) === 1) {
      const key = keyOf(p);
      return {
        kind: "authority",
        aggregate: showTerm(p.aggregate),
        bound,
        split: `one replica owns each ${key === "" ? "key" : `\`${key}\``}: only the owner (an authority, or the replica whose preallocated namespace holds it) may add a fact of \`${p.aggregated.relation.name}\` for it`,
        tradeoff:
          `an update for a key goes to, or waits for, its owner; a replica that does not own the key refuses or forwards it, ` +
          `and moving ownership is one coordinated step, not one per update`,
      };
    }
    split = `${agg} may reach ${allowed(v)}: ${describeSplit(allowed(v), replicas)}`;
  } else {
    bound = p.boundAtoms.map((a) => showAtom(a)).join(", ");
    const keyVars = [...new Set(p.boundAtoms.flatMap((a) => a.args.flatMap((t) => [...termVars(t)])))].filter((v) => !termVars(p.bound).has(v));
    const parts: string[] = [];
    let n = 0;
    for (const row of boundValues(p, keyVars, probes)) {
      const v = row[row.length - 1];
      if (typeof v !== "number") continue;
      if (++n > 3) {
        parts.push("and so on for each fact");
        break;
      }
      const key = keyVars.map((k, i) => `${k} = ${showValue(row[i]!)}`).join(", ");
      parts.push(`${key === "" ? "" : `for ${key}: `}${describeSplit(allowed(v), replicas)}`);
    }
    if (parts.length === 0) return null;
    const limit = `\`${showTerm(p.bound)}\` from \`${bound}\``;
    split = `${agg} ${p.op === ">" ? "may reach" : "must stay below"} ${limit}, per key: ${parts.join("; ")}`;
  }
  return {
    kind: "split",
    aggregate: showTerm(p.aggregate),
    bound,
    split,
    tradeoff:
      `each replica accepts an update that raises ${agg} only while its own share lasts, so a replica may refuse ` +
      `while another replica still has rights left, until rights are transferred between them (one coordinated step per transfer, not per update); ` +
      `facts already in the shared state count against the bound before it is split`,
  };
}
