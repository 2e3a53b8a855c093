// fast-check generators of ASTs the parser can produce: every node kind, with dummy spans.
import fc from "fast-check";
import type {
  Aggregate,
  AggregateOp,
  Atom,
  Attribute,
  BinaryOp,
  Body,
  ComparisonOp,
  FunctorName,
  Ident,
  Item,
  Literal,
  NumberLiteral,
  Program,
  Term,
  UnaryOp,
} from "../../src/syntax/ast.js";
import { FUNCTOR_NAMES } from "../../src/syntax/ast.js";
import { LineIndex } from "../../src/diagnostics/span.js";

const span = new LineIndex("").span("test.dl", 0, 0);

/** Words the lexer reads as keywords, so they cannot be names. */
export const KEYWORDS = new Set([
  "true", "false", "count", "sum", "min", "max", "mean",
  "band", "bor", "bxor", "bshl", "bshr", "bshru", "bnot", "land", "lor", "lxor", "lnot",
]);

const name = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,6}$/).filter((s) => !KEYWORDS.has(s));
const ident: fc.Arbitrary<Ident> = name.map((n) => ({ name: n, span }));

/** A string with the characters that need escaping mixed in. */
const text = fc.string({ unit: fc.oneof(fc.constantFrom('"', "\\", "\n", "\t", "\r", " ", "é", "∀"), fc.string({ minLength: 1, maxLength: 1 })), maxLength: 8 });

/** A number literal with its value computed the way the parser computes it from `text`. */
const lit = (value: number, type: NumberLiteral["type"], text: string): NumberLiteral => ({ kind: "number", value, type, text, span });
const numberLit: fc.Arbitrary<NumberLiteral> = fc.oneof(
  fc.integer({ min: -2147483648, max: 2147483647 }).map((v) => lit(v, "number", String(v))),
  fc.nat({ max: 0x7fffffff }).map((v) => lit(v, "number", `0x${v.toString(16).toUpperCase()}`)),
  fc.nat({ max: 4096 }).map((v) => lit(v, "number", `0b${v.toString(2)}`)),
  fc.nat({ max: 0xffffffff }).map((v) => lit(v, "unsigned", `${v}u`)),
  fc.tuple(fc.boolean(), fc.nat({ max: 99999 }), fc.nat({ max: 999 }), fc.option(fc.integer({ min: -20, max: 20 }))).map(([negative, a, b, e]) => {
    const digits = `${a}.${b}${e === null ? "" : `e${e}`}`;
    return lit(Number(digits) * (negative ? -1 : 1), "float", negative ? `-${digits}` : digits);
  }),
);

const binaryOps: BinaryOp[] = ["+", "-", "*", "/", "%", "^", "band", "bor", "bxor", "bshl", "bshr", "bshru", "land", "lor", "lxor"];
const unaryOps: UnaryOp[] = ["-", "bnot", "lnot"];
const comparisonOps: ComparisonOp[] = ["=", "!=", "<", "<=", ">", ">="];
const aggregateOps: AggregateOp[] = ["count", "sum", "min", "max", "mean"];

interface Rec {
  term: Term;
  literal: Literal;
  body: Body;
}

/** Terms, literals and bodies, mutually recursive and depth-bounded. */
export const syntax = fc.letrec<Rec>((tie) => {
  const term = tie("term") as fc.Arbitrary<Term>;
  const literal = tie("literal") as fc.Arbitrary<Literal>;
  const body = tie("body") as fc.Arbitrary<Body>;
  return {
    term: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.oneof(
        name.map((n): Term => ({ kind: "var", name: n, span })),
        fc.constant<Term>({ kind: "wildcard", span }),
        numberLit,
        text.map((value): Term => ({ kind: "string", value, span })),
      ),
      fc.record({ op: fc.constantFrom(...binaryOps), left: term, right: term }).map((b): Term => ({ kind: "binary", ...b, span })),
      fc.record({ op: fc.constantFrom(...unaryOps), operand: term }).map((u): Term => ({ kind: "unary", ...u, span })),
      fc
        .record({ name: fc.constantFrom(...FUNCTOR_NAMES), args: fc.array(term, { maxLength: 3 }) })
        .map((c): Term => ({ kind: "call", name: c.name as FunctorName, nameSpan: span, args: c.args, span })),
      fc
        .record({ op: fc.constantFrom(...aggregateOps), target: term, body: fc.array(literal, { minLength: 1, maxLength: 3 }) })
        .map((a): Aggregate => ({ kind: "aggregate", op: a.op, opSpan: span, target: a.op === "count" ? null : a.target, body: a.body, span })),
    ),
    literal: fc.oneof(
      fc.record({ negated: fc.boolean(), atom: atomOf(term) }).map((a): Literal => ({ kind: "atom", ...a, span })),
      fc
        .record({ op: fc.constantFrom(...comparisonOps), left: term, right: term, negated: fc.boolean() })
        .map((c): Literal => ({ kind: "cmp", ...c, span })),
      fc.boolean().map((value): Literal => ({ kind: "bool", value, span })),
    ),
    body: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      literal,
      fc.array(body, { minLength: 2, maxLength: 3 }).map((items): Body => ({ kind: "and", items, span })),
      fc.array(body, { minLength: 2, maxLength: 3 }).map((items): Body => ({ kind: "or", items, span })),
    ),
  };
});

function atomOf(term: fc.Arbitrary<Term>): fc.Arbitrary<Atom> {
  return fc.record({ relation: ident, args: fc.array(term, { maxLength: 3 }) }).map((a) => ({ ...a, span }));
}

const attribute: fc.Arbitrary<Attribute> = fc.record({ name: ident, type: ident }).map((a) => ({ ...a, span }));

/** Any top-level item. */
export const item: fc.Arbitrary<Item> = fc.oneof(
  fc.record({ name: ident, attributes: fc.array(attribute, { maxLength: 3 }), qualifiers: fc.array(ident, { maxLength: 2 }) }).map((d): Item => ({ kind: "decl", ...d, span })),
  fc.record({ name: ident, base: ident }).map((t): Item => ({ kind: "type", name: t.name, form: "subtype", bases: [t.base], span })),
  fc.array(ident, { minLength: 1, maxLength: 3 }).chain((bases) =>
    ident.map((n): Item => ({ kind: "type", name: n, form: bases.length === 1 ? "alias" : "union", bases, span })),
  ),
  fc
    .record({
      directive: fc.constantFrom("input", "output", "printsize") as fc.Arbitrary<"input" | "output" | "printsize">,
      relations: fc.array(ident, { minLength: 1, maxLength: 3 }),
      params: fc.array(fc.record({ key: ident, value: text }).map((p) => ({ ...p, valueSpan: span, span })), { maxLength: 2 }),
    })
    .map((d): Item => ({ kind: "directive", ...d, span })),
  fc.record({ relation: ident, description: fc.option(text) }).map((i): Item => ({ kind: "invariant", ...i, span })),
  atomOf(syntax.term).map((head): Item => ({ kind: "rule", heads: [head], body: null, span })),
  fc.record({ heads: fc.array(atomOf(syntax.term), { minLength: 1, maxLength: 2 }), body: syntax.body }).map((r): Item => ({ kind: "rule", ...r, span })),
);

/** A program of a few items. */
export const program: fc.Arbitrary<Program> = fc.array(item, { maxLength: 6 }).map((items) => ({ kind: "program", file: "test.dl", items, span }));
