// The CALM table: each body literal has a class, and a clause is as bad as its worst literal.
// An aggregate is "threshold" (monotonic) only when it can move one way and is compared, against a bound
// that cannot move (a constant, or a value of a fixed relation), only in that way. Reads of fixed relations never change.
import { builtin } from "../builtins/functors.js";
import { storedType, type ClauseTypes, type RelationSchema } from "../check/types.js";
import { allVariables, forEachAggregate, forEachSubterm, hasAggregate, literalTerms } from "../syntax/visit.js";
import type { Aggregate, AggregateOp, ComparisonOp, Literal, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import { aggregateReads, clauseReads, type Read } from "./reads.js";
import { printAtom, printLiteral, printTerm } from "../syntax/printer.js";
import type { FixedBound, LiteralClass, NonMonotonicUse, Remedy, ThresholdUse } from "./types.js";

/** The syntactic kinds of body literal the table knows. */
export type LiteralKind =
  | "positive-atom"
  | "negated-atom"
  | "fixed-negated-atom"
  | "comparison"
  | "boolean"
  | "aggregate"
  | "fixed-aggregate"
  | "threshold-aggregate";

/** Literal kind -> class (STYLE.md item 9). */
export const MONOTONICITY: Readonly<Record<LiteralKind, LiteralClass>> = {
  "positive-atom": "monotonic",
  comparison: "monotonic",
  boolean: "monotonic",
  "negated-atom": "negation",
  // Absence or totals of a relation replicas cannot change are final from the start.
  "fixed-negated-atom": "monotonic",
  aggregate: "aggregation",
  "fixed-aggregate": "monotonic",
  "threshold-aggregate": "threshold",
};

/** How bad each class is; a clause takes the worst. */
const RANK: Readonly<Record<LiteralClass, number>> = { monotonic: 0, threshold: 1, aggregation: 2, negation: 3, order: 4 };

/** The worst of several classes (`monotonic` for none). */
export function worstClass(classes: Iterable<LiteralClass>): LiteralClass {
  let worst: LiteralClass = "monotonic";
  for (const c of classes) if (RANK[c] > RANK[worst]) worst = c;
  return worst;
}

/** Classes whose literals keep their rule monotonic. */
export function isMonotonicClass(c: LiteralClass): boolean {
  return c === "monotonic" || c === "threshold";
}

/** Which way an aggregate's value can move as facts arrive. */
type Direction = "grows" | "shrinks" | "either";

/** What the table says about one clause. */
export interface ClauseClass {
  readonly cls: LiteralClass;
  readonly reads: readonly Read[];
  readonly uses: readonly NonMonotonicUse[];
  readonly thresholds: readonly ThresholdUse[];
}

/**
 * Classifies one clause: its reads (graph edges), non-monotonic literals and accepted thresholds.
 * `fixed` holds the relations replicas cannot change (see `fixedRelations`); none when omitted.
 */
export function classifyClause(clause: Clause, relations: ReadonlyMap<string, RelationSchema>, types: ClauseTypes, fixed: ReadonlySet<string> = new Set()): ClauseClass {
  const reads: readonly Read[] = clauseReads(clause);
  const uses: NonMonotonicUse[] = [];
  const thresholds: ThresholdUse[] = [];
  const classes: LiteralClass[] = [];
  const head = clause.head.relation.name;
  const bounds = fixedBoundVariables(clause, fixed);
  const occurrences = countVariables(clause, bounds);

  const classifyAggregate = (agg: Aggregate, site: AggregateSite): void => {
    const relation = aggregatedRelation(agg);
    if (relation === null) return; // reads no relation: a constant, monotonic
    if (aggregateReads(agg).every((r) => fixed.has(r.relation))) {
      classes.push(MONOTONICITY["fixed-aggregate"]); // its value never changes
      return;
    }
    const verdict = judgeAggregate(agg, site, occurrences, relations, types, bounds, fixed);
    const text = printTerm(agg);
    if (verdict.threshold) {
      classes.push(MONOTONICITY["threshold-aggregate"]);
      thresholds.push({ relation, span: agg.span, text, reason: verdict.reason, fixedBounds: verdict.fixedBounds });
    } else {
      classes.push(MONOTONICITY.aggregate);
      uses.push({ kind: "aggregation", relation, span: agg.span, text, reason: verdict.reason, remedies: verdict.remedies });
    }
  };

  for (const arg of clause.head.args) forEachAggregate(arg, (agg) => classifyAggregate(agg, { kind: "head", head }));
  for (const use of orderUses(clause, relations)) {
    classes.push("order");
    uses.push(use);
  }

  for (const lit of clause.body) {
    switch (lit.kind) {
      case "atom": {
        const relation = lit.atom.relation.name;
        const kind: LiteralKind = !lit.negated ? "positive-atom" : fixed.has(relation) ? "fixed-negated-atom" : "negated-atom";
        classes.push(MONOTONICITY[kind]);
        if (kind === "negated-atom") {
          uses.push({
            kind: "negation",
            relation,
            span: lit.span,
            text: printLiteral(lit),
            reason: `\`${printLiteral(lit)}\` holds only while no matching \`${relation}\` fact is known; one that arrives later, on any replica, makes it false`,
            remedies: ["seal", "authority"],
          });
        }
        for (const arg of lit.atom.args) forEachAggregate(arg, (agg) => classifyAggregate(agg, { kind: "other", literal: lit }));
        break;
      }
      case "cmp": {
        classes.push(MONOTONICITY.comparison);
        for (const [side, other] of [[lit.left, lit.right], [lit.right, lit.left]] as const) {
          if (side.kind === "aggregate") classifyAggregate(side, { kind: "cmp", literal: lit, other, aggregateOnLeft: side === lit.left });
          else forEachAggregate(side, (agg) => classifyAggregate(agg, { kind: "other", literal: lit }));
        }
        break;
      }
      case "bool":
        classes.push(MONOTONICITY.boolean);
        break;
    }
  }
  return { cls: worstClass(classes), reads, uses, thresholds };
}

/** Where an aggregate sits: directly in a comparison, in the head, or somewhere else. */
type AggregateSite =
  | { readonly kind: "cmp"; readonly literal: Literal & { kind: "cmp" }; readonly other: Term; readonly aggregateOnLeft: boolean }
  | { readonly kind: "head"; readonly head: string }
  | { readonly kind: "other"; readonly literal: Literal };

interface Verdict {
  readonly threshold: boolean;
  readonly reason: string;
  readonly remedies: readonly Remedy[];
  /** For an accepted threshold: the bounds read from fixed relations. */
  readonly fixedBounds: readonly FixedBound[];
}

/** Decides whether an aggregate is a monotone threshold read, and if not, says why and what helps. */
function judgeAggregate(
  agg: Aggregate,
  site: AggregateSite,
  occurrences: ReadonlyMap<string, VarUse[]>,
  relations: ReadonlyMap<string, RelationSchema>,
  types: ClauseTypes,
  bounds: ReadonlyMap<string, string>,
  fixed: ReadonlySet<string>,
): Verdict {
  const direction = directionOf(agg, types);
  const name = agg.op;
  const rewritable = direction !== "either";
  const fail = (reason: string, bound: "upper" | "none" = "none"): Verdict => ({
    threshold: false,
    reason,
    fixedBounds: [],
    remedies: [
      "seal",
      ...(rewritable ? (["threshold"] as const) : []),
      ...(bound === "upper" && (agg.op === "count" || agg.op === "sum") ? (["escrow"] as const) : []),
      "authority",
    ],
  });

  // Negating a fixed relation only filters: the total still moves one way.
  const negated = agg.body.find((l): l is Literal & { kind: "atom" } => l.kind === "atom" && l.negated && !fixed.has(l.atom.relation.name));
  if (negated !== undefined) return fail(`the ${name}'s body negates \`${negated.atom.relation.name}\`, so the ${name} can move either way as facts arrive`);
  const nested = agg.body.some((l) => literalTerms(l).some(hasAggregate));
  if (nested) return fail(`the ${name}'s body holds another aggregate, so it can move either way as facts arrive`);

  if (site.kind === "head") return fail(`the ${name}'s value is put in the head of \`${site.head}\`; it changes as facts arrive, so no value is final before the seal`);
  if (site.kind === "other") return fail(`the ${name}'s value is used in \`${printLiteral(site.literal)}\`, not only compared with a bound; it changes as facts arrive`);

  const cmp = site.literal;
  // The comparison as "aggregate OP other".
  let op = site.aggregateOnLeft ? cmp.op : flip(cmp.op);
  if (cmp.negated) op = negate(op);

  if (isBound(site.other, bounds)) {
    return judgeComparisons(agg, direction, [{ op, constant: site.other }], name);
  }
  if (site.other.kind === "var" && op === "=") {
    // `c = count : {...}`: every other use of `c` must be a threshold comparison.
    const variable = site.other.name;
    const uses = (occurrences.get(variable) ?? []).filter((u) => u.literal !== cmp);
    const compared: { op: ComparisonOp; constant: Term }[] = [];
    for (const u of uses) {
      if (u.moving !== undefined) {
        const o = u.moving.op;
        return fail(
          `its value \`${variable}\` is compared with \`${o}\` against \`${printTerm(u.moving.other)}\`, which is neither a constant nor read from a relation only the program's facts define, so the comparison can change as facts arrive`,
          o === "<" || o === "<=" ? "upper" : "none",
        );
      }
      if (u.comparison === null) return fail(`its value \`${variable}\` is also used ${u.where}, not only compared with a bound; it changes as facts arrive`);
      compared.push(u.comparison);
    }
    if (compared.length === 0) return fail(`its value \`${variable}\` is bound but never compared with a bound`);
    return judgeComparisons(agg, direction, compared, name);
  }
  const bound = op === "<" || op === "<=" ? "upper" : "none";
  return fail(
    `the ${name} is compared with \`${op}\` against \`${printTerm(site.other)}\`, which is neither a constant nor read from a relation only the program's facts define, so the comparison can change as facts arrive`,
    bound,
  );

  function judgeComparisons(a: Aggregate, dir: Direction, compared: readonly { op: ComparisonOp; constant: Term }[], what: string): Verdict {
    const ok = (o: ComparisonOp): boolean => (dir === "grows" ? o === ">=" || o === ">" : dir === "shrinks" ? o === "<=" || o === "<" : false);
    const upper = compared.some((c) => c.op === "<" || c.op === "<=");
    const bad = compared.find((c) => !ok(c.op));
    const described = compared.map((c) => `\`${c.op}\` against ${showBound(c.constant)}`).join(" and ");
    if (dir === "either") {
      const why = a.op === "mean" ? "`mean` can move either way as facts arrive" : `\`sum\` over values that are not \`unsigned\` can move either way as facts arrive`;
      return fail(`${why}, so comparing it (${described}) can change its answer`, upper ? "upper" : "none");
    }
    if (bad !== undefined) {
      const moves = dir === "grows" ? "only grows" : "only shrinks";
      const flipsTo = bad.op === "=" ? "true now and false once another fact arrives" : bad.op === "!=" ? "false now and true later, then false again" : "true now and false once more facts arrive";
      return fail(`the ${what} ${moves} as facts arrive, but it is compared with \`${bad.op}\` against ${showBound(bad.constant)}: ${flipsTo}`, upper ? "upper" : "none");
    }
    const moves = dir === "grows" ? "only grows" : "only shrinks";
    const fixedBounds: FixedBound[] = [];
    for (const { constant: k } of compared) {
      for (const { name } of allVariables(k)) {
        const relation = bounds.get(name);
        if (relation !== undefined && !fixedBounds.some((f) => f.variable === name)) fixedBounds.push({ variable: name, relation });
      }
    }
    return { threshold: true, reason: `\`${a.op}\` ${moves} as facts arrive and is compared only with ${described}, so once true the comparison stays true`, remedies: [], fixedBounds };
  }
}

/** Which way the aggregate's value moves as its body gains facts. */
function directionOf(agg: Aggregate, types: ClauseTypes): Direction {
  const byOp: Readonly<Record<AggregateOp, Direction | "sum">> = { count: "grows", max: "grows", min: "shrinks", mean: "either", sum: "sum" };
  const d = byOp[agg.op];
  if (d !== "sum") return d;
  return isUnsigned(agg.target, agg.body, types) ? "grows" : "either";
}

/** True when the summed term is an `unsigned` literal, or an `unsigned` variable (by inference) bound in the aggregate's body. */
function isUnsigned(target: Term | null, body: readonly Literal[], types: ClauseTypes): boolean {
  if (target === null) return false;
  if (target.kind === "number") return target.type === "unsigned";
  if (target.kind !== "var") return false;
  const bound = body.some((l) => l.kind === "atom" && !l.negated && l.atom.args.some((a) => a.kind === "var" && a.name === target.name));
  return bound && storedType(types, target) === "unsigned";
}

/** The relation an aggregate totals: its first positive atom, else its first atom. */
function aggregatedRelation(agg: Aggregate): string | null {
  const atoms = agg.body.filter((l): l is Literal & { kind: "atom" } => l.kind === "atom");
  const first = atoms.find((a) => !a.negated) ?? atoms[0];
  return first === undefined ? null : first.atom.relation.name;
}

/** A literal bound: a number, a negated number, or a symbol (for `min`/`max` over symbols, which compare as their comparisons do). */
function isConstant(t: Term): boolean {
  return t.kind === "number" || t.kind === "string" || (t.kind === "unary" && t.op === "-" && t.operand.kind === "number");
}

/** A bound as text: a number as is, a variable in backticks. */
function showBound(t: Term): string {
  return t.kind === "var" ? `\`${t.name}\`` : printTerm(t);
}

/**
 * A bound that cannot move: a constant, a variable bound by a positive atom over a fixed relation,
 * or arithmetic and functors over such bounds (`n + 1`, `max(n, 2)`).
 */
function isBound(t: Term, bounds: ReadonlyMap<string, string>): boolean {
  switch (t.kind) {
    case "var":
      return bounds.has(t.name);
    case "binary":
      return isBound(t.left, bounds) && isBound(t.right, bounds);
    case "unary":
      return isBound(t.operand, bounds);
    case "call":
      return t.args.every((a) => isBound(a, bounds));
    default:
      return isConstant(t);
  }
}


/**
 * Variables bound by a positive body atom over a fixed relation (`capacity(w, n)` binds `n`), with
 * that relation: whatever else the rule joins, each such value comes from a tuple that never changes.
 */
function fixedBoundVariables(clause: Clause, fixed: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const lit of clause.body) {
    if (lit.kind !== "atom" || lit.negated || !fixed.has(lit.atom.relation.name)) continue;
    for (const arg of lit.atom.args) if (arg.kind === "var" && !out.has(arg.name)) out.set(arg.name, lit.atom.relation.name);
  }
  return out;
}

/** `a OP b` as `b OP' a`. */
function flip(op: ComparisonOp): ComparisonOp {
  const m: Record<ComparisonOp, ComparisonOp> = { "=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=", match: "match", contains: "contains" };
  return m[op];
}

/** `!(a OP b)` as `a OP' b`. */
function negate(op: ComparisonOp): ComparisonOp {
  const m: Record<ComparisonOp, ComparisonOp> = { "=": "!=", "!=": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<", match: "match", contains: "contains" };
  return m[op];
}

/** One occurrence of a named variable, and whether it is `v OP constant` (normalized to v on the left). */
interface VarUse {
  readonly literal: Literal | null;
  readonly where: string;
  readonly comparison: { op: ComparisonOp; constant: Term } | null;
  /** `v OP w` where `w` is a variable that can move (not a constant, not from a fixed relation). */
  readonly moving?: { readonly op: ComparisonOp; readonly other: Term };
}

/** Every occurrence of each named variable in the clause (head and body, aggregate bodies included). */
function countVariables(clause: Clause, bounds: ReadonlyMap<string, string>): Map<string, VarUse[]> {
  const uses = new Map<string, VarUse[]>();
  const add = (name: string, u: VarUse): void => {
    const list = uses.get(name);
    if (list === undefined) uses.set(name, [u]);
    else list.push(u);
  };
  const visit = (t: Term, u: VarUse): void => {
    for (const { name } of allVariables(t)) add(name, u);
  };
  const headWhere = `in the head \`${clause.head.relation.name}(${clause.head.args.map(printTerm).join(", ")})\``;
  for (const arg of clause.head.args) visit(arg, { literal: null, where: headWhere, comparison: null });
  for (const lit of clause.body) {
    const where = `in \`${printLiteral(lit)}\``;
    if (lit.kind === "cmp") {
      const direct =
        lit.left.kind === "var" && isBound(lit.right, bounds) && !bounds.has(lit.left.name)
          ? { v: lit.left.name, op: lit.op, k: lit.right }
          : lit.right.kind === "var" && isBound(lit.left, bounds) && !bounds.has(lit.right.name)
            ? { v: lit.right.name, op: flip(lit.op), k: lit.left }
            : null;
      if (direct !== null) {
        add(direct.v, { literal: lit, where, comparison: { op: lit.negated ? negate(direct.op) : direct.op, constant: direct.k } });
        continue;
      }
      if (lit.left.kind === "var" && lit.right.kind === "var") {
        const op = lit.negated ? negate(lit.op) : lit.op;
        add(lit.left.name, { literal: lit, where, comparison: null, moving: { op, other: lit.right } });
        add(lit.right.name, { literal: lit, where, comparison: null, moving: { op: flip(op), other: lit.left } });
        continue;
      }
    }
    for (const t of literalTerms(lit)) visit(t, { literal: lit, where, comparison: null });
  }
  return uses;
}


/**
 * Constructs whose result depends on the order tuples arrive in, each a coordination point of its
 * own kind: the head is a `choice-domain` relation or has a `.limitsize`, the clause counts with
 * `autoinc()`, or it is a subsumption clause.
 */
function orderUses(clause: Clause, relations: ReadonlyMap<string, RelationSchema>): NonMonotonicUse[] {
  const out: NonMonotonicUse[] = [];
  const head = clause.head.relation.name;
  const schema = relations.get(head);
  if (clause.subsumption === true) {
    const dominator = clause.body[1];
    const text = dominator?.kind === "atom" ? `${printAtom(clause.head)} <= ${printAtom(dominator.atom)}` : printAtom(clause.head);
    out.push({
      kind: "subsumption",
      relation: head,
      span: clause.rule.span,
      text,
      reason: `\`${text}\` removes a \`${head}\` tuple once a tuple that dominates it is known, so a tuple that holds now can disappear when a fact arrives later`,
      remedies: ["seal", "threshold", "authority"],
    });
  }
  if (schema?.choice !== undefined && schema.choice.length > 0 && clause.subsumption !== true) {
    const keys = schema.choice.map((k) => (k.length === 1 ? schema.columns[k[0]!]!.name : `(${k.map((c) => schema.columns[c]!.name).join(", ")})`)).join(", ");
    out.push({
      kind: "choice",
      relation: head,
      span: clause.head.span,
      text: `choice-domain ${keys}`,
      reason: `\`${head}\` keeps the first tuple it is given for each \`${keys}\`; which one comes first depends on the order facts arrive in, so another replica or a later fact may choose another`,
      remedies: ["seal", "authority"],
    });
  }
  if (schema?.limitsize !== undefined && clause.body.length > 0) {
    const text = `.limitsize ${head}(n=${schema.limitsize})`;
    out.push({
      kind: "limit",
      relation: head,
      span: clause.head.span,
      text,
      reason: `\`${head}\` stops growing once it holds ${schema.limitsize} tuples, so which tuples it keeps depends on the order they are derived and arrive in; a fact arriving later can change them, and another replica may keep others`,
      remedies: ["seal", "authority"],
    });
  }
  const counters: Term[] = [];
  const find = (t: Term): void =>
    forEachSubterm(t, (x) => {
      // A functor whose value depends on arrival order (the builtins table's CALM class): `autoinc()`.
      if (x.kind === "call" && builtin(x.name)?.calm === "order-dependent") counters.push(x);
    });
  clause.head.args.forEach(find);
  for (const l of clause.body) literalTerms(l).forEach(find);
  const at = counters[0];
  if (at !== undefined) {
    out.push({
      kind: "counter",
      relation: head,
      span: at.span,
      text: "autoinc()",
      reason: `\`autoinc()\` numbers derivations in the order rules fire and facts arrive, so each replica numbers \`${head}\` differently and a later fact shifts no number already given`,
      remedies: ["seal", "authority"],
    });
  }
  return out;
}
