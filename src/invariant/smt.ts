// The solver-backed check: "S0, S1 = S0 ∪ A and S2 = S0 ∪ B satisfy every invariant, and S1 ∪ S2
// derives a tuple of R" as an SMT-LIB query over the input relations, each an uninterpreted predicate
// per part (S0, A, B). Derived relations are unfolded (non-recursive rules only), negation reads lower
// strata, comparisons and integer arithmetic are exact, and an aggregate becomes an uninterpreted
// value per state with what is true of it in every real state (a count is >= 0, >= 1 exactly when its
// body matches, and grows with inserts when its body only grows). The encoding admits every real
// counterexample, so `unsat` proves confluence for all states; a `sat` model is read back as facts and
// is a counterexample only after the engine replays it. Values are integers: symbols are coded, the
// program's constants by distinct codes; symbol order and floats are not encoded.
import { builtin } from "../builtins/functors.js";
import type { CheckedProgram } from "../check/types.js";
import { collectOuter, forEachSubterm, literalTerms } from "../syntax/visit.js";
import type { Aggregate, Literal, PrimitiveType, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import { typesFor } from "../check/infer.js";
import { storedType as termType, type ClauseTypes } from "../check/types.js";
import type { Roles } from "./roles.js";
import { FRESH_PREFIX, type Case, type StateChecker } from "./search.js";
import type { Fact, SolverRun } from "./types.js";
import type { Value } from "../eval/values.js";
import { runSolver, solverUnavailable, type SmtRunner } from "./solver.js";

class Unsupported extends Error {}

/** The four states of the query: S0, S1 = S0 ∪ A, S2 = S0 ∪ B, M = S1 ∪ S2. */
type State = "0" | "1" | "2" | "M";
const STATES: readonly State[] = ["0", "1", "2", "M"];
/** The parts each state is made of. */
const PARTS: Readonly<Record<State, readonly string[]>> = { "0": ["0"], "1": ["0", "A"], "2": ["0", "B"], M: ["0", "A", "B"] };

const INT32 = [-2147483648, 2147483647] as const;
const UINT32 = [0, 4294967295] as const;

const q = (s: string): string => `|${s.replace(/[|\\]/g, "_")}|`;
const int = (n: number): string => (n < 0 ? `(- ${-n})` : String(n));

/** What the solver check produced. */
export interface SolverOutcome {
  readonly run: SolverRun;
  /** A candidate counterexample read from Z3's model (not yet replayed). */
  readonly model: Case | null;
  /** What the encoding covers, in words, for the proof's reason. */
  readonly encoding: string;
  /** After `sat`: looks for a model with a few facts per relation, read back as a case. */
  readonly findModel?: () => { model: Case | null; ms: number };
}

/** Builds the SMT-LIB text for one invariant. */
class Encoder {
  readonly lines: string[] = [];
  private readonly defined = new Set<string>();
  private readonly visiting = new Set<string>();
  private readonly aggregates = new Map<Aggregate, string>();
  readonly symbolCodes = new Map<string, number>();
  readonly unfolded = new Set<string>();
  readonly approximated: string[] = [];
  /** With `slots`, each part of an input relation holds at most that many facts, as constants a model names. */
  readonly slotted: { rel: string; part: string; used: string; cols: string[] }[] = [];
  private fresh = 0;

  constructor(
    private readonly checked: CheckedProgram, private readonly roles: Roles,
    private readonly constantTuples: (r: string) => readonly (readonly Value[])[], private readonly slots: number | null = null,
  ) {
    // Program symbols get codes far from small numbers, so a model's small values read as fresh symbols.
    const syms = new Set<string>();
    const visit = (t: Term): void =>
      forEachSubterm(t, (x) => {
        if (x.kind === "string") syms.add(x.value);
      });
    for (const c of checked.clauses) {
      c.head.args.forEach(visit);
      c.body.forEach((l) => literalTerms(l).forEach(visit));
    }
    for (const r of roles.constant) for (const t of constantTuples(r)) for (const v of t) if (typeof v === "string") syms.add(v);
    [...syms].sort().forEach((s, i) => this.symbolCodes.set(s, 1_000_000 + i));
  }

  private types(rel: string): PrimitiveType[] {
    const s = this.checked.relations.get(rel);
    if (s === undefined) throw new Unsupported(`\`${rel}\` is not declared`);
    return s.columns.map((c) => c.type);
  }

  value(v: Value, type: PrimitiveType): string {
    if (type === "float") throw new Unsupported("`float` values are not encoded");
    if (typeof v === "string") return int(this.symbolCodes.get(v) ?? 0);
    return int(v);
  }

  private range(params: readonly string[], types: readonly PrimitiveType[]): string {
    const parts = params.flatMap((p, i) => {
      const t = types[i]!;
      if (t === "float") throw new Unsupported("`float` columns are not encoded");
      if (t === "symbol") return [];
      const [lo, hi] = t === "unsigned" ? UINT32 : INT32;
      return [`(<= ${int(lo)} ${p} ${int(hi)})`];
    });
    return and(parts);
  }

  /** The predicate name of relation `rel` in state `s`, defining it (and what it reads) on first use. */
  rel(rel: string, s: State): string {
    const name = q(`${rel}@${s}`);
    if (this.defined.has(name)) return name;
    if (this.visiting.has(rel)) throw new Unsupported(`\`${rel}\` is recursive, so its rules cannot be unfolded`);
    this.visiting.add(rel);
    const types = this.types(rel);
    const params = types.map((_, i) => `a${i}`);
    const sig = `(${params.map((p) => `(${p} Int)`).join(" ")})`;
    let body: string;
    if (this.roles.constant.has(rel)) {
      const tuples = this.constantTuples(rel);
      if (tuples.length > 2000) throw new Unsupported(`\`${rel}\` has ${tuples.length} facts, too many to list`);
      body = or(tuples.map((t) => and(t.map((v, i) => `(= ${params[i]!} ${this.value(v, types[i]!)})`))));
    } else {
      const disjuncts: string[] = [];
      if (this.roles.replicated.has(rel)) {
        for (const part of PARTS[s]) {
          const fn = q(`${rel}#${part}`);
          if (!this.defined.has(fn)) {
            this.declareInput(rel, part, fn, types.length);
            this.defined.add(fn);
          }
          disjuncts.push(params.length === 0 ? fn : `(${fn} ${params.join(" ")})`);
        }
      } else this.unfolded.add(rel);
      for (const c of this.roles.clausesOf.get(rel) ?? []) disjuncts.push(this.clause(c, params, s));
      body = and([this.range(params, types), or(disjuncts)]);
    }
    this.visiting.delete(rel);
    this.lines.push(`(define-fun ${name} ${sig} Bool ${body})`);
    this.defined.add(name);
    return name;
  }

  /** An input relation's part: free (any set of facts), or at most `slots` facts named by constants. */
  private declareInput(rel: string, part: string, fn: string, arity: number): void {
    if (this.slots === null) {
      this.lines.push(`(declare-fun ${fn} (${Array(arity).fill("Int").join(" ")}) Bool)`);
      return;
    }
    const params = Array.from({ length: arity }, (_, i) => `a${i}`);
    const disjuncts: string[] = [];
    for (let k = 0; k < this.slots; k++) {
      const used = q(`${rel}#${part}.${k}`);
      const cols = params.map((_, i) => q(`${rel}#${part}.${k}.${i}`));
      this.lines.push(`(declare-const ${used} Bool)`, ...cols.map((c) => `(declare-const ${c} Int)`));
      this.slotted.push({ rel, part, used, cols });
      disjuncts.push(and([used, ...params.map((p, i) => `(= ${p} ${cols[i]!})`)]));
    }
    this.lines.push(`(define-fun ${fn} (${params.map((p) => `(${p} Int)`).join(" ")}) Bool ${or(disjuncts)})`);
  }

  /** One clause as a formula over the head's parameters in state `s`. */
  clause(c: Clause, params: readonly string[], s: State): string {
    const types = typesFor(this.checked, c);
    const vars = new Map<string, string>();
    const outer: { name: string }[] = [];
    for (const t of c.head.args) collectOuter(t, outer as never, []);
    for (const l of c.body) for (const t of literalTerms(l)) collectOuter(t, outer as never, []);
    const id = ++this.fresh;
    for (const v of outer) if (!vars.has(v.name)) vars.set(v.name, q(`${v.name}.${id}`));
    const bound = [...vars.values()];
    const parts: string[] = [];
    c.head.args.forEach((t, i) => parts.push(`(= ${params[i]!} ${this.term(t, vars, types, s)})`));
    for (const l of c.body) parts.push(this.literal(l, vars, types, s, bound));
    return exists(bound, and(parts));
  }

  private literal(l: Literal, vars: Map<string, string>, types: ClauseTypes, s: State, bound: string[]): string {
    switch (l.kind) {
      case "bool":
        return l.value ? "true" : "false";
      case "cmp": {
        const lt = termType(types, l.left) ?? termType(types, l.right);
        if (lt === "float") throw new Unsupported("`float` comparisons are not encoded");
        if (lt === "symbol" && l.op !== "=" && l.op !== "!=") throw new Unsupported(`symbol order (\`${l.op}\`) is not encoded`);
        const a = this.term(l.left, vars, types, s);
        const b = this.term(l.right, vars, types, s);
        const f = l.op === "!=" ? `(not (= ${a} ${b}))` : `(${l.op} ${a} ${b})`;
        return l.negated ? `(not ${f})` : f;
      }
      case "atom": {
        const pred = this.rel(l.atom.relation.name, s);
        const local: string[] = [];
        const args = l.atom.args.map((t) => {
          if (t.kind === "wildcard") {
            const w = q(`_.${++this.fresh}`);
            local.push(w);
            return w;
          }
          return this.term(t, vars, types, s);
        });
        const app = args.length === 0 ? pred : `(${pred} ${args.join(" ")})`;
        if (!l.negated) {
          bound.push(...local);
          return app;
        }
        return `(not ${exists(local, app)})`;
      }
    }
  }

  term(t: Term, vars: ReadonlyMap<string, string>, types: ClauseTypes, s: State): string {
    switch (t.kind) {
      case "var": {
        const v = vars.get(t.name);
        if (v === undefined) throw new Unsupported(`variable \`${t.name}\` is not bound where it is read`);
        return v;
      }
      case "wildcard":
        throw new Unsupported("`_` inside a term is not encoded");
      case "number":
        if (t.type === "float") throw new Unsupported("`float` constants are not encoded");
        return int(t.value);
      case "string":
        return int(this.symbolCodes.get(t.value)!);
      case "unary":
        if (t.op !== "-") throw new Unsupported(`\`${t.op}\` is not encoded`);
        return `(- ${this.term(t.operand, vars, types, s)})`;
      case "binary": {
        const a = this.term(t.left, vars, types, s);
        const b = this.term(t.right, vars, types, s);
        if (t.op === "+" || t.op === "-" || t.op === "*") return `(${t.op} ${a} ${b})`;
        throw new Unsupported(`\`${t.op}\` is not encoded`);
      }
      case "call": {
        // The builtins table says which functors the prover encodes, and how.
        // Symbols are encoded as their codes, which do not keep their order: a symbol result is not encoded.
        const encode = builtin(t.name)?.smt ?? null;
        if (encode === null || termType(types, t) === "symbol") throw new Unsupported(`\`${t.name}\` is not encoded`);
        return encode(t.args.map((x) => this.term(x, vars, types, s)));
      }
      case "aggregate":
        return this.aggregate(t, vars, types, s);
    }
  }

  /** An aggregate as an uninterpreted function of its grouping variables, one per state, with its axioms. */
  private aggregate(a: Aggregate, vars: ReadonlyMap<string, string>, types: ClauseTypes, s: State): string {
    if (a.op !== "count" && a.op !== "sum") throw new Unsupported(`\`${a.op}\` aggregates are not encoded`);
    const targetType = a.target === null ? "number" : termType(types, a.target);
    if (targetType === "float" || targetType === null) throw new Unsupported("a `float` sum is not encoded");
    // Grouping variables: the aggregate's variables bound outside it.
    const seen: string[] = [];
    const visitVars = (t: Term): void => {
      if (t.kind === "var" && vars.has(t.name) && !seen.includes(t.name)) seen.push(t.name);
      else if (t.kind === "binary") { visitVars(t.left); visitVars(t.right); }
      else if (t.kind === "unary") visitVars(t.operand);
      else if (t.kind === "call") t.args.forEach(visitVars);
      else if (t.kind === "aggregate") { if (t.target) visitVars(t.target); t.body.forEach((l) => literalTerms(l).forEach(visitVars)); }
    };
    visitVars(a);
    let base = this.aggregates.get(a);
    if (base === undefined) {
      base = `agg${this.aggregates.size + 1}`;
      this.aggregates.set(a, base);
      const g = seen.map((_, i) => `g${i}`);
      const sig = seen.map(() => "Int").join(" ");
      for (const st of STATES) this.lines.push(`(declare-fun ${q(`${base}@${st}`)} (${sig}) Int)`);
      const app = (st: State): string => (g.length === 0 ? q(`${base!}@${st}`) : `(${q(`${base!}@${st}`)} ${g.join(" ")})`);
      const forall = (body: string): string => (g.length === 0 ? body : `(forall (${g.map((x) => `(${x} Int)`).join(" ")}) ${body})`);
      const nonNegative = a.op === "count" || targetType === "unsigned";
      for (const st of STATES) {
        const inner = new Map<string, string>();
        seen.forEach((v, i) => inner.set(v, g[i]!));
        const local: string[] = [];
        const lv: { name: string }[] = [];
        for (const l of a.body) for (const t of literalTerms(l)) collectOuter(t, lv as never, []);
        if (a.target !== null) collectOuter(a.target, lv as never, []);
        const id = ++this.fresh;
        for (const v of lv) {
          if (inner.has(v.name)) continue;
          const x = q(`${v.name}.${id}`);
          inner.set(v.name, x);
          local.push(x);
        }
        const matches = exists(local, and(a.body.map((l) => this.literal(l, inner, types, st, local))));
        if (a.op === "count") this.lines.push(`(assert ${forall(`(and (>= ${app(st)} 0) (= (>= ${app(st)} 1) ${matches}))`)})`);
        else this.lines.push(`(assert ${forall(`(and ${nonNegative ? `(>= ${app(st)} 0)` : "true"} (=> (not ${matches}) (= ${app(st)} 0)))`)})`);
      }
      const growing = nonNegative && a.body.every((l) =>
        l.kind === "atom" ? (l.negated ? this.roles.constant.has(l.atom.relation.name) : this.roles.grows(l.atom.relation.name)) : !literalTerms(l).some((t) => t.kind === "aggregate"));
      if (growing) {
        this.lines.push(`(assert ${forall(`(and (<= ${app("0")} ${app("1")}) (<= ${app("0")} ${app("2")}) (<= ${app("1")} ${app("M")}) (<= ${app("2")} ${app("M")}))`)})`);
      }
      this.approximated.push(`\`${a.op}\` values are bounded by what holds in every state${growing ? " and grow with inserts" : ""}`);
    }
    const f = q(`${base}@${s}`);
    return seen.length === 0 ? f : `(${f} ${seen.map((v) => vars.get(v)!).join(" ")})`;
  }
}

function and(parts: readonly string[]): string {
  const p = parts.filter((x) => x !== "true");
  return p.length === 0 ? "true" : p.length === 1 ? p[0]! : `(and ${p.join(" ")})`;
}
function or(parts: readonly string[]): string {
  const p = parts.filter((x) => x !== "false");
  return p.length === 0 ? "false" : p.length === 1 ? p[0]! : `(or ${p.join(" ")})`;
}
function exists(vars: readonly string[], body: string): string {
  return vars.length === 0 ? body : `(exists (${vars.map((v) => `(${v} Int)`).join(" ")}) ${body})`;
}


/** The query for `relation`, or why it cannot be encoded. */
function encode(relation: string, invariants: readonly string[], checked: CheckedProgram, roles: Roles, checker: StateChecker, slots: number | null): { enc: Encoder; dropped: string[] } | string {
  const enc = new Encoder(checked, roles, (r) => checker.base.tuples(r), slots);
  const dropped: string[] = [];
  try {
    enc.rel(relation, "M");
    const arity = checked.relations.get(relation)?.columns.length ?? 0;
    const params = Array.from({ length: arity }, (_, i) => `v${i}`);
    const app = (st: State, r: string, ps: readonly string[]): string => (ps.length === 0 ? enc.rel(r, st) : `(${enc.rel(r, st)} ${ps.join(" ")})`);
    enc.lines.push(`(assert ${exists(params, app("M", relation, params))})`);
    for (const inv of invariants) {
      const n = checked.relations.get(inv)?.columns.length ?? 0;
      const ps = Array.from({ length: n }, (_, i) => `w${i}`);
      const mark = enc.lines.length;
      try {
        for (const st of ["0", "1", "2"] as const) enc.lines.push(`(assert (not ${exists(ps, app(st, inv, ps))}))`);
      } catch (e) {
        // An invariant that cannot be encoded only weakens the premise: a proof without it still holds.
        if (!(e instanceof Unsupported) || inv === relation) throw e;
        enc.lines.splice(mark);
        dropped.push(inv);
      }
    }
  } catch (e) {
    if (e instanceof Unsupported) return e.message;
    throw e;
  }
  return { enc, dropped };
}

/** Resource limit per query: deterministic, unlike a wall-clock timeout. */
const RLIMIT = 6_000_000;
/** Facts per relation and part tried when looking for a model to read back. */
const SLOTS = [1, 2] as const;

/** Asks Z3 whether the invariant `relation` can break when valid states merge. */
export function solve(
  relation: string, invariants: readonly string[], checked: CheckedProgram, roles: Roles, checker: StateChecker,
  timeoutMs: number, runner: SmtRunner = runSolver,
): SolverOutcome {
  const started = Date.now();
  const ms = (): number => Date.now() - started;
  const full = encode(relation, invariants, checked, roles, checker, null);
  if (typeof full === "string") return { run: { result: "unsupported", note: full, ms: ms() }, model: null, encoding: "" };
  const { enc, dropped } = full;
  const script = (e: Encoder): string => `(reset)\n(set-option :rlimit ${RLIMIT})\n${e.lines.join("\n")}\n(check-sat)\n`;
  const out = runner(script(enc), timeoutMs);
  const parts = [
    enc.unfolded.size > 0 ? `unfolding ${[...enc.unfolded].sort().map((r) => `\`${r}\``).join(", ")}` : "over the input relations",
    ...new Set(enc.approximated),
  ];
  const encoding = parts.join("; ");
  const note = dropped.length > 0 ? `validity under ${dropped.map((r) => `\`${r}\``).join(", ")} not encoded` : null;
  if (out === null) return { run: { result: "unknown", note: solverUnavailable() ?? "Z3 gave no answer in time", ms: ms() }, model: null, encoding };
  const verdict = out.trim().split(/\s+/)[0];
  if (verdict === "unsat") return { run: { result: "unsat", note, ms: ms() }, model: null, encoding };
  const why = verdict === "sat" ? null : out.includes("canceled") || out.includes("resource") ? "Z3 ran out of its resource limit" : `Z3 said ${verdict}`;
  const run: SolverRun = { result: verdict === "sat" ? "sat" : "unknown", note: why ?? note, ms: ms() };
  if (verdict !== "sat") return { run, model: null, encoding };
  // With counts or sums only bounded, a model rarely matches what the engine computes: leave it to the search.
  if (enc.approximated.length > 0) return { run: { ...run, note: "counts and sums are approximated, so the model is left to the search" }, model: null, encoding };
  // Unbounded models may hold infinitely many facts; ask again with a few facts per relation and read those.
  const model = (): { model: Case | null; ms: number } => {
    const t = Date.now();
    for (const slots of SLOTS) {
      const small = encode(relation, invariants, checked, roles, checker, slots);
      if (typeof small === "string") break;
      const r = runner(script(small.enc), timeoutMs);
      if (r === null || r.trim().split(/\s+/)[0] !== "sat") continue;
      const found = readModel(small.enc, checked, runner, timeoutMs);
      if (found !== null) return { model: found, ms: Date.now() - t };
    }
    return { model: null, ms: Date.now() - t };
  };
  return { run, model: null, encoding, findModel: model };
}

/** Reads S0, A and B off a model of the slotted encoding. */
function readModel(enc: Encoder, checked: CheckedProgram, runner: SmtRunner, timeoutMs: number): Case | null {
  const names = enc.slotted.flatMap((s) => [s.used, ...s.cols]);
  if (names.length === 0) return null;
  const out = runner(`(get-value (${names.join(" ")}))\n`, timeoutMs);
  if (out === null) return null;
  const values = new Map<string, string>();
  for (const m of out.matchAll(/\((\|[^|]*\|) (true|false|\(- \d+\)|\d+)\)/g)) values.set(m[1]!, m[2]!);
  const num = (t: string | undefined): number | null => {
    if (t === undefined) return null;
    const m = /^\(- (\d+)\)$/.exec(t);
    return m !== null ? -Number(m[1]) : /^\d+$/.test(t) ? Number(t) : null;
  };
  const byCode = new Map([...enc.symbolCodes].map(([s, c]) => [c, s]));
  const taken = new Set(enc.symbolCodes.keys());
  const symbol = (n: number): string => {
    const known = byCode.get(n);
    if (known !== undefined) return known;
    let s = `${FRESH_PREFIX}z${n < 0 ? `m${-n}` : n}`;
    while (taken.has(s)) s += "_";
    return s;
  };
  const member = new Map<string, { fact: Fact; parts: Set<string> }>();
  for (const slot of enc.slotted) {
    if (values.get(slot.used) !== "true") continue;
    const cols = checked.relations.get(slot.rel)!.columns;
    const tuple: Value[] = [];
    for (let j = 0; j < slot.cols.length; j++) {
      const v = num(values.get(slot.cols[j]!));
      const t = cols[j]!.type;
      if (v === null) return null;
      if (t === "symbol") tuple.push(symbol(v));
      else if (t === "unsigned" ? v < UINT32[0] || v > UINT32[1] : v < INT32[0] || v > INT32[1]) return null;
      else tuple.push(v);
    }
    const key = `${slot.rel}\u0000${JSON.stringify(tuple)}`;
    let m = member.get(key);
    if (m === undefined) member.set(key, (m = { fact: { relation: slot.rel, tuple }, parts: new Set() }));
    m.parts.add(slot.part);
  }
  const base: Fact[] = [];
  const a: Fact[] = [];
  const b: Fact[] = [];
  for (const { fact, parts } of member.values()) {
    if (parts.has("0")) base.push(fact);
    else {
      if (parts.has("A")) a.push(fact);
      if (parts.has("B")) b.push(fact);
    }
  }
  return a.length > 0 && b.length > 0 ? { base, a, b } : null;
}
