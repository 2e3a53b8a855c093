// Recognises a rule that bounds a count or sum of replicated facts from above (`count : {..} > n`),
// and turns the bound into per-replica rights: each replica may add up to its share without asking.
import type { Aggregate, Atom, ComparisonOp, Literal, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import { solve, tryEval, type Db } from "./match.js";
import { hasAggregate, literalTerms } from "../check/walk.js";
import { termVars, type Roles } from "./roles.js";
import { showAtom, showTerm, showValue } from "./show.js";
import type { EscrowDesign } from "./types.js";

/** `agg > bound` (or `>=`) in one clause of the invariant. */
export interface BoundPattern {
  readonly clause: Clause;
  readonly aggregate: Aggregate;
  /** The one atom the aggregate reads, over replicated data (an input or a relation derived from inputs). */
  readonly aggregated: Atom;
  /** With the aggregate on the left: a violation is `agg > bound` or `agg >= bound`. */
  readonly op: ">" | ">=";
  readonly bound: Term;
  /** `constant`: a literal; `fixed`: read from relations the program's facts fix; else replicated data. */
  readonly boundKind: "constant" | "fixed" | "replicated";
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

/** The upper bounds on a count or sum of one replicated relation in a clause. */
export function findBoundPatterns(clause: Clause, roles: Roles): BoundPattern[] {
  const out: BoundPattern[] = [];
  const consider = (agg: Aggregate, op: ComparisonOp, bound: Term): void => {
    if (op !== ">" && op !== ">=") return;
    if (agg.op !== "count" && agg.op !== "sum") return;
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
    out.push({ clause, aggregate: agg, aggregated, op, bound, boundKind, boundAtoms: boundKind === "fixed" ? boundAtoms.filter((a) => roles.constant.has(a.relation.name)) : boundAtoms });
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
export function escrowDesign(p: BoundPattern, db: Db, replicas: number): EscrowDesign | null {
  if (p.boundKind === "replicated") return null;
  const allowed = (v: number): number => (p.op === ">" ? v : v - 1);
  const agg = `\`${showTerm(p.aggregate)}\``;
  let split: string;
  let bound: string;
  if (p.boundKind === "constant") {
    const v = tryEval(p.bound, new Map(), db);
    if (typeof v !== "number") return null;
    bound = showTerm(p.bound);
    split = `${agg} may reach ${allowed(v)}: ${describeSplit(allowed(v), replicas)}`;
  } else {
    bound = p.boundAtoms.map((a) => showAtom(a)).join(", ");
    const lits: Literal[] = p.boundAtoms.map((atom) => ({ kind: "atom", negated: false, atom, span: atom.span }));
    const keyVars = [...new Set(p.boundAtoms.flatMap((a) => a.args.flatMap((t) => [...termVars(t)])))].filter((v) => !termVars(p.bound).has(v));
    const parts: string[] = [];
    let n = 0;
    for (const inst of solve(lits, new Map(), db)) {
      const v = tryEval(p.bound, inst.env, db);
      if (typeof v !== "number") continue;
      if (++n > 3) {
        parts.push("and so on for each fact");
        break;
      }
      const key = keyVars.filter((k) => inst.env.has(k)).map((k) => `${k} = ${showValue(inst.env.get(k)!)}`).join(", ");
      parts.push(`${key === "" ? "" : `for ${key}: `}${describeSplit(allowed(v), replicas)}`);
    }
    if (parts.length === 0) return null;
    const limit = `\`${showTerm(p.bound)}\` from \`${bound}\``;
    split = `${agg} ${p.op === ">" ? "may reach" : "must stay below"} ${limit}, per key: ${parts.join("; ")}`;
  }
  return {
    aggregate: showTerm(p.aggregate),
    bound,
    split,
    tradeoff:
      `each replica accepts an update that raises ${agg} only while its own share lasts, so a replica may refuse ` +
      `while another replica still has rights left, until rights are transferred between them (one coordinated step per transfer, not per update); ` +
      `facts already in the shared state count against the bound before it is split`,
  };
}
