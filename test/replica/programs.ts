// Programs and fact sets for the replica property tests: a family of rule templates, monotonic
// and not, over two input relations, combined at random.
import { fc } from "@fast-check/vitest";
import { compile } from "../../src/pipeline.js";
import type { ProgramUnit } from "../../src/replica/evaluate.js";
import type { Tuple } from "../../src/replica/tuple-keys.js";

const HEADER = `
.decl e(a: number, b: number)
.decl f(a: number, b: number)
.decl p(a: number, b: number)
.decl q(a: number, b: number)
.decl lone(a: number)
.decl fanout(a: number, n: number)
.decl big(a: number)
.decl unmatched(a: number, b: number)
.input e
.input f
`;

/** Rule templates; each derives only from the relations declared above. */
export const TEMPLATES: readonly string[] = [
  "p(x, y) :- e(x, y).",
  "p(x, z) :- p(x, y), e(y, z).",
  "p(x, y) :- f(x, y), x < y.",
  "q(x, y) :- f(x, y).",
  "q(x, z) :- q(x, y), p(y, z).",
  "q(y, x) :- e(x, y), f(y, x).",
  "lone(x) :- e(x, _), !f(x, _).",
  "fanout(x, n) :- e(x, _), n = count : { e(x, _) }.",
  "big(x) :- p(x, _), c = count : { p(x, _) }, c >= 2.",
  "unmatched(x, y) :- p(x, y), !q(x, y).",
];

/** A program made of some of the templates (always at least one). */
export const programArb = fc.subarray([...TEMPLATES.keys()], { minLength: 1 }).map((ids) => HEADER + ids.map((i) => TEMPLATES[i]).join("\n") + "\n");

/** Compiles program text; throws when the front end reports errors (a broken template). */
export function unitOf(text: string): ProgramUnit {
  const c = compile({ path: "gen.dl", text });
  if (c.analysis === null || c.diagnostics.hasErrors()) {
    throw new Error(`template program does not compile:\n${c.diagnostics.items.map((d) => d.message).join("\n")}\n${text}`);
  }
  return { checked: c.checked, analysis: c.analysis };
}

/** One input fact. */
export interface GenFact {
  readonly relation: "e" | "f";
  readonly tuple: Tuple;
}

export const factArb: fc.Arbitrary<GenFact> = fc.record({
  relation: fc.constantFrom("e" as const, "f" as const),
  tuple: fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })),
});
