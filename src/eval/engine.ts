// Semi-naive evaluation, stratum by stratum. Per stratum, each relation it reads has a mark: rows
// below it are `total` as of the last iteration, rows from the mark to the iteration's end are its
// `delta`, and rows appended during the iteration are `new` (they become the next delta). The loop
// ends when no relation it reads has a delta. A monotonic stratum keeps its marks between runs, so
// a later run continues from what was inserted since; a non-monotonic one is reset and recomputed.
//
// Semantics, where Soufflé leaves a choice or calmlog departs from it:
//  - `number` is signed 32-bit and `unsigned` unsigned 32-bit, as in Soufflé's default build, but an
//    arithmetic result outside the range is a CL405 error instead of a silent wrap-around; bitwise
//    operators (`band`, `bshl`, ...) work on bit patterns and wrap. Division or `%` by zero is CL405
//    for every type (Soufflé gives inf/NaN for floats); a CL405 names the rule, and the relations keep
//    what was derived before it.
//  - With `wide` (`run --64`), `number` and `unsigned` are 64-bit, interned as BigInts in the value
//    table, and wrap around at 64 bits; what the generated code cannot do at 64 bits is CL118.
//  - Symbols compare (`<`, `max`, output order) by code point, which agrees with Soufflé's
//    lexicographic symbol order (souffle-lang/souffle#1353) on ASCII; `strlen` and `substr` count code points; `ord(s)` is the first code point
//    (Soufflé returns its internal symbol number, which depends on insertion order).
//  - Aggregates range over the matching rows of their body (each combination of rows once, so
//    `count : { e(x, _) }` counts the rows of `e` with that `x`), grouped by the variables the body
//    shares with the rest of the rule. Over no rows: `count` and `sum` give 0; `min`, `max` and
//    `mean` (a float) produce nothing, so the rule does not fire for that group.
//  - Join order is chosen per iteration from the row counts of each atom's range (see plan/plan.ts).
import type { Analysis, Stratum } from "../analysis/types.js";
import type { CheckedProgram } from "../check/types.js";
import { makeDiagnostic, UserError } from "../diagnostics/diagnostic.js";
import type { PrimitiveType } from "../syntax/ast.js";
import type { Span } from "../diagnostics/span.js";
import { wholeFile } from "../diagnostics/span.js";
import { planClause, planTouched, planVariant, PlanError, type JoinPlan, type PlanStats, type RulePlan } from "../plan/plan.js";
import type { Clause } from "../syntax/normalize.js";
import { compileVariant, WideUnsupported, type Runtime, type VariantFactory, type VariantFn } from "./compile.js";
import { ArithmeticFault, ops, wideOps } from "./ops.js";
import { removeDominated } from "./order.js";
import { Relation } from "./relation.js";
import type { ChainIndexState } from "./storage/chain-index.js";
import type { PairIndexState } from "./storage/pair-index.js";
import { showValue, ValueTable, type Tuple, type Value } from "./values.js";

export type { Tuple, Value } from "./values.js";

export interface EngineOptions {
  onProgress?: (p: { stratum: number; iteration: number; tuples: number }) => void;
  /** Intern symbols and floats in this table, shared with whoever encoded the rows given to `insertEncoded`. */
  values?: ValueTable;
  /** `number` and `unsigned` are 64-bit, as Soufflé built with RAM_DOMAIN_SIZE=64 (`run --64`); ignored with `values`, whose own width counts. */
  wide?: boolean;
  /**
   * When a continuing run evaluates a threshold rule again only for the groups new rows touch (see
   * `TouchPlan`): when that reads fewer cache lines than evaluating every group (default), or always.
   */
  touch?: "cheaper" | "always";
}
export interface RunOptions {
  /** Which strata to evaluate (default: all). */
  strata?: (s: Stratum) => boolean;
  /**
   * The relations the caller reads after this run. When given, every other relation is freed once
   * no later stratum reads it (a one-shot run's peak memory then holds only what is still needed);
   * reading a freed relation afterwards is an error. A stratum none of whose relations a kept one
   * depends on is not evaluated at all, as Soufflé drops relations that reach no output. Default:
   * keep all.
   */
  keep?: ReadonlySet<string>;
  /**
   * With `keep`: called after a stratum, other than the last, with about how many bytes of arrays it
   * let go (a caller may collect them before the next stratum allocates).
   */
  onFreed?: (bytes: number) => void;
}
export interface RuleStats {
  clause: number;
  relation: string;
  derived: number;
  ms: number;
  span: Span;
  /** How many times the rule evaluated an aggregate (once per group binding it reached). */
  aggregates: number;
}
export interface StratumStats {
  index: number;
  relations: readonly string[];
  iterations: number;
  derived: number;
  ms: number;
  rules: RuleStats[];
}
export interface RunStats {
  strata: StratumStats[];
  ms: number;
}

interface CompiledRule {
  readonly plan: RulePlan;
  readonly clause: Clause;
  /** The compiled orders by their code: signatures planned to the same order share one function, across the program's engines. */
  readonly bySource: Map<string, VariantFactory>;
  /** Re-evaluated in full (not delta-driven) when a relation it negates or aggregates changed. */
  readonly readsTotals: boolean;
  /** A subsumption clause: run in full before each iteration, removing the tuples it finds dominated. */
  readonly subsumes: boolean;
  /** Per touched aggregate (`plan.touches`), where its variants start in `Engine.lastFn` (after the plain ones). */
  readonly touchAt: readonly number[];
}

interface CompiledStratum {
  readonly stratum: Stratum;
  readonly rules: readonly CompiledRule[];
  /** Every relation its rules read (positively, negated, aggregated) and its own relations. */
  readonly reads: readonly string[];
  readonly own: readonly string[];
  /** Continues from marks between runs (monotonic), or resets and recomputes. */
  readonly incremental: boolean;
}

/** What is computed once per program and shared by clones. */
interface CompiledProgram {
  readonly types: ReadonlyMap<string, readonly PrimitiveType[]>;
  readonly strata: readonly CompiledStratum[];
  readonly facts: readonly CompiledRule[];
  /** Relations derived by some rule: their inserted facts are kept apart, to survive a reset. */
  readonly derived: ReadonlySet<string>;
  readonly relations: CheckedProgram["relations"];
  readonly clauseTypes: CheckedProgram["types"];
  readonly typeOf: (relation: string) => readonly PrimitiveType[];
}

/**
 * Join orders depend on how many rows each atom reads: sizes are bucketed by powers of 4, and a
 * variant is planned and compiled once per bucket signature, so orders adapt as relations grow.
 */
function bucket(rows: number): number {
  return rows <= 0 ? 0 : 1 + ((31 - Math.clz32(rows)) >> 1);
}

interface StratumState {
  ran: boolean;
  readonly marks: Map<string, number>;
  readonly resets: Map<string, number>;
}

function compileProgram(checked: CheckedProgram, analysis: Analysis): CompiledProgram {
  const types = new Map<string, readonly PrimitiveType[]>();
  for (const [name, s] of checked.relations) types.set(name, s.columns.map((c) => c.type));
  const typeOf = (r: string): readonly PrimitiveType[] => types.get(r) ?? [];
  const compile = (id: number): CompiledRule => {
    const clause = checked.clauses[id]!;
    let plan: RulePlan;
    try {
      plan = planClause(clause, checked.relations, checked.types[id]!);
    } catch (err) {
      if (err instanceof PlanError) throw new UserError(makeDiagnostic(err.code, err.span, err.message, err.help === undefined ? {} : { help: err.help }));
      throw err;
    }
    const info = analysis.rules[id];
    const readsTotals = plan.negated.length > 0 || plan.aggregated.length > 0 || (info?.thresholds.length ?? 0) > 0;
    const touchAt: number[] = [];
    let at = plan.atoms.length + 1;
    for (const t of plan.touches ?? []) (touchAt.push(at), (at += t.atoms.length));
    return { plan, clause, bySource: new Map(), readsTotals, subsumes: clause.subsumption === true, touchAt };
  };
  const derived = new Set<string>();
  const facts: CompiledRule[] = [];
  for (const c of checked.clauses) {
    if (c.body.length === 0) facts.push(compile(c.id));
    else derived.add(c.head.relation.name);
  }
  const strata = analysis.strata.map((stratum): CompiledStratum => {
    const rules = stratum.clauses.filter((id) => checked.clauses[id]!.body.length > 0).map(compile);
    const reads = new Set<string>(stratum.relations);
    for (const r of rules) for (const x of [...r.plan.atoms, ...r.plan.negated, ...r.plan.aggregated]) reads.add(x);
    const nonMonotonicRule = stratum.clauses.some((id) => analysis.rules[id]?.monotonic === false);
    return { stratum, rules, reads: [...reads], own: stratum.relations, incremental: stratum.monotonic && !nonMonotonicRule };
  });
  return { types, strata, facts, derived, relations: checked.relations, clauseTypes: checked.types, typeOf };
}

/** Index entries per cache line (four-byte row numbers): what a read of every row in index order amortises a line over. */
const ROWS_PER_LINE = 16;

/** Compiled programs by analysis and width: the engines of one program (each replica's, the merged view's) share its rule plans and each generated join's function. */
const compiledPrograms = new WeakMap<Analysis, { checked: CheckedProgram; wide: boolean; compiled: CompiledProgram }[]>();

function compiledFor(checked: CheckedProgram, analysis: Analysis, wide: boolean): CompiledProgram {
  let list = compiledPrograms.get(analysis);
  if (list === undefined) compiledPrograms.set(analysis, (list = []));
  const known = list.find((c) => c.checked === checked && c.wide === wide);
  if (known !== undefined) return known.compiled;
  const compiled = compileProgram(checked, analysis);
  list.push({ checked, wide, compiled });
  return compiled;
}

/** Evaluates one checked, analysed program over facts inserted into it. */
export class Engine {
  private readonly compiled: CompiledProgram;
  private readonly values: ValueTable;
  private readonly relations = new Map<string, Relation>();
  /** Inserted facts of derived relations, which a reset keeps. */
  private readonly base = new Map<string, Relation>();
  private readonly resets = new Map<string, number>();
  private readonly states: StratumState[];
  /**
   * Compiled join orders by clause, variant and size signature (see `bucket`), shared with clones.
   * Not with other engines of the program: a plan follows the engine's own row counts and indexes.
   */
  private readonly orders: Map<string, VariantFactory>;
  /** Compiled join orders bound to this engine's relations, by clause and signature. */
  private readonly fns = new Map<string, VariantFn>();
  /** Each factory bound once: signatures that share an order share its function (and V8's optimised code). */
  private readonly bound = new Map<VariantFactory, VariantFn>();
  /** By clause, then variant (delta + 1): the buckets of its last call and the function they chose. */
  private readonly lastFn: ({ buckets: Int32Array; fn: VariantFn } | undefined)[][] = [];
  private readonly runtime: Runtime;
  /** Relations freed by a run with `keep` (see RunOptions). */
  private readonly freed = new Set<string>();

  constructor(checked: CheckedProgram, analysis: Analysis, options?: EngineOptions);
  constructor(checked: CheckedProgram, analysis: Analysis, options: EngineOptions | undefined, from: Engine);
  constructor(
    readonly checked: CheckedProgram,
    readonly analysis: Analysis,
    private readonly options: EngineOptions = {},
    from?: Engine,
  ) {
    this.values = from ? from.values.copy() : (options.values ?? new ValueTable(undefined, options.wide ?? false));
    this.compiled = from?.compiled ?? compiledFor(checked, analysis, this.values.wide);
    this.orders = from?.orders ?? new Map();
    for (const [name, types] of this.compiled.types) {
      this.relations.set(name, from ? from.relations.get(name)!.copy() : new Relation(name, types.length));
      if (this.compiled.derived.has(name)) this.base.set(name, from ? from.base.get(name)!.copy() : new Relation(name, types.length));
      this.resets.set(name, from?.resets.get(name) ?? 0);
    }
    this.states = this.compiled.strata.map((_, i) => {
      const s = from?.states[i];
      return { ran: s?.ran ?? false, marks: new Map(s?.marks ?? []), resets: new Map(s?.resets ?? []) };
    });
    const rels = this.relations;
    this.runtime = {
      rel: (name: string) => {
        const r = rels.get(name);
        if (r === undefined) throw new Error(`engine: unknown relation \`${name}\``);
        return r;
      },
      values: this.values,
      // The arithmetic of the program's width, chosen once: generated code calls `ops.addI` either way.
      ops: this.values.wide ? wideOps : ops,
      tally: { aggregates: 0 },
    };
    if (from === undefined) this.insertProgramFacts();
  }

  private insertProgramFacts(): void {
    const none = new Int32Array(0);
    for (const fact of this.compiled.facts) {
      const target = this.relations.get(fact.plan.relation)!;
      const before = target.size;
      this.call(fact, this.variant(fact, -1, none, none), none, none);
      const base = this.base.get(fact.plan.relation);
      if (base !== undefined) for (let row = before; row < target.size; row++) base.insertRow(target.data.subarray(row * target.arity, (row + 1) * target.arity));
    }
  }

  private relation(name: string): Relation {
    const r = this.relations.get(name);
    if (r === undefined) throw new UserError(makeDiagnostic("CL201", wholeFile("<generated>"), `relation \`${name}\` is not declared`));
    if (this.freed.has(name)) throw new Error(`engine: \`${name}\` was freed after its last reader (it was not in \`keep\`)`);
    return r;
  }

  /** Merge (set union); returns how many were new; new tuples are the delta of the next run. */
  insert(relation: string, tuples: Iterable<Tuple>): number {
    const rel = this.relation(relation);
    const types = this.compiled.types.get(relation)!;
    const base = this.base.get(relation);
    const row = new Int32Array(types.length);
    let added = 0;
    if (Array.isArray(tuples)) rel.reserve(tuples.length);
    for (const t of tuples) {
      if (t.length !== types.length) {
        throw new UserError(makeDiagnostic("CL401", wholeFile("<generated>"), `\`${relation}\` has ${types.length} column${types.length === 1 ? "" : "s"}, but a tuple has ${t.length}`));
      }
      for (let c = 0; c < types.length; c++) {
        const code = this.values.encode(types[c]!, t[c]!);
        if (code === null) {
          throw new UserError(makeDiagnostic("CL402", wholeFile("<generated>"), `${showValue(t[c]!)} is not a valid \`${types[c]}\` (column ${c + 1} of \`${relation}\`)`));
        }
        row[c] = code;
      }
      if (rel.insertRow(row)) added++;
      base?.insertRow(row);
    }
    return added;
  }

  /** The engine's value table: `insertCodes` takes symbol and float codes interned in it (as `readFactCodes` does). */
  get valueTable(): ValueTable {
    return this.values;
  }

  /**
   * Merge rows given as codes, `arity` per row: integers as themselves (`unsigned` as their bits),
   * symbols and floats as codes of `valueTable` (what `readFactCodes` gives); returns how many were new.
   */
  insertCodes(relation: string, codes: Int32Array): number {
    const rel = this.relation(relation);
    const types = this.compiled.types.get(relation)!;
    const arity = types.length;
    if (arity === 0 || codes.length % arity !== 0) throw new Error(`engine: ${codes.length} codes are not rows of ${arity} columns`);
    const base = this.base.get(relation);
    // Integers as themselves are 32-bit codes; a 64-bit engine interns them (use `insert`).
    if (this.values.wide && types.some((t) => t === "number" || t === "unsigned")) throw new Error("engine: `insertCodes` takes 32-bit integers; a 64-bit engine reads tuples");
    const rows = codes.length / arity;
    rel.reserve(rows, arity === 2 ? codes : undefined);
    let added = 0;
    if (arity === 2) {
      added = rel.insertPairs(codes);
      base?.insertPairs(codes);
    } else if (arity === 1) {
      for (let i = 0; i < codes.length; i++) {
        if (rel.insert1(codes[i]!)) added++;
        base?.insert1(codes[i]!);
      }
    } else {
      for (let i = 0; i < codes.length; i += arity) {
        if (rel.insertRowAt(codes, i)) added++;
        base?.insertRowAt(codes, i);
      }
    }
    return added;
  }

  /**
   * Merge rows already encoded in this engine's value table (`options.values`), `arity` codes per
   * row, into a relation of any column types; returns how many were new.
   */
  insertEncoded(relation: string, codes: Int32Array): number {
    const rel = this.relation(relation);
    const arity = rel.arity;
    if (arity === 0 || codes.length % arity !== 0) throw new Error(`engine: ${codes.length} codes are not rows of ${arity} columns`);
    const base = this.base.get(relation);
    rel.reserve(codes.length / arity, arity === 2 ? codes : undefined);
    let added = 0;
    if (arity === 2) {
      added = rel.insertPairs(codes);
      base?.insertPairs(codes);
    } else if (arity === 1) {
      for (let i = 0; i < codes.length; i++) {
        if (rel.insert1(codes[i]!)) added++;
        base?.insert1(codes[i]!);
      }
    } else {
      for (let i = 0; i < codes.length; i += arity) {
        const row = codes.subarray(i, i + arity);
        if (rel.insertRow(row)) added++;
        base?.insertRow(row);
      }
    }
    return added;
  }

  /** Evaluates the selected strata to fixpoint, in order. Throws UserError CL405 on an arithmetic error. */
  run(options: RunOptions = {}): RunStats {
    const t0 = performance.now();
    const strata: StratumStats[] = [];
    // With `keep`: the last stratum that reads each relation (-1: none), after which it is freed.
    const last = new Map<string, number>();
    // With `keep`: the strata some kept relation depends on, found from the last stratum down.
    let needed: Set<number> | null = null;
    if (options.keep) {
      const wanted = new Set(options.keep);
      needed = new Set();
      for (let i = this.compiled.strata.length - 1; i >= 0; i--) {
        const s = this.compiled.strata[i]!;
        if (!s.own.some((r) => wanted.has(r))) continue;
        needed.add(i);
        for (const r of s.reads) wanted.add(r);
      }
    }
    const selected = (s: CompiledStratum, i: number): boolean => (!options.strata || options.strata(s.stratum)) && (needed === null || needed.has(i));
    if (options.keep) {
      for (const name of this.relations.keys()) if (!options.keep.has(name)) last.set(name, -1);
      this.compiled.strata.forEach((s, i) => {
        if (!selected(s, i)) return;
        for (const r of s.reads) if (last.has(r)) last.set(r, i);
      });
    }
    // The last stratum that runs: skipped ones included, a collection after it would be forced for nothing.
    let final = -1;
    this.compiled.strata.forEach((s, i) => {
      if (selected(s, i)) final = i;
    });
    const free = (i: number): void => {
      let bytes = 0;
      for (const [r, at] of last) if (at === i) (bytes += this.relations.get(r)!.release(), this.freed.add(r));
      // Rules insert only into their own stratum's relations: later strata scan and index them.
      if (i >= 0) for (const r of this.compiled.strata[i]!.own) if (!this.freed.has(r)) bytes += this.relations.get(r)!.dropSet();
      if (bytes > 0 && i < final) options.onFreed?.(bytes);
    };
    if (options.keep) free(-1);
    this.compiled.strata.forEach((s, i) => {
      if (!selected(s, i)) return;
      strata.push(this.runStratum(s, this.states[i]!));
      if (options.keep) free(i);
    });
    return { strata, ms: performance.now() - t0 };
  }

  /**
   * The compiled join for variant `delta` of a rule, ordered for the row ranges lo..hi; with
   * `touch`, touched variant `delta` of that aggregate (see `TouchPlan`).
   */
  private variant(rule: CompiledRule, delta: number, lo: Int32Array, hi: Int32Array, touch = -1): VariantFn {
    // Most iterations stay in the buckets of the last call: no signature string, no map lookup.
    const byVariant = (this.lastFn[rule.plan.clause] ??= []);
    const at = touch < 0 ? delta + 1 : rule.touchAt[touch]! + delta;
    const last = byVariant[at];
    if (last !== undefined && last.buckets.length === lo.length) {
      let same = true;
      for (let a = 0; a < lo.length; a++) {
        if (bucket(hi[a]! - lo[a]!) !== last.buckets[a]) {
          same = false;
          break;
        }
      }
      if (same) return last.fn;
    }
    const fn = this.variantBySignature(rule, delta, lo, hi, touch);
    const buckets = new Int32Array(lo.length);
    for (let a = 0; a < lo.length; a++) buckets[a] = bucket(hi[a]! - lo[a]!);
    byVariant[at] = { buckets, fn };
    return fn;
  }

  private variantBySignature(rule: CompiledRule, delta: number, lo: Int32Array, hi: Int32Array, touch: number): VariantFn {
    let sig = touch < 0 ? `${rule.plan.clause}:${delta}` : `${rule.plan.clause}:t${touch}.${delta}`;
    const rows: number[] = [];
    for (let a = 0; a < lo.length; a++) {
      const b = bucket(hi[a]! - lo[a]!);
      sig += `,${b}`;
      rows.push(b === 0 ? 0 : 2 * 4 ** (b - 1));
    }
    let fn = this.fns.get(sig);
    if (fn === undefined) {
      let factory = this.orders.get(sig);
      if (factory === undefined) {
        const atoms = touch < 0 ? rule.plan.atoms : [...rule.plan.touches![touch]!.atoms, ...rule.plan.atoms];
        const rels = atoms.map((name) => this.relations.get(name)!);
        const stats: PlanStats = {
          rows,
          total: rels.map((r) => r.size),
          keys: (atom, cols) => {
            const key = cols.join(",");
            const idx = rels[atom]!.indexes.find((i) => i.cols.join(",") === key);
            return idx === undefined || idx.indexed === 0 ? null : idx.keys;
          },
        };
        let plan: JoinPlan;
        try {
          const types = this.compiled.clauseTypes[rule.clause.id]!;
          plan = touch < 0 ? planVariant(rule.clause, this.compiled.relations, types, delta, stats) : planTouched(rule.clause, this.compiled.relations, types, touch, delta, stats);
        } catch (err) {
          if (err instanceof PlanError) throw new UserError(makeDiagnostic(err.code, err.span, err.message, err.help === undefined ? {} : { help: err.help }));
          throw err;
        }
        try {
          factory = compileVariant(rule.plan, plan, this.compiled.typeOf, this.values.wide, rule.bySource);
        } catch (err) {
          if (err instanceof WideUnsupported) {
            throw new UserError(makeDiagnostic("CL118", rule.plan.span, `\`run --64\` does not evaluate ${err.what} at 64 bits, in the rule for \`${rule.plan.relation}\``, { notes: [`rule: ${rule.plan.text}`], help: "Run without `--64` (32-bit `number` and `unsigned`), or rewrite the rule without it." }));
          }
          throw err;
        }
        this.orders.set(sig, factory);
      }
      fn = this.bound.get(factory);
      if (fn === undefined) {
        fn = factory(this.runtime);
        this.bound.set(factory, fn);
      }
      this.fns.set(sig, fn);
    }
    return fn;
  }

  private runStratum(s: CompiledStratum, state: StratumState): StratumStats {
    const t0 = performance.now();
    const stats: StratumStats = {
      index: s.stratum.index,
      relations: s.stratum.relations,
      iterations: 0,
      derived: 0,
      ms: 0,
      rules: s.rules.map((r) => ({ clause: r.plan.clause, relation: r.plan.relation, derived: 0, ms: 0, span: r.plan.span, aggregates: 0 })),
    };
    if (s.rules.length === 0) return stats;
    const resetSinceRun = s.reads.some((r) => !s.own.includes(r) && state.resets.get(r) !== this.resets.get(r));
    const grown = s.reads.some((r) => this.relations.get(r)!.size !== (state.marks.get(r) ?? 0));
    if (state.ran && !resetSinceRun && !grown) return stats; // nothing it reads changed
    const fresh = !state.ran || !s.incremental || resetSinceRun;
    if (fresh) {
      if (state.ran) for (const r of s.own) this.reset(r);
      state.marks.clear();
    }
    // Relations negated or aggregated by the rules: changed since the last run?
    const changed = (x: string): boolean => this.relations.get(x)!.size !== (state.marks.get(x) ?? 0);
    const totalsChanged = (r: CompiledRule): boolean => r.plan.negated.some(changed) || r.plan.aggregated.some(changed);
    // Continuing, a rule whose aggregates' bodies grew is evaluated again only for the groups their
    // new rows touch (see `TouchPlan`), when nothing else it reads under negation or aggregation changed.
    const narrowed = (r: CompiledRule): boolean => {
      const touches = r.plan.touches;
      if (touches === null || r.plan.negated.some(changed) || !r.plan.aggregated.every((x) => !changed(x) || touches.some((t) => t.atoms.includes(x)))) return false;
      if (this.options.touch === "always") return true;
      // A touched group reads its rows through an index, about a cache line per row; evaluating every
      // group reads all rows, up to ROWS_PER_LINE of them per line. Narrow when that reads less.
      return touches.every((t) =>
        t.atoms.every((x, d) => {
          const rel = this.relations.get(x)!;
          const grown = rel.size - (state.marks.get(x) ?? 0);
          if (grown <= 0) return true;
          const cols = t.groupCols[d]!;
          if (cols.length === 0) return false;
          const idx = rel.indexes.find((i) => i.cols.length === cols.length && i.cols.every((c, j) => c === cols[j]));
          const groups = idx !== undefined && idx.indexed > 0 ? idx.keys : Math.pow(rel.size, cols.length / rel.arity);
          return grown * ROWS_PER_LINE <= groups;
        }),
      );
    };

    const n = s.reads.length;
    const rels = s.reads.map((r) => this.relations.get(r)!);
    const slot = new Map(s.reads.map((r, i) => [r, i] as const));
    const mark = new Int32Array(n);
    const end = new Int32Array(n);
    s.reads.forEach((r, i) => (mark[i] = state.marks.get(r) ?? 0));
    const ruleSlots = s.rules.map((r) => r.plan.atoms.map((a) => slot.get(a)!));
    const fullFirst = s.rules.map((r) => fresh ? r.plan.atoms.length === 0 : r.readsTotals && totalsChanged(r) && !narrowed(r));
    const touching = s.rules.map((r) => !fresh && r.readsTotals && totalsChanged(r) && narrowed(r));
    // Soufflé's `.limitsize r(n=N)`: the stratum's loop exits once `r` holds N tuples, checked after
    // each whole iteration (so one iteration may add past N, as in Soufflé).
    const limits = s.own.flatMap((r) => {
      const n = this.compiled.relations.get(r)?.limitsize;
      return n === undefined ? [] : [{ rel: this.relations.get(r)!, n }];
    });
    const limitReached = (): boolean => limits.some((l) => l.rel.size >= l.n);
    const subsumes = s.rules.some((r) => r.subsumes);
    // Row ranges per rule, made once: variants read them before they insert anything.
    const los = ruleSlots.map((atoms) => new Int32Array(atoms.length));
    const his = ruleSlots.map((atoms) => new Int32Array(atoms.length));
    let iteration = 0;
    for (;;) {
      if ((iteration > 0 || (state.ran && !fresh)) && limits.length > 0 && limitReached()) break;
      if (subsumes) this.subsume(s, stats, mark, slot);
      let anyDelta = false;
      for (let i = 0; i < n; i++) {
        const rel = rels[i]!;
        end[i] = rel.size;
        if (end[i]! > mark[i]!) anyDelta = true;
      }
      const full = iteration === 0 && fullFirst.some((f) => f);
      if (!anyDelta && !full) break;
      for (let k = 0; k < s.rules.length; k++) {
        const rule = s.rules[k]!;
        if (rule.subsumes) continue;
        const atoms = ruleSlots[k]!;
        const m = atoms.length;
        const first = iteration === 0 && fullFirst[k]!;
        // A rule none of whose atoms has a delta derives nothing new, unless its aggregates grew.
        let some = first;
        for (let a = 0; a < m && !some; a++) some = end[atoms[a]!]! > mark[atoms[a]!]!;
        if (!some && !touching[k]) continue;
        const rs = stats.rules[k]!;
        const rt0 = performance.now();
        const a0 = this.runtime.tally.aggregates;
        const lo = los[k]!;
        const hi = his[k]!;
        if (touching[k]) rs.derived += this.touched(rule, atoms, mark, end, slot);
        if (!some) {
          // Only touched groups to evaluate.
        } else if (first) {
          lo.fill(0);
          for (let a = 0; a < m; a++) hi[a] = end[atoms[a]!]!;
          rs.derived += this.call(rule, this.variant(rule, m > 0 ? 0 : -1, lo, hi), lo, hi);
        } else {
          for (let j = 0; j < m; j++) {
            const dj = atoms[j]!;
            if (end[dj]! <= mark[dj]!) continue;
            let empty = false;
            for (let a = 0; a < m; a++) {
              const x = atoms[a]!;
              if (a < j) (lo[a] = 0, hi[a] = mark[x]!);
              else if (a === j) (lo[a] = mark[x]!, hi[a] = end[x]!);
              else (lo[a] = 0, hi[a] = end[x]!);
              if (hi[a]! <= lo[a]!) empty = true;
            }
            if (!empty) rs.derived += this.call(rule, this.variant(rule, j, lo, hi), lo, hi);
          }
        }
        rs.ms += performance.now() - rt0;
        rs.aggregates += this.runtime.tally.aggregates - a0;
      }
      for (let i = 0; i < n; i++) mark[i] = end[i]!;
      iteration++;
      if (this.options.onProgress) {
        let tuples = 0;
        for (const r of stats.rules) tuples += r.derived;
        this.options.onProgress({ stratum: s.stratum.index, iteration, tuples });
      }
    }
    state.ran = true;
    s.reads.forEach((r, i) => {
      state.marks.set(r, mark[i]!);
      state.resets.set(r, this.resets.get(r)!);
    });
    stats.iterations = iteration;
    for (const r of stats.rules) stats.derived += r.derived;
    stats.ms = performance.now() - t0;
    return stats;
  }

  /**
   * A rule's touched variants (see `TouchPlan`): per aggregate, per body atom with new rows, that
   * atom's delta against the body's other atoms (semi-naive), then the rule over all its rows for
   * each group binding found. `atoms` and `mark`/`end` are the stratum's slots and row marks.
   */
  private touched(rule: CompiledRule, atoms: readonly number[], mark: Int32Array, end: Int32Array, slot: ReadonlyMap<string, number>): number {
    let derived = 0;
    const m = atoms.length;
    rule.plan.touches!.forEach((t, ti) => {
      const k = t.atoms.length;
      const drivers = t.atoms.map((x) => slot.get(x)!);
      for (let d = 0; d < k; d++) {
        if (end[drivers[d]!]! <= mark[drivers[d]!]!) continue;
        const lo = new Int32Array(k + m);
        const hi = new Int32Array(k + m);
        let empty = false;
        for (let a = 0; a < k + m; a++) {
          const x = a < k ? drivers[a]! : atoms[a - k]!;
          if (a < d) hi[a] = mark[x]!;
          else if (a === d) (lo[a] = mark[x]!, hi[a] = end[x]!);
          else hi[a] = end[x]!;
          if (hi[a]! <= lo[a]!) empty = true;
        }
        if (!empty) derived += this.call(rule, this.variant(rule, d, lo, hi, ti), lo, hi);
      }
    });
    return derived;
  }

  /** Runs the stratum's subsumption clauses over every row and removes what they find dominated (see `eval/order.ts`). */
  private subsume(s: CompiledStratum, stats: StratumStats, mark: Int32Array, slot: ReadonlyMap<string, number>): void {
    s.rules.forEach((rule, k) => {
      if (!rule.subsumes) return;
      const m = rule.plan.atoms.length;
      const lo = new Int32Array(m);
      const hi = new Int32Array(m);
      for (let a = 0; a < m; a++) hi[a] = this.relations.get(rule.plan.atoms[a]!)!.size;
      stats.rules[k]!.derived += this.call(rule, this.variant(rule, 0, lo, hi), lo, hi);
    });
    for (const rule of s.rules) {
      if (!rule.subsumes) continue;
      const i = slot.get(rule.plan.relation)!;
      mark[i] = removeDominated(this.relations.get(rule.plan.relation)!, mark[i]!);
    }
  }

  private call(rule: CompiledRule, fn: VariantFn, lo: Int32Array, hi: Int32Array): number {
    try {
      return fn(lo, hi);
    } catch (err) {
      if (err instanceof ArithmeticFault) {
        throw new UserError(makeDiagnostic("CL405", rule.plan.span, `${err.message}, in the rule for \`${rule.plan.relation}\``, { notes: [`rule: ${rule.plan.text}`] }));
      }
      throw err;
    }
  }

  /** Drops derived tuples of a relation, keeping its inserted facts; its reset count goes up, so readers start over. */
  private reset(name: string): void {
    const rel = this.relations.get(name)!;
    const base = this.base.get(name);
    rel.clear();
    if (base !== undefined) for (let row = 0; row < base.size; row++) rel.insertRow(base.data.subarray(row * base.arity, (row + 1) * base.arity));
    this.resets.set(name, this.resets.get(name)! + 1);
  }

  size(relation: string): number {
    return this.relation(relation).size;
  }

  has(relation: string, tuple: Tuple): boolean {
    const rel = this.relation(relation);
    const types = this.compiled.types.get(relation)!;
    if (tuple.length !== types.length) return false;
    const row = new Int32Array(types.length);
    for (let c = 0; c < types.length; c++) {
      const v = tuple[c]!;
      const t = types[c]!;
      const code = t === "symbol" ? (typeof v === "string" ? this.values.symbolIfKnown(v) : -1) : this.values.encode(t, v);
      if (code === null || (t === "symbol" && code === -1)) return false;
      row[c] = code;
    }
    return rel.hasRow(row);
  }

  /**
   * Deterministic order: column by column, numbers numerically, symbols by code point. With `from`,
   * only rows stored from that row count on (a monotonic relation's rows never move, so these are
   * the tuples derived since it had `from` rows).
   */
  tuples(relation: string, from = 0): Tuple[] {
    const rel = this.relation(relation);
    const types = this.compiled.types.get(relation)!;
    const arity = rel.arity;
    const data = rel.data;
    const order = this.sortedRows(relation, from);
    const out: Tuple[] = new Array(order.length);
    for (let i = 0; i < order.length; i++) {
      const base = order[i]! * arity;
      const t: Value[] = new Array(arity);
      for (let c = 0; c < arity; c++) t[c] = this.values.decode(types[c]!, data[base + c]!);
      out[i] = t;
    }
    return out;
  }

  /** A relation's rows as codes (`arity` per row, in the order they were added) with its column types, for writers. */
  rows(relation: string): { readonly data: Int32Array; readonly size: number; readonly arity: number; readonly types: readonly PrimitiveType[] } {
    const rel = this.relation(relation);
    return { data: rel.data, size: rel.size, arity: rel.arity, types: this.compiled.types.get(relation)! };
  }

  /**
   * Row numbers (of the rows stored from row `from` on) in `tuples` order (column by column,
   * numbers numerically, symbols by code point):
   * an LSD radix sort on each column's rank, two 16-bit passes per column, a pass skipped when
   * every key has the same digit.
   */
  sortedRows(relation: string, from = 0): Uint32Array {
    const rel = this.relation(relation);
    const types = this.compiled.types.get(relation)!;
    const start = Math.min(from, rel.size);
    const order = sortRows(rel.data.subarray(start * rel.arity, rel.size * rel.arity), rel.size - start, rel.arity, types.map((t) => this.values.ranks(t)), types);
    if (start > 0) for (let i = 0; i < order.length; i++) order[i]! += start;
    return order;
  }

  /**
   * Makes and fills the join indexes that the incremental strata's delta joins would ask for if a
   * few rows (`share` of each relation) arrived, so that an engine continued from `exportState` in
   * a later process finds them kept, rather than indexing every row at its first join.
   */
  indexForDeltas(shares: readonly number[] = [0, 1 / 64]): void {
    this.compiled.strata.forEach((s, i) => {
      if (!this.states[i]!.ran || !s.incremental) return;
      for (const rule of s.rules) {
        if (rule.subsumes) continue;
        const m = rule.plan.atoms.length;
        // Join orders follow the delta's size bucket: a few new rows and a share of them may be planned apart.
        for (const share of shares) {
          for (let j = 0; j < m; j++) {
            const lo = new Int32Array(m);
            const hi = new Int32Array(m);
            for (let a = 0; a < m; a++) {
              const size = this.relations.get(rule.plan.atoms[a]!)!.size;
              lo[a] = a === j ? size : 0;
              hi[a] = a === j ? size + Math.max(1, Math.ceil(size * share)) : size;
            }
            // Binding a variant makes the indexes it reads (see compile.ts); it is not called here.
            this.variant(rule, j, lo, hi);
          }
          // And the touched variants of its aggregates, when their bodies get a few new rows.
          (rule.plan.touches ?? []).forEach((t, ti) => {
            const k = t.atoms.length;
            for (let d = 0; d < k; d++) {
              const lo = new Int32Array(k + m);
              const hi = new Int32Array(k + m);
              for (let a = 0; a < k + m; a++) {
                const size = this.relations.get(a < k ? t.atoms[a]! : rule.plan.atoms[a - k]!)!.size;
                lo[a] = a === d ? size : 0;
                hi[a] = a === d ? size + Math.max(1, Math.ceil(size * share)) : size;
              }
              this.variant(rule, d, lo, hi, ti);
            }
          });
        }
      }
    });
    for (const rel of this.relations.values()) for (const idx of rel.indexes) idx.catchUp();
  }

  /**
   * Every relation's rows (views, valid until the next insert or run) and each stratum's progress:
   * what `importState` continues from in another process (see eval/snapshot.ts).
   */
  exportState(): EngineState {
    const relations: EngineState["relations"][number][] = [];
    for (const [name, rel] of this.relations) {
      const base = this.base.get(name);
      relations.push({
        name,
        size: rel.size,
        data: rel.data.subarray(0, rel.size * rel.arity),
        baseSize: base?.size ?? 0,
        base: base === undefined ? null : base.data.subarray(0, base.size * base.arity),
        // Made when read: a set restored from kept slots holds the rows added since apart, and only
        // a whole layout needs them in one table.
        get slots() {
          return rel.hashSlots();
        },
        get baseSlots() {
          return base?.hashSlots() ?? null;
        },
        indexes: rel.exportIndexes(),
      });
    }
    return {
      relations,
      strata: this.states.map((s) => ({ ran: s.ran, marks: [...s.marks], epochs: [...s.resets] })),
      epochs: [...this.resets],
    };
  }

  /**
   * Replaces this engine's rows and progress with `state`, exported by an engine of the same
   * program whose codes this engine's value table holds; rows keep their order, so a later `run`
   * continues the fixpoint from whatever is inserted next.
   */
  importState(state: EngineState): void {
    if (state.strata.length !== this.states.length) throw new Error("engine: the state is of another program");
    const writable = state.writable === true;
    const fill = (rel: Relation, size: number, codes: Int32Array, slots: Int32Array | null | undefined): void => {
      // A kept hash table is taken as it is: no row is hashed or inserted again.
      if (slots != null && rel.restore(size, codes, slots, writable)) return;
      // Kept rows are distinct: only the set is built from them.
      if (rel.restoreRows(size, codes, writable)) return;
      codes = codes.subarray(0, size * rel.arity);
      rel.clear();
      if (rel.arity === 0) {
        if (size > 0) rel.insertRow([]);
        return;
      }
      rel.reserve(size);
      if (rel.arity === 2) rel.insertPairs(codes);
      else for (let i = 0; i < codes.length; i += rel.arity) rel.insertRowAt(codes, i);
    };
    const append = (rel: Relation, codes: Int32Array): void => {
      if (rel.arity === 0 || codes.length === 0) return;
      rel.reserve(codes.length / rel.arity);
      if (rel.arity === 2) rel.insertPairs(codes);
      else for (let i = 0; i < codes.length; i += rel.arity) rel.insertRowAt(codes, i);
    };
    for (const r of state.relations) {
      const rel = this.relations.get(r.name);
      if (rel === undefined) throw new Error(`engine: the state names relation \`${r.name}\`, which the program does not declare`);
      fill(rel, r.size, r.data, r.slots);
      // Rows keep their order, so kept join indexes over them stay valid: a join catches up only rows added later.
      if (r.indexes != null && rel.size === r.size) rel.keepIndexes(r.indexes, writable);
      if (r.more != null) append(rel, r.more);
      const base = this.base.get(r.name);
      if (base !== undefined) fill(base, r.baseSize, r.base ?? new Int32Array(0), r.baseSlots);
      if (base !== undefined && r.moreBase != null) append(base, r.moreBase);
    }
    state.strata.forEach((s, i) => {
      const into = this.states[i]!;
      into.ran = s.ran;
      into.marks.clear();
      into.resets.clear();
      for (const [k, v] of s.marks) into.marks.set(k, v);
      for (const [k, v] of s.epochs) into.resets.set(k, v);
    });
    for (const [k, v] of state.epochs) this.resets.set(k, v);
    this.fns.clear();
    this.bound.clear();
    this.lastFn.length = 0;
  }

  /** An independent copy (same program), for merging replica states. */
  clone(): Engine {
    return new Engine(this.checked, this.analysis, this.options, this);
  }

}

/** A join index as kept: a chain index or a pair index (see eval/storage/). */
export type IndexState = ChainIndexState | PairIndexState;

/** An engine's rows and per-stratum progress (`Engine.exportState`, `Engine.importState`). */
export interface EngineState {
  /**
   * The arrays are the importing engine's to write (they are not shared with anything else): the
   * rows (`data`, `base`), a chain index's `next` and a pair index's `pool` may be longer than what
   * they hold, and the engine appends into that room instead of copying them first.
   */
  readonly writable?: boolean;
  readonly relations: readonly {
    readonly name: string;
    readonly size: number;
    /** `size` rows of codes, in the order they were added. */
    readonly data: Int32Array;
    /** Inserted facts of a derived relation, which a reset keeps (null for other relations). */
    readonly base: Int32Array | null;
    readonly baseSize: number;
    /** The hash table of the rows, and of `base`'s, when the set is in one (absent: rebuilt by inserting). */
    readonly slots?: Int32Array | null;
    readonly baseSlots?: Int32Array | null;
    /** The join indexes over the rows (absent: each is rebuilt when a join first asks for it). */
    readonly indexes?: readonly IndexState[] | null;
    /** Rows added after `data`'s (and `base`'s), in order, all new: inserted after the kept ones are taken back. */
    readonly more?: Int32Array | null;
    readonly moreBase?: Int32Array | null;
  }[];
  readonly strata: readonly { readonly ran: boolean; readonly marks: readonly (readonly [string, number])[]; readonly epochs: readonly (readonly [string, number])[] }[];
  readonly epochs: readonly (readonly [string, number])[];
}

/** A convenience: an engine with `facts` inserted and every stratum run. */
export function evaluate(checked: CheckedProgram, analysis: Analysis, facts: Record<string, Tuple[]>): Engine {
  const engine = new Engine(checked, analysis);
  for (const [name, tuples] of Object.entries(facts)) engine.insert(name, tuples);
  engine.run();
  return engine;
}

/** A column whose keys span at most this many values is ordered in one counting pass. */
const ONE_PASS_RANGE = 1 << 20;

/**
 * See `Engine.sortedRows`. `ranks[c]` maps column c's codes to their order (null: integers, ordered
 * as they are). An LSD radix sort, last column first: a column whose keys (less the smallest) span
 * at most 2^20 values is one stable counting pass, a wider one two passes of half its bits, and a
 * column with one key none.
 */
export function sortRows(data: Int32Array, n: number, arity: number, ranks: readonly (Int32Array | null)[], types: readonly PrimitiveType[]): Uint32Array {
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < 2) return order;
  let tmp = new Uint32Array(n);
  const key = new Uint32Array(n);
  let count: Uint32Array | null = null;
  for (let c = arity - 1; c >= 0; c--) {
    const rank = ranks[c] ?? null;
    const flip = types[c] === "number" ? 0x80000000 : 0;
    let lo = 0xffffffff;
    let hi = 0;
    for (let r = 0; r < n; r++) {
      const code = data[r * arity + c]!;
      const k = rank !== null ? rank[code]! : (code ^ flip) >>> 0;
      key[r] = k;
      if (k < lo) lo = k;
      if (k > hi) hi = k;
    }
    if (lo === hi) continue;
    const range = hi - lo;
    // Keys less `lo`, split into digits of `bits` bits (one digit when the range is small).
    const width = 32 - Math.clz32(range);
    const bits = range < ONE_PASS_RANGE ? width : Math.ceil(width / 2);
    const digitMask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
    const buckets = Math.min(range, digitMask) + 2;
    if (count === null || count.length < buckets) count = new Uint32Array(buckets);
    for (let shift = 0; shift < width; shift += bits) {
      const cnt = count;
      cnt.fill(0, 0, buckets);
      // Counting needs no order: read the keys as stored.
      for (let r = 0; r < n; r++) cnt[(((key[r]! - lo) >>> shift) & digitMask) + 1]!++;
      for (let d = 1; d < buckets; d++) cnt[d]! += cnt[d - 1]!;
      for (let i = 0; i < n; i++) {
        const row = order[i]!;
        tmp[cnt[((key[row]! - lo) >>> shift) & digitMask]!++] = row;
      }
      const t = order;
      order = tmp;
      tmp = t;
    }
  }
  return order;
}
