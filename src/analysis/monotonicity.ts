// The CALM table: each body literal has a class, and a clause is as bad as its worst literal.
// An aggregate is "threshold" (monotonic) only when it can move one way and is compared, against a constant, only in that way.
import type { RelationSchema } from "../check/types.js";
import type { Aggregate, AggregateOp, ComparisonOp, Literal, Term } from "../syntax/ast.js";
import type { Clause } from "../syntax/normalize.js";
import type { Span } from "../syntax/span.js";
import { showLiteral, showTerm } from "./print.js";
import type { EdgeKind, LiteralClass, NonMonotonicUse, Remedy, ThresholdUse } from "./types.js";

/** The syntactic kinds of body literal the table knows. */
export type LiteralKind = "positive-atom" | "negated-atom" | "comparison" | "boolean" | "aggregate" | "threshold-aggregate";

/** Literal kind -> class (STYLE.md item 9). */
export const MONOTONICITY: Readonly<Record<LiteralKind, LiteralClass>> = {
  "positive-atom": "monotonic",
  comparison: "monotonic",
  boolean: "monotonic",
  "negated-atom": "negation",
  aggregate: "aggregation",
  "threshold-aggregate": "threshold",
};

/** How bad each class is; a clause takes the worst. */
const RANK: Readonly<Record<LiteralClass, number>> = { monotonic: 0, threshold: 1, aggregation: 2, negation: 3 };

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

/** One relation read by a clause body, for the dependency graph. */
export interface Read {
  readonly relation: string;
  readonly kind: EdgeKind;
  /** The atom literal, or the aggregate term for reads inside an aggregate. */
  readonly span: Span;
}

/** What the table says about one clause. */
export interface ClauseClass {
  readonly cls: LiteralClass;
  readonly reads: readonly Read[];
  readonly uses: readonly NonMonotonicUse[];
  readonly thresholds: readonly ThresholdUse[];
}

/** Classifies one clause: its reads (graph edges), non-monotonic literals and accepted thresholds. */
export function classifyClause(clause: Clause, relations: ReadonlyMap<string, RelationSchema>): ClauseClass {
  const reads: Read[] = [];
  const uses: NonMonotonicUse[] = [];
  const thresholds: ThresholdUse[] = [];
  const classes: LiteralClass[] = [];
  const head = clause.head.relation.name;
  const occurrences = countVariables(clause);

  const aggregateReads = (agg: Aggregate): void => {
    for (const lit of agg.body) {
      if (lit.kind === "atom") reads.push({ relation: lit.atom.relation.name, kind: "aggregation", span: agg.span });
      for (const t of termsOf(lit)) forEachAggregate(t, aggregateReads);
    }
  };

  const classifyAggregate = (agg: Aggregate, site: AggregateSite): void => {
    aggregateReads(agg);
    const relation = aggregatedRelation(agg);
    if (relation === null) return; // reads no relation: a constant, monotonic
    const verdict = judgeAggregate(agg, site, occurrences, relations);
    const text = showTerm(agg);
    if (verdict.threshold) {
      classes.push(MONOTONICITY["threshold-aggregate"]);
      thresholds.push({ relation, span: agg.span, text, reason: verdict.reason });
    } else {
      classes.push(MONOTONICITY.aggregate);
      uses.push({ kind: "aggregation", relation, span: agg.span, text, reason: verdict.reason, remedies: verdict.remedies });
    }
  };

  for (const arg of clause.head.args) forEachAggregate(arg, (agg) => classifyAggregate(agg, { kind: "head", head }));

  for (const lit of clause.body) {
    switch (lit.kind) {
      case "atom": {
        const kind: LiteralKind = lit.negated ? "negated-atom" : "positive-atom";
        classes.push(MONOTONICITY[kind]);
        const relation = lit.atom.relation.name;
        reads.push({ relation, kind: lit.negated ? "negation" : "positive", span: lit.span });
        if (lit.negated) {
          uses.push({
            kind: "negation",
            relation,
            span: lit.span,
            text: showLiteral(lit),
            reason: `\`${showLiteral(lit)}\` holds only while no matching \`${relation}\` fact is known; one that arrives later, on any replica, makes it false`,
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
}

/** Decides whether an aggregate is a monotone threshold read, and if not, says why and what helps. */
function judgeAggregate(agg: Aggregate, site: AggregateSite, occurrences: ReadonlyMap<string, VarUse[]>, relations: ReadonlyMap<string, RelationSchema>): Verdict {
  const direction = directionOf(agg, relations);
  const name = agg.op;
  const rewritable = direction !== "either";
  const fail = (reason: string, bound: "upper" | "none" = "none"): Verdict => ({
    threshold: false,
    reason,
    remedies: [
      "seal",
      ...(rewritable ? (["threshold"] as const) : []),
      ...(bound === "upper" && (agg.op === "count" || agg.op === "sum") ? (["escrow"] as const) : []),
      "authority",
    ],
  });

  const negated = agg.body.find((l): l is Literal & { kind: "atom" } => l.kind === "atom" && l.negated);
  if (negated !== undefined) return fail(`the ${name}'s body negates \`${negated.atom.relation.name}\`, so the ${name} can move either way as facts arrive`);
  const nested = agg.body.some((l) => termsOf(l).some(hasAggregate));
  if (nested) return fail(`the ${name}'s body holds another aggregate, so it can move either way as facts arrive`);

  if (site.kind === "head") return fail(`the ${name}'s value is put in the head of \`${site.head}\`; it changes as facts arrive, so no value is final before the seal`);
  if (site.kind === "other") return fail(`the ${name}'s value is used in \`${showLiteral(site.literal)}\`, not only compared with a bound; it changes as facts arrive`);

  const cmp = site.literal;
  // The comparison as "aggregate OP other".
  let op = site.aggregateOnLeft ? cmp.op : flip(cmp.op);
  if (cmp.negated) op = negate(op);

  if (isConstant(site.other)) {
    return judgeComparisons(agg, direction, [{ op, constant: site.other }], name);
  }
  if (site.other.kind === "var" && op === "=") {
    // `c = count : {...}`: every other use of `c` must be a threshold comparison.
    const variable = site.other.name;
    const uses = (occurrences.get(variable) ?? []).filter((u) => u.literal !== cmp);
    const compared: { op: ComparisonOp; constant: Term }[] = [];
    for (const u of uses) {
      if (u.comparison === null) return fail(`its value \`${variable}\` is also used ${u.where}, not only compared with a bound; it changes as facts arrive`);
      compared.push(u.comparison);
    }
    if (compared.length === 0) return fail(`its value \`${variable}\` is bound but never compared with a bound`);
    return judgeComparisons(agg, direction, compared, name);
  }
  const bound = op === "<" || op === "<=" ? "upper" : "none";
  return fail(`the ${name} is compared with \`${op}\` against \`${showTerm(site.other)}\`, which is not a constant, so the comparison can change as facts arrive`, bound);

  function judgeComparisons(a: Aggregate, dir: Direction, compared: readonly { op: ComparisonOp; constant: Term }[], what: string): Verdict {
    const ok = (o: ComparisonOp): boolean => (dir === "grows" ? o === ">=" || o === ">" : dir === "shrinks" ? o === "<=" || o === "<" : false);
    const upper = compared.some((c) => c.op === "<" || c.op === "<=");
    const bad = compared.find((c) => !ok(c.op));
    const described = compared.map((c) => `\`${c.op}\` against ${showTerm(c.constant)}`).join(" and ");
    if (dir === "either") {
      const why = a.op === "mean" ? "`mean` can move either way as facts arrive" : `\`sum\` over values that are not \`unsigned\` can move either way as facts arrive`;
      return fail(`${why}, so comparing it (${described}) can change its answer`, upper ? "upper" : "none");
    }
    if (bad !== undefined) {
      const moves = dir === "grows" ? "only grows" : "only shrinks";
      const flipsTo = bad.op === "=" ? "true now and false once another fact arrives" : bad.op === "!=" ? "false now and true later, then false again" : "true now and false once more facts arrive";
      return fail(`the ${what} ${moves} as facts arrive, but it is compared with \`${bad.op}\` against ${showTerm(bad.constant)}: ${flipsTo}`, upper ? "upper" : "none");
    }
    const moves = dir === "grows" ? "only grows" : "only shrinks";
    return { threshold: true, reason: `\`${a.op}\` ${moves} as facts arrive and is compared only with ${described}, so once true the comparison stays true`, remedies: [] };
  }
}

/** Which way the aggregate's value moves as its body gains facts. */
function directionOf(agg: Aggregate, relations: ReadonlyMap<string, RelationSchema>): Direction {
  const byOp: Readonly<Record<AggregateOp, Direction | "sum">> = { count: "grows", max: "grows", min: "shrinks", mean: "either", sum: "sum" };
  const d = byOp[agg.op];
  if (d !== "sum") return d;
  return isUnsigned(agg.target, agg.body, relations) ? "grows" : "either";
}

/** True when the summed term is an `unsigned` literal or a variable bound only at `unsigned` columns. */
function isUnsigned(target: Term | null, body: readonly Literal[], relations: ReadonlyMap<string, RelationSchema>): boolean {
  if (target === null) return false;
  if (target.kind === "number") return target.type === "unsigned";
  if (target.kind !== "var") return false;
  let seen = false;
  let all = true;
  for (const lit of body) {
    if (lit.kind !== "atom" || lit.negated) continue;
    const columns = relations.get(lit.atom.relation.name)?.columns;
    lit.atom.args.forEach((arg, i) => {
      if (arg.kind !== "var" || arg.name !== target.name) return;
      seen = true;
      if (columns?.[i]?.type !== "unsigned") all = false;
    });
  }
  return seen && all;
}

/** The relation an aggregate totals: its first positive atom, else its first atom. */
function aggregatedRelation(agg: Aggregate): string | null {
  const atoms = agg.body.filter((l): l is Literal & { kind: "atom" } => l.kind === "atom");
  const first = atoms.find((a) => !a.negated) ?? atoms[0];
  return first === undefined ? null : first.atom.relation.name;
}

function isConstant(t: Term): boolean {
  return t.kind === "number" || (t.kind === "unary" && t.op === "-" && t.operand.kind === "number");
}

/** `a OP b` as `b OP' a`. */
function flip(op: ComparisonOp): ComparisonOp {
  const m: Record<ComparisonOp, ComparisonOp> = { "=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };
  return m[op];
}

/** `!(a OP b)` as `a OP' b`. */
function negate(op: ComparisonOp): ComparisonOp {
  const m: Record<ComparisonOp, ComparisonOp> = { "=": "!=", "!=": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<" };
  return m[op];
}

/** One occurrence of a named variable, and whether it is `v OP constant` (normalized to v on the left). */
interface VarUse {
  readonly literal: Literal | null;
  readonly where: string;
  readonly comparison: { op: ComparisonOp; constant: Term } | null;
}

/** Every occurrence of each named variable in the clause (head and body, aggregate bodies included). */
function countVariables(clause: Clause): Map<string, VarUse[]> {
  const uses = new Map<string, VarUse[]>();
  const add = (name: string, u: VarUse): void => {
    const list = uses.get(name);
    if (list === undefined) uses.set(name, [u]);
    else list.push(u);
  };
  const visit = (t: Term, u: VarUse): void => {
    forEachVariable(t, (name) => add(name, u));
  };
  const headWhere = `in the head \`${clause.head.relation.name}(${clause.head.args.map(showTerm).join(", ")})\``;
  for (const arg of clause.head.args) visit(arg, { literal: null, where: headWhere, comparison: null });
  for (const lit of clause.body) {
    const where = `in \`${showLiteral(lit)}\``;
    if (lit.kind === "cmp") {
      const direct = lit.left.kind === "var" && isConstant(lit.right) ? { v: lit.left.name, op: lit.op, k: lit.right } : lit.right.kind === "var" && isConstant(lit.left) ? { v: lit.right.name, op: flip(lit.op), k: lit.left } : null;
      if (direct !== null) {
        add(direct.v, { literal: lit, where, comparison: { op: lit.negated ? negate(direct.op) : direct.op, constant: direct.k } });
        continue;
      }
    }
    for (const t of termsOf(lit)) visit(t, { literal: lit, where, comparison: null });
  }
  return uses;
}

/** The terms directly inside a literal. */
function termsOf(lit: Literal): readonly Term[] {
  switch (lit.kind) {
    case "atom":
      return lit.atom.args;
    case "cmp":
      return [lit.left, lit.right];
    case "bool":
      return [];
  }
}

/** Calls `f` on each outermost aggregate inside `t`. */
function forEachAggregate(t: Term, f: (agg: Aggregate) => void): void {
  switch (t.kind) {
    case "aggregate":
      f(t);
      return;
    case "binary":
      forEachAggregate(t.left, f);
      forEachAggregate(t.right, f);
      return;
    case "unary":
      forEachAggregate(t.operand, f);
      return;
    case "call":
      t.args.forEach((a) => forEachAggregate(a, f));
      return;
    default:
      return;
  }
}

function hasAggregate(t: Term): boolean {
  let found = false;
  forEachAggregate(t, () => (found = true));
  return found;
}

/** Calls `f` on every variable name inside `t`, aggregate bodies and targets included. */
function forEachVariable(t: Term, f: (name: string) => void): void {
  switch (t.kind) {
    case "var":
      f(t.name);
      return;
    case "binary":
      forEachVariable(t.left, f);
      forEachVariable(t.right, f);
      return;
    case "unary":
      forEachVariable(t.operand, f);
      return;
    case "call":
      t.args.forEach((a) => forEachVariable(a, f));
      return;
    case "aggregate":
      if (t.target !== null) forEachVariable(t.target, f);
      for (const lit of t.body) for (const x of termsOf(lit)) forEachVariable(x, f);
      return;
    default:
      return;
  }
}
