// Prints literals, atoms and clauses back in Soufflé syntax, so findings quote what the user wrote
// without needing the source text (spacing is normalized, meaning is not). Terms and literals are
// the syntax printer's, which parenthesizes only where precedence needs it.
import type { Atom, Literal, Term } from "../syntax/ast.js";
import { printLiteral, printTerm } from "../syntax/printer.js";

/** A term as Soufflé source. */
export function showTerm(t: Term): string {
  return printTerm(t);
}

/** An atom as Soufflé source: `rel(a, b)`. */
export function showAtom(a: Atom): string {
  return `${a.relation.name}(${a.args.map(printTerm).join(", ")})`;
}

/** A body literal as Soufflé source: `!blocker(r, _)`, `c >= 2`. */
export function showLiteral(l: Literal): string {
  return printLiteral(l);
}

/** A normalized clause as Soufflé source: `head :- a, !b.` or a fact `head.`. */
export function showClause(clause: { readonly head: Atom; readonly body: readonly Literal[] }): string {
  return clause.body.length === 0 ? `${showAtom(clause.head)}.` : `${showAtom(clause.head)} :- ${clause.body.map(printLiteral).join(", ")}.`;
}
