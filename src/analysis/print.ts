// Prints literals and terms back in Soufflé syntax, so findings quote what the user wrote
// without needing the source text (spacing is normalized, meaning is not).
import type { Atom, Literal, Term } from "../syntax/ast.js";

/** A term as Soufflé source. */
export function showTerm(t: Term): string {
  switch (t.kind) {
    case "var":
      return t.name;
    case "wildcard":
      return "_";
    case "number":
      return t.text;
    case "string":
      return JSON.stringify(t.value);
    case "binary":
      return `${wrap(t.left)} ${t.op} ${wrap(t.right)}`;
    case "unary":
      return t.op === "-" ? `-${wrap(t.operand)}` : `${t.op}(${showTerm(t.operand)})`;
    case "call":
      return `${t.name}(${t.args.map(showTerm).join(", ")})`;
    case "aggregate": {
      const target = t.target === null ? "" : ` ${showTerm(t.target)}`;
      return `${t.op}${target} : { ${t.body.map(showLiteral).join(", ")} }`;
    }
  }
}

function wrap(t: Term): string {
  return t.kind === "binary" || t.kind === "aggregate" ? `(${showTerm(t)})` : showTerm(t);
}

/** An atom as Soufflé source: `rel(a, b)`. */
export function showAtom(a: Atom): string {
  return `${a.relation.name}(${a.args.map(showTerm).join(", ")})`;
}

/** A body literal as Soufflé source: `!blocker(r, _)`, `c >= 2`. */
export function showLiteral(l: Literal): string {
  switch (l.kind) {
    case "atom":
      return `${l.negated ? "!" : ""}${showAtom(l.atom)}`;
    case "cmp": {
      const text = `${showTerm(l.left)} ${l.op} ${showTerm(l.right)}`;
      return l.negated ? `!(${text})` : text;
    }
    case "bool":
      return l.value ? "true" : "false";
  }
}

/** A normalized clause as Soufflé source: `head :- a, !b.` or a fact `head.`. */
export function showClause(clause: { readonly head: Atom; readonly body: readonly Literal[] }): string {
  return clause.body.length === 0 ? `${showAtom(clause.head)}.` : `${showAtom(clause.head)} :- ${clause.body.map(showLiteral).join(", ")}.`;
}
