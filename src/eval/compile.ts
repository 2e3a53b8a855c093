// Turns a join plan into a JavaScript function of nested loops over row ranges (one per variant),
// so the hot loop holds no tuple objects, keys or closures: only typed-array reads and hash probes.
// Every generated function starts with the Datalog rule it implements, as a comment.
import type { PrimitiveType } from "../syntax/ast.js";
import type { AggPlan, ArgAction, JoinPlan, PExpr, RulePlan, Step, UnpackPattern } from "../plan/plan.js";
import { builtin } from "../builtins/functors.js";
import type { Ops, WideOps } from "./ops.js";
import type { Relation } from "./relation.js";
import type { ValueTable } from "./values.js";

/** What generated code reaches: the engine's relations and value tables. */
export interface Runtime {
  rel(name: string): Relation;
  readonly values: ValueTable;
  /** `ops`, or `wideOps` for a 64-bit program (`run --64`). */
  readonly ops: Ops | WideOps;
  /** Counts what generated code did: `aggregates`, how many times it evaluated an aggregate (once per group binding). */
  readonly tally: { aggregates: number };
}

/** A construct that `run --64` does not evaluate at 64 bits (the engine reports it as CL118). */
export class WideUnsupported extends Error {
  constructor(readonly what: string) {
    super(what);
    this.name = "WideUnsupported";
  }
}

/** A compiled variant: evaluates over row ranges `lo[i]..hi[i]` of positive atom `i`; returns how many head tuples were new. */
export type VariantFn = (lo: Int32Array, hi: Int32Array) => number;
/** Binds a compiled variant's source to one engine's relations. */
export type VariantFactory = (rt: Runtime) => VariantFn;

/** Where generated join functions are shown (`CALMLOG_DUMP=1` in the CLI); none by default, so the engine reads no environment. */
let dumpSink: ((source: string) => void) | null = null;

/** Shows every join function generated from now on to `sink` (null: stop). */
export function setSourceDump(sink: ((source: string) => void) | null): void {
  dumpSink = sink;
}

/**
 * Compiles one plan of a rule (once per program) to a factory that binds it to an engine's
 * relations. With `bySource`, a plan whose code is already there (the same join order planned for
 * another size signature) gets that factory back: one function per distinct code, which stays
 * optimised across iterations instead of starting cold in V8's interpreter each time the sizes
 * move to another bucket.
 */
export function compileVariant(
  rule: RulePlan,
  plan: JoinPlan,
  types: (relation: string) => readonly PrimitiveType[],
  wide = false,
  bySource?: Map<string, VariantFactory>,
): VariantFactory {
  const source = generate(rule, plan, types, wide);
  const known = bySource?.get(source);
  if (known !== undefined) return known;
  dumpSink?.(source);
  const make = new Function("rt", source) as (rt: Runtime) => VariantFn;
  const factory = (rt: Runtime): VariantFn => make(rt);
  bySource?.set(source, factory);
  return factory;
}

/**
 * The generated source of one variant (exported for tests and for reading what the planner did).
 * Every atom's access path is fixed here, by the atom's shape alone: a scan, a membership test, a
 * pair index (two columns, one bound) or a chain index; the storage behind each keeps that
 * interface whatever its representation, so a function has one loop per atom.
 */
export function generate(rule: RulePlan, plan: JoinPlan, types: (relation: string) => readonly PrimitiveType[], wide = false): string {
  return new Gen(rule, plan, types, wide).build();
}

class Gen {
  private readonly prelude: string[] = [];
  private readonly body: string[] = [];
  private readonly rels = new Map<string, string>();
  private readonly idx = new Map<string, string>();
  private readonly consts = new Map<string, string>();
  private readonly functors = new Set<string>();
  private readonly slotTypes: PrimitiveType[] = [];
  private label = 0;
  private aggs = 0;
  private indent = 2;
  private readonly runPrelude: string[] = [];
  /** Index catch-ups at the start of a call: up to the atom's range end, so chains hold no rows of this iteration. */
  private readonly catchUps = new Set<string>();

  constructor(
    private readonly rule: RulePlan,
    private readonly plan: JoinPlan,
    private readonly types: (relation: string) => readonly PrimitiveType[],
    /** `number` and `unsigned` are 64-bit: codes into `VT.ints`, values BigInts, arithmetic from `wideOps`. */
    private readonly wide = false,
  ) {}

  /** Whether values of `t` are BigInts here. */
  private big(t: PrimitiveType): boolean {
    return this.wide && (t === "number" || t === "unsigned");
  }

  build(): string {
    const top = `L${this.label++}`;
    this.emit(`${top}: do {`);
    this.indent++;
    this.steps(this.plan.steps, 0, top, (l) => this.head(l));
    this.indent--;
    this.emit(`} while (false);`);
    const slots = Array.from({ length: this.plan.slots }, (_, i) => `v${i} = 0`).join(", ");
    const atoms = this.plan.atoms ?? this.rule.atoms;
    const ranges = atoms.map((_, i) => `lo${i} = lo[${i}], hi${i} = hi[${i}]`).join(", ");
    const variant =
      this.plan.touch !== undefined ? `the groups of \`${this.plan.touch}\` that new rows of atom ${this.plan.delta + 1} (\`${atoms[this.plan.delta]}\`) touch`
      : this.plan.delta < 0 ? "no positive atom"
      : `delta of atom ${this.plan.delta + 1} (\`${atoms[this.plan.delta]}\`)`;
    const header = [
      `// ${this.rule.text}`,
      `// variant: ${variant}`,
      `"use strict";`,
      `const ops = rt.ops, VT = rt.values, SY = VT.symbols, FL = VT.floats${this.wide ? ", WI = VT.ints" : ""};`,
      ...this.prelude,
    ];
    const head = [`  let derived = 0;`, ...(slots ? [`  let ${slots};`] : []), ...(ranges ? [`  const ${ranges};`] : [])];
    // Catch-ups first: the arrays read next (rows, chains, pools) are the ones they leave.
    const body = [...[...this.catchUps].map((l) => `  ${l}`), ...this.runPrelude.map((l) => `  ${l}`), ...this.body, `  return derived;`];
    return [...header, `return function run(lo, hi) {`, ...head, ...body, `};`].join("\n");
  }

  private emit(line: string): void {
    this.body.push("  ".repeat(this.indent) + line);
  }

  /** A constant of the generated function, made once per program (e.g. choice-domain keys). */
  private constVar(key: string, js: string): string {
    let v = this.consts.get(key);
    if (v === undefined) {
      v = `K${this.consts.size}`;
      this.consts.set(key, v);
      this.prelude.push(`const ${v} = ${js};`);
    }
    return v;
  }

  private relVar(name: string): string {
    let v = this.rels.get(name);
    if (v === undefined) {
      v = `R${this.rels.size}`;
      this.rels.set(name, v);
      this.prelude.push(`const ${v} = rt.rel(${JSON.stringify(name)});`);
      // Data is read once per call: rows below the ranges never move, even if the array grows.
      this.runPrelude.push(`const D${v.slice(1)} = ${v}.data;`);
    }
    return v;
  }

  /** The chain index of `name` on `cols`: `first*` gives a key's newest row, `N<k>[row]` the one before. */
  private chainVar(name: string, cols: readonly number[]): string {
    const key = `chains:${name}/${cols.join(",")}`;
    let v = this.idx.get(key);
    if (v === undefined) {
      v = `I${this.idx.size}`;
      this.idx.set(key, v);
      this.prelude.push(`const ${v} = ${this.relVar(name)}.chains([${cols.join(", ")}]);`);
      this.runPrelude.push(`const N${v.slice(1)} = ${v}.next;`);
    }
    return v;
  }

  /** The pair index of two-column `name` on column `col`: `find` gives a key's newest block in `P<k>`. */
  private pairVar(name: string, col: number): string {
    const key = `pairs:${name}/${col}`;
    let v = this.idx.get(key);
    if (v === undefined) {
      v = `I${this.idx.size}`;
      this.idx.set(key, v);
      this.prelude.push(`const ${v} = ${this.relVar(name)}.pairs(${col});`);
      this.runPrelude.push(`const P${v.slice(1)} = ${v}.pool;`);
    }
    return v;
  }

  /** The code of a constant in a column of `type`, or null when it cannot be stored there. */
  private constCode(value: number | string, type: PrimitiveType): string | null {
    if (type === "symbol") {
      if (typeof value !== "string") return null;
      const key = `s:${value}`;
      let v = this.consts.get(key);
      if (v === undefined) {
        v = `K${this.consts.size}`;
        this.consts.set(key, v);
        this.prelude.push(`const ${v} = VT.symbol(${JSON.stringify(value)});`);
      }
      return v;
    }
    if (typeof value !== "number") return null;
    if (type === "float") {
      const key = `f:${value}`;
      let v = this.consts.get(key);
      if (v === undefined) {
        v = `K${this.consts.size}`;
        this.consts.set(key, v);
        this.prelude.push(`const ${v} = VT.float(${numberLiteral(value)});`);
      }
      return v;
    }
    if (!Number.isInteger(value)) return null;
    if (this.wide) {
      if (type === "unsigned" && value < 0) return null;
      return this.constVar(`i:${value}`, `VT.int(${BigInt(value)}n)`);
    }
    if (type === "number") return value >= -2147483648 && value <= 2147483647 ? String(value) : null;
    return value >= 0 && value <= 4294967295 ? String(value | 0) : null;
  }

  private steps(steps: readonly Step[], i: number, loop: string, innermost: (loop: string) => void): void {
    if (i === steps.length) {
      innermost(loop);
      return;
    }
    const step = steps[i]!;
    const rest = (l: string): void => this.steps(steps, i + 1, l, innermost);
    switch (step.kind) {
      case "fail":
        this.emit(`// ${step.text}`);
        this.emit(`continue ${loop};`);
        return;
      case "filter":
        this.emit(`// ${step.text}`);
        this.thresholdExit(step);
        this.precompute([step.left, step.right], loop);
        this.emit(`if (!(${this.condition(step.op, step.negated, step.left, step.right)})) continue ${loop};`);
        rest(loop);
        return;
      case "assign": {
        this.emit(`// ${step.text}`);
        this.precompute([step.expr], loop);
        this.slotTypes[step.slot] = step.expr.type;
        this.emit(`v${step.slot} = ${this.encode(step.expr, step.expr.type)};`);
        rest(loop);
        return;
      }
      case "range": {
        this.emit(`// ${step.text}`);
        const n = this.label++;
        const L = `L${n}`;
        this.slotTypes[step.slot] = step.from.type;
        const big = this.big(step.from.type);
        const [stepOf, inside, at] = (["step", "inside", "at"] as const).map((i) => this.functor("range", big ? `${i}64` : i));
        this.emit(`const f${n} = ${this.value(step.from)}, t${n} = ${this.value(step.to)}, s${n} = ${step.step === null ? `${stepOf}(f${n}, t${n})` : this.value(step.step)};`);
        this.emit(`${L}: for (let k${n} = 0, x${n} = f${n}; ${inside}(x${n}, t${n}, s${n}, k${n}); k${n}++, x${n} = ${at}(f${n}, s${n}, k${n})) {`);
        this.indent++;
        const t = step.from.type;
        this.emit(`v${step.slot} = ${big ? `VT.int(x${n})` : t === "float" ? `VT.float(x${n})` : t === "unsigned" ? `(x${n} | 0)` : t === "symbol" ? "0" : `x${n}`};`);
        rest(L);
        this.indent--;
        this.emit(`}`);
        return;
      }
      case "unpack": {
        this.emit(`// ${step.text}`);
        this.precompute([step.from], loop);
        this.unpack(this.value(step.from), step.pattern, loop);
        rest(loop);
        return;
      }
      case "once": {
        // A Set per call: a binding that passed already evaluates nothing new.
        const n = this.label++;
        const key = step.slots.length === 0 ? "0" : step.slots.length === 1 ? `v${step.slots[0]}` : step.slots.map((s) => `v${s}`).join(' + "," + ');
        this.runPrelude.push(`const S${n} = new Set();`);
        this.emit(`// ${step.text}`);
        this.emit(`{ const k${n} = ${key}; if (S${n}.has(k${n})) continue ${loop}; S${n}.add(k${n}); }`);
        rest(loop);
        return;
      }
      case "neg":
        this.emit(`// ${step.text}`);
        this.emit(`if (${this.exists(step.relation, step.args)}) continue ${loop};`);
        rest(loop);
        return;
      case "atom":
        this.atom(step, loop, rest);
        return;
    }
  }

  /** Takes a record or ADT value (JS expression `src`) apart: binds and checks its fields, or skips the row. */
  private unpack(src: string, pattern: UnpackPattern, loop: string): void {
    if (this.wide) throw new WideUnsupported("records and ADTs");
    const u = `u${this.label++}`;
    this.emit(`const ${u} = ops.unpack(${src}, ${JSON.stringify(pattern.branch)}, ${pattern.fields.length});`);
    this.emit(`if (${u} === null) continue ${loop};`);
    pattern.fields.forEach((f, i) => {
      const at = `${u}[${i}]`;
      switch (f.kind) {
        case "bind":
          this.slotTypes[f.slot] = f.type;
          this.emit(`v${f.slot} = ${f.type === "number" ? `${at}` : f.type === "unsigned" ? `(${at} | 0)` : f.type === "float" ? `VT.float(${at})` : `VT.symbol(${at})`};`);
          break;
        case "check":
          this.precompute([f.expr], loop);
          this.emit(`if (${at} !== ${this.value(f.expr)}) continue ${loop};`);
          break;
        case "nested":
          this.unpack(at, f.pattern, loop);
          break;
        case "skip":
          break;
      }
    });
  }

  /** Code that is true when some row of `relation` matches the bound/const columns. */
  private exists(relation: string, args: readonly ArgAction[]): string {
    const types = this.types(relation);
    const keyCols: number[] = [];
    const keys: string[] = [];
    for (let c = 0; c < args.length; c++) {
      const a = args[c]!;
      if (a.kind === "bound") (keyCols.push(c), keys.push(`v${a.slot}`));
      else if (a.kind === "expr") (keyCols.push(c), keys.push(this.encode(a.expr, types[c]!)));
      else if (a.kind === "const") {
        const code = this.constCode(a.value, types[c]!);
        if (code === null) return "false";
        keyCols.push(c);
        keys.push(code);
      }
    }
    const r = this.relVar(relation);
    if (keyCols.length === 0) return `${r}.size > 0`;
    // Every column bound in a relation of one or two columns: its own set answers, with no index
    // to build (a negated relation is complete before the rule runs).
    if (keyCols.length === args.length && (args.length === 1 || args.length === 2)) return `${r}.has${args.length}(${keys.join(", ")})`;
    this.catchUps.add(`${this.chainVar(relation, keyCols)}.catchUp();`);
    return `${this.firstCall(relation, keyCols, keys)} !== -1`;
  }

  private firstCall(relation: string, keyCols: readonly number[], keys: readonly string[]): string {
    const I = this.chainVar(relation, keyCols);
    if (keys.length === 1) return `${I}.first1(${keys[0]})`;
    if (keys.length === 2) return `${I}.first2(${keys[0]}, ${keys[1]})`;
    return `${I}.firstN([${keys.join(", ")}])`;
  }

  private atom(step: Extract<Step, { kind: "atom" }>, outer: string, rest: (loop: string) => void): void {
    const types = this.types(step.relation);
    const R = this.relVar(step.relation);
    const D = `D${R.slice(1)}`;
    const arity = step.args.length;
    const n = this.label++;
    const L = `L${n}`;
    const r = `r${n}`;
    const b = `b${n}`;
    this.emit(`// ${step.text}`);
    const ranged = step.atom >= 0;
    const lo = ranged ? `lo${step.atom}` : "0";
    const hi = ranged ? `hi${step.atom}` : `${R}.size`;
    const checks: string[] = [];
    const binds: string[] = [];
    const keyCols: number[] = [];
    const keys: string[] = [];
    for (let c = 0; c < arity; c++) {
      const a = step.args[c]!;
      const at = `${D}[${b} + ${c}]`;
      switch (a.kind) {
        case "bound":
          keyCols.push(c);
          keys.push(`v${a.slot}`);
          break;
        case "const": {
          const code = this.constCode(a.value, types[c]!);
          if (code === null) {
            // A constant that cannot occur in this column: the atom never matches.
            this.emit(`continue ${outer};`);
            return;
          }
          keyCols.push(c);
          keys.push(code);
          break;
        }
        case "bind":
          binds.push(`v${a.slot} = ${at};`);
          this.slotTypes[a.slot] = types[c]!;
          break;
        case "same":
          checks.push(`${at} !== ${D}[${b} + ${step.args.findIndex((x) => x.kind === "bind" && x.slot === a.slot)}]`);
          break;
        case "skip":
          break;
        case "expr":
          throw new Error("a computed column in a positive atom is planned as a bind and a filter");
      }
    }
    if (keyCols.length === arity && (arity === 1 || arity === 2) && step.atom !== this.plan.delta) {
      // Every column bound, and not the delta: a membership test of the whole relation instead of
      // an index on all columns. Rows beyond the atom's range are true facts too, so what it adds is
      // derived again, never wrongly; the delta atom keeps its range so each variant stays its own.
      this.emit(`// tests membership in \`${step.relation}\``);
      this.emit(`${L}: for (let ${r} = ${R}.has${arity}(${keys.join(", ")}) ? 1 : 0; ${r} === 1; ${r} = 0) {`);
      this.indent++;
      rest(L);
      this.indent--;
      this.emit(`}`);
      return;
    }
    if (arity === 2 && keyCols.length === 1) {
      // Two columns, one bound: the key's rows as runs of (row, other column) pairs, newest last in
      // each block and newest block first. (The other column is a bind or `_`: a second mention
      // of a variable would be bound.)
      const col = keyCols[0]!;
      const other = step.args[1 - col]!;
      const I = this.pairVar(step.relation, col);
      this.catchUps.add(ranged ? `${I}.catchUp(${hi});` : `${I}.catchUp();`);
      const P = `P${I.slice(1)}`;
      const o = `o${n}`;
      const j = `j${n}`;
      this.emit(`// reads the pair index of \`${step.relation}\` on column ${col + 1}`);
      this.emit(`B${n}: for (let ${o} = ${I}.find(${keys[0]}); ${o} !== -1; ${o} = ${P}[${o}]) {`);
      this.indent++;
      this.emit(`${L}: for (let ${j} = ${o} + (${P}[${o} + 1] & 65535); ${j} > ${o} + 1; ${j} -= 2) {`);
      this.indent++;
      if (ranged) {
        this.emit(`const ${r} = ${P}[${j}];`);
        this.emit(`if (${r} >= ${hi}) continue;`);
        this.emit(`if (${r} < ${lo}) break B${n};`);
      }
      if (other.kind === "bind") {
        this.emit(`v${other.slot} = ${P}[${j} + 1];`);
        this.slotTypes[other.slot] = types[1 - col]!;
      }
      rest(L);
      this.indent--;
      this.emit(`}`);
      this.indent--;
      this.emit(`}`);
      return;
    }
    if (keyCols.length === 0) {
      this.emit(`// scans \`${step.relation}\``);
      this.emit(`${L}: for (let ${r} = ${lo}, e${n} = ${hi}; ${r} < e${n}; ${r}++) {`);
    } else {
      const I = this.chainVar(step.relation, keyCols);
      this.catchUps.add(ranged ? `${I}.catchUp(${hi});` : `${I}.catchUp();`);
      const N = `N${I.slice(1)}`;
      this.emit(`// reads the chain index of \`${step.relation}\` on column${keyCols.length > 1 ? "s" : ""} ${keyCols.map((c) => c + 1).join(", ")}`);
      this.emit(`${L}: for (let ${r} = ${this.firstCall(step.relation, keyCols, keys)}; ${r} !== -1; ${r} = ${N}[${r}]) {`);
      if (ranged) {
        this.indent++;
        // Chains run newest first: skip rows above the range, stop below it.
        this.emit(`if (${r} >= ${hi}) continue;`);
        this.emit(`if (${r} < ${lo}) break;`);
        this.indent--;
      }
    }
    this.indent++;
    this.emit(`const ${b} = ${r} * ${arity};`);
    if (checks.length > 0) this.emit(`if (${checks.join(" || ")}) continue;`);
    for (const x of binds) this.emit(x);
    rest(L);
    this.indent--;
    this.emit(`}`);
  }

  private head(loop: string): void {
    const { relation, args, choice, dominator } = this.plan.head;
    const types = this.types(relation);
    this.precompute(args, loop);
    const H = this.relVar(relation);
    const codes = args.map((a, i) => this.encode(a, types[i]!));
    if (dominator !== undefined) {
      // Subsumption: the dominated tuple is collected for removal, unless it is its own dominator.
      const same = dominator.map((d, i) => `${codes[i]} === ${this.encode(d, types[i]!)}`);
      this.emit(`if (!(${same.length === 0 ? "true" : same.join(" && ")})) { ops.dominated(${H}).push(${codes.join(", ")}); derived++; }`);
      return;
    }
    if (choice !== undefined) {
      // choice-domain: the tuple is added only while no stored tuple has any of its keys.
      const keys = this.constVar(`choice:${relation}`, JSON.stringify(choice));
      this.emit(`{ const row = [${codes.join(", ")}]; if (ops.choose(${H}, ${keys}, row) && ${H}.insertRow(row)) derived++; }`);
      return;
    }
    if (codes.length === 1) this.emit(`if (${H}.insert1(${codes[0]})) derived++;`);
    else if (codes.length === 2) this.emit(`if (${H}.insert2(${codes[0]}, ${codes[1]})) derived++;`);
    else this.emit(`if (${H}.insertRow([${codes.join(", ")}])) derived++;`);
  }

  /** Emits the aggregates an expression reads, each into `a<k>`; min/max/mean over nothing skip the binding. */
  private precompute(exprs: readonly PExpr[], loop: string): void {
    for (const e of exprs) this.walk(e, (x) => {
      if (x.kind === "agg") this.aggregate(x, loop);
    });
  }

  private walk(e: PExpr, f: (e: PExpr) => void): void {
    f(e);
    if (e.kind === "binary") (this.walk(e.left, f), this.walk(e.right, f));
    else if (e.kind === "unary") this.walk(e.operand, f);
    else if (e.kind === "call") e.args.forEach((a) => this.walk(a, f));
  }

  private readonly aggNames = new Map<AggPlan, string>();
  /** Aggregates compared with a bound that their partial value can already decide: the comparison, as `op` and the bound's JS value. */
  private readonly exits = new Map<AggPlan, { op: string; bound: string }>();

  /**
   * `count : {...} >= n` (or `>`), `max x : {...} >= n` and `min x : {...} <= n` read directly by a
   * filter: the partial count or maximum only grows (the minimum only shrinks) as the aggregate's
   * rows are read, so once it passes the bound the comparison is decided and the rest is not read.
   * Only for bodies of atoms alone and a plain target, where no row left unread could raise an error.
   */
  private thresholdExit(step: Extract<Step, { kind: "filter" }>): void {
    if (this.wide) return;
    const onLeft = step.left.kind === "agg";
    const [agg, other] = onLeft ? [step.left, step.right] : [step.right, step.left];
    if (agg.kind !== "agg" || (other.kind !== "const" && other.kind !== "var") || other.type === "symbol" || typeof (other.kind === "const" ? other.value : 0) !== "number") return;
    const flip: Record<string, string> = { ">=": "<=", ">": "<", "<=": ">=", "<": ">" };
    const op = onLeft ? step.op : flip[step.op];
    const a = agg.agg;
    const grows = a.op === "count" || a.op === "max";
    if (op === undefined || !(grows ? op === ">=" || op === ">" : a.op === "min" && (op === "<=" || op === "<"))) return;
    if (a.steps.some((s) => s.kind !== "atom") || (a.target !== null && a.target.kind !== "var") || (a.target?.type ?? "number") === "symbol") return;
    this.exits.set(a, { op, bound: this.value(other) });
  }

  private aggregate(e: Extract<PExpr, { kind: "agg" }>, loop: string): void {
    const agg = e.agg;
    const k = this.aggs++;
    const acc = `a${k}`;
    const cnt = `c${k}`;
    this.aggNames.set(agg, acc);
    this.emit(`// ${agg.text}`);
    if (k === 0) this.prelude.push(`const TL = rt.tally;`);
    this.emit(`TL.aggregates++;`);
    const targetType = agg.target?.type ?? "number";
    this.emit(`let ${acc} = ${agg.op === "sum" && this.big(targetType) ? "0n" : "0"}, ${cnt} = 0;`);
    const distinct = agg.distinct !== undefined && agg.distinct.length > 0 ? agg.distinct : null;
    // A body that is a relation of its own ranges over distinct bindings of its variables.
    if (distinct !== null) this.emit(`const d${k} = new Set();`);
    if (agg.op === "count" && distinct === null && this.countFromPairs(agg.steps, cnt)) {
      this.emit(`${acc} = ${this.wide ? `BigInt(${cnt})` : cnt};`);
      return;
    }
    const L = `L${this.label++}`;
    this.emit(`${L}: do {`);
    this.indent++;
    this.steps(agg.steps, 0, L, (inner) => {
      if (distinct !== null) {
        const key = distinct.length === 1 ? `v${distinct[0]}` : distinct.map((s) => `v${s}`).join(' + "," + ');
        this.emit(`{ const k${k} = ${key}; if (d${k}.has(k${k})) continue ${inner}; d${k}.add(k${k}); }`);
      }
      this.precompute(agg.target ? [agg.target] : [], inner);
      this.emit(`${cnt}++;`);
      const t = agg.target ? this.value(agg.target) : "0";
      switch (agg.op) {
        case "count":
          break;
        case "sum":
          this.emit(`${acc} = ${targetType === "float" ? `${acc} + ${t}` : `ops.add${typeLetter(targetType)}(${acc}, ${t})`};`);
          break;
        case "mean":
          // At 64 bits each value is added as a double, as Soufflé's mean accumulates.
          this.emit(this.big(targetType) ? `${acc} += Number(${t});` : `${acc} += ${t};`);
          break;
        case "min":
        case "max": {
          const better = targetType === "symbol" ? `ops.cmpS(t${k}, ${acc}) ${agg.op === "min" ? "<" : ">"} 0` : `t${k} ${agg.op === "min" ? "<" : ">"} ${acc}`;
          this.emit(`{ const t${k} = ${t}; if (${cnt} === 1 || ${better}) ${acc} = t${k}; }`);
          break;
        }
      }
      const exit = this.exits.get(agg);
      if (exit !== undefined) this.emit(`if (${agg.op === "count" ? cnt : acc} ${exit.op} ${exit.bound}) break ${L}; // the threshold is decided`);
    });
    this.indent--;
    this.emit(`} while (false);`);
    if (agg.op === "count") this.emit(this.wide ? `${acc} = BigInt(${cnt});` : `${acc} = ${cnt};`);
    else if (agg.op === "min" || agg.op === "max" || agg.op === "mean") this.emit(`if (${cnt} === 0) continue ${loop};`);
    if (agg.op === "mean") this.emit(`${acc} = ${acc} / ${cnt};`);
  }

  /**
   * `count : { r(k, _) }` (a two-column relation, one column given, the other not read) counts the
   * key's rows from the sizes of its pair-index blocks, without visiting each row. False, emitting
   * nothing, for any other body.
   */
  private countFromPairs(steps: readonly Step[], cnt: string): boolean {
    const step = steps[0];
    if (steps.length !== 1 || step === undefined || step.kind !== "atom" || step.atom >= 0 || step.args.length !== 2) return false;
    const col = step.args.findIndex((a) => a.kind === "bound" || a.kind === "const");
    if (col < 0 || step.args[1 - col]!.kind !== "skip") return false;
    const a = step.args[col]!;
    let key: string;
    if (a.kind === "bound") key = `v${a.slot}`;
    else if (a.kind === "const") {
      const code = this.constCode(a.value, this.types(step.relation)[col]!);
      if (code === null) return true; // a constant the column cannot hold: no rows, the count stays 0
      key = code;
    } else return false;
    const I = this.pairVar(step.relation, col);
    this.catchUps.add(`${I}.catchUp();`);
    const P = `P${I.slice(1)}`;
    const o = `o${this.label++}`;
    this.emit(`// ${step.text}: counts the key's rows from the pair index's block sizes`);
    this.emit(`for (let ${o} = ${I}.find(${key}); ${o} !== -1; ${o} = ${P}[${o}]) ${cnt} += (${P}[${o} + 1] & 65535) >>> 1;`);
    return true;
  }

  /** JS expression for the value (not the code) of `e`. */
  private value(e: PExpr): string {
    switch (e.kind) {
      case "var": {
        const t = this.slotTypes[e.slot] ?? e.type;
        if (this.big(t)) return `WI[v${e.slot}]`;
        return t === "number" ? `v${e.slot}` : t === "unsigned" ? `(v${e.slot} >>> 0)` : t === "float" ? `FL[v${e.slot}]` : `SY.text(v${e.slot})`;
      }
      case "const":
        if (typeof e.value === "number" && this.big(e.type) && Number.isInteger(e.value)) return `${BigInt(e.value)}n`;
        return typeof e.value === "string" ? JSON.stringify(e.value) : numberLiteral(e.value);
      case "agg":
        return this.aggNames.get(e.agg) ?? "0";
      case "unary": {
        const a = this.value(e.operand);
        const T = typeLetter(e.type);
        switch (e.op) {
          case "-":
            return `ops.neg${T}(${a})`;
          case "bnot":
            if (this.big(e.type)) return `ops.bnot${T}(${a})`;
            return e.type === "unsigned" ? `((~${a}) >>> 0)` : `(~${a})`;
          case "lnot":
            return this.big(e.type) ? `(${a} === 0n ? 1n : 0n)` : `(${a} === 0 ? 1 : 0)`;
        }
        return a;
      }
      case "binary": {
        const a = this.value(e.left);
        const b = this.value(e.right);
        const T = typeLetter(e.type);
        const u = e.type === "unsigned";
        if (this.big(e.type)) {
          const z = e.left.type === "float" ? "0" : "0n";
          switch (e.op) {
            case "band":
              return `(${a} & ${b})`;
            case "bor":
              return `(${a} | ${b})`;
            case "bxor":
              return `(${a} ^ ${b})`;
            case "bshl":
            case "bshr":
            case "bshru":
              return `ops.${e.op}${T}(${a}, ${b})`;
            case "land":
              return `((${a} !== ${z} && ${b} !== ${z}) ? 1n : 0n)`;
            case "lor":
              return `((${a} !== ${z} || ${b} !== ${z}) ? 1n : 0n)`;
            case "lxor":
              return `(((${a} !== ${z}) !== (${b} !== ${z})) ? 1n : 0n)`;
          }
        }
        switch (e.op) {
          case "+":
            return e.type === "symbol" ? `(${a} + ${b})` : `ops.add${T}(${a}, ${b})`;
          case "-":
            return `ops.sub${T}(${a}, ${b})`;
          case "*":
            return `ops.mul${T}(${a}, ${b})`;
          case "/":
            return `ops.div${T}(${a}, ${b})`;
          case "%":
            return `ops.mod${T}(${a}, ${b})`;
          case "^":
            return `ops.pow${T}(${a}, ${b})`;
          case "band":
            return u ? `((${a} & ${b}) >>> 0)` : `(${a} & ${b})`;
          case "bor":
            return u ? `((${a} | ${b}) >>> 0)` : `(${a} | ${b})`;
          case "bxor":
            return u ? `((${a} ^ ${b}) >>> 0)` : `(${a} ^ ${b})`;
          case "bshl":
            return u ? `((${a} << ${b}) >>> 0)` : `(${a} << ${b})`;
          case "bshr":
            return u ? `(${a} >>> ${b})` : `(${a} >> ${b})`;
          case "bshru":
            return u ? `(${a} >>> ${b})` : `((${a} >>> ${b}) | 0)`;
          case "land":
            return `((${a} !== 0 && ${b} !== 0) ? 1 : 0)`;
          case "lor":
            return `((${a} !== 0 || ${b} !== 0) ? 1 : 0)`;
          case "lxor":
            return `(((${a} !== 0) !== (${b} !== 0)) ? 1 : 0)`;
        }
        return a;
      }
      case "call": {
        const args = e.args.map((a) => this.value(a));
        if (this.wide && (e.name === "record" || e.name === "nil" || e.name.startsWith("$"))) throw new WideUnsupported("records and ADTs");
        if (e.name === "record") return `ops.record([${args.join(", ")}])`;
        if (e.name === "nil") return `ops.NIL`;
        if (e.name.startsWith("$")) return `ops.branch(${JSON.stringify(e.name.slice(1))}, [${args.join(", ")}])`;
        // The functor's implementation, chosen here from the planned types (see `builtins/functors.ts`).
        const b = builtin(e.name);
        if (b === undefined) return "0";
        const f = this.functor(e.name, b.pick(e.args.map((a) => a.type), e.type));
        if (this.wide && (this.big(e.type) || e.args.some((a) => this.big(a.type)))) {
          // At 64 bits: `min`, `max` and `to_string` take BigInts as they are; `strlen`, `ord` and `autoinc` give small integers.
          if (e.name === "min" || e.name === "max" || e.name === "to_string") return `${f}(${args.join(", ")})`;
          if (e.name === "strlen" || e.name === "ord") return `BigInt(${f}(${args.join(", ")}))`;
          if (e.name === "autoinc") return `BigInt(${f}(ops.counter(VT)))`;
          const impl = `${b.pick(e.args.map((a) => a.type), e.type)}64`;
          if (Object.hasOwn(b.impls, impl)) return `${this.functor(e.name, impl)}(${args.join(", ")})`;
          throw new WideUnsupported(`\`${e.name}\` on \`number\` or \`unsigned\``);
        }
        return b.state === "counter" ? `${f}(ops.counter(VT))` : `${f}(${args.join(", ")})`;
      }
    }
  }

  /** A name in the prelude for one functor implementation: `fn_to_number_parse`. */
  private functor(name: string, impl: string): string {
    const v = name === impl ? `fn_${name}` : `fn_${name}_${impl}`;
    if (!this.functors.has(v)) {
      this.functors.add(v);
      this.prelude.push(`const ${v} = ops.fn.${name}.${impl};`);
    }
    return v;
  }

  /** JS expression for the code of `e` stored as `type`. */
  private encode(e: PExpr, type: PrimitiveType): string {
    if (e.kind === "var" && (this.slotTypes[e.slot] ?? e.type) === type) return `v${e.slot}`;
    if (e.kind === "const") {
      const c = this.constCode(e.value, type);
      if (c !== null) return c;
    }
    const v = this.value(e);
    if (this.big(type)) return `VT.int(ops.to${type === "number" ? "I" : "U"}(${v}))`;
    switch (type) {
      case "number":
        return e.type === "number" && e.kind !== "call" && e.kind !== "agg" ? v : `ops.toI(${v})`;
      case "unsigned":
        return `ops.toU(${v})`;
      case "float":
        return `VT.float(${v})`;
      case "symbol":
        return `VT.symbol(${v})`;
    }
  }

  private condition(op: string, negated: boolean, left: PExpr, right: PExpr): string {
    const type = left.type === right.type ? left.type : left.kind === "const" ? right.type : left.type;
    let c: string;
    const simple = (e: PExpr) => e.kind === "var" || e.kind === "const";
    if (op === "match" || op === "contains") {
      const a = this.value(left);
      const b = this.value(right);
      if (op === "match") return `ops.match(${a}, ${b}) === ${negated ? "false" : "true"}`;
      c = `${b}.includes(${a})`;
      return negated ? `!(${c})` : c;
    }
    if ((op === "=" || op === "!=") && simple(left) && simple(right) && type !== "float") {
      // Equal values have equal codes.
      c = `${this.encode(left, type)} ${op === "=" ? "===" : "!=="} ${this.encode(right, type)}`;
    } else if (type === "symbol") {
      const a = this.value(left);
      const b = this.value(right);
      c =
        op === "=" ? `${a} === ${b}`
        : op === "!=" ? `${a} !== ${b}`
        : op === "match" ? `ops.match(${a}, ${b})`
        : op === "contains" ? `${b}.includes(${a})`
        : `ops.cmpS(${a}, ${b}) ${op} 0`;
    } else {
      const jsOp = op === "=" ? "===" : op === "!=" ? "!==" : op;
      c = `${this.value(left)} ${jsOp} ${this.value(right)}`;
    }
    return negated ? `!(${c})` : c;
  }
}

function typeLetter(t: PrimitiveType): string {
  return t === "unsigned" ? "U" : t === "float" ? "F" : "I";
}

function numberLiteral(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  return Object.is(v, -0) ? "0" : String(v);
}

