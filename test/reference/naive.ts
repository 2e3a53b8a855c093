// A slow, obviously correct evaluator to test the engine against: stratum by stratum, apply every
// rule to all tuples until nothing changes. Tuples are JSON strings in Sets; bodies are evaluated
// by enumerating positive atoms in source order and then checking everything else.
import type { Analysis } from "../../src/analysis/types.js";
import type { CheckedProgram } from "../../src/check/types.js";
import type { Literal, Term } from "../../src/syntax/ast.js";
import { compareSymbols } from "../../src/eval/values.js";

type Value = number | string;
type Env = Map<string, Value>;
/** Relation name -> set of JSON-encoded tuples. */
export type Db = Map<string, Set<string>>;

/** Thrown for division by zero and 32-bit overflow, as the engine's CL405. */
export class NaiveArithmeticError extends Error {}

const I32 = (v: number): number => {
  if (!Number.isInteger(v) || v > 2147483647 || v < -2147483648) throw new NaiveArithmeticError(`overflow: ${v}`);
  return v === 0 ? 0 : v;
};

/** Evaluates the program over `facts` and returns every relation's tuples. */
export function naiveEvaluate(checked: CheckedProgram, analysis: Analysis, facts: Record<string, readonly (readonly Value[])[]>): Db {
  const db: Db = new Map();
  for (const name of checked.relations.keys()) db.set(name, new Set());
  for (const [name, tuples] of Object.entries(facts)) for (const t of tuples) db.get(name)!.add(JSON.stringify(t));
  for (const stratum of analysis.strata) {
    const clauses = stratum.clauses.map((id) => checked.clauses[id]!);
    for (let changed = true; changed; ) {
      changed = false;
      for (const clause of clauses) {
        const outside = outsideVars(clause.body, clause.head.args);
        for (const env of solve(clause.body, new Map(), db, outside)) {
          const tuple = clause.head.args.map((a) => evalTerm(a, env, db, outside));
          if (tuple.some((v) => v === undefined)) continue;
          const key = JSON.stringify(tuple);
          const rel = db.get(clause.head.relation.name)!;
          if (!rel.has(key)) {
            rel.add(key);
            changed = true;
          }
        }
      }
    }
  }
  return db;
}

function outsideVars(body: readonly Literal[], head: readonly Term[]): Set<string> {
  const out = new Set<string>();
  const term = (t: Term): void => {
    if (t.kind === "var") out.add(t.name);
    else if (t.kind === "binary") (term(t.left), term(t.right));
    else if (t.kind === "unary") term(t.operand);
    else if (t.kind === "call") t.args.forEach(term);
  };
  for (const l of body) {
    if (l.kind === "atom") l.atom.args.forEach(term);
    if (l.kind === "cmp") (term(l.left), term(l.right));
  }
  head.forEach(term);
  return out;
}

/** Every binding that satisfies `body`, extending `env`. */
function* solve(body: readonly Literal[], env: Env, db: Db, outside: ReadonlySet<string>): Generator<Env> {
  const positives = body.filter((l) => l.kind === "atom" && !l.negated);
  const rest = body.filter((l) => !(l.kind === "atom" && !l.negated));
  function* atoms(i: number, e: Env): Generator<Env> {
    if (i === positives.length) {
      yield* others(e);
      return;
    }
    const lit = positives[i]!;
    if (lit.kind !== "atom") return;
    for (const key of db.get(lit.atom.relation.name)!) {
      const row = JSON.parse(key) as Value[];
      const next = match(lit.atom.args, row, e);
      if (next !== null) yield* atoms(i + 1, next);
    }
  }
  function* others(e: Env): Generator<Env> {
    const env2 = new Map(e);
    // Assignments `x = expr`, repeated until none applies.
    const pending = [...rest];
    for (let progress = true; progress; ) {
      progress = false;
      for (const l of [...pending]) {
        if (l.kind !== "cmp" || l.op !== "=" || l.negated) continue;
        for (const [v, other] of [[l.left, l.right], [l.right, l.left]] as const) {
          if (v.kind === "var" && !env2.has(v.name) && bound(other, env2, outside)) {
            const val = evalTerm(other, env2, db, outside);
            if (val === undefined) return;
            env2.set(v.name, val);
            pending.splice(pending.indexOf(l), 1);
            progress = true;
            break;
          }
        }
      }
    }
    for (const l of pending) {
      if (l.kind === "bool") {
        if (!l.value) return;
      } else if (l.kind === "atom") {
        for (const key of db.get(l.atom.relation.name)!) if (match(l.atom.args, JSON.parse(key) as Value[], env2) !== null) return;
      } else {
        const a = evalTerm(l.left, env2, db, outside);
        const b = evalTerm(l.right, env2, db, outside);
        if (a === undefined || b === undefined) return;
        const c = typeof a === "string" ? compareSymbols(a, b as string) : a < (b as number) ? -1 : a > (b as number) ? 1 : 0;
        const holds = l.op === "=" ? c === 0 : l.op === "!=" ? c !== 0 : l.op === "<" ? c < 0 : l.op === "<=" ? c <= 0 : l.op === ">" ? c > 0 : c >= 0;
        if (holds === l.negated) return;
      }
    }
    yield env2;
  }
  yield* atoms(0, env);
}

function bound(t: Term, env: Env, outside: ReadonlySet<string>): boolean {
  switch (t.kind) {
    case "var":
      return env.has(t.name);
    case "binary":
      return bound(t.left, env, outside) && bound(t.right, env, outside);
    case "unary":
      return bound(t.operand, env, outside);
    case "call":
      return t.args.every((a) => bound(a, env, outside));
    case "aggregate": {
      const inner = new Set<string>();
      const walk = (x: Term): void => {
        if (x.kind === "var") inner.add(x.name);
        else if (x.kind === "binary") (walk(x.left), walk(x.right));
      };
      if (t.target) walk(t.target);
      for (const l of t.body) if (l.kind === "atom") l.atom.args.forEach(walk);
      return [...inner].every((v) => !outside.has(v) || env.has(v));
    }
    default:
      return true;
  }
}

function match(args: readonly Term[], row: readonly Value[], env: Env): Env | null {
  const next = new Map(env);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = row[i]!;
    if (a.kind === "wildcard") continue;
    if (a.kind === "var") {
      const b = next.get(a.name);
      if (b === undefined) next.set(a.name, v);
      else if (b !== v) return null;
    } else if (a.kind === "number" || a.kind === "string") {
      if (a.value !== v) return null;
    } else return null;
  }
  return next;
}

function evalTerm(t: Term, env: Env, db: Db, outside: ReadonlySet<string> = new Set()): Value | undefined {
  switch (t.kind) {
    case "var":
      return env.get(t.name);
    case "number":
    case "string":
      return t.value;
    case "wildcard":
      return undefined;
    case "unary": {
      const a = evalTerm(t.operand, env, db, outside) as number;
      return t.op === "-" ? I32(-a) : t.op === "bnot" ? ~a : a === 0 ? 1 : 0;
    }
    case "binary": {
      const a = evalTerm(t.left, env, db, outside);
      const b = evalTerm(t.right, env, db, outside);
      if (a === undefined || b === undefined) return undefined;
      const x = a as number;
      const y = b as number;
      switch (t.op) {
        case "+":
          return I32(x + y);
        case "-":
          return I32(x - y);
        case "*":
          return I32(x * y);
        case "/":
          if (y === 0) throw new NaiveArithmeticError("division by zero");
          return I32(Math.trunc(x / y));
        case "%":
          if (y === 0) throw new NaiveArithmeticError("division by zero");
          return I32(x % y);
        default:
          throw new Error(`naive: operator ${t.op} not supported`);
      }
    }
    case "call": {
      const args = t.args.map((a) => evalTerm(a, env, db, outside));
      if (t.name === "cat") return args.join("");
      if (t.name === "strlen") return [...(args[0] as string)].length;
      if (t.name === "min") return Math.min(...(args as number[]));
      if (t.name === "max") return Math.max(...(args as number[]));
      throw new Error(`naive: functor ${t.name} not supported`);
    }
    case "aggregate": {
      // One element per satisfying combination of rows; grouping variables come from `env`.
      const values: number[] = [];
      for (const e of solve(t.body, new Map([...env].filter(([k]) => outside.has(k))), db, new Set())) {
        values.push(t.target === null ? 0 : (evalTerm(t.target, e, db) as number));
      }
      switch (t.op) {
        case "count":
          return values.length;
        case "sum":
          return values.reduce((s, v) => I32(s + v), 0);
        case "min":
          return values.length === 0 ? undefined : Math.min(...values);
        case "max":
          return values.length === 0 ? undefined : Math.max(...values);
        case "mean":
          return values.length === 0 ? undefined : values.reduce((s, v) => s + v, 0) / values.length;
      }
    }
  }
}

/** A relation's tuples sorted as the engine sorts them (numbers numerically, symbols by code point). */
export function sortedTuples(db: Db, relation: string): Value[][] {
  const rows = [...db.get(relation)!].map((k) => JSON.parse(k) as Value[]);
  return rows.sort((a, b) => {
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      const c = typeof x === "string" ? compareSymbols(x, y as string) : (x as number) - (y as number);
      if (c !== 0) return c;
    }
    return 0;
  });
}
