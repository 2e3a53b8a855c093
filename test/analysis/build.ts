// Builds checked programs directly as AST, so the analysis is tested without the parser.
// Every node gets its own span (increasing offsets), as parsed nodes would.
import type { Column, CheckedProgram, RelationSchema } from "../../src/check/types.js";
import type {
  Aggregate, AggregateOp, Atom, AtomLiteral, Body, Comparison, ComparisonOp, Literal, PrimitiveType, Program, RelationDecl, Rule, Term,
} from "../../src/syntax/ast.js";
import { normalize } from "../../src/syntax/normalize.js";
import { inferTypes } from "../../src/check/infer.js";
import type { Span } from "../../src/diagnostics/span.js";

let offset = 0;
function span(file = "test.dl"): Span {
  const start = (offset += 10);
  return { file, start, end: start + 5, line: start, column: 1, endLine: start, endColumn: 6 };
}
const ident = (name: string) => ({ name, span: span() });

export const v = (name: string): Term => ({ kind: "var", name, span: span() });
export const _ = (): Term => ({ kind: "wildcard", span: span() });
export const n = (value: number, type: "number" | "unsigned" = "number"): Term => ({ kind: "number", value, type, text: type === "unsigned" ? `${value}u` : String(value), span: span() });
export const sym = (value: string): Term => ({ kind: "string", value, span: span() });

export function atom(relation: string, ...args: Term[]): Atom {
  return { relation: ident(relation), args, span: span() };
}
export function pos(relation: string, ...args: Term[]): AtomLiteral {
  return { kind: "atom", negated: false, atom: atom(relation, ...args), span: span() };
}
export function not(relation: string, ...args: Term[]): AtomLiteral {
  return { kind: "atom", negated: true, atom: atom(relation, ...args), span: span() };
}
export function cmp(left: Term, op: ComparisonOp, right: Term, negated = false): Comparison {
  return { kind: "cmp", op, left, right, negated, span: span() };
}
export function agg(op: AggregateOp, target: Term | null, ...body: Literal[]): Aggregate {
  return { kind: "aggregate", op, opSpan: span(), target, body, span: span() };
}
export function or(...items: Body[]): Body {
  return { kind: "or", items, span: span() };
}

/** A program under construction: declarations in order, then rules and facts. */
export class ProgramBuilder {
  private readonly decls: RelationDecl[] = [];
  private readonly schemas = new Map<string, RelationSchema>();
  private readonly rules: Rule[] = [];
  private readonly inputs = new Set<string>();
  private readonly notInputs = new Set<string>();

  /** `.decl name(a: type, ...)`; columns as `"name:type"`. */
  decl(name: string, ...columns: string[]): this {
    const attributes = columns.map((c) => {
      const [col, type] = c.split(":");
      return { name: ident(col!), type: ident(type ?? "symbol"), span: span() };
    });
    const decl: RelationDecl = { kind: "decl", name: ident(name), attributes, qualifiers: [], span: span() };
    const cols: Column[] = attributes.map((a) => ({ name: a.name.name, declaredType: a.type.name, type: a.type.name as PrimitiveType }));
    this.decls.push(decl);
    this.schemas.set(name, { name, decl, columns: cols, input: null, output: null, printsize: false, invariant: null });
    return this;
  }

  /** `head :- body.`; a body of several items is their conjunction. */
  rule(heads: Atom | Atom[], ...body: Body[]): this {
    const b: Body | null = body.length === 0 ? null : body.length === 1 ? body[0]! : { kind: "and", items: body, span: span() };
    this.rules.push({ kind: "rule", heads: Array.isArray(heads) ? heads : [heads], body: b, span: span() });
    return this;
  }

  fact(relation: string, ...args: Term[]): this {
    return this.rule(atom(relation, ...args));
  }

  /** `.input name`; a relation no clause derives is `.input` anyway unless `declaredOnly` says not. */
  input(...names: string[]): this {
    for (const name of names) this.inputs.add(name);
    return this;
  }

  /** Relations that stay without `.input` even when no clause derives them (fixed and empty). */
  declaredOnly(...names: string[]): this {
    for (const name of names) this.notInputs.add(name);
    return this;
  }

  build(): CheckedProgram {
    const program: Program = { kind: "program", file: "test.dl", items: [...this.decls, ...this.rules], span: span() };
    const clauses = normalize(program);
    const heads = new Set(clauses.map((c) => c.head.relation.name));
    const relations = new Map<string, RelationSchema>();
    for (const [name, schema] of this.schemas) {
      const input = this.inputs.has(name) || (!heads.has(name) && !this.notInputs.has(name));
      relations.set(name, input ? { ...schema, input: { kind: "directive", directive: "input", relations: [ident(name)], params: [], span: span() } } : schema);
    }
    return { program, relations, clauses, types: clauses.map((c) => inferTypes(c, relations)) };
  }
}
