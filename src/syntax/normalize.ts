// Flattens rules into clauses: one head, a flat conjunction of literals. Disjunctions are
// expanded (each disjunct becomes its own clause, as Soufflé does) and several heads share a body.
import type { Atom, Body, Literal, Program, Rule } from "./ast.js";
import type { Span } from "./span.js";

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
    const disjuncts = item.body === null ? [[]] : toDnf(item.body);
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
      disjuncts.forEach((body, disjunct) => {
        clauses.push({ id: clauses.length, head, body, rule: item, headIndex, disjunct, span: item.span });
      });
    });
  }
  return clauses;
}
