// Runs a clause's join plan over a fact model, one binding at a time, on values (not codes): the
// engine's generated code does the same over row ranges, and both read one plan, so types,
// arithmetic and aggregates mean the same here. Explain is not a hot path; clarity wins over speed.
import type { Literal, PrimitiveType } from "../syntax/ast.js";
import type { AggPlan, ArgAction, JoinPlan, PExpr, Step, UnpackPattern } from "../plan/plan.js";
import { applyBuiltin, builtin, BUILTIN_NAMES, BUILTINS, type BuiltinName } from "../builtins/functors.js";
import { ops } from "../eval/ops.js";
import type { Tuple, Value } from "../eval/values.js";

/**
 * Every kind of plan step explain follows. Typed against the planner's `Step`, so a kind added
 * there fails the build here until explain learns it; a plan built by another version of the
 * planner still meets `Unsupported` (a clear message), never a crash.
 */
export const FOLLOWED_STEPS = { atom: true, filter: true, assign: true, neg: true, range: true, unpack: true, fail: true, once: true } as const satisfies Record<Step["kind"], true>;

/**
 * Functors explain computes, besides records (`record`, `nil`) and ADT branches (`$Name`): every row
 * of the builtins table but an order-dependent one. `autoinc()` is such a one: its value is the
 * engine's arrival-order counter, which a derivation cannot recompute, so a rule using it is
 * reported as not followed.
 */
export const FOLLOWED_FUNCTORS: Readonly<Partial<Record<BuiltinName, true>>> = Object.fromEntries(
  BUILTIN_NAMES.filter((n) => BUILTINS[n].calm !== "order-dependent").map((n) => [n, true]),
);

/** A plan step, expression or functor that explain does not follow: the question cannot be answered through that rule. */
export class Unsupported extends Error {
  constructor(readonly construct: string) {
    super(`explain does not follow ${construct} yet`);
    this.name = "Unsupported";
  }
}

/** The facts that hold: membership, and rows matching values in some columns. */
export interface FactModel {
  has(relation: string, tuple: Tuple): boolean;
  /** Rows of `relation` whose columns `cols` hold `key` (all rows when `cols` is empty). */
  lookup(relation: string, cols: readonly number[], key: readonly Value[]): readonly Tuple[];
  /** How many facts of `relation` hold (orders the joins). */
  size(relation: string): number;
  /**
   * Where the fact sits in its relation's storage order, when facts are stored as they are derived
   * (-1 or absent: unknown). A derived fact then has a step whose premises of its own relation sit before it.
   */
  position?(relation: string, tuple: Tuple): number;
}

/** A plan whose steps know which literal they came from. */
export interface BoundPlan {
  readonly plan: JoinPlan;
  /** Per top-level step: its literal (null when the step is not from a body literal). */
  readonly literals: readonly (Literal | null)[];
  /** Per top-level step: the head argument it binds or checks (-1 for body literals). */
  readonly headArg: readonly number[];
  /** Variable name per slot (aggregate-local slots too). */
  readonly names: readonly (string | undefined)[];
  /** The constant standing for head argument i, per i (its value is given per question). */
  readonly placeholders?: ReadonlyMap<Value, number>;
}

/** What one solution matched: the row per top-level atom step (null for other steps). */
export interface Solution {
  readonly slots: readonly Value[];
  readonly rows: readonly (Tuple | null)[];
}

/** No value: `min`, `max` or `mean` over no rows, so the binding produces nothing. */
export const NONE = Symbol("none");

/** One solution of an aggregate's body: the rows of its atoms and the target's value. */
export interface AggregateRow {
  readonly rows: readonly Tuple[];
  readonly value: Value | null;
}

/** The value and the rows of one aggregate under a binding. */
export interface AggregateResult {
  readonly value: Value | typeof NONE;
  readonly rows: readonly AggregateRow[];
}

export class Solver {
  constructor(
    private readonly model: FactModel,
    private readonly typeOf: (relation: string) => readonly PrimitiveType[],
  ) {}

  /**
   * Calls `f` with each solution of `bp` where head argument i equals `params[i]` (when given);
   * `f` returns false to stop. Returns whether it was stopped.
   */
  solve(bp: BoundPlan, params: readonly Value[], f: (s: Solution) => boolean): boolean {
    const slots: Value[] = new Array(bp.plan.slots).fill(0);
    const rows: (Tuple | null)[] = new Array(bp.plan.steps.length).fill(null);
    const outer = this.subst;
    if (params.length > 0 && bp.placeholders !== undefined && bp.placeholders.size > 0) {
      // A placeholder wherever it ended up (a record pattern taken apart, a range) stands for its value.
      const m = new Map<Value, Value>();
      for (const [v, i] of bp.placeholders) if (i < params.length) m.set(v, params[i]!);
      this.subst = m;
    }
    try {
      return this.steps(bp.plan.steps, 0, slots, (i) => (i < bp.headArg.length ? bp.headArg[i]! : -1), params, rows, () => f({ slots: [...slots], rows: [...rows] }));
    } finally {
      this.subst = outer;
    }
  }

  /** Placeholder constants and the values they stand for, while a question's plan runs. */
  private subst: ReadonlyMap<Value, Value> | null = null;

  /** Each solution of an aggregate under the outer bindings in `slots` (which it extends in place). */
  aggregateRows(agg: AggPlan, slots: Value[]): AggregateRow[] {
    const out: AggregateRow[] = [];
    const rows: (Tuple | null)[] = new Array(agg.steps.length).fill(null);
    // A body that is a relation of its own ranges over distinct bindings of its variables (as the engine does).
    const seen = agg.distinct !== undefined && agg.distinct.length > 0 ? new Set<string>() : null;
    this.steps(agg.steps, 0, slots, () => -1, [], rows, () => {
      if (seen !== null) {
        const key = JSON.stringify(agg.distinct!.map((s) => slots[s]));
        if (seen.has(key)) return true;
        seen.add(key);
      }
      let value: Value | null = null;
      if (agg.target !== null) {
        const v = this.value(agg.target, slots);
        if (v === NONE) return true;
        value = v;
      }
      out.push({ rows: rows.filter((r): r is Tuple => r !== null), value });
      return true;
    });
    return out;
  }

  /** The aggregate's value under the bindings in `slots`, with the rows it ranged over. */
  aggregate(agg: AggPlan, slots: Value[]): AggregateResult {
    const local = [...slots];
    const rows = this.aggregateRows(agg, local);
    return { value: this.fold(agg, rows.map((r) => r.value)), rows };
  }

  private fold(agg: AggPlan, values: readonly (Value | null)[]): Value | typeof NONE {
    const type = agg.target?.type ?? "number";
    switch (agg.op) {
      case "count":
        return values.length;
      case "sum": {
        let acc = 0;
        for (const v of values) acc = type === "float" ? acc + (v as number) : type === "unsigned" ? ops.addU(acc, v as number) : ops.addI(acc, v as number);
        return acc;
      }
      case "mean": {
        if (values.length === 0) return NONE;
        let acc = 0;
        for (const v of values) acc += v as number;
        return acc / values.length;
      }
      case "min":
      case "max": {
        if (values.length === 0) return NONE;
        let acc = values[0]!;
        for (const v of values) {
          const c = type === "symbol" ? ops.cmpS(v as string, acc as string) : (v as number) - (acc as number);
          if (agg.op === "min" ? c < 0 : c > 0) acc = v!;
        }
        return acc;
      }
    }
  }

  private steps(
    steps: readonly Step[],
    i: number,
    slots: Value[],
    headArg: (i: number) => number,
    params: readonly Value[],
    rows: (Tuple | null)[],
    done: () => boolean,
  ): boolean {
    if (i === steps.length) return !done();
    const step = steps[i]!;
    const next = (): boolean => this.steps(steps, i + 1, slots, headArg, params, rows, done);
    const param = headArg(i);
    switch (step.kind) {
      case "fail":
        return false;
      case "once":
        // A repeated binding finds the same derivations again: following each one changes nothing.
        return next();
      case "filter": {
        if (param >= 0 && params.length > 0) {
          // `arg = <head value>`: the right side is the value asked about.
          const left = this.value(step.left, slots);
          if (left === NONE || !equalValues(left, params[param]!, step.left.type)) return false;
          return next();
        }
        const holds = this.condition(step, slots);
        return holds === true ? next() : false;
      }
      case "assign": {
        const v = param >= 0 && params.length > 0 ? params[param]! : this.value(step.expr, slots);
        if (v === NONE) return false;
        slots[step.slot] = coerce(v, step.expr.type);
        return next();
      }
      case "neg":
        return this.matches(step.relation, step.args, slots).length > 0 ? false : next();
      case "range": {
        // As the generated code: each value from + k * step, so a float step does not accumulate rounding.
        const r = this.rangeOf(step.from, step.to, step.step, slots);
        if (r === null) return false;
        const { f, t, s } = r;
        for (let k = 0, x = f; BUILTINS.range.impls.inside(x, t, s, k); k++, x = BUILTINS.range.impls.at(f, s, k)) {
          slots[step.slot] = coerce(x, step.from.type);
          if (next()) return true;
        }
        return false;
      }
      case "unpack": {
        const v = this.value(step.from, slots);
        if (v === NONE || !this.unpackInto(v, step.pattern, slots)) return false;
        return next();
      }
      case "atom": {
        const candidates = this.matches(step.relation, step.args, slots);
        for (const row of candidates) {
          // Binds first, then checks repeated variables against the bound column.
          for (let c = 0; c < step.args.length; c++) {
            const a = step.args[c]!;
            if (a.kind === "bind") slots[a.slot] = row[c]!;
          }
          let same = true;
          for (let c = 0; c < step.args.length; c++) {
            const a = step.args[c]!;
            if (a.kind === "same" && row[c] !== slots[a.slot]) same = false;
          }
          if (!same) continue;
          rows[i] = row;
          if (next()) return true;
        }
        rows[i] = null;
        return false;
      }
      default:
        throw new Unsupported(`the plan step \`${(step as { kind: string }).kind}\` (\`${(step as { text?: string }).text ?? "?"}\`)`);
    }
  }

  /** Takes a record or ADT value apart as the pattern says, binding and checking fields; false when it does not match. */
  unpackInto(v: Value, pattern: UnpackPattern, slots: Value[]): boolean {
    const fields = ops.unpack(v, pattern.branch, pattern.fields.length);
    if (fields === null) return false;
    for (let i = 0; i < pattern.fields.length; i++) {
      const f = pattern.fields[i]!;
      const at = fields[i]!;
      switch (f.kind) {
        case "bind":
          slots[f.slot] = coerce(at, f.type);
          break;
        case "check": {
          const want = this.value(f.expr, slots);
          if (want === NONE || at !== want) return false;
          break;
        }
        case "nested":
          if (!this.unpackInto(at, f.pattern, slots)) return false;
          break;
        case "skip":
          break;
      }
    }
    return true;
  }

  /** The bounds and step of `range(from, to[, step])`: the step defaults to 1 upwards, -1 downwards. */
  private rangeOf(from: PExpr, to: PExpr, step: PExpr | null, slots: Value[]): { f: number; t: number; s: number } | null {
    const f = this.value(from, slots);
    const t = this.value(to, slots);
    if (f === NONE || t === NONE) return null;
    const fn = f as number;
    const tn = t as number;
    const s = step === null ? BUILTINS.range.impls.step(fn, tn) : this.value(step, slots);
    if (s === NONE) return null;
    return { f: fn, t: tn, s: s as number };
  }

  /** Whether `x` is among the values of `range(...)` (the call's arguments). */
  inRange(x: Value, call: Extract<PExpr, { kind: "call" }>, slots: Value[]): boolean | typeof NONE {
    const r = this.rangeOf(call.args[0]!, call.args[1]!, call.args[2] ?? null, slots);
    if (r === null) return NONE;
    const { f, t, s } = r;
    const n = x as number;
    // A zero step gives `from` once, unless the range is empty (Soufflé's runRange).
    if (s === 0) return n === f && f !== t;
    if (!(s > 0 ? n >= f && n < t : n <= f && n > t)) return false;
    const k = Math.round((n - f) / s);
    return k >= 0 && f + k * s === n;
  }

  /** Rows matching the bound and constant columns (binding columns are not checked here). */
  matches(relation: string, args: readonly ArgAction[], slots: readonly Value[]): readonly Tuple[] {
    const cols: number[] = [];
    const key: Value[] = [];
    const types = this.typeOf(relation);
    for (let c = 0; c < args.length; c++) {
      const a = args[c]!;
      if (a.kind === "bound") (cols.push(c), key.push(slots[a.slot]!));
      else if (a.kind === "expr") {
        // A negated atom's computed column, stored as the column's type stores it.
        const v = this.value(a.expr, slots as Value[]);
        if (v === NONE) return [];
        cols.push(c);
        key.push(coerce(v, types[c]!));
      } else if (a.kind === "const") {
        // A placeholder for a head value (see `keyedByHead`) stands for that value.
        const v = constIn(this.subst !== null && this.subst.has(a.value) ? this.subst.get(a.value)! : a.value, types[c]!);
        if (v === null) return [];
        cols.push(c);
        key.push(v);
      }
    }
    if (cols.length === args.length && cols.length > 0) {
      const t: Value[] = new Array(args.length);
      cols.forEach((c, k) => (t[c] = key[k]!));
      return this.model.has(relation, t) ? [t] : [];
    }
    return this.model.lookup(relation, cols, key);
  }

  /** True, false, or NONE when an aggregate in it has no value. */
  condition(step: Extract<Step, { kind: "filter" }>, slots: Value[]): boolean | typeof NONE {
    // `x = range(a, b)` with `x` bound already (the head asked about binds it): membership.
    for (const [v, r] of [[step.left, step.right], [step.right, step.left]] as const) {
      if (step.op !== "=" || r.kind !== "call" || r.name !== "range") continue;
      const x = this.value(v, slots);
      if (x === NONE) return NONE;
      const member = this.inRange(x, r, slots);
      return member === NONE ? NONE : step.negated ? !member : member;
    }
    const a = this.value(step.left, slots);
    const b = this.value(step.right, slots);
    if (a === NONE || b === NONE) return NONE;
    return compareWith(step.op, step.negated, a, b, compareType(step.left, step.right));
  }

  /** The value of an expression (NONE when an aggregate in it has none). Throws ArithmeticFault. */
  value(e: PExpr, slots: Value[]): Value | typeof NONE {
    switch (e.kind) {
      case "var":
        return slots[e.slot]!;
      case "const":
        return this.subst !== null && this.subst.has(e.value) ? this.subst.get(e.value)! : e.value;
      case "agg":
        return this.aggregate(e.agg, slots).value;
      case "unary": {
        const a = this.value(e.operand, slots);
        if (a === NONE) return NONE;
        const x = a as number;
        switch (e.op) {
          case "-":
            return e.type === "unsigned" ? ops.negU(x) : e.type === "float" ? ops.negF(x) : ops.negI(x);
          case "bnot":
            return e.type === "unsigned" ? ~x >>> 0 : ~x;
          case "lnot":
            return x === 0 ? 1 : 0;
        }
        return x;
      }
      case "binary": {
        const a = this.value(e.left, slots);
        const b = this.value(e.right, slots);
        if (a === NONE || b === NONE) return NONE;
        const T = e.type === "unsigned" ? "U" : e.type === "float" ? "F" : "I";
        const op = (name: string): ((p: number, q: number) => number) => (ops as unknown as Record<string, (p: number, q: number) => number>)[`${name}${T}`]!;
        const u = e.type === "unsigned";
        const x = a as number;
        const y = b as number;
        switch (e.op) {
          case "+":
            return e.type === "symbol" ? `${a}${b}` : op("add")(x, y);
          case "-":
            return op("sub")(x, y);
          case "*":
            return op("mul")(x, y);
          case "/":
            return op("div")(x, y);
          case "%":
            return op("mod")(x, y);
          case "^":
            return op("pow")(x, y);
          case "band":
            return u ? (x & y) >>> 0 : x & y;
          case "bor":
            return u ? (x | y) >>> 0 : x | y;
          case "bxor":
            return u ? (x ^ y) >>> 0 : x ^ y;
          case "bshl":
            return u ? (x << y) >>> 0 : x << y;
          case "bshr":
            return u ? x >>> y : x >> y;
          case "bshru":
            return u ? x >>> y : (x >>> y) | 0;
          case "land":
            return x !== 0 && y !== 0 ? 1 : 0;
          case "lor":
            return x !== 0 || y !== 0 ? 1 : 0;
          case "lxor":
            return (x !== 0) !== (y !== 0) ? 1 : 0;
        }
        return x;
      }
      case "call": {
        const args: Value[] = [];
        for (const x of e.args) {
          const v = this.value(x, slots);
          if (v === NONE) return NONE;
          args.push(v);
        }
        if (e.name === "record") return ops.record(args);
        if (e.name === "nil") return ops.NIL;
        if (e.name.startsWith("$")) return ops.branch(e.name.slice(1), args);
        // The functor's implementation, as the generated code picks it from the planned types.
        const b = builtin(e.name);
        if (b?.generator) throw new Unsupported(`\`${e.name}(...)\` outside \`x = ${e.name}(...)\``);
        if (b?.calm === "order-dependent") throw new Unsupported(`\`${e.name}()\` (its value is the arrival-order counter, which a derivation cannot recompute)`);
        if (b !== undefined) return applyBuiltin(e.name as BuiltinName, args as (string | number)[], e.args.map((x) => x.type), e.type);
        throw new Unsupported(`the functor \`${e.name}\``);
      }
      default:
        throw new Unsupported(`expressions of kind \`${(e as { kind: string }).kind}\``);
    }
  }
}

/** A computed value as a column of `type` stores it (the engine's encode, on values). */
export function coerce(v: Value, type: PrimitiveType): Value {
  switch (type) {
    case "number":
      return typeof v === "number" ? ops.toI(v) : v;
    case "unsigned":
      return typeof v === "number" ? ops.toU(v) >>> 0 : v;
    case "float":
      return v;
    case "symbol":
      return typeof v === "string" ? v : String(v);
  }
}

/** A plan constant as a value of a column of `type`, or null when it cannot occur there. */
function constIn(value: Value, type: PrimitiveType): Value | null {
  if (type === "symbol") return typeof value === "string" ? value : null;
  if (typeof value !== "number") return null;
  if (type === "float") return value;
  if (!Number.isInteger(value)) return null;
  if (type === "number") return value >= -2147483648 && value <= 2147483647 ? value : null;
  return value >= 0 && value <= 4294967295 ? value : null;
}

/** The type a comparison is computed in, as the generated code chooses it. */
export function compareType(left: PExpr, right: PExpr): PrimitiveType {
  return left.type === right.type ? left.type : left.kind === "const" ? right.type : left.type;
}

function equalValues(a: Value, b: Value, type: PrimitiveType): boolean {
  if (type === "unsigned" && typeof a === "number" && typeof b === "number") return a >>> 0 === b >>> 0;
  return a === b || (typeof a === "number" && typeof b === "number" && a === b);
}

/** `a op b` (negated for `!(a op b)`) in `type`. */
export function compareWith(op: string, negated: boolean, a: Value, b: Value, type: PrimitiveType): boolean {
  let c: boolean;
  // `match(pattern, s)`: a bad pattern fails the literal whether negated or not, as in the engine.
  if (op === "match") return ops.match(String(a), String(b)) === !negated;
  if (op === "contains") return String(b).includes(String(a)) !== negated;
  if (type === "symbol") {
    const x = String(a);
    const y = String(b);
    c = op === "=" ? x === y : op === "!=" ? x !== y : cmp(op, ops.cmpS(x, y), 0);
  } else {
    const x = a as number;
    const y = b as number;
    c = op === "=" ? x === y : op === "!=" ? x !== y : cmp(op, x, y);
  }
  return negated ? !c : c;
}

function cmp(op: string, x: number, y: number): boolean {
  return op === "<" ? x < y : op === "<=" ? x <= y : op === ">" ? x > y : x >= y;
}
