// Prints terms, literals and facts as a user would write them, optionally with variables replaced
// by the values a rule instance gave them, so a counterexample story can quote the rule it broke.
// Terms and literals go through the one printer (`syntax/printer.ts`); only values are written here.
import type { Atom, Literal, Term } from "../syntax/ast.js";
import { printAtomWith, printLiteralWith, printTermWith, type Substitute } from "../syntax/printer.js";
import type { Fact, InvariantResult } from "./types.js";
import type { Value } from "../eval/values.js";

/** Variable bindings of one rule instance. */
export type Env = ReadonlyMap<string, Value>;

const NO_ENV: Env = new Map();

/** A value as written in a rule file: symbols quoted, numbers bare. */
export function showValue(v: Value): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** `rel("a", 1)`. */
export function showFact(f: Fact): string {
  return `${f.relation}(${f.tuple.map(showValue).join(", ")})`;
}

/** Prints a variable bound in `env` as its value. */
function valuesOf(env: Env): Substitute {
  return (v) => {
    const x = env.get(v.name);
    return x === undefined ? undefined : showValue(x);
  };
}

/** A term, as the one printer writes it; bound variables print as their value. */
export function showTerm(t: Term, env: Env = NO_ENV): string {
  return printTermWith(t, valuesOf(env));
}

/** `rel(x, _)` with bound variables replaced. */
export function showAtom(a: Atom, env: Env = NO_ENV): string {
  return printAtomWith(a, valuesOf(env));
}

/** A body literal, bound variables replaced. */
export function showLiteral(l: Literal, env: Env = NO_ENV): string {
  return printLiteralWith(l, valuesOf(env));
}

/** Joins names for a sentence: `a`, `a` and `b`, `a`, `b` and `c`. */
export function listCode(names: readonly string[]): string {
  const q = names.map((n) => `\`${n}\``);
  if (q.length <= 1) return q.join("");
  return `${q.slice(0, -1).join(", ")} and ${q[q.length - 1]!}`;
}

/** How a verdict was reached, for the report. */
export function decidedBy(r: InvariantResult): string {
  if (r.method === "syntactic") return `a sufficient condition read off the rules (\`${r.condition ?? ""}\`)`;
  if (r.method === "solver") return r.verdict === "proved" ? "Z3 (unsat: no counterexample of any size)" : "Z3's model, replayed through the engine";
  if (r.method === "search") return "a search, replayed through the engine";
  return "nothing yet";
}
