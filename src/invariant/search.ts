// Looks for S0, A, B with S0, S0 ∪ A and S0 ∪ B valid but S0 ∪ A ∪ B not: first by building one from a
// bounded aggregate (fill one replica up to the bound, add one more on the other), then at random with
// fast-check under a fixed seed. Validity is always decided by the engine; a found case is shrunk.
import fc from "fast-check";
import type { Analysis, Stratum } from "../analysis/types.js";
import type { CheckedProgram, Column } from "../check/types.js";
import { Engine } from "../eval/engine.js";
import type { Atom, Term } from "../syntax/ast.js";
import type { BoundPattern } from "./escrow.js";
import { literalValue, type Probes } from "./query.js";
import { forEachSubterm, literalTerms } from "../syntax/visit.js";
import { dependencies, type Roles } from "./roles.js";
import type { Fact } from "./types.js";
import type { Value } from "../eval/values.js";

/** Bounds of the random search. */
export interface SearchOptions {
  readonly trials: number;
  readonly maxSize: number;
  readonly seed: number;
  readonly timeMs: number;
}

/** A candidate: the common state and the inserts on each replica. */
export interface Case {
  readonly base: readonly Fact[];
  readonly a: readonly Fact[];
  readonly b: readonly Fact[];
}

/** What the search did and found. */
export interface SearchOutcome {
  readonly found: Case | null;
  /** Random trials run (constructed candidates are not counted). */
  readonly trials: number;
  readonly how: "construction" | "random" | null;
}

const factKey = (f: Fact): string => `${f.relation}\u0000${JSON.stringify(f.tuple)}`;

/**
 * Decides validity of states by evaluating only the strata the invariants depend on. A state is valid
 * when it derives no tuple of any invariant relation; a counterexample must violate `relation`.
 */
export class StateChecker {
  readonly base: Engine;
  private readonly strata: (s: Stratum) => boolean;
  private readonly cache = new Map<string, boolean>();
  private readonly violates = new Map<string, boolean>();

  constructor(checked: CheckedProgram, analysis: Analysis, readonly relation: string, roles: Roles, readonly invariants: readonly string[] = [relation]) {
    const needed = new Set(invariants.flatMap((r) => [...dependencies(roles, r)]));
    this.strata = (s) => s.relations.some((r) => needed.has(r));
    this.base = new Engine(checked, analysis);
    this.base.run({ strata: this.strata });
  }

  /** The evaluated state holding `facts` (and the program's facts). */
  evaluate(facts: readonly Fact[]): Engine {
    const e = this.base.clone();
    const byRel = new Map<string, Value[][]>();
    for (const f of facts) {
      let list = byRel.get(f.relation);
      if (list === undefined) byRel.set(f.relation, (list = []));
      list.push([...f.tuple]);
    }
    for (const [rel, tuples] of byRel) e.insert(rel, tuples);
    e.run({ strata: this.strata });
    return e;
  }

  /** True when the state derives no tuple of any invariant. Evaluation errors count as not valid. */
  valid(facts: readonly Fact[]): boolean {
    return this.judge(facts).valid;
  }

  /** True when the state derives a tuple of `relation` (the invariant under check). */
  violated(facts: readonly Fact[]): boolean {
    return this.judge(facts).violated;
  }

  private judge(facts: readonly Fact[]): { valid: boolean; violated: boolean } {
    const key = facts.map(factKey).sort().join("\n");
    const known = this.cache.get(key);
    if (known !== undefined) return { valid: known, violated: this.violates.get(key)! };
    let ok: boolean;
    let bad: boolean;
    try {
      const e = this.evaluate(facts);
      ok = this.invariants.every((r) => e.size(r) === 0);
      bad = e.size(this.relation) > 0;
    } catch {
      ok = false;
      bad = false;
    }
    if (this.cache.size > 20_000) {
      this.cache.clear();
      this.violates.clear();
    }
    this.cache.set(key, ok);
    this.violates.set(key, bad);
    return { valid: ok, violated: bad };
  }

  /** S0, S0 ∪ A, S0 ∪ B valid under every invariant, and S0 ∪ A ∪ B violating `relation`. */
  isCounterexample(c: Case): boolean {
    const s1 = [...c.base, ...c.a];
    const s2 = [...c.base, ...c.b];
    return this.valid(s1) && this.valid(s2) && this.valid(c.base) && this.violated([...s1, ...c.b]);
  }
}

// ---- values ---------------------------------------------------------------------------------

/** Symbols and numbers the program mentions. */
interface Constants {
  readonly symbols: readonly string[];
  readonly numbers: readonly number[];
}

function programConstants(checked: CheckedProgram): Constants {
  const symbols = new Set<string>();
  const numbers = new Set<number>();
  const visit = (t: Term): void =>
    forEachSubterm(t, (x) => {
      if (x.kind === "string") symbols.add(x.value);
      else if (x.kind === "number") numbers.add(x.value);
    });
  for (const c of checked.clauses) {
    c.head.args.forEach(visit);
    c.body.forEach((l) => literalTerms(l).forEach(visit));
  }
  return { symbols: [...symbols].sort(), numbers: [...numbers].sort((x, y) => x - y) };
}

/** Fresh symbols the program does not use; renamed after shrinking to read well. */
export const FRESH_PREFIX = "~";

/** The values generated for one column: the program's constants of its type and a few fresh ones. */
function columnDomain(col: Column, k: Constants): Value[] {
  if (col.type === "symbol") {
    const fresh = [1, 2, 3].map((i) => `${FRESH_PREFIX}${col.declaredType === "symbol" ? "" : col.declaredType}${i}`);
    return [...k.symbols.slice(0, 8), ...fresh];
  }
  const near = new Set<number>([0, 1, 2]);
  for (const n of k.numbers.slice(0, 8)) for (const d of [-1, 0, 1]) near.add(n + d);
  let values = [...near].sort((x, y) => x - y);
  if (col.type === "unsigned") values = values.filter((v) => v >= 0);
  return values.length > 0 ? values : [0];
}

// ---- random search --------------------------------------------------------------------------

/** Runs fast-check over small S0, A, B of the replicated relations the invariant reads. */
export function randomSearch(checked: CheckedProgram, roles: Roles, checker: StateChecker, opts: SearchOptions): SearchOutcome {
  const deps = dependencies(roles, checker.relation);
  const rels = [...roles.replicated].filter((r) => deps.has(r) && checked.relations.has(r)).sort();
  if (rels.length === 0) return { found: null, trials: 0, how: null };
  const k = programConstants(checked);
  const factArbs = rels.map((r) => {
    const cols = checked.relations.get(r)!.columns;
    const arbs = cols.map((c) => fc.constantFrom(...columnDomain(c, k)));
    return fc.tuple(...arbs).map((t): Fact => ({ relation: r, tuple: t }));
  });
  const fact = fc.oneof(...factArbs);
  const max = Math.max(1, opts.maxSize);
  const caseArb = fc.record({
    base: fc.array(fact, { maxLength: max }),
    a: fc.array(fact, { minLength: 1, maxLength: max }),
    b: fc.array(fact, { minLength: 1, maxLength: max }),
  });
  const details = fc.check(
    fc.property(caseArb, (c) => !checker.isCounterexample(c)),
    { seed: opts.seed, numRuns: Math.max(1, opts.trials), interruptAfterTimeLimit: Math.max(1, opts.timeMs), markInterruptAsFailure: false },
  );
  const found = details.failed && details.counterexample !== null ? details.counterexample[0] : null;
  return { found, trials: details.numRuns, how: found === null ? null : "random" };
}

// ---- construction from a bounded aggregate ---------------------------------------------------

const FILL_LIMIT = 4096;

/**
 * Builds a case for `agg > bound`: bind the rule's other atoms (constant ones from the program's
 * facts, replicated ones as shared facts in S0), let replica A insert aggregated facts while it stays
 * valid, then let B insert the fewest that break the merge.
 */
export function constructFromBound(p: BoundPattern, checked: CheckedProgram, roles: Roles, checker: StateChecker, probes: Probes): Case | null {
  const constLits = p.clause.body.filter((l) => l.kind === "atom" && !l.negated && roles.constant.has(l.atom.relation.name));
  const constVars = [...new Set(constLits.flatMap((l) => (l.kind === "atom" ? l.atom.args.flatMap((t) => (t.kind === "var" ? [t.name] : [])) : [])))];
  const envs: Map<string, Value>[] = [];
  const rows = constLits.length === 0 ? [[]] : probes.rows(constLits, constVars, []) ?? [];
  for (const row of rows.slice(0, 3)) envs.push(new Map(constVars.map((v, i) => [v, row[i]!])));
  // The facts to fill with are input facts: read a view (`sold(e, t) :- sale(t, e), !refund(t).`) through.
  const aggregated = inputAtom(p.aggregated, roles);
  if (aggregated === null) return null;
  const q: BoundPattern = { ...p, aggregated };
  // A growing bound (deposits) starts with one unit in S0, so there is something to spend.
  const boundAtom = p.boundKind === "growing" && p.boundAggregate !== null ? p.boundAggregate.body.find((l) => l.kind === "atom" && !l.negated) : undefined;
  const boundInput = boundAtom?.kind === "atom" ? inputAtom(boundAtom.atom, roles) : null;
  const boundPattern: BoundPattern | null = boundInput === null ? null : { ...p, aggregate: p.boundAggregate!, aggregated: boundInput };
  if (p.boundKind === "growing" && boundPattern === null) return null;
  const taken = new Set(programConstants(checked).symbols);
  const attempts: { env: Map<string, Value>; base: Fact[] }[] = [];
  for (const env0 of envs) {
    // The rule's replicated atoms fix the grouping values; first try without them in S0 (the
    // aggregated facts may match them), then with them.
    const env = new Map(env0);
    const outer: Fact[] = [];
    for (const l of p.clause.body) {
      if (l.kind !== "atom" || l.negated || roles.constant.has(l.atom.relation.name)) continue;
      const atom = inputAtom(l.atom, roles);
      if (atom !== null) outer.push({ relation: atom.relation.name, tuple: instantiate(atom, env, checked, taken, 0) });
    }
    const seed = boundPattern === null ? [] : [generator(boundPattern, env, checked, taken)?.(1)].filter((f): f is Fact => f !== undefined);
    attempts.push({ env, base: repairBase(seed, checker, probes, roles, checked, taken) });
    if (outer.length > 0) attempts.push({ env, base: repairBase([...outer, ...seed], checker, probes, roles, checked, taken) });
  }
  let best: Case | null = null;
  for (const { env, base } of attempts) {
    const gen = generator(q, env, checked, taken);
    if (gen === null) continue;
    const facts = (from: number, to: number): Fact[] => {
      const out: Fact[] = [];
      for (let i = from; i <= to; i++) out.push(gen(i));
      return out;
    };
    if (!checker.valid(base)) continue;
    // A: the most aggregated facts one replica can hold and stay valid.
    const validA = (n: number): boolean => checker.valid([...base, ...facts(1, n)]);
    const kA = largestTrue(validA, FILL_LIMIT);
    if (kA === null) continue;
    const a = facts(1, kA);
    // B: the fewest further facts that break the merge while B alone stays valid.
    const breaks = (n: number): boolean => !checker.valid([...base, ...a, ...facts(kA + 1, kA + n)]);
    const kB = smallestTrue(breaks, FILL_LIMIT);
    if (kB === null) continue;
    const c: Case = { base, a, b: facts(kA + 1, kA + kB) };
    if (!checker.isCounterexample(c)) continue;
    // Keep the smallest: a small bound (stock 1) tells the story better than a large one.
    const size = (x: Case): number => x.base.length + x.a.length + x.b.length;
    if (best === null || size(c) < size(best)) best = c;
  }
  return best;
}

/**
 * The input atom behind an atom: itself for an input relation without rules; through a view with one
 * rule whose head is distinct variables and whose body reads one input relation positively (its other
 * literals, such as `!refund(t)`, are left for the engine to judge); else null.
 */
export function inputAtom(atom: Atom, roles: Roles, depth = 0): Atom | null {
  const rel = atom.relation.name;
  const clauses = roles.clausesOf.get(rel) ?? [];
  if (roles.replicated.has(rel)) return clauses.length === 0 ? atom : null;
  if (clauses.length !== 1 || depth > 4) return null;
  const c = clauses[0]!;
  const head = new Map<string, Term>();
  for (let i = 0; i < c.head.args.length; i++) {
    const h = c.head.args[i]!;
    if (h.kind !== "var" || head.has(h.name)) return null;
    head.set(h.name, atom.args[i]!);
  }
  const positives = c.body.filter((l) => l.kind === "atom" && !l.negated && !roles.constant.has(l.atom.relation.name));
  if (positives.length !== 1 || positives[0]!.kind !== "atom") return null;
  const inner = positives[0]!.atom;
  const wildcard = (t: Term): Term => ({ kind: "wildcard", span: t.span });
  const mapped: Atom = { ...inner, args: inner.args.map((t) => (t.kind === "var" ? head.get(t.name) ?? wildcard(t) : t)) };
  return inputAtom(mapped, roles, depth + 1);
}

/**
 * Makes S0 valid under the other invariants by adding what their violations ask for: for each
 * violating rule instance, the input fact behind each negated atom (`!customer(c)` gets `customer(c)`).
 */
function repairBase(base: Fact[], checker: StateChecker, probes: Probes, roles: Roles, checked: CheckedProgram, taken: ReadonlySet<string>): Fact[] {
  let cur = base;
  for (let round = 0; round < 3 && !checker.valid(cur); round++) {
    const e = checker.evaluate(cur);
    const added: Fact[] = [];
    for (const inv of checker.invariants) {
      for (const t of e.tuples(inv).slice(0, 8)) {
        for (const clause of roles.clausesOf.get(inv) ?? []) {
          const inst = probes.instances(clause, t, cur)[0];
          if (inst === undefined) continue;
          for (const l of clause.body) {
            if (l.kind !== "atom" || !l.negated) continue;
            const atom = inputAtom(l.atom, roles);
            if (atom !== null) added.push({ relation: atom.relation.name, tuple: instantiate(atom, new Map(inst.env), checked, taken, 0) });
          }
          break;
        }
      }
    }
    if (added.length === 0) break;
    cur = [...cur, ...added];
  }
  return cur;
}

/** Largest n in [1, limit] with f(n), assuming f holds up to some point and fails after; null if f(1) fails or f never fails. */
function largestTrue(f: (n: number) => boolean, limit: number): number | null {
  if (!f(1)) return null;
  let lo = 1;
  let hi = 2;
  while (f(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > limit) return null;
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (f(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Smallest n in [1, limit] with f(n), assuming f is monotone: one past the largest n without it. */
function smallestTrue(f: (n: number) => boolean, limit: number): number | null {
  if (f(1)) return 1;
  const last = largestTrue((n) => !f(n), limit);
  return last === null ? null : last + 1;
}

/** A fresh symbol for a column, `${column}${i}`, avoiding the program's own symbols. */
function freshSymbol(name: string, i: number, taken: ReadonlySet<string>): string {
  let s = `${name}${i}`;
  while (taken.has(s)) s = `${s}_`;
  return s;
}

/** A tuple for an atom: bound variables keep their value, the rest get fresh values (and bind). */
function instantiate(atom: Atom, env: Map<string, Value>, checked: CheckedProgram, taken: ReadonlySet<string>, i: number): Value[] {
  const cols = checked.relations.get(atom.relation.name)?.columns ?? [];
  return atom.args.map((t, j) => {
    const col = cols[j];
    const fresh = (): Value => (col === undefined || col.type === "symbol" ? freshSymbol(col?.name ?? "v", i + 1, taken) : 1);
    if (t.kind === "var") {
      const v = env.get(t.name);
      if (v !== undefined) return v;
      const f = fresh();
      env.set(t.name, f);
      return f;
    }
    if (t.kind === "wildcard") return fresh();
    return literalValue(t) ?? fresh();
  });
}

/** The i-th distinct fact for the aggregated atom (i from 1), or null when facts cannot differ. */
function generator(p: BoundPattern, env: ReadonlyMap<string, Value>, checked: CheckedProgram, taken: ReadonlySet<string>): ((i: number) => Fact) | null {
  const atom = p.aggregated;
  const cols = checked.relations.get(atom.relation.name)?.columns ?? [];
  const target = p.aggregate.target !== null && p.aggregate.target.kind === "var" ? p.aggregate.target.name : null;
  if (p.aggregate.op === "sum" && target === null) return null;
  const free = atom.args.filter((t) => t.kind === "wildcard" || (t.kind === "var" && !env.has(t.name) && t.name !== target));
  if (free.length === 0 && target === null) return null;
  return (i) => {
    const local = new Map(env);
    const tuple = atom.args.map((t, j): Value => {
      const col = cols[j];
      const freshI = (): Value => (col === undefined || col.type === "symbol" ? freshSymbol(col?.name ?? "v", i, taken) : i);
      if (t.kind === "var" && t.name === target) return free.length > 0 ? 1 : i;
      if (t.kind === "var") {
        const v = local.get(t.name);
        if (v !== undefined) return v;
        const f = freshI();
        local.set(t.name, f);
        return f;
      }
      if (t.kind === "wildcard") return freshI();
      return literalValue(t) ?? freshI();
    });
    return { relation: atom.relation.name, tuple };
  };
}

// ---- shrinking ------------------------------------------------------------------------------

/** Drops repeated facts and inserts of facts S0 already has. */
export function normalizeCase(c: Case): Case {
  const dedupe = (fs: readonly Fact[], skip: ReadonlySet<string>): Fact[] => {
    const seen = new Set(skip);
    const out: Fact[] = [];
    for (const f of fs) {
      const k = factKey(f);
      if (!seen.has(k)) {
        seen.add(k);
        out.push(f);
      }
    }
    return out;
  };
  const base = dedupe(c.base, new Set());
  const baseKeys = new Set(base.map(factKey));
  return { base, a: dedupe(c.a, baseKeys), b: dedupe(c.b, baseKeys) };
}

/** Removes facts one at a time while the case stays a counterexample (1-minimal); skips huge parts. */
export function minimize(c: Case, checker: StateChecker, limit = 40): Case {
  let cur = normalizeCase(c);
  const parts = ["base", "a", "b"] as const;
  for (let changed = true; changed; ) {
    changed = false;
    for (const part of parts) {
      if (cur[part].length > limit) continue;
      for (let i = cur[part].length - 1; i >= 0; i--) {
        const next: Case = { ...cur, [part]: cur[part].filter((_, j) => j !== i) };
        if (checker.isCounterexample(next)) {
          cur = next;
          changed = true;
        }
      }
    }
  }
  return cur;
}

/**
 * Replaces each symbol occurrence by a value of its own when the case survives, so values are shared
 * (or are the program's constants) only where the violation needs it.
 */
export function separate(c: Case, checker: StateChecker, limit = 40): Case {
  let cur = c;
  let n = 0;
  const parts = ["base", "a", "b"] as const;
  for (const part of parts) {
    if (cur[part].length > limit) continue;
    for (let i = 0; i < cur[part].length; i++) {
      const arity = cur[part][i]!.tuple.length;
      for (let j = 0; j < arity; j++) {
        const f = cur[part][i]!;
        if (typeof f.tuple[j] !== "string") continue;
        const fresh = `${FRESH_PREFIX}sep${++n}`;
        const g: Fact = { relation: f.relation, tuple: f.tuple.map((v, k) => (k === j ? fresh : v)) };
        const next: Case = { ...cur, [part]: cur[part].map((x, k) => (k === i ? g : x)) };
        if (checker.isCounterexample(next)) cur = next;
      }
    }
  }
  return cur;
}

/** Gives generated fresh symbols the name of the first column they appear in (`name1`), if the case survives. */
export function renameFresh(c: Case, checked: CheckedProgram, checker: StateChecker): Case {
  const taken = new Set(programConstants(checked).symbols);
  for (const f of [...c.base, ...c.a, ...c.b]) for (const v of f.tuple) if (typeof v === "string" && !v.startsWith(FRESH_PREFIX)) taken.add(v);
  const map = new Map<string, string>();
  const counters = new Map<string, number>();
  for (const f of [...c.base, ...c.a, ...c.b]) {
    const cols = checked.relations.get(f.relation)?.columns ?? [];
    f.tuple.forEach((v, j) => {
      if (typeof v !== "string" || !v.startsWith(FRESH_PREFIX) || map.has(v)) return;
      const col = cols[j]?.name ?? "v";
      const name = col === "id" ? f.relation : col;
      let n = (counters.get(name) ?? 0) + 1;
      let s = freshSymbol(name, n, taken);
      while ([...map.values()].includes(s)) s = freshSymbol(name, ++n, taken);
      counters.set(name, n);
      map.set(v, s);
    });
  }
  if (map.size === 0) return c;
  const rename = (fs: readonly Fact[]): Fact[] =>
    fs.map((f) => ({ relation: f.relation, tuple: f.tuple.map((v) => (typeof v === "string" ? map.get(v) ?? v : v)) }));
  const renamed: Case = { base: rename(c.base), a: rename(c.a), b: rename(c.b) };
  return checker.isCounterexample(renamed) ? renamed : c;
}

/** Orders facts by relation (declaration order) and tuple, so equal cases print equally. */
export function sortCase(c: Case, checked: CheckedProgram): Case {
  const order = new Map([...checked.relations.keys()].map((r, i) => [r, i]));
  const cmp = (x: Fact, y: Fact): number => {
    const d = (order.get(x.relation) ?? 1e9) - (order.get(y.relation) ?? 1e9);
    if (d !== 0) return d;
    for (let i = 0; i < Math.min(x.tuple.length, y.tuple.length); i++) {
      const a = x.tuple[i]!;
      const b = y.tuple[i]!;
      if (a === b) continue;
      if (typeof a === "number" && typeof b === "number") return a - b;
      return naturalCompare(String(a), String(b));
    }
    return x.tuple.length - y.tuple.length;
  };
  return { base: [...c.base].sort(cmp), a: [...c.a].sort(cmp), b: [...c.b].sort(cmp) };
}


/** `seat2` before `seat10`: digit runs compare as numbers. */
function naturalCompare(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y) && Number(x) !== Number(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}
