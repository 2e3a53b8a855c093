// AST -> canonical source that parses back to the same AST (spans aside). Parentheses are printed only
// where precedence needs them, and where the parser's lookahead would otherwise read something else.
import { BINARY_PRECEDENCE, type Aggregate, type Atom, type Body, type Item, type Literal, type Program, type Term, type Variable } from "./ast.js";

/** Text to print in place of a variable (a value a rule instance gave it), or undefined to print its name. */
export type Substitute = (v: Variable) => string | undefined;

const NAMES: Substitute = () => undefined;

/** Infix binding strength, as in the parser (prefix operators 10, primaries 12). */
const PRECEDENCE: Readonly<Record<string, number>> = BINARY_PRECEDENCE;
const PREFIX = 10;
const PRIMARY = 12;

/** The whole program, one item per line. */
export function printProgram(program: Program): string {
  return program.items.map((item) => `${printItem(item)}\n`).join("");
}

/** One declaration, directive, fact or rule. */
export function printItem(item: Item): string {
  switch (item.kind) {
    case "decl": {
      const attrs = item.attributes.map((a) => `${a.name.name}: ${a.type.name}`).join(", ");
      return `.decl ${item.name.name}(${attrs})${item.qualifiers.map((q) => ` ${q.name}`).join("")}`;
    }
    case "type":
      if (item.form === "subtype") return `.type ${item.name.name} <: ${item.bases[0]?.name ?? ""}`;
      return `.type ${item.name.name} = ${item.bases.map((b) => b.name).join(" | ")}`;
    case "directive": {
      const params = item.params.map((p) => `${p.key.name}=${quote(p.value)}`).join(", ");
      return `.${item.directive} ${item.relations.map((r) => r.name).join(", ")}${params === "" ? "" : `(${params})`}`;
    }
    case "invariant":
      return `.invariant ${item.relation.name}${item.description === null ? "" : ` ${quote(item.description)}`}`;
    case "rule": {
      const heads = item.heads.map((h) => `${h.relation.name}(${h.args.map(printTerm).join(", ")})`).join(", ");
      return item.body === null ? `${heads}.` : `${heads} :- ${printBody(item.body)}.`;
    }
  }
}

/** A body; `,` binds tighter than `;`, and nested groups of the same kind keep their parentheses. */
export function printBody(body: Body): string {
  switch (body.kind) {
    case "and":
      return body.items.map((b) => (b.kind === "and" || b.kind === "or" ? `(${printBody(b)})` : printBody(b))).join(", ");
    case "or":
      return body.items.map((b) => (b.kind === "or" ? `(${printBody(b)})` : printBody(b))).join("; ");
    default:
      return printLiteral(body);
  }
}

/** An atom: `rel(a, b)`. */
export function printAtom(a: Atom): string {
  return printAtomWith(a, NAMES);
}

/** An atom with variables replaced by `sub`: `rel("a", b)`. */
export function printAtomWith(a: Atom, sub: Substitute): string {
  return `${a.relation.name}(${a.args.map((t) => printTermWith(t, sub)).join(", ")})`;
}

/** A normalized clause: `head :- a, !b.` or a fact `head.`. */
export function printClause(clause: { readonly head: Atom; readonly body: readonly Literal[] }): string {
  return clause.body.length === 0 ? `${printAtom(clause.head)}.` : `${printAtom(clause.head)} :- ${clause.body.map(printLiteral).join(", ")}.`;
}

/** One literal: `a(x)`, `!a(x)`, `x < y`, `!(x < y)`, `true`. */
export function printLiteral(lit: Literal): string {
  return printLiteralWith(lit, NAMES);
}

/** One literal with variables replaced by `sub`. */
export function printLiteralWith(lit: Literal, sub: Substitute): string {
  switch (lit.kind) {
    case "atom":
      return `${lit.negated ? "!" : ""}${printAtomWith(lit.atom, sub)}`;
    case "cmp": {
      const left = printTermWith(lit.left, sub);
      const right = printTermWith(lit.right, sub);
      const text = lit.op === "match" || lit.op === "contains" ? `${lit.op}(${left}, ${right})` : `${left} ${lit.op} ${right}`;
      return lit.negated ? `!(${text})` : text;
    }
    case "bool":
      return lit.value ? "true" : "false";
  }
}

function level(t: Term): number {
  switch (t.kind) {
    case "binary":
      return PRECEDENCE[t.op]!;
    case "unary":
      return PREFIX;
    case "number":
      return t.text.startsWith("-") ? PREFIX : PRIMARY;
    default:
      return PRIMARY;
  }
}

function wrap(t: Term, needed: boolean, sub: Substitute): string {
  const s = printTermWith(t, sub);
  return needed ? `(${s})` : s;
}

/** A term with the fewest parentheses that keep its structure. */
export function printTerm(t: Term): string {
  return printTermWith(t, NAMES);
}

/** A term with variables replaced by `sub`. */
export function printTermWith(t: Term, sub: Substitute): string {
  switch (t.kind) {
    case "var":
      return sub(t) ?? t.name;
    case "wildcard":
      return "_";
    case "number":
      return t.text;
    case "string":
      return quote(t.value);
    case "call":
      if (t.name === "record") return `[${t.args.map((a) => printTermWith(a, sub)).join(", ")}]`;
      if (t.name === "nil") return "nil";
      if (t.name.startsWith("$") && t.args.length === 0) return t.name;
      return `${t.name}(${t.args.map((a) => printTermWith(a, sub)).join(", ")})`;
    case "aggregate":
      return printAggregate(t, sub);
    case "unary": {
      // `-5` would read back as the constant -5, so a minus over a literal keeps its parentheses.
      const foldable = t.op === "-" && t.operand.kind === "number" && t.operand.type !== "unsigned" && !t.operand.text.startsWith("-");
      const operand = wrap(t.operand, foldable || level(t.operand) < PREFIX, sub);
      return t.op === "-" ? `-${operand}` : `${t.op} ${operand}`;
    }
    case "binary": {
      const p = PRECEDENCE[t.op]!;
      if (t.op === "^") {
        // Right-associative; the base is a primary, the exponent may carry a prefix operator.
        return `${wrap(t.left, level(t.left) < PRIMARY, sub)} ^ ${wrap(t.right, level(t.right) < PREFIX, sub)}`;
      }
      return `${wrap(t.left, level(t.left) < p, sub)} ${t.op} ${wrap(t.right, level(t.right) <= p, sub)}`;
    }
  }
}

/** Whether printing `t` ends with a `min(..)`/`max(..)` call, which a following `:` would turn into an aggregate. */
function endsWithMinMaxCall(t: Term): boolean {
  switch (t.kind) {
    case "call":
      return t.name === "min" || t.name === "max";
    case "binary":
      return endsWithMinMaxCall(t.right);
    case "unary":
      return endsWithMinMaxCall(t.operand);
    default:
      return false;
  }
}

function printAggregate(a: Aggregate, sub: Substitute): string {
  const body = `{ ${a.body.map((l) => printLiteralWith(l, sub)).join(", ")} }`;
  if (a.target === null) return `${a.op} : ${body}`;
  let target = printTermWith(a.target, sub);
  // `min (x) * 2 : ..` would read `min (x)` as the functor; `sum max(a, b) : ..` the call as an aggregate.
  if (endsWithMinMaxCall(a.target) || ((a.op === "min" || a.op === "max") && target.startsWith("("))) target = `(${target})`;
  return `${a.op} ${target} : ${body}`;
}

/** A string literal with the escapes the lexer understands. */
export function quote(s: string): string {
  return `"${s.replace(/[\\"\n\t\r]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r" })[c]!)}"`;
}
