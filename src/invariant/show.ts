// Prints terms, literals and facts as a user would write them, optionally with variables replaced
// by the values a rule instance gave them, so a counterexample story can quote the rule it broke.
import type { Atom, Literal, Term } from "../syntax/ast.js";
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

/** A term; bound variables print as their value. */
export function showTerm(t: Term, env: Env = NO_ENV): string {
  switch (t.kind) {
    case "var": {
      const v = env.get(t.name);
      return v === undefined ? t.name : showValue(v);
    }
    case "wildcard":
      return "_";
    case "number":
      return t.text;
    case "string":
      return JSON.stringify(t.value);
    case "binary": {
      return `(${showTerm(t.left, env)} ${t.op} ${showTerm(t.right, env)})`;
    }
    case "unary":
      return t.op === "-" ? `-${showTerm(t.operand, env)}` : `${t.op}(${showTerm(t.operand, env)})`;
    case "call":
      return `${t.name}(${t.args.map((a) => showTerm(a, env)).join(", ")})`;
    case "aggregate": {
      const target = t.target === null ? "" : ` ${showTerm(t.target, env)}`;
      return `${t.op}${target} : { ${t.body.map((l) => showLiteral(l, env)).join(", ")} }`;
    }
  }
}

/** `rel(x, _)` with bound variables replaced. */
export function showAtom(a: Atom, env: Env = NO_ENV): string {
  return `${a.relation.name}(${a.args.map((t) => showTerm(t, env)).join(", ")})`;
}

/** A body literal. */
export function showLiteral(l: Literal, env: Env = NO_ENV): string {
  switch (l.kind) {
    case "atom":
      return `${l.negated ? "!" : ""}${showAtom(l.atom, env)}`;
    case "cmp": {
      const text = `${stripParens(showTerm(l.left, env))} ${l.op} ${stripParens(showTerm(l.right, env))}`;
      return l.negated ? `!(${text})` : text;
    }
    case "bool":
      return l.value ? "true" : "false";
  }
}

function stripParens(s: string): string {
  return s.startsWith("(") && s.endsWith(")") && balanced(s.slice(1, -1)) ? s.slice(1, -1) : s;
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const ch of s) {
    if (ch === "(") depth++;
    else if (ch === ")" && --depth < 0) return false;
  }
  return depth === 0;
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
