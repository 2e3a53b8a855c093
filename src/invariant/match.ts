// Finds the instances of one clause body in a given state, with the facts each instance matched.
// It serves the counterexample story only; whether a state is valid is always the engine's answer.
import type { Aggregate, Atom, Literal, Term } from "../syntax/ast.js";
import type { Fact, FactValue } from "./types.js";
import { literalTerms } from "../check/walk.js";
import { termVars } from "./roles.js";

/** Read access to one evaluated state. */
export interface Db {
  tuples(relation: string): readonly (readonly FactValue[])[];
  has(relation: string, tuple: readonly FactValue[]): boolean;
}

/** One satisfying instance of a body: the bindings and the facts its atoms (and aggregates) matched. */
export interface Instance {
  readonly env: Map<string, FactValue>;
  readonly support: readonly Fact[];
}

/** Thrown inside evaluation when a term cannot be computed (unbound variable, bad operand). */
class NotEvaluable extends Error {}

/** Computes a ground term; aggregates are evaluated against `db`. */
export function evalTerm(t: Term, env: ReadonlyMap<string, FactValue>, db: Db): FactValue {
  switch (t.kind) {
    case "var": {
      const v = env.get(t.name);
      if (v === undefined) throw new NotEvaluable(t.name);
      return v;
    }
    case "wildcard":
      throw new NotEvaluable("_");
    case "number":
      return t.value;
    case "string":
      return t.value;
    case "binary":
      return binary(t.op, evalTerm(t.left, env, db), evalTerm(t.right, env, db));
    case "unary": {
      const v = num(evalTerm(t.operand, env, db));
      return t.op === "-" ? -v : t.op === "bnot" ? ~v : v === 0 ? 1 : 0;
    }
    case "call":
      return call(t.name, t.args.map((a) => evalTerm(a, env, db)));
    case "aggregate":
      return aggregate(t, env, db).value;
  }
}

function num(v: FactValue): number {
  if (typeof v !== "number") throw new NotEvaluable("number expected");
  return v;
}

function binary(op: string, a: FactValue, b: FactValue): number {
  const x = num(a);
  const y = num(b);
  switch (op) {
    case "+": return x + y;
    case "-": return x - y;
    case "*": return x * y;
    case "/": if (y === 0) throw new NotEvaluable("/0"); return Math.trunc(x / y);
    case "%": if (y === 0) throw new NotEvaluable("%0"); return x % y;
    case "^": return x ** y;
    case "band": return x & y;
    case "bor": return x | y;
    case "bxor": return x ^ y;
    case "bshl": return x << y;
    case "bshr": return x >> y;
    case "bshru": return x >>> y;
    case "land": return x !== 0 && y !== 0 ? 1 : 0;
    case "lor": return x !== 0 || y !== 0 ? 1 : 0;
    case "lxor": return (x !== 0) !== (y !== 0) ? 1 : 0;
    default: throw new NotEvaluable(op);
  }
}

function call(name: string, args: FactValue[]): FactValue {
  switch (name) {
    case "cat": return args.map(String).join("");
    case "strlen": return String(args[0]).length;
    case "substr": return String(args[0]).substr(num(args[1]!), num(args[2]!));
    case "ord": return String(args[0]).codePointAt(0) ?? 0;
    case "to_number": { const n = Number(args[0]); if (!Number.isFinite(n)) throw new NotEvaluable("to_number"); return Math.trunc(n); }
    case "to_string": return String(args[0]);
    case "min": return Math.min(...args.map(num));
    case "max": return Math.max(...args.map(num));
    default: throw new NotEvaluable(name);
  }
}

/** Compares two values as Soufflé does for numbers; symbols by code units. */
export function compare(op: string, a: FactValue, b: FactValue): boolean {
  switch (op) {
    case "=": return a === b;
    case "!=": return a !== b;
    case "<": return a < b;
    case "<=": return a <= b;
    case ">": return a > b;
    case ">=": return a >= b;
    default: return false;
  }
}

/** The value of an aggregate and the facts it read. Empty `min`/`max`/`mean` have no value. */
export function aggregate(a: Aggregate, env: ReadonlyMap<string, FactValue>, db: Db): { value: FactValue; support: Fact[] } {
  const inner = [...solve(a.body, new Map(env), db)];
  const support = dedupeFacts(inner.flatMap((i) => i.support));
  if (a.op === "count") return { value: inner.length, support };
  const values = inner.map((i) => num(evalTerm(a.target!, i.env, db)));
  if (a.op === "sum") return { value: values.reduce((s, v) => s + v, 0), support };
  if (values.length === 0) throw new NotEvaluable("empty aggregate");
  if (a.op === "min") return { value: Math.min(...values), support };
  if (a.op === "max") return { value: Math.max(...values), support };
  return { value: values.reduce((s, v) => s + v, 0) / values.length, support };
}

/** Removes repeated facts, keeping the first. */
export function dedupeFacts(facts: readonly Fact[]): Fact[] {
  const seen = new Set<string>();
  const out: Fact[] = [];
  for (const f of facts) {
    const k = `${f.relation}${JSON.stringify(f.tuple)}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(f);
    }
  }
  return out;
}

/** Binds the atom's arguments against one tuple; null when they disagree. */
function unify(atom: Atom, tuple: readonly FactValue[], env: Map<string, FactValue>, db: Db): Map<string, FactValue> | null {
  if (tuple.length !== atom.args.length) return null;
  let out: Map<string, FactValue> | null = null;
  for (let i = 0; i < atom.args.length; i++) {
    const arg = atom.args[i]!;
    const v = tuple[i]!;
    if (arg.kind === "wildcard") continue;
    const cur = out ?? env;
    if (arg.kind === "var") {
      const bound = cur.get(arg.name);
      if (bound === undefined) {
        out ??= new Map(env);
        out.set(arg.name, v);
      } else if (bound !== v) return null;
      continue;
    }
    if (evalTerm(arg, cur, db) !== v) return null;
  }
  return out ?? new Map(env);
}

/** Variables a literal needs bound before it can be checked (a positive atom needs none). */
function needs(l: Literal, env: ReadonlyMap<string, FactValue>, outer: ReadonlySet<string>): string[] {
  if (l.kind === "atom" && !l.negated) return [];
  if (l.kind === "cmp" && l.op === "=" && !l.negated) {
    // `x = t` can bind x once t is computable (and vice versa).
    const left = l.left.kind === "var" && !env.has(l.left.name);
    const right = l.right.kind === "var" && !env.has(l.right.name);
    if (left && !right) return inputs([l.right], outer).filter((v) => !env.has(v));
    if (right && !left) return inputs([l.left], outer).filter((v) => !env.has(v));
  }
  return inputs(l.kind === "atom" ? l.atom.args : literalTerms(l), outer).filter((v) => !env.has(v));
}

/** Variables terms read: their own, plus the grouping variables of aggregates inside them. */
function inputs(terms: readonly Term[], outer: ReadonlySet<string>): string[] {
  const vars = new Set<string>();
  for (const t of terms) {
    termVars(t, vars);
    for (const v of termVars(t, new Set(), true)) if (outer.has(v)) vars.add(v);
  }
  return [...vars];
}

/** Every instance of a conjunction in `db`, extending `env`. Literals run once their inputs are bound. */
export function solve(body: readonly Literal[], env: Map<string, FactValue>, db: Db): Generator<Instance> {
  const outer = new Set(env.keys());
  for (const l of body) for (const t of l.kind === "atom" ? l.atom.args : literalTerms(l)) termVars(t, outer);
  return solveFrom(body, env, db, [], outer);
}

function* solveFrom(body: readonly Literal[], env: Map<string, FactValue>, db: Db, support: readonly Fact[], outer: ReadonlySet<string>): Generator<Instance> {
  if (body.length === 0) {
    yield { env, support };
    return;
  }
  // Prefer a checkable filter, then a positive atom, then whatever is left (it will fail to evaluate).
  let pick = body.findIndex((l) => !(l.kind === "atom" && !l.negated) && needs(l, env, outer).length === 0);
  if (pick < 0) pick = body.findIndex((l) => l.kind === "atom" && !l.negated);
  if (pick < 0) pick = 0;
  const lit = body[pick]!;
  const rest = body.filter((_, i) => i !== pick);
  try {
    if (lit.kind === "atom" && !lit.negated) {
      for (const t of db.tuples(lit.atom.relation.name)) {
        const next = unify(lit.atom, t, env, db);
        if (next !== null) yield* solveFrom(rest, next, db, [...support, { relation: lit.atom.relation.name, tuple: t }], outer);
      }
      return;
    }
    if (lit.kind === "atom") {
      if (!matchesAny(lit.atom, env, db)) yield* solveFrom(rest, env, db, support, outer);
      return;
    }
    if (lit.kind === "bool") {
      if (lit.value) yield* solveFrom(rest, env, db, support, outer);
      return;
    }
    // comparison; `x = t` with x unbound binds x
    if (lit.op === "=" && !lit.negated) {
      for (const [v, t] of [[lit.left, lit.right], [lit.right, lit.left]] as const) {
        if (v.kind === "var" && !env.has(v.name)) {
          const { value, extra } = evalWithSupport(t, env, db);
          const next = new Map(env);
          next.set(v.name, value);
          yield* solveFrom(rest, next, db, [...support, ...extra], outer);
          return;
        }
      }
    }
    const l = evalWithSupport(lit.left, env, db);
    const r = evalWithSupport(lit.right, env, db);
    if (compare(lit.op, l.value, r.value) !== lit.negated) yield* solveFrom(rest, env, db, [...support, ...l.extra, ...r.extra], outer);
  } catch (e) {
    if (!(e instanceof NotEvaluable)) throw e;
  }
}

/** A term's value and, when it is an aggregate, the facts it read. */
function evalWithSupport(t: Term, env: ReadonlyMap<string, FactValue>, db: Db): { value: FactValue; extra: Fact[] } {
  if (t.kind === "aggregate") {
    const a = aggregate(t, env, db);
    return { value: a.value, extra: a.support };
  }
  return { value: evalTerm(t, env, db), extra: [] };
}

/** True when some tuple matches the atom under `env` (unbound variables and `_` match anything). */
export function matchesAny(atom: Atom, env: ReadonlyMap<string, FactValue>, db: Db): boolean {
  const ground = groundTuple(atom, env, db);
  if (ground !== null) return db.has(atom.relation.name, ground);
  return db.tuples(atom.relation.name).some((t) => unify(atom, t, new Map(env), db) !== null);
}

/** The first fact (in the state's order) that matches the atom under `env`. */
export function firstMatch(atom: Atom, env: ReadonlyMap<string, FactValue>, db: Db): Fact | null {
  for (const t of db.tuples(atom.relation.name)) {
    try {
      if (unify(atom, t, new Map(env), db) !== null) return { relation: atom.relation.name, tuple: t };
    } catch (e) {
      if (!(e instanceof NotEvaluable)) throw e;
    }
  }
  return null;
}

/** The atom's tuple when every argument is computable, else null. */
export function groundTuple(atom: Atom, env: ReadonlyMap<string, FactValue>, db: Db): FactValue[] | null {
  const out: FactValue[] = [];
  for (const a of atom.args) {
    try {
      out.push(evalTerm(a, env, db));
    } catch (e) {
      if (e instanceof NotEvaluable) return null;
      throw e;
    }
  }
  return out;
}

/** Evaluates a term, or null when it cannot be computed here. */
export function tryEval(t: Term, env: ReadonlyMap<string, FactValue>, db: Db): FactValue | null {
  try {
    return evalTerm(t, env, db);
  } catch (e) {
    if (e instanceof NotEvaluable) return null;
    throw e;
  }
}

/** The instances of a clause whose head equals `tuple`. */
export function* instancesFor(head: Atom, body: readonly Literal[], tuple: readonly FactValue[], db: Db): Generator<Instance> {
  for (const inst of solve(body, new Map(), db)) {
    const h = groundTuple(head, inst.env, db);
    if (h !== null && h.length === tuple.length && h.every((v, i) => v === tuple[i])) yield inst;
  }
}
