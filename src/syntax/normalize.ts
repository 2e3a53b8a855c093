// Flattens rules into clauses: one head, a flat conjunction of literals. Disjunctions are
// expanded (each disjunct becomes its own clause, as Soufflé does) and several heads share a body.
import type { Atom, Body, Literal, Program, Rule } from "./ast.js";
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
    item.heads.forEach((head, headIndex) => {
      disjuncts.forEach((body, disjunct) => {
        clauses.push({ id: clauses.length, head, body, rule: item, headIndex, disjunct, span: item.span });
      });
    });
  }
  return clauses;
}
