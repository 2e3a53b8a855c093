// The abstract syntax of a rule file: readonly plain data, every node with the span it came from.
// It mirrors what the user wrote (nested `;` and `( )`, several heads); `normalize` flattens it.
import { BUILTIN_NAMES, type BuiltinName } from "../builtins/functors.js";
import type { Span } from "../diagnostics/span.js";

/** A name as written, with its span. */
export interface Ident {
  readonly name: string;
  readonly span: Span;
}

/** A whole rule file. `items` are in source order. */
export interface Program {
  readonly kind: "program";
  readonly file: string;
  readonly items: readonly Item[];
  readonly span: Span;
  /** Component bodies expanded by `.init`, for notes naming the instantiation (see `noteInstantiations`). */
  /** `.pragma "key" "value"` directives, in source order. */
  readonly pragmas?: readonly { readonly key: string; readonly value: string | null; readonly span: Span }[];
  readonly components?: readonly { readonly component: string; readonly span: Span; readonly chain: readonly { readonly instance: Ident; readonly span: Span }[] }[];
}

export type Item = TypeDecl | RelationDecl | IoDirective | InvariantDirective | Rule;

/** The primitive types. User types are declared with `.type`. */
export type PrimitiveType = "symbol" | "number" | "unsigned" | "float";

/** A value of the language, as every stage holds it: symbols as strings, numbers (of every numeric type) as JS numbers. */
export type Value = number | string;
export const PRIMITIVE_TYPES: readonly PrimitiveType[] = ["symbol", "number", "unsigned", "float"];

/**
 * `.type Id <: symbol` (subtype), `.type N = number` (alias), `.type U = A | B` (union).
 */
export interface TypeDecl {
  readonly kind: "type";
  readonly name: Ident;
  readonly form: "subtype" | "alias" | "union" | "record" | "adt";
  /** One base for subtype and alias; two or more for a union; none for a record or an ADT. */
  readonly bases: readonly Ident[];
  /** A record's fields (`[a: T, b: U]`), or one entry per ADT branch (`A {x: T} | B {}`). */
  readonly fields?: readonly Attribute[];
  readonly branches?: readonly { readonly name: Ident; readonly fields: readonly Attribute[] }[];
  readonly span: Span;
}

export interface Attribute {
  readonly name: Ident;
  readonly type: Ident;
  readonly span: Span;
}

/** `.decl name(a: T, ...) qualifiers`. Qualifiers (`btree`, `brie`, ...) are kept but carry no meaning here. */
export interface RelationDecl {
  readonly kind: "decl";
  readonly name: Ident;
  readonly attributes: readonly Attribute[];
  readonly qualifiers: readonly Ident[];
  /** Soufflé's `choice-domain a, (b, c)`: each entry is a key; a tuple whose key is already taken is not added. */
  readonly choice?: readonly (readonly Ident[])[];
  readonly span: Span;
}

export interface IoParam {
  readonly key: Ident;
  /** The value as text: a string literal's decoded value, or a bare word / number as written. */
  readonly value: string;
  readonly valueSpan: Span;
  readonly span: Span;
}

/** `.input a, b(IO=file, filename="x.facts")`, `.output`, `.printsize`. The params apply to every relation named. */
export interface IoDirective {
  readonly kind: "directive";
  /** `limitsize`: Soufflé's `.limitsize r(n=N)`, a recursive stratum stops once `r` holds N tuples. */
  readonly directive: "input" | "output" | "printsize" | "limitsize";
  readonly relations: readonly Ident[];
  readonly params: readonly IoParam[];
  readonly span: Span;
}

/** `.invariant oversold "each product has sold <= stock"`: the relation must stay empty in every valid state. */
export interface InvariantDirective {
  readonly kind: "invariant";
  readonly relation: Ident;
  readonly description: string | null;
  readonly span: Span;
}

/** A fact (`body === null`, one head) or a rule (`h1(..), h2(..) :- body.`). */
export interface Rule {
  readonly kind: "rule";
  readonly heads: readonly Atom[];
  readonly body: Body | null;
  /**
   * Soufflé's subsumption `a(x) <= a(y) :- body.`: `heads[0]` is the dominated tuple, `dominator` the
   * tuple of the same relation that removes it while the body holds.
   */
  readonly dominator?: Atom;
  /** Soufflé's `.plan 0: (2, 1), 1: (1, 2)` after the rule: a join order per version (checked, then ignored). */
  readonly plan?: ExecutionPlan;
  readonly span: Span;
}

/** One version's order in a `.plan`: `1: (3, 1, 2)` numbers the rule's positive atoms from 1. */
export interface PlanOrder {
  readonly version: number;
  readonly order: readonly number[];
  /** The parenthesised order, where Soufflé points its plan errors. */
  readonly span: Span;
}

/** A rule's `.plan`: its orders in the order written (a version given twice keeps the last, as in Soufflé). */
export interface ExecutionPlan {
  readonly orders: readonly PlanOrder[];
  readonly span: Span;
}

/** A rule body as written: conjunction `,`, disjunction `;`, parentheses, literals. */
export type Body = Conjunction | Disjunction | Literal;

export interface Conjunction {
  readonly kind: "and";
  readonly items: readonly Body[];
  readonly span: Span;
}

export interface Disjunction {
  readonly kind: "or";
  readonly items: readonly Body[];
  readonly span: Span;
}

export type Literal = AtomLiteral | Comparison | BooleanLiteral;

/** `rel(args)` or, with `negated`, `!rel(args)`. */
export interface AtomLiteral {
  readonly kind: "atom";
  readonly negated: boolean;
  readonly atom: Atom;
  readonly span: Span;
}

export type ComparisonOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "match" | "contains";

/** `x < y`; with `negated`, Soufflé's `!(x < y)`. */
export interface Comparison {
  readonly kind: "cmp";
  readonly op: ComparisonOp;
  readonly left: Term;
  readonly right: Term;
  readonly negated: boolean;
  readonly span: Span;
}

/** Soufflé's `true` and `false` body literals. */
export interface BooleanLiteral {
  readonly kind: "bool";
  readonly value: boolean;
  readonly span: Span;
}

export interface Atom {
  readonly relation: Ident;
  readonly args: readonly Term[];
  readonly span: Span;
}

export type Term = Variable | Wildcard | NumberLiteral | StringLiteral | Binary | Unary | Call | Aggregate;

export interface Variable {
  readonly kind: "var";
  readonly name: string;
  readonly span: Span;
}

export interface Wildcard {
  readonly kind: "wildcard";
  readonly span: Span;
}

/**
 * A numeric constant. `type` is what the literal itself says: `float` when written with a `.`
 * or exponent, `unsigned` when written with a `u` suffix, otherwise `number`.
 * `text` is the source spelling (hex `0x1F`, binary `0b101`, ...).
 */
export interface NumberLiteral {
  readonly kind: "number";
  readonly value: number;
  readonly type: "number" | "unsigned" | "float";
  readonly text: string;
  readonly span: Span;
}

/** A string constant; `value` has its escapes decoded. */
export interface StringLiteral {
  readonly kind: "string";
  readonly value: string;
  readonly span: Span;
}

/** Arithmetic, bitwise and logical operators, spelled as in Soufflé. */
export type BinaryOp =
  | "+" | "-" | "*" | "/" | "%" | "^"
  | "band" | "bor" | "bxor" | "bshl" | "bshr" | "bshru"
  | "land" | "lor" | "lxor";

/**
 * Binding strength of the infix operators, as in Soufflé (higher binds tighter). `^` binds tighter
 * than prefix operators (10) and is right-associative; the parser handles it apart.
 */
export const BINARY_PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  lor: 1,
  lxor: 2,
  land: 3,
  bor: 4,
  bxor: 5,
  band: 6,
  bshl: 7,
  bshr: 7,
  bshru: 7,
  "+": 8,
  "-": 8,
  "*": 9,
  "/": 9,
  "%": 9,
  "^": 11,
};

export interface Binary {
  readonly kind: "binary";
  readonly op: BinaryOp;
  readonly left: Term;
  readonly right: Term;
  readonly span: Span;
}

export type UnaryOp = "-" | "bnot" | "lnot";

export interface Unary {
  readonly kind: "unary";
  readonly op: UnaryOp;
  readonly operand: Term;
  readonly span: Span;
}

/**
 * Built-in functors (the rows of `builtins/functors.ts`; `min`/`max` here are the two-or-more-argument
 * functors, not aggregates). `record` is a record `[a, b]`, `nil` the empty record, `$Branch` an ADT
 * constructor `$Branch(a, b)`: values built from values, written like calls.
 */
export type FunctorName = "record" | "nil" | `$${string}` | BuiltinName;
export const FUNCTOR_NAMES: readonly FunctorName[] = BUILTIN_NAMES;

export interface Call {
  readonly kind: "call";
  readonly name: FunctorName;
  readonly nameSpan: Span;
  readonly args: readonly Term[];
  readonly span: Span;
}

export type AggregateOp = "count" | "sum" | "min" | "max" | "mean";

/**
 * `count : { body }`, `sum x : { body }`, ... and the short form `count : atom`.
 * Soufflé allows only a conjunction inside an aggregate, so the body is a flat list.
 * `target` is null exactly for `count`.
 */
export interface Aggregate {
  readonly kind: "aggregate";
  readonly op: AggregateOp;
  readonly opSpan: Span;
  readonly target: Term | null;
  readonly body: readonly Literal[];
  readonly span: Span;
}
