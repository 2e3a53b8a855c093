// Flattens rules into clauses: one head, a flat conjunction of literals. Disjunctions are
// expanded (each disjunct becomes its own clause, as Soufflé does) and several heads share a body.
import type { Aggregate, Atom, Body, Literal, Program, Rule, Term } from "./ast.js";
import type { Span } from "../diagnostics/span.js";

/** One head and a flat body; the unit that analysis and evaluation work on. */
export interface Clause {
  /** Index in the program's clause list. */
  readonly id: number;
  readonly head: Atom;
  /** A conjunction; empty for facts. */
  readonly body: readonly Literal[];
  /** The rule as written. */
  readonly rule: Rule;
  /** Which of the rule's heads this clause has (0 for single-head rules). */
  readonly headIndex: number;
  /** Which disjunct of the rule's body this clause has (0 when the body has no `;`). */
  readonly disjunct: number;
  /**
   * A subsumption clause `a(x1) <= a(x2) :- body.`: its body starts with `a(x1), a(x2)`, and each
   * head tuple it derives is removed from `a` (when it differs from the `a(x2)` that dominates it).
   */
  readonly subsumption?: true;
  readonly span: Span;
}

/** The body in disjunctive normal form: a list of conjunctions. */
export function toDnf(body: Body): Literal[][] {
  switch (body.kind) {
    case "and": {
      let acc: Literal[][] = [[]];
      for (const item of body.items) {
        const parts = toDnf(item);
        const next: Literal[][] = [];
        for (const left of acc) for (const right of parts) next.push([...left, ...right]);
        acc = next;
      }
      return acc;
    }
    case "or":
      return body.items.flatMap(toDnf);
    default:
      return [[body]];
  }
}

/** Every rule and fact of the program as clauses, in source order. */
export function normalize(program: Program): Clause[] {
  const clauses: Clause[] = [];
  for (const item of program.items) {
    if (item.kind !== "rule") continue;
    // A fact with an aggregate (`e(count : { p(_) }).`) is a rule: it runs once what it counts is known.
    const counted = item.body === null && item.heads.some((h) => h.args.some((a) => mentionsAggregate(a)));
    const disjuncts: Literal[][] = item.body === null ? (counted ? [[{ kind: "bool", value: true, span: item.span }]] : [[]]) : toDnf(item.body);
    if (item.dominator !== undefined) {
      // `_` in either atom becomes a variable of its own, so the head names the whole dominated tuple.
      let fresh = 0;
      const named = (atom: Atom): Atom => ({ ...atom, args: atom.args.map((a) => (a.kind === "wildcard" ? { kind: "var", name: `_#${fresh++}`, span: a.span } : a)) });
      const head = named(item.heads[0]!);
      const dominator = named(item.dominator);
      const pair: Literal[] = [
        { kind: "atom", negated: false, atom: head, span: head.span },
        { kind: "atom", negated: false, atom: dominator, span: dominator.span },
      ];
      disjuncts.forEach((body, disjunct) => {
        clauses.push({ id: clauses.length, head, body: [...pair, ...body], rule: item, headIndex: 0, disjunct, subsumption: true, span: item.span });
      });
      continue;
    }
    item.heads.forEach((head, headIndex) => {
      disjuncts.map(scopeAggregateResults).forEach((body, disjunct) => {
        clauses.push({ id: clauses.length, head, body, rule: item, headIndex, disjunct, span: item.span });
      });
    });
  }
  return clauses;
}

/**
 * `a = max a : { p(a) }`: a variable that the body binds only through the aggregate's own result is,
 * inside the aggregate, a variable of its own (as in Soufflé), not a grouping variable; it is renamed
 * there so every later stage sees two variables.
 */
function scopeAggregateResults(body: Literal[]): Literal[] {
  return body.map((lit, i) => {
    if (lit.kind !== "cmp" || lit.op !== "=" || lit.negated) return lit;
    const [v, agg] = lit.left.kind === "var" && lit.right.kind === "aggregate" ? [lit.left, lit.right] : lit.right.kind === "var" && lit.left.kind === "aggregate" ? [lit.right, lit.left] : [null, null];
    if (v === null || agg === null || !mentions(agg, v.name)) return lit;
    if (body.some((other, j) => j !== i && literalMentions(other, v.name))) return lit;
    const renamed = renameIn(agg, v.name, `${v.name}#`) as Aggregate;
    return lit.left === agg ? { ...lit, left: renamed } : { ...lit, right: renamed };
  });
}

function literalMentions(l: Literal, name: string): boolean {
  if (l.kind === "atom") return l.atom.args.some((a) => mentions(a, name));
  if (l.kind === "cmp") return mentions(l.left, name) || mentions(l.right, name);
  return false;
}

function mentions(t: Term, name: string): boolean {
  switch (t.kind) {
    case "var":
      return t.name === name;
    case "binary":
      return mentions(t.left, name) || mentions(t.right, name);
    case "unary":
      return mentions(t.operand, name);
    case "call":
      return t.args.some((a) => mentions(a, name));
    case "aggregate":
      return (t.target !== null && mentions(t.target, name)) || t.body.some((l) => literalMentions(l, name));
    default:
      return false;
  }
}

function renameIn(t: Term, from: string, to: string): Term {
  const lit = (l: Literal): Literal =>
    l.kind === "atom" ? { ...l, atom: { ...l.atom, args: l.atom.args.map((a) => renameIn(a, from, to)) } } : l.kind === "cmp" ? { ...l, left: renameIn(l.left, from, to), right: renameIn(l.right, from, to) } : l;
  switch (t.kind) {
    case "var":
      return t.name === from ? { ...t, name: to } : t;
    case "binary":
      return { ...t, left: renameIn(t.left, from, to), right: renameIn(t.right, from, to) };
    case "unary":
      return { ...t, operand: renameIn(t.operand, from, to) };
    case "call":
      return { ...t, args: t.args.map((a) => renameIn(a, from, to)) };
    case "aggregate":
      return { ...t, target: t.target === null ? null : renameIn(t.target, from, to), body: t.body.map(lit) };
    default:
      return t;
  }
}

function mentionsAggregate(t: Term): boolean {
  if (t.kind === "aggregate") return true;
  if (t.kind === "binary") return mentionsAggregate(t.left) || mentionsAggregate(t.right);
  if (t.kind === "unary") return mentionsAggregate(t.operand);
  if (t.kind === "call") return t.args.some(mentionsAggregate);
  return false;
}
