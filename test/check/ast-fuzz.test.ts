import { describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { check } from "../../src/check/check.js";
import { Diagnostics } from "../../src/diagnostics/diagnostic.js";
import { renderDiagnostics } from "../../src/report/text.js";
import type * as A from "../../src/syntax/ast.js";
import { LineIndex } from "../../src/diagnostics/span.js";

// Random ASTs reach shapes the parser would never build (aggregates in heads, deep nesting,
// wildcards everywhere), so they test that the checks hold up on any tree, not just parsed ones.
const span = new LineIndex("").span("f.dl", 0, 0);
const NAMES = ["a", "b", "c"];
const VARS = ["x", "y", "_z"];
const TYPES = ["symbol", "number", "unsigned", "float", "T", "U", "Nope"];

const ident = (pool: string[]) => fc.constantFrom(...pool).map((name): A.Ident => ({ name, span }));

const { term, literal } = fc.letrec<{ term: A.Term; literal: A.Literal }>((tie) => ({
  term: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...VARS).map((name): A.Term => ({ kind: "var", name, span })),
    fc.constant<A.Term>({ kind: "wildcard", span }),
    fc.tuple(fc.integer({ min: -3, max: 3 }), fc.constantFrom<"number" | "unsigned" | "float">("number", "unsigned", "float")).map(([v, type]): A.Term => ({ kind: "number", value: v, type, text: String(v), span })),
    fc.constantFrom("s", "").map((value): A.Term => ({ kind: "string", value, span })),
    fc.tuple(fc.constantFrom<A.BinaryOp>("+", "%", "band", "land"), tie("term"), tie("term")).map(([op, left, right]): A.Term => ({ kind: "binary", op, left, right, span })),
    fc.tuple(fc.constantFrom<A.UnaryOp>("-", "bnot"), tie("term")).map(([op, operand]): A.Term => ({ kind: "unary", op, operand, span })),
    fc.tuple(fc.constantFrom<A.FunctorName>(...(["cat", "strlen", "substr", "min", "to_string"] as const)), fc.array(tie("term"), { maxLength: 3 })).map(([name, args]): A.Term => ({ kind: "call", name, nameSpan: span, args, span })),
    fc.tuple(fc.constantFrom<A.AggregateOp>("count", "sum", "min", "mean"), tie("term"), fc.array(tie("literal"), { maxLength: 2 })).map(([op, target, body]): A.Term => ({ kind: "aggregate", op, opSpan: span, target: op === "count" ? null : target, body, span })),
  ),
  literal: fc.oneof(
    fc.tuple(fc.boolean(), ident(NAMES), fc.array(tie("term"), { maxLength: 3 })).map(([negated, relation, args]): A.Literal => ({ kind: "atom", negated, atom: { relation, args, span }, span })),
    fc.tuple(fc.constantFrom<A.ComparisonOp>("=", "<", "!="), tie("term"), tie("term"), fc.boolean()).map(([op, left, right, negated]): A.Literal => ({ kind: "cmp", op, left, right, negated, span })),
    fc.boolean().map((value): A.Literal => ({ kind: "bool", value, span })),
  ),
}));

const atom = fc.tuple(ident(NAMES), fc.array(term, { maxLength: 3 })).map(([relation, args]): A.Atom => ({ relation, args, span }));
const body: fc.Arbitrary<A.Body> = fc.array(fc.array(literal, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }).map((ors) => ({
  kind: "or",
  items: ors.map((items): A.Body => ({ kind: "and", items, span })),
  span,
}));

const item: fc.Arbitrary<A.Item> = fc.oneof(
  fc.tuple(ident(["T", "U"]), fc.constantFrom<"subtype" | "alias" | "union">("subtype", "alias", "union"), fc.array(ident(TYPES), { maxLength: 3 })).map(([name, form, bases]): A.Item => ({ kind: "type", name, form, bases, span })),
  fc.tuple(ident(NAMES), fc.array(fc.tuple(ident(VARS), ident(TYPES)), { maxLength: 3 })).map(([name, cols]): A.Item => ({ kind: "decl", name, attributes: cols.map(([n, t]) => ({ name: n, type: t, span })), qualifiers: [], span })),
  fc.tuple(fc.constantFrom<"input" | "output" | "printsize">("input", "output", "printsize"), fc.array(ident(NAMES), { minLength: 1, maxLength: 2 }), fc.array(ident(["IO", "filename", "headers", "zip"]), { maxLength: 2 })).map(([directive, relations, keys]): A.Item => ({ kind: "directive", directive, relations, params: keys.map((key) => ({ key, value: "x", valueSpan: span, span })), span })),
  ident(NAMES).map((relation): A.Item => ({ kind: "invariant", relation, description: null, span })),
  fc.tuple(fc.array(atom, { minLength: 1, maxLength: 2 }), fc.option(body)).map(([heads, b]): A.Item => ({ kind: "rule", heads, body: b, span })),
);

const program = fc.array(item, { maxLength: 8 }).map((items): A.Program => ({ kind: "program", file: "f.dl", items, span }));

describe("check on random syntax trees", () => {
  test.prop([program], { numRuns: 400 })("never throws, returns every declared relation once, and renders", (p) => {
    const diags = new Diagnostics();
    const checked = check(p, diags);
    const declared = [...new Set(p.items.flatMap((i) => (i.kind === "decl" ? [i.name.name] : [])))];
    expect([...checked.relations.keys()]).toEqual(declared);
    for (const d of diags.items) expect(d.code).toMatch(/^CL2\d\d$/);
    expect(() => renderDiagnostics(diags.items, new Map([["f.dl", ""]]), { color: false })).not.toThrow();
  });
});
