// The AST visitor: traversals of rules, clauses and terms in source order (head before body, left
// before right), so the first occurrence found is the first one the user wrote. Every stage walks
// the AST through these rather than its own switch over term kinds.
import type { Aggregate, Atom, Body, Literal, Rule, Term, Variable } from "./ast.js";
import type { Clause } from "./normalize.js";

/** Where an atom occurs. */
export type AtomRole = "head" | "positive" | "negated";

export interface AtomSite {
  readonly atom: Atom;
  readonly role: AtomRole;
  /** How many aggregates enclose it (0 outside any aggregate). */
  readonly depth: number;
}

export interface TermSite {
  readonly term: Term;
  readonly inHead: boolean;
  readonly depth: number;
}

/** Every atom and every term (all subterms, pre-order) of a rule as written, in source order. */
export function walkRule(rule: Rule): { atoms: AtomSite[]; terms: TermSite[] } {
  const atoms: AtomSite[] = [];
  const terms: TermSite[] = [];
  const term = (t: Term, inHead: boolean, depth: number): void => {
    terms.push({ term: t, inHead, depth });
    switch (t.kind) {
      case "binary":
        term(t.left, inHead, depth);
        term(t.right, inHead, depth);
        break;
      case "unary":
        term(t.operand, inHead, depth);
        break;
      case "call":
        for (const a of t.args) term(a, inHead, depth);
        break;
      case "aggregate":
        if (t.target) term(t.target, inHead, depth + 1);
        for (const l of t.body) literal(l, inHead, depth + 1);
        break;
      default:
        break;
    }
  };
  const literal = (l: Literal, inHead: boolean, depth: number): void => {
    if (l.kind === "atom") {
      atoms.push({ atom: l.atom, role: l.negated ? "negated" : "positive", depth });
      for (const a of l.atom.args) term(a, inHead, depth);
    } else if (l.kind === "cmp") {
      term(l.left, inHead, depth);
      term(l.right, inHead, depth);
    }
  };
  const body = (b: Body): void => {
    if (b.kind === "and" || b.kind === "or") for (const i of b.items) body(i);
    else literal(b, false, 0);
  };
  // A subsumption clause's two atoms are patterns over existing tuples: `_` may appear in them.
  const patterns = rule.dominator !== undefined;
  for (const h of rule.heads) {
    atoms.push({ atom: h, role: "head", depth: 0 });
    for (const a of h.args) term(a, !patterns, 0);
  }
  if (rule.dominator) literal({ kind: "atom", negated: false, atom: rule.dominator, span: rule.dominator.span }, false, 0);
  if (rule.body) body(rule.body);
  return { atoms, terms };
}

/** The terms a literal holds directly. */
export function literalTerms(l: Literal): Term[] {
  if (l.kind === "atom") return [...l.atom.args];
  if (l.kind === "cmp") return [l.left, l.right];
  return [];
}

/** Calls `f` on `t` and every term inside it, pre-order, into aggregates (target, then body). */
export function forEachSubterm(t: Term, f: (t: Term) => void): void {
  f(t);
  switch (t.kind) {
    case "binary":
      forEachSubterm(t.left, f);
      forEachSubterm(t.right, f);
      return;
    case "unary":
      forEachSubterm(t.operand, f);
      return;
    case "call":
      for (const a of t.args) forEachSubterm(a, f);
      return;
    case "aggregate":
      if (t.target) forEachSubterm(t.target, f);
      for (const l of t.body) for (const x of literalTerms(l)) forEachSubterm(x, f);
      return;
    default:
      return;
  }
}

/** Calls `f` on each outermost aggregate inside `t` (not inside aggregate bodies: `f` recurses if it wants). */
export function forEachAggregate(t: Term, f: (a: Aggregate) => void): void {
  switch (t.kind) {
    case "aggregate":
      f(t);
      return;
    case "binary":
      forEachAggregate(t.left, f);
      forEachAggregate(t.right, f);
      return;
    case "unary":
      forEachAggregate(t.operand, f);
      return;
    case "call":
      t.args.forEach((a) => forEachAggregate(a, f));
      return;
    default:
      return;
  }
}

/** Whether `t` holds an aggregate. */
export function hasAggregate(t: Term): boolean {
  let found = false;
  forEachAggregate(t, () => (found = true));
  return found;
}

/** Variables of a term outside aggregates, and the outermost aggregates it contains. */
export function collectOuter(t: Term, vars: Variable[], aggregates: Aggregate[]): void {
  switch (t.kind) {
    case "var":
      vars.push(t);
      break;
    case "binary":
      collectOuter(t.left, vars, aggregates);
      collectOuter(t.right, vars, aggregates);
      break;
    case "unary":
      collectOuter(t.operand, vars, aggregates);
      break;
    case "call":
      for (const a of t.args) collectOuter(a, vars, aggregates);
      break;
    case "aggregate":
      aggregates.push(t);
      break;
    default:
      break;
  }
}

/** Every variable occurrence of a term, aggregates included. */
export function allVariables(t: Term, out: Variable[] = []): Variable[] {
  switch (t.kind) {
    case "var":
      out.push(t);
      break;
    case "binary":
      allVariables(t.left, out);
      allVariables(t.right, out);
      break;
    case "unary":
      allVariables(t.operand, out);
      break;
    case "call":
      for (const a of t.args) allVariables(a, out);
      break;
    case "aggregate":
      if (t.target) allVariables(t.target, out);
      for (const l of t.body) for (const x of literalTerms(l)) allVariables(x, out);
      break;
    default:
      break;
  }
  return out;
}

/** True when a term contains `_` outside aggregates. */
export function hasWildcard(t: Term): boolean {
  switch (t.kind) {
    case "wildcard":
      return true;
    case "binary":
      return hasWildcard(t.left) || hasWildcard(t.right);
    case "unary":
      return hasWildcard(t.operand);
    case "call":
      return t.args.some(hasWildcard);
    default:
      return false;
  }
}

/** A clause's variable occurrences outside aggregates (source order) and its outermost aggregates. */
export function clauseOuter(clause: Pick<Clause, "head" | "body">): { vars: Variable[]; aggregates: Aggregate[] } {
  const vars: Variable[] = [];
  const aggregates: Aggregate[] = [];
  for (const a of clause.head.args) collectOuter(a, vars, aggregates);
  for (const l of clause.body) for (const t of literalTerms(l)) collectOuter(t, vars, aggregates);
  return { vars, aggregates };
}
