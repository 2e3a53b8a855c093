// Compiles each clause, once, to join plans: one variant per positive body atom (that atom reads
// the delta, the others the total), plus the head to emit. Plans are data; `eval/compile.ts` turns them into code.
//
// The planner's rules, in order:
//  1. Without statistics, the delta atom goes first: it is usually the smallest input and binds
//     variables for everything after it; then rule 3 picks each next atom.
//  2. After every atom, place every literal that has become evaluable, as early as possible:
//     comparisons and negations once their variables are bound, `x = expr` (either side) as an
//     assignment once `expr` is bound, aggregates once the variables they share with the rest of
//     the rule are bound (those are the grouping variables, as in Soufflé).
//  3. Next atom: the one with the most bound columns (bound variables and constants), so each
//     step is a hash lookup rather than a scan; ties go to the atom with fewer free columns, then
//     to source order.
//  4. A column bound before its atom is a lookup key; a variable repeated inside one atom is bound
//     by its first column and checked at the others; `_` columns are ignored.
//  5. With statistics (the engine passes, per iteration, the rows each atom reads and the key counts
//  of existing indexes), every order of up to 5 atoms is costed and the cheapest is kept (ties: the
//  delta atom first, then source order). The cost of an order counts rows scanned, hash probes and
//  rows produced; probes into and rows read through an index of a large relation (64k rows or more)
//  count 4, since they miss the cache while a scan reads memory in order. Rows per probe are
//  rows in range / distinct keys, the keys counted by an existing index on those columns, else
//  estimated as (all rows)^(bound columns / arity).
//  6. A rule with aggregates also gets, per aggregate, "touched" variants for a run that continues
//     a fixpoint (see `TouchPlan`): the aggregate's body atoms come first, one of them reading its
//     delta, binding the grouping variables; each binding passes once; then the rule as planned.
// Types are check's: the planner reads each term's type from the inference the checked program
// carries (`ClauseTypes`) and never infers one itself. Where inference leaves a choice (a bare
// `1`), a term takes the type of where it is used, and `number` when nothing says.
import { printAtom, printClause, printLiteral, printTerm } from "../syntax/printer.js";
import { argTypes, builtin } from "../builtins/functors.js";
import { fixedType, type ClauseTypes, type FieldShape, type RecordShape, type RelationSchema } from "../check/types.js";
import type { Aggregate, AggregateOp, BinaryOp, ComparisonOp, FunctorName, Literal, PrimitiveType, Term, UnaryOp, Value, Variable } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import { allVariables, collectOuter, forEachAggregate, forEachSubterm, hasAggregate, literalTerms } from "../syntax/visit.js";
import type { Code } from "../diagnostics/codes.js";
import { clauseReads } from "../analysis/reads.js";
import type { Span } from "../diagnostics/span.js";

export type PExpr =
  | { readonly kind: "var"; readonly slot: number; readonly name: string; readonly type: PrimitiveType }
  | { readonly kind: "const"; readonly value: Value; readonly type: PrimitiveType }
  | { readonly kind: "binary"; readonly op: BinaryOp; readonly left: PExpr; readonly right: PExpr; readonly type: PrimitiveType }
  | { readonly kind: "unary"; readonly op: UnaryOp; readonly operand: PExpr; readonly type: PrimitiveType }
  | { readonly kind: "call"; readonly name: FunctorName; readonly args: readonly PExpr[]; readonly type: PrimitiveType }
  | { readonly kind: "agg"; readonly agg: AggPlan; readonly type: PrimitiveType };

/** What to do with one column of an atom. */
export type ArgAction =
  | { readonly kind: "bound"; readonly slot: number } // bound before this atom: a key (lookup) or a check (scan)
  | { readonly kind: "const"; readonly value: Value } // a key or a check
  | { readonly kind: "bind"; readonly slot: number } // first occurrence: binds the variable
  | { readonly kind: "same"; readonly slot: number } // repeated in this atom: checked against the binding column
  | { readonly kind: "skip" }
  | { readonly kind: "expr"; readonly expr: PExpr }; // a negated atom's computed column: a key

export type Step =
  | {
      readonly kind: "atom";
      readonly relation: string;
      /** Position among the rule's positive atoms (its row range is given per variant), or -1 for all rows. */
      readonly atom: number;
      readonly args: readonly ArgAction[];
      /** Columns with `bound`/`const` actions: looked up in an index on them; empty means a scan. */
      readonly keyCols: readonly number[];
      readonly text: string;
    }
  | { readonly kind: "filter"; readonly op: ComparisonOp; readonly negated: boolean; readonly left: PExpr; readonly right: PExpr; readonly text: string }
  | { readonly kind: "assign"; readonly slot: number; readonly expr: PExpr; readonly text: string }
  | { readonly kind: "neg"; readonly relation: string; readonly args: readonly ArgAction[]; readonly text: string }
  | { readonly kind: "range"; readonly slot: number; readonly from: PExpr; readonly to: PExpr; readonly step: PExpr | null; readonly text: string }
  | { readonly kind: "unpack"; readonly from: PExpr; readonly pattern: UnpackPattern; readonly text: string }
  | { readonly kind: "fail"; readonly text: string }
  /** Passes each binding of `slots` once per call; later repeats skip to the next row. */
  | { readonly kind: "once"; readonly slots: readonly number[]; readonly text: string };

/** A record or ADT pattern: the value must be a record (`branch` null) or that branch, with `fields.length` fields. */
export interface UnpackPattern {
  readonly branch: string | null;
  readonly fields: readonly FieldAction[];
}

/** What to do with one field of a record pattern. */
export type FieldAction =
  | { readonly kind: "bind"; readonly slot: number; readonly type: PrimitiveType }
  | { readonly kind: "check"; readonly expr: PExpr }
  | { readonly kind: "skip" }
  | { readonly kind: "nested"; readonly pattern: UnpackPattern };

/** An aggregate: a small join over lower strata run for each binding of its grouping variables. */
export interface AggPlan {
  readonly op: AggregateOp;
  /** Slots of the grouping variables (bound outside the aggregate before it runs). */
  readonly outer: readonly number[];
  readonly target: PExpr | null;
  readonly steps: readonly Step[];
  readonly relations: readonly string[];
  readonly text: string;
  /**
   * Slots of the aggregate's own variables when, as in Soufflé, its body is a relation of its own
   * (more than one atom, a nested aggregate, a generator, or a variable repeated in its atom): it
   * then ranges over distinct bindings of these, not over every match of the join.
   */
  readonly distinct?: readonly number[];
}

/** One variant of one clause: `delta` is the positive atom that reads the delta (-1: none). */
export interface JoinPlan {
  readonly delta: number;
  readonly steps: readonly Step[];
  readonly head: {
    readonly relation: string;
    readonly args: readonly PExpr[];
    /** `choice-domain` keys (column indexes): the tuple is added only when no stored tuple has its key. */
    readonly choice?: readonly (readonly number[])[];
    /** A subsumption clause: the tuple is removed, not added, when it differs from this dominating one. */
    readonly dominator?: readonly PExpr[];
  };
  /** Number of variable slots (outer and aggregate-local). */
  readonly slots: number;
  /**
   * Relations of the positive atoms whose row ranges the variant reads, when they are not the
   * rule's (a touched variant: its aggregate's body atoms, then the rule's).
   */
  readonly atoms?: readonly string[];
  /** A touched variant: the aggregate whose groups it evaluates again. */
  readonly touch?: string;
}

/**
 * An aggregate whose value changes only where its body gains a match: a run that continues a
 * monotonic fixpoint evaluates the rule again only for the groups that the new rows of the body's
 * atoms bind, instead of for every group. Its touched variant `d` (`planTouched`) reads body atom
 * `d`'s delta (semi-naive over the body's atoms), passes each binding of the grouping variables
 * once, and then evaluates the rule as a whole for it.
 */
export interface TouchPlan {
  /** Relations of the aggregate body's positive atoms, in order: they lead its touched variants. */
  readonly atoms: readonly string[];
  /** Per such atom, the columns that hold grouping variables (its rows per group follow from their distinct keys). */
  readonly groupCols: readonly (readonly number[])[];
  readonly text: string;
}

/** Everything the evaluator needs about one clause. */
export interface RulePlan {
  readonly clause: number;
  readonly relation: string;
  /** The clause as Datalog text, for comments in generated code and for `--stats`. */
  readonly text: string;
  readonly span: Span;
  /** Relations of the positive atoms, in source order (variant `i` reads atom `i`'s delta). */
  readonly atoms: readonly string[];
  /** Relations read under negation or inside aggregates. */
  readonly negated: readonly string[];
  readonly aggregated: readonly string[];
  /** One per positive atom; a single plan with `delta = -1` when the body has none. */
  readonly variants: readonly JoinPlan[];
  /**
   * One per aggregate of the body, in order; null when a continuing run cannot narrow the rule to
   * touched groups (an aggregate without grouping variables, in the head, nesting another, negating
   * inside, or none of whose body atoms holds a grouping variable), and must evaluate it again whole.
   */
  readonly touches: readonly TouchPlan[] | null;
}

/** What the engine knows, per iteration, about the rows each positive atom reads. */
export interface PlanStats {
  /** Rows in each positive atom's range (delta, old or total). */
  readonly rows: readonly number[];
  /** All rows of each positive atom's relation: random access into a large one costs more. */
  readonly total: readonly number[];
  /** Distinct keys of an existing index of atom `i`'s relation on `cols`, or null when there is none. */
  readonly keys: (atom: number, cols: readonly number[]) => number | null;
}

/** A mistake the checker should have reported (e.g. an ungrounded variable); evaluation cannot go on. */
export class PlanError extends Error {
  constructor(
    message: string,
    readonly span: Span,
    readonly code: Code = "CL205",
    /** What to do, when the catalog's help for `code` would mislead. */
    readonly help?: string,
  ) {
    super(message);
    this.name = "PlanError";
  }
}

/** Variable scopes: top-level names, and per aggregate its local names. */
class Scope {
  private readonly slots = new Map<string, number>();
  constructor(
    readonly parent: Scope | null,
    readonly counter: { n: number; types: (PrimitiveType | null)[] },
    /** Names that belong to the parent scope (they occur outside the aggregate). */
    readonly outer: ReadonlySet<string>,
  ) {}

  /** Slots of the variables of this scope itself (not its parent's). */
  own(): number[] {
    return [...this.slots.values()];
  }

  slot(name: string): number {
    if (this.parent !== null && this.outer.has(name)) return this.parent.slot(name);
    let s = this.slots.get(name);
    if (s === undefined) {
      s = this.counter.n++;
      this.counter.types.push(null);
      this.slots.set(name, s);
    }
    return s;
  }
}

/** Adds the names of `t`'s variables to `out`: those outside aggregates, or all of them. */
function varsOfTerm(t: Term, out: Set<string>, intoAggregates: boolean): void {
  const vars: Variable[] = [];
  if (intoAggregates) allVariables(t, vars);
  else collectOuter(t, vars, []);
  for (const v of vars) out.add(v.name);
}

/** Plans made, by clause: `check` plans every clause once, and each engine of the program reads those plans. */
const clausePlans = new WeakMap<Clause, { relations: ReadonlyMap<string, RelationSchema>; types: ClauseTypes; plan: RulePlan }>();

/** Plans every variant of one clause. Throws PlanError on what the checker should have rejected. */
export function planClause(clause: Clause, relations: ReadonlyMap<string, RelationSchema>, types: ClauseTypes): RulePlan {
  const known = clausePlans.get(clause);
  if (known !== undefined && known.relations === relations && known.types === types) return known.plan;
  const plan = planClauseOnce(clause, relations, types);
  clausePlans.set(clause, { relations, types, plan });
  return plan;
}

function planClauseOnce(clause: Clause, relations: ReadonlyMap<string, RelationSchema>, types: ClauseTypes): RulePlan {
  const text = printClause(clause);
  const schema = (name: string, span: Span): RelationSchema => {
    const s = relations.get(name);
    if (s === undefined) throw new PlanError(`relation \`${name}\` is not declared`, span, "CL201");
    return s;
  };
  const positive = clause.body.filter((l): l is Extract<Literal, { kind: "atom" }> => l.kind === "atom" && !l.negated);
  const reads = clauseReads(clause);
  const negated = reads.filter((r) => r.kind === "negation").map((r) => r.relation);
  const aggregated = reads.filter((r) => r.kind === "aggregation").map((r) => r.relation);

  const variants: JoinPlan[] = [];
  const count = Math.max(1, positive.length);
  for (let d = 0; d < count; d++) variants.push(planWith(clause, positive.length === 0 ? -1 : d, schema, types, null));
  return {
    clause: clause.id,
    relation: clause.head.relation.name,
    text,
    span: clause.span,
    atoms: positive.map((l) => l.atom.relation.name),
    negated: [...new Set(negated)],
    aggregated: [...new Set(aggregated)],
    variants,
    touches:
      touchesOf(clause, types)?.map((t) => ({
        atoms: t.drivers.map((l) => l.atom.relation.name),
        groupCols: t.drivers.map((l) => l.atom.args.flatMap((a, c) => (a.kind === "var" && t.group.includes(a.name) ? [c] : []))),
        text: printTerm(t.agg),
      })) ?? null,
  };
}

type Schema = (name: string, span: Span) => RelationSchema;

/**
 * Plans one variant of a clause: `delta` is the positive atom reading the delta (-1: none);
 * `sizes[i]`, when given, estimates the rows positive atom `i` reads (it orders the joins).
 */
export function planVariant(clause: Clause, relations: ReadonlyMap<string, RelationSchema>, types: ClauseTypes, delta: number, stats?: PlanStats): JoinPlan {
  const schema = (name: string, span: Span): RelationSchema => {
    const s = relations.get(name);
    if (s === undefined) throw new PlanError(`relation \`${name}\` is not declared`, span, "CL201");
    return s;
  };
  return planWith(clause, delta, schema, types, stats ?? null);
}

/** A touched aggregate as the planner uses it: its grouping variables and its body's atoms as drivers. */
interface Touch {
  readonly agg: Aggregate;
  readonly group: readonly string[];
  /** The body's positive atoms, with the aggregate's own variables renamed apart (or `_` where used once). */
  readonly drivers: readonly Extract<Literal, { kind: "atom" }>[];
  /** The clause's types, and the renamed variables' (copied from the names they replace). */
  readonly types: ClauseTypes;
}

const touchCache = new WeakMap<Clause, { types: ClauseTypes; touches: readonly Touch[] | null }>();

/** The clause's aggregates as `Touch`es (see `TouchPlan`), or null when some aggregate cannot be narrowed. */
function touchesOf(clause: Clause, types: ClauseTypes): readonly Touch[] | null {
  const cached = touchCache.get(clause);
  if (cached !== undefined && cached.types === types) return cached.touches;
  const touches = findTouches(clause, types);
  touchCache.set(clause, { types, touches });
  return touches;
}

function findTouches(clause: Clause, types: ClauseTypes): readonly Touch[] | null {
  if (clause.subsumption === true) return null;
  let inHead = false;
  for (const a of clause.head.args) forEachAggregate(a, () => (inHead = true));
  if (inHead) return null;
  const aggs: Aggregate[] = [];
  for (const l of clause.body) for (const t of literalTerms(l)) forEachAggregate(t, (a) => aggs.push(a));
  if (aggs.length === 0) return [];
  const outside = outsideNames(clause);
  const out: Touch[] = [];
  for (const [k, agg] of aggs.entries()) {
    if (agg.body.some((l) => (l.kind === "atom" && l.negated) || literalTerms(l).some(hasAggregate)) || (agg.target !== null && hasAggregate(agg.target))) return null;
    const group = injectedNames(outside, agg);
    const atoms = agg.body.filter((l): l is Extract<Literal, { kind: "atom" }> => l.kind === "atom");
    // The aggregate's own variables: joined between its atoms under a name of their own, else `_`.
    const uses = new Map<string, number>();
    for (const l of atoms) for (const a of l.atom.args) if (a.kind === "var" && !group.includes(a.name)) uses.set(a.name, (uses.get(a.name) ?? 0) + 1);
    const renamed = new Map<Term, readonly PrimitiveType[]>();
    let grouped = false;
    const drivers = atoms.map((l) => {
      const args = l.atom.args.map((a): Term => {
        if (a.kind === "number" || a.kind === "string") return a;
        if (a.kind !== "var") return { kind: "wildcard", span: a.span };
        if (group.includes(a.name)) return (grouped = true), a;
        if ((uses.get(a.name) ?? 0) < 2) return { kind: "wildcard", span: a.span };
        const v: Variable = { kind: "var", name: `${a.name}#${k}`, span: a.span };
        renamed.set(v, types.terms.get(a) ?? []);
        return v;
      });
      return { ...l, atom: { ...l.atom, args } };
    });
    if (group.length === 0 || !grouped) return null;
    out.push({ agg, group, drivers, types: renamed.size === 0 ? types : { terms: new Map([...types.terms, ...renamed]) } });
  }
  return out;
}

/**
 * Plans touched variant `delta` of aggregate `touch` of a clause (see `TouchPlan`): positive atoms
 * 0..k-1 are the aggregate's body atoms, k.. the clause's own, in the order of `TouchPlan.atoms`
 * and `RulePlan.atoms`.
 */
export function planTouched(clause: Clause, relations: ReadonlyMap<string, RelationSchema>, types: ClauseTypes, touch: number, delta: number, stats?: PlanStats): JoinPlan {
  const schema = (name: string, span: Span): RelationSchema => {
    const s = relations.get(name);
    if (s === undefined) throw new PlanError(`relation \`${name}\` is not declared`, span, "CL201");
    return s;
  };
  const t = touchesOf(clause, types)?.[touch];
  if (t === undefined) throw new Error(`planner: the rule \`${printClause(clause)}\` has no touched aggregate ${touch}`);
  const counter = { n: 0, types: [] as (PrimitiveType | null)[] };
  const top = new Scope(null, counter, new Set());
  const ctx: PlanContext = { counter, schema, outside: outsideNames(clause), types: t.types };
  const k = t.drivers.length;
  const driverIndex = new Map<Literal, number>(t.drivers.map((l, i) => [l, i]));
  const bodyIndex = new Map<Literal, number>();
  for (const l of clause.body) if (l.kind === "atom" && !l.negated) bodyIndex.set(l, k + bodyIndex.size);
  const steps = planConjunction(ctx, top, t.drivers, new Set(), delta, driverIndex, clause.span, stats ?? null);
  const bound = boundAfter(steps);
  const keys = t.group.filter((name) => bound.has(top.slot(name)));
  steps.push({ kind: "once", slots: keys.map((name) => top.slot(name)), text: `once per ${keys.map((name) => `\`${name}\``).join(", ")}` });
  steps.push(...planConjunction(ctx, top, clause.body, bound, -1, bodyIndex, clause.span, stats ?? null));
  const head = planHead(ctx, top, clause, steps);
  const atoms = [...t.drivers, ...bodyIndex.keys()].map((l) => (l as Extract<Literal, { kind: "atom" }>).atom.relation.name);
  return { delta, ...head, slots: counter.n, atoms, touch: printTerm(t.agg) };
}

function planWith(clause: Clause, delta: number, schema: Schema, types: ClauseTypes, stats: PlanStats | null): JoinPlan {
  const counter = { n: 0, types: [] as (PrimitiveType | null)[] };
  const top = new Scope(null, counter, new Set());
  const body = clause.body;
  const positiveIndex = new Map<Literal, number>();
  body.forEach((l) => {
    if (l.kind === "atom" && !l.negated) positiveIndex.set(l, positiveIndex.size);
  });
  const outside = outsideNames(clause);

  const ctx: PlanContext = { counter, schema, outside, types };
  const steps = planConjunction(ctx, top, body, new Set(), delta, positiveIndex, clause.span, stats);
  return { delta, ...planHead(ctx, top, clause, steps), slots: counter.n };
}

/** The names occurring outside aggregates in a clause: the grouping variables of any aggregate that mentions them. */
function outsideNames(clause: Clause): Set<string> {
  const outside = new Set<string>();
  for (const l of clause.body) for (const t of literalTerms(l)) varsOfTerm(t, outside, false);
  for (const a of clause.head.args) varsOfTerm(a, outside, false);
  return outside;
}

/** The head a plan emits after `steps`; throws when a head variable is not bound by them. */
function planHead(ctx: PlanContext, top: Scope, clause: Clause, steps: readonly Step[]): Pick<JoinPlan, "steps" | "head"> {
  const schema = ctx.schema;
  const bound = boundAfter(steps);
  const headSchema = schema(clause.head.relation.name, clause.head.span);
  const head = clause.head.args.map((a, i) => {
    const e = toExpr(ctx, top, a, headSchema.columns[i]?.type ?? "number", clause.span);
    for (const v of exprVars(e)) if (!bound.has(v)) throw new PlanError(`variable in the head of \`${printClause(clause)}\` is not bound by the body`, clause.span);
    return e;
  });
  const second = clause.body[1];
  const dominator =
    clause.subsumption === true && second?.kind === "atom"
      ? second.atom.args.map((a, i) => toExpr(ctx, top, a, headSchema.columns[i]?.type ?? "number", clause.span))
      : undefined;
  const choice = headSchema.choice;
  return {
    steps,
    head: { relation: clause.head.relation.name, args: head, ...(choice !== undefined && choice.length > 0 ? { choice } : {}), ...(dominator !== undefined ? { dominator } : {}) },
  };
}

interface PlanContext {
  readonly counter: { n: number; types: (PrimitiveType | null)[]; shapes?: Map<number, FieldShape> };
  readonly schema: Schema;
  readonly outside: ReadonlySet<string>;
  readonly types: ClauseTypes;
}

/** The type inference gave `t` (null: it adapts to its context). */
function typeOf(ctx: PlanContext, t: Term): PrimitiveType | null {
  return fixedType(ctx.types, t);
}

/** A variable's slot; its type is inference's, when inference fixed one. */
function varSlot(ctx: PlanContext, scope: Scope, v: Variable): number {
  const slot = scope.slot(v.name);
  ctx.counter.types[slot] ??= typeOf(ctx, v);
  return slot;
}

function boundAfter(steps: readonly Step[]): Set<number> {
  const bound = new Set<number>();
  for (const s of steps) {
    if (s.kind === "atom") for (const a of s.args) if (a.kind === "bind") bound.add(a.slot);
    if (s.kind === "assign" || s.kind === "range") bound.add(s.slot);
    if (s.kind === "unpack") patternSlots(s.pattern, bound);
  }
  return bound;
}

function patternSlots(p: UnpackPattern, out: Set<number>): void {
  for (const f of p.fields) {
    if (f.kind === "bind") out.add(f.slot);
    else if (f.kind === "nested") patternSlots(f.pattern, out);
  }
}

/** Whether a term is a record or ADT constructor (a pattern where it has unbound variables). */
function isStructure(t: Term): t is Extract<Term, { kind: "call" }> {
  return t.kind === "call" && (t.name === "record" || t.name.startsWith("$"));
}

/** The fields a record or ADT term has in `shape`, when it fits. */
function fieldShapes(t: Extract<Term, { kind: "call" }>, shape: RecordShape | null): readonly (FieldShape | null)[] {
  if (shape === null) return t.args.map(() => null);
  if (t.name === "record" && shape.kind === "record") return t.args.map((_, i) => shape.fields[i] ?? null);
  if (t.name.startsWith("$") && shape.kind === "adt") {
    const fs = shape.branches.get(t.name.slice(1));
    return t.args.map((_, i) => fs?.[i] ?? null);
  }
  return t.args.map(() => null);
}

/** The pattern that takes `t` apart, binding its unbound variables (added to `bound`); null when a field cannot be computed yet. */
function makePattern(ctx: PlanContext, scope: Scope, t: Extract<Term, { kind: "call" }>, shape: RecordShape | null, bound: Set<number>, span: Span, defer?: (step: Step) => void): UnpackPattern {
  const shapes = fieldShapes(t, shape);
  const fields: FieldAction[] = t.args.map((a, i): FieldAction => {
    const fs = shapes[i] ?? null;
    if (a.kind === "wildcard") return { kind: "skip" };
    if (a.kind === "var") {
      const slot = varSlot(ctx, scope, a);
      if (!bound.has(slot)) {
        const type = ctx.counter.types[slot] ?? fs?.type ?? "number";
        ctx.counter.types[slot] ??= type;
        if (fs !== null) (ctx.counter.shapes ??= new Map()).set(slot, fs);
        bound.add(slot);
        return { kind: "bind", slot, type };
      }
    }
    if (isStructure(a) && !termReady(ctx, scope, a, bound)) return { kind: "nested", pattern: makePattern(ctx, scope, a, fs?.shape() ?? null, bound, span, defer) };
    if (defer !== undefined && !termReady(ctx, scope, a, bound)) {
      // `p([x + 1])` before `x` is bound: bind the field, compare it once `x` is.
      const type = fs?.type ?? termType(ctx, scope, a) ?? "number";
      const slot = ctx.counter.n++;
      ctx.counter.types.push(type);
      bound.add(slot);
      defer({ kind: "filter", op: "=", negated: false, left: { kind: "var", slot, name: `#${slot}`, type }, right: toExpr(ctx, scope, a, type, span), text: `${printTerm(t)} field ${i + 1}` });
      return { kind: "bind", slot, type };
    }
    return { kind: "check", expr: toExpr(ctx, scope, a, fs?.type ?? null, span) };
  });
  return { branch: t.name === "record" ? null : t.name.slice(1), fields };
}

/** Variable slots an expression reads (aggregates: their grouping variables). */
function exprVars(e: PExpr): number[] {
  switch (e.kind) {
    case "var":
      return [e.slot];
    case "const":
      return [];
    case "binary":
      return [...exprVars(e.left), ...exprVars(e.right)];
    case "unary":
      return exprVars(e.operand);
    case "call":
      return e.args.flatMap(exprVars);
    case "agg":
      return [...e.agg.outer];
  }
}

/**
 * Orders one conjunction (the rule body, or an aggregate's body) into steps. `bound` holds the
 * slots bound on entry (an aggregate's grouping variables).
 */
function planConjunction(
  ctx: PlanContext,
  scope: Scope,
  literals: readonly Literal[],
  initiallyBound: ReadonlySet<number>,
  delta: number,
  positiveIndex: ReadonlyMap<Literal, number> | null,
  span: Span,
  stats: PlanStats | null = null,
): Step[] {
  const bound = new Set(initiallyBound);
  const steps: Step[] = [];
  const atoms = literals.filter((l): l is Extract<Literal, { kind: "atom" }> => l.kind === "atom" && !l.negated);
  const pending = literals.filter((l) => !(l.kind === "atom" && !l.negated));
  // The atoms' variables take their slots first, in source order.
  for (const l of atoms) {
    ctx.schema(l.atom.relation.name, l.atom.span);
    for (const a of l.atom.args) if (a.kind === "var") varSlot(ctx, scope, a);
  }

  const deferred: Step[] = [];
  const placeAtom = (l: Extract<Literal, { kind: "atom" }>): void => {
    const s = ctx.schema(l.atom.relation.name, l.atom.span);
    const patterns: { slot: number; term: Extract<Term, { kind: "call" }>; shape: RecordShape | null }[] = [];
    const args: ArgAction[] = [];
    const keyCols: number[] = [];
    const here = new Set<number>();
    l.atom.args.forEach((a, i) => {
      const type = s.columns[i]?.type ?? "number";
      if (a.kind === "wildcard") args.push({ kind: "skip" });
      else if (a.kind === "var") {
        const slot = varSlot(ctx, scope, a);
        if (bound.has(slot)) {
          args.push({ kind: "bound", slot });
          keyCols.push(i);
        } else if (here.has(slot)) args.push({ kind: "same", slot });
        else {
          args.push({ kind: "bind", slot });
          here.add(slot);
        }
      } else if (a.kind === "number" || a.kind === "string") {
        args.push({ kind: "const", value: a.value });
        keyCols.push(i);
      } else if (isStructure(a) && !termReady(ctx, scope, a, bound)) {
        // A record or ADT pattern: bind the column, then take it apart.
        const slot = ctx.counter.n++;
        ctx.counter.types.push("symbol");
        args.push({ kind: "bind", slot });
        here.add(slot);
        patterns.push({ slot, term: a, shape: s.columns[i]?.shape?.shape() ?? null });
      } else {
        // An expression in a body atom: bind a fresh slot and compare it afterwards.
        const e = toExpr(ctx, scope, a, type, span);
        const slot = ctx.counter.n++;
        ctx.counter.types.push(type);
        args.push({ kind: "bind", slot });
        here.add(slot);
        deferred.push({ kind: "filter", op: "=", negated: false, left: { kind: "var", slot, name: `#${slot}`, type }, right: e, text: `${printAtom(l.atom)} column ${i + 1}` });
      }
    });
    for (const slot of here) bound.add(slot);
    const atom = positiveIndex?.get(l) ?? -1;
    steps.push({ kind: "atom", relation: l.atom.relation.name, atom, args, keyCols, text: printAtom(l.atom) });
    l.atom.args.forEach((a, i) => {
      if (a.kind === "var" && args[i]?.kind === "bind" && s.columns[i]?.shape !== undefined) (ctx.counter.shapes ??= new Map()).set(scope.slot(a.name), s.columns[i]!.shape!);
    });
    for (const p of patterns) {
      const pattern = makePattern(ctx, scope, p.term, p.shape, bound, span, (step) => deferred.push(step));
      steps.push({ kind: "unpack", from: { kind: "var", slot: p.slot, name: `#${p.slot}`, type: "symbol" }, pattern, text: `${printTerm(p.term)} in ${printAtom(l.atom)}` });
    }
  };

  const tryPending = (): void => {
    for (let progress = true; progress; ) {
      progress = false;
      for (const d of [...deferred]) {
        if (d.kind === "filter" && [...exprVars(d.left), ...exprVars(d.right)].every((v) => bound.has(v))) {
          steps.push(d);
          deferred.splice(deferred.indexOf(d), 1);
        }
      }
      for (let i = 0; i < pending.length; i++) {
        const step = tryLiteral(ctx, scope, pending[i]!, bound, span);
        if (step === null) continue;
        steps.push(step);
        if (step.kind === "assign" || step.kind === "range") bound.add(step.slot);
        if (step.kind === "unpack") patternSlots(step.pattern, bound);
        pending.splice(i, 1);
        i--;
        progress = true;
      }
    }
  };

  const remaining = [...atoms];
  const boundColumns = (l: Extract<Literal, { kind: "atom" }>): { boundCols: number; free: number } => {
    let boundCols = 0;
    let free = 0;
    const seen = new Set<string>();
    for (const a of l.atom.args) {
      if (a.kind === "number" || a.kind === "string" || (a.kind === "var" && (bound.has(scope.slot(a.name)) || seen.has(a.name)))) boundCols++;
      else if (a.kind !== "wildcard") free++;
      if (a.kind === "var") seen.add(a.name);
    }
    return { boundCols, free };
  };
  const order = stats !== null && positiveIndex !== null && atoms.length > 1 && atoms.length <= 5 ? cheapestOrder(atoms, pending, bound, scope, delta, positiveIndex, stats) : null;
  if (delta >= 0 && order === null) {
    const first = remaining.find((l) => positiveIndex?.get(l) === delta);
    if (first === undefined) throw new Error(`planner: no positive atom ${delta}`);
    remaining.splice(remaining.indexOf(first), 1);
    tryPending();
    placeAtom(first);
  }
  tryPending();
  while (remaining.length > 0) {
    let best = 0;
    if (order !== null) best = remaining.indexOf(order[order.length - remaining.length]!);
    else {
      let bestScore = -Infinity;
      remaining.forEach((l, i) => {
        const { boundCols, free } = boundColumns(l);
        const score = boundCols * 1000 - free;
        if (score > bestScore) {
          bestScore = score;
          best = i;
        }
      });
    }
    const next = remaining.splice(best, 1)[0]!;
    placeAtom(next);
    tryPending();
  }
  if (pending.length > 0 || deferred.length > 0) {
    const l = pending[0];
    throw new PlanError(`cannot evaluate \`${l ? printLiteral(l) : "an argument"}\`: a variable in it is not bound by a positive atom`, span);
  }
  return steps;
}

type AtomLiteral = Extract<Literal, { kind: "atom" }>;

/** Rows scanned sequentially cost 1; probes into and rows read through a large relation cost more. */
const LARGE = 65536;
const RANDOM_ACCESS = 4;

/** The cheapest order of `atoms` under the cost model of rule 5 (ties: delta first, then source order). */
function cheapestOrder(
  atoms: readonly AtomLiteral[],
  pending: readonly Literal[],
  initiallyBound: ReadonlySet<number>,
  scope: Scope,
  delta: number,
  positiveIndex: ReadonlyMap<Literal, number>,
  stats: PlanStats,
): AtomLiteral[] {
  const cost = (order: readonly AtomLiteral[]): number => {
    const bound = new Set(initiallyBound);
    let card = 1;
    let total = 0;
    for (const l of order) {
      const i = positiveIndex.get(l)!;
      const rows = stats.rows[i] ?? 0;
      const penalty = (stats.total[i] ?? rows) >= LARGE ? RANDOM_ACCESS : 1;
      const arity = l.atom.args.length;
      const keyCols: number[] = [];
      l.atom.args.forEach((a, c) => {
        if (a.kind === "number" || a.kind === "string" || (a.kind === "var" && bound.has(scope.slot(a.name)))) keyCols.push(c);
      });
      if (keyCols.length === 0) {
        card *= rows;
        total += card;
      } else {
        // Distinct keys of the whole relation (a delta shares its key domain): from an index, else
        // estimated as total^(bound columns / arity).
        const all = Math.max(1, stats.total[i] ?? rows);
        const keys = keyCols.length === arity ? null : (stats.keys(i, keyCols) ?? Math.pow(all, keyCols.length / arity));
        const perProbe = keys === null ? Math.min(1, rows) : rows / Math.max(1, keys);
        total += card * penalty;
        card *= perProbe;
        total += card * penalty;
      }
      for (const a of l.atom.args) if (a.kind === "var") bound.add(scope.slot(a.name));
      // Equalities that bind a variable from bound ones (`y = x + 1`) bind it for later atoms.
      for (let changed = true; changed; ) {
        changed = false;
        for (const p of pending) {
          if (p.kind !== "cmp" || p.op !== "=" || p.negated) continue;
          for (const [v, e] of [[p.left, p.right], [p.right, p.left]] as const) {
            if (v.kind !== "var" || bound.has(scope.slot(v.name)) || e.kind === "aggregate") continue;
            const names = new Set<string>();
            varsOfTerm(e, names, false);
            if ([...names].every((n) => bound.has(scope.slot(n)))) {
              bound.add(scope.slot(v.name));
              changed = true;
            }
          }
        }
      }
    }
    return total;
  };
  // Candidates in tie-break order: the delta atom first, then source order.
  const start = [...atoms].sort((a, b) => (positiveIndex.get(a) === delta ? -1 : 0) - (positiveIndex.get(b) === delta ? -1 : 0));
  let best = start;
  let bestCost = cost(start);
  const permute = (prefix: AtomLiteral[], rest: AtomLiteral[]): void => {
    if (rest.length === 0) {
      const c = cost(prefix);
      if (c < bestCost) (bestCost = c), (best = [...prefix]);
      return;
    }
    for (let i = 0; i < rest.length; i++) permute([...prefix, rest[i]!], [...rest.slice(0, i), ...rest.slice(i + 1)]);
  };
  permute([], start);
  return best;
}

/** A step for a non-atom literal once its variables are bound, else null. */
function tryLiteral(ctx: PlanContext, scope: Scope, l: Literal, bound: ReadonlySet<number>, span: Span): Step | null {
  const text = printLiteral(l);
  if (l.kind === "bool") return l.value ? { kind: "filter", op: "=", negated: false, left: { kind: "const", value: 0, type: "number" }, right: { kind: "const", value: 0, type: "number" }, text } : { kind: "fail", text };
  if (l.kind === "atom") {
    // Negated atom: every named variable must be bound.
    const s = ctx.schema(l.atom.relation.name, l.atom.span);
    const args: ArgAction[] = [];
    for (const [i, a] of l.atom.args.entries()) {
      if (a.kind === "wildcard") args.push({ kind: "skip" });
      else if (a.kind === "var") {
        const slot = varSlot(ctx, scope, a);
        if (!bound.has(slot)) return null;
        args.push({ kind: "bound", slot });
      } else if (a.kind === "number" || a.kind === "string") args.push({ kind: "const", value: a.value });
      else if (a.kind === "aggregate") throw new PlanError(`\`${text}\`: an aggregate cannot be an argument of a negated atom`, l.span, "CL214");
      else {
        // An expression (`!element(i - 1, _)`): computed once its variables are bound, then looked up.
        if (!termReady(ctx, scope, a, bound)) return null;
        args.push({ kind: "expr", expr: toExpr(ctx, scope, a, s.columns[i]?.type ?? null, span) });
      }
    }
    return { kind: "neg", relation: l.atom.relation.name, args, text };
  }
  // Comparison: an assignment when one side is an unbound variable and the other is computable.
  const isFree = (t: Term): boolean => t.kind === "var" && !bound.has(scope.slot(t.name));
  const computable = (t: Term): boolean => termReady(ctx, scope, t, bound);
  if (l.op === "=" && !l.negated) {
    for (const [v, rec] of [[l.left, l.right], [l.right, l.left]] as const) {
      if (!isStructure(rec) || computable(rec) || !computable(v) || !patternReady(ctx, scope, rec, bound)) continue;
      const from = toExpr(ctx, scope, v, "symbol", span);
      const shape = v.kind === "var" ? (ctx.counter.shapes?.get(scope.slot(v.name))?.shape() ?? null) : null;
      const b = new Set(bound);
      return { kind: "unpack", from, pattern: makePattern(ctx, scope, rec, shape, b, span), text };
    }
    for (const [v, r] of [[l.left, l.right], [l.right, l.left]] as const) {
      // `x = range(a, b)` is a generator: one binding of `x` per value.
      if (!(isFree(v) && r.kind === "call" && r.name === "range" && computable(r))) continue;
      const slot = varSlot(ctx, scope, v as Variable);
      const type = ctx.counter.types[slot] ?? termType(ctx, scope, r) ?? "number";
      ctx.counter.types[slot] ??= type;
      const [from, to, step] = r.args.map((a) => toExpr(ctx, scope, a, type, span));
      return { kind: "range", slot, from: from!, to: to!, step: step ?? null, text };
    }
    if (isFree(l.left) && computable(l.right)) {
      const slot = varSlot(ctx, scope, l.left as Variable);
      const e = toExpr(ctx, scope, l.right, ctx.counter.types[slot] ?? null, span);
      ctx.counter.types[slot] ??= e.type;
      return { kind: "assign", slot, expr: e, text };
    }
    if (isFree(l.right) && computable(l.left)) {
      const slot = varSlot(ctx, scope, l.right as Variable);
      const e = toExpr(ctx, scope, l.left, ctx.counter.types[slot] ?? null, span);
      ctx.counter.types[slot] ??= e.type;
      return { kind: "assign", slot, expr: e, text };
    }
  }
  if (!computable(l.left) || !computable(l.right)) return null;
  const lt = termType(ctx, scope, l.left);
  const rt = termType(ctx, scope, l.right);
  const type = lt ?? rt ?? "number";
  return { kind: "filter", op: l.op, negated: l.negated, left: toExpr(ctx, scope, l.left, type, span), right: toExpr(ctx, scope, l.right, type, span), text };
}

/** Whether a record or ADT pattern can be taken apart now: every field is a variable, `_`, a pattern that can, or computable. */
function patternReady(ctx: PlanContext, scope: Scope, t: Extract<Term, { kind: "call" }>, bound: ReadonlySet<number>): boolean {
  return t.args.every((a) => a.kind === "var" || a.kind === "wildcard" || (isStructure(a) ? patternReady(ctx, scope, a, bound) : termReady(ctx, scope, a, bound)));
}

/** Whether every variable of `t` is bound (for an aggregate: its grouping variables). */
function termReady(ctx: PlanContext, scope: Scope, t: Term, bound: ReadonlySet<number>): boolean {
  if (t.kind === "wildcard") return false;
  // A record pattern with `_` in it is taken apart, never computed, even once its variables are bound.
  if (t.kind === "call" && t.args.some((a) => a.kind === "wildcard" || (a.kind === "call" && !termReady(ctx, scope, a, bound)))) return false;
  if (t.kind === "aggregate") {
    for (const name of injectedNames(ctx.outside, t)) if (!bound.has(scope.slot(name))) return false;
    return true;
  }
  const vars = new Set<string>();
  varsOfTerm(t, vars, false);
  for (const name of vars) if (!bound.has(scope.slot(name))) return false;
  const aggs: Term[] = [];
  collectAggregates(t, aggs);
  return aggs.every((a) => termReady(ctx, scope, a, bound));
}

function collectAggregates(t: Term, out: Term[]): void {
  forEachAggregate(t, (a) => out.push(a));
}

/** A term's type: inference's, or for a variable inference left open, the type its binding chose. */
function termType(ctx: PlanContext, scope: Scope, t: Term): PrimitiveType | null {
  const inferred = typeOf(ctx, t);
  if (inferred !== null || t.kind !== "var") return inferred;
  return ctx.counter.types[scope.slot(t.name)] ?? null;
}

/** Builds an expression; `want` is the type a bare number literal takes (its context). */
function toExpr(ctx: PlanContext, scope: Scope, t: Term, want: PrimitiveType | null, span: Span): PExpr {
  switch (t.kind) {
    case "var": {
      const slot = varSlot(ctx, scope, t);
      return { kind: "var", slot, name: t.name, type: ctx.counter.types[slot] ?? want ?? "number" };
    }
    case "wildcard":
      throw new PlanError("`_` can only stand for a column of an atom", t.span, "CL205", "name the value: write a variable bound in the aggregate's body, as in `sum x : { r(x) }`, or use `count` to count matches");
    case "number":
      return { kind: "const", value: t.value, type: t.type === "number" && want !== null && want !== "symbol" ? want : t.type };
    case "string":
      return { kind: "const", value: t.value, type: "symbol" };
    case "binary": {
      const st = termType(ctx, scope, t);
      const type = st ?? (want !== null && want !== "symbol" ? want : "number");
      return { kind: "binary", op: t.op, left: toExpr(ctx, scope, t.left, type, span), right: toExpr(ctx, scope, t.right, type, span), type };
    }
    case "unary": {
      const st = termType(ctx, scope, t.operand);
      const type = st ?? (want !== null && want !== "symbol" ? want : "number");
      return { kind: "unary", op: t.op, operand: toExpr(ctx, scope, t.operand, type, span), type };
    }
    case "call": {
      const st = termType(ctx, scope, t);
      const argWant = (i: number): PrimitiveType | null => {
        // A record's fields keep their own types.
        if (t.name === "record" || t.name.startsWith("$")) return null;
        const b = builtin(t.name);
        if (b === undefined) return st ?? want;
        const accepts = argTypes(b, i);
        if (accepts.length === 1) return accepts[0]!;
        // Several types accepted: `min`, `max`, `range` take the type of the whole; a conversion
        // keeps its argument's own type (a symbol is parsed, a number converted).
        return b.result === "args" ? (st ?? want) : termType(ctx, scope, t.args[i]!);
      };
      const args = t.args.map((a, i) => toExpr(ctx, scope, a, argWant(i), span));
      return { kind: "call", name: t.name, args, type: st ?? want ?? "number" };
    }
    case "aggregate":
      return planAggregate(ctx, scope, t, span);
  }
}

/**
 * The variables of the scope around an aggregate that it reads (its grouping variables), as Soufflé
 * injects them: those it mentions (nested aggregates included) except the target's, which are its own.
 */
function injectedNames(outside: ReadonlySet<string>, t: Extract<Term, { kind: "aggregate" }>): string[] {
  const names = new Set<string>();
  varsOfTerm(t, names, true);
  const own = new Set<string>();
  if (t.target !== null) varsOfTerm(t.target, own, true);
  return [...names].filter((n) => outside.has(n) && !own.has(n));
}

function planAggregate(ctx: PlanContext, scope: Scope, t: Extract<Term, { kind: "aggregate" }>, span: Span): PExpr {
  const injected = injectedNames(ctx.outside, t);
  const inner = new Scope(scope, ctx.counter, new Set(injected));
  const outerSlots = injected.map((n) => scope.slot(n));
  // A nested aggregate reads this body's variables as well as the ones injected here.
  const visible = new Set(injected);
  if (t.target !== null) varsOfTerm(t.target, visible, false);
  for (const l of t.body) for (const x of literalTerms(l)) varsOfTerm(x, visible, false);
  const innerCtx: PlanContext = { ...ctx, outside: visible };
  const steps = planConjunction(innerCtx, inner, t.body, new Set(outerSlots), -1, null, span);
  const resultType: PrimitiveType = t.op === "count" ? "number" : t.op === "mean" ? "float" : (termType(ctx, scope, t) ?? "number");
  const target = t.target === null ? null : toExpr(innerCtx, inner, t.target, resultType === "float" && t.op === "mean" ? null : resultType, span);
  const relations = [...new Set(t.body.filter((l) => l.kind === "atom").map((l) => (l as Extract<Literal, { kind: "atom" }>).atom.relation.name))];
  const agg: AggPlan = { op: t.op, outer: outerSlots, target, steps, relations, text: printTerm(t), ...(materialized(t) ? { distinct: inner.own() } : {}) };
  return { kind: "agg", agg, type: resultType === "symbol" && t.op === "sum" ? "number" : resultType };
}

/** Whether Soufflé gives an aggregate's body a relation of its own (MaterializeAggregationQueries). */
function materialized(t: Extract<Term, { kind: "aggregate" }>): boolean {
  const atoms = t.body.filter((l): l is Extract<Literal, { kind: "atom" }> => l.kind === "atom" && !l.negated);
  if (atoms.length > 1) return true;
  let special = false;
  const look = (x: Term): void =>
    forEachSubterm(x, (s) => {
      if (s !== t && s.kind === "aggregate") special = true;
      if (s.kind === "call" && builtin(s.name)?.generator === true) special = true;
    });
  if (t.target !== null) look(t.target);
  for (const l of t.body) for (const x of literalTerms(l)) look(x);
  if (special) return true;
  const names = atoms[0]?.atom.args.filter((a) => a.kind === "var").map((a) => (a as Variable).name) ?? [];
  return new Set(names).size < names.length;
}
