// AST -> canonical source that parses back to the same AST (spans aside). Parentheses are printed only
// where precedence needs them, and where the parser's lookahead would otherwise read something else.
import { BINARY_PRECEDENCE, type Aggregate, type Atom, type Body, type Item, type Literal, type Program, type Term } from "./ast.js";

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
  return `${a.relation.name}(${a.args.map(printTerm).join(", ")})`;
}

/** A normalized clause: `head :- a, !b.` or a fact `head.`. */
export function printClause(clause: { readonly head: Atom; readonly body: readonly Literal[] }): string {
  return clause.body.length === 0 ? `${printAtom(clause.head)}.` : `${printAtom(clause.head)} :- ${clause.body.map(printLiteral).join(", ")}.`;
}

/** One literal: `a(x)`, `!a(x)`, `x < y`, `!(x < y)`, `true`. */
export function printLiteral(lit: Literal): string {
  switch (lit.kind) {
    case "atom":
      return `${lit.negated ? "!" : ""}${printAtom(lit.atom)}`;
    case "cmp": {
      const text = lit.op === "match" || lit.op === "contains" ? `${lit.op}(${printTerm(lit.left)}, ${printTerm(lit.right)})` : `${printTerm(lit.left)} ${lit.op} ${printTerm(lit.right)}`;
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

function wrap(t: Term, needed: boolean): string {
  const s = printTerm(t);
  return needed ? `(${s})` : s;
}

/** A term with the fewest parentheses that keep its structure. */
export function printTerm(t: Term): string {
  switch (t.kind) {
    case "var":
      return t.name;
    case "wildcard":
      return "_";
    case "number":
      return t.text;
    case "string":
      return quote(t.value);
    case "call":
      if (t.name === "record") return `[${t.args.map(printTerm).join(", ")}]`;
      if (t.name === "nil") return "nil";
      if (t.name.startsWith("$") && t.args.length === 0) return t.name;
      return `${t.name}(${t.args.map(printTerm).join(", ")})`;
    case "aggregate":
      return printAggregate(t);
    case "unary": {
      // `-5` would read back as the constant -5, so a minus over a literal keeps its parentheses.
      const foldable = t.op === "-" && t.operand.kind === "number" && t.operand.type !== "unsigned" && !t.operand.text.startsWith("-");
      const operand = wrap(t.operand, foldable || level(t.operand) < PREFIX);
      return t.op === "-" ? `-${operand}` : `${t.op} ${operand}`;
    }
    case "binary": {
      const p = PRECEDENCE[t.op]!;
      if (t.op === "^") {
        // Right-associative; the base is a primary, the exponent may carry a prefix operator.
        return `${wrap(t.left, level(t.left) < PRIMARY)} ^ ${wrap(t.right, level(t.right) < PREFIX)}`;
      }
      return `${wrap(t.left, level(t.left) < p)} ${t.op} ${wrap(t.right, level(t.right) <= p)}`;
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

function printAggregate(a: Aggregate): string {
  const body = `{ ${a.body.map(printLiteral).join(", ")} }`;
  if (a.target === null) return `${a.op} : ${body}`;
  let target = printTerm(a.target);
  // `min (x) * 2 : ..` would read `min (x)` as the functor; `sum max(a, b) : ..` the call as an aggregate.
  if (endsWithMinMaxCall(a.target) || ((a.op === "min" || a.op === "max") && target.startsWith("("))) target = `(${target})`;
  return `${a.op} ${target} : ${body}`;
}

/** A string literal with the escapes the lexer understands. */
export function quote(s: string): string {
  return `"${s.replace(/[\\"\n\t\r]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r" })[c]!)}"`;
}
