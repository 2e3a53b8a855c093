// What the analysis hands to lint, the evaluator and the replica layer: strata in evaluation
// order and, for every rule and relation, whether it is monotonic and, if not, why.
import type { Clause } from "../syntax/normalize.js";
import type { Span } from "../diagnostics/span.js";
import type { Partitions } from "./partition.js";

/** How a body literal reads its relation; a rule's class is the worst of its literals. */
export type LiteralClass = "monotonic" | "negation" | "aggregation" | "threshold" | "order";

/**
 * What makes a rule non-monotonic: a negated atom, an aggregate, or a construct whose result depends
 * on the order tuples arrive in (`choice-domain`, `autoinc()`/`$`, subsumption, `.limitsize`).
 */
export type NonMonotonicKind = "negation" | "aggregation" | OrderKind;
export type OrderKind = "choice" | "counter" | "subsumption" | "limit";

/** The warning each kind of coordination point draws. */
export const COORDINATION_CODE = { negation: "CL302", aggregation: "CL303", choice: "CL306", counter: "CL307", subsumption: "CL308", limit: "CL318" } as const;

/** A literal that makes its rule non-monotonic. */
export interface NonMonotonicUse {
  readonly kind: NonMonotonicKind;
  /** The relation whose absence (negation) or total (aggregation) the rule depends on. */
  readonly relation: string;
  /** The literal (`!blocker(r, _)`) or the aggregate term (`count : {...}`). */
  readonly span: Span;
  /** The literal as source text, e.g. `!blocker(r, _)`. */
  readonly text: string;
  /** Why (e.g. "the count is compared with `=`, so it can become false as facts arrive"). */
  readonly reason: string;
  /** The honest ways out that apply to this literal, most general first. */
  readonly remedies?: readonly Remedy[];
}

/**
 * Ways to live with a non-monotonic literal: wait for a sealed epoch; rewrite as a monotone threshold;
 * allocate rights per replica (escrow); route all writes for the key to one authority.
 */
export type Remedy = "seal" | "threshold" | "escrow" | "authority";

/** An aggregate accepted as a monotone threshold read. */
export interface ThresholdUse {
  readonly relation: string;
  readonly span: Span;
  readonly text: string;
  /** e.g. "`count` only grows and is compared with `>=` against 2". */
  readonly reason: string;
  /** Bounds that are variables read from fixed relations (`capacity(w, n)`), not constants. */
  readonly fixedBounds: readonly FixedBound[];
}

/** A comparison bound bound by a positive atom over a fixed relation: it cannot move. */
export interface FixedBound {
  readonly variable: string;
  readonly relation: string;
}

export interface RuleInfo {
  readonly clause: Clause;
  /** The head relation. */
  readonly relation: string;
  readonly monotonic: boolean;
  readonly uses: readonly NonMonotonicUse[];
  readonly thresholds: readonly ThresholdUse[];
  readonly stratum: number;
}

/** One step of a cause chain: `notify <- ready <- !blocker(r, _)`. */
export interface CauseStep {
  readonly relation: string;
  /** The clause through which this relation reads the next step. */
  readonly clause: number;
}

/** Why a relation is non-monotonic: the chain from it to the nearest non-monotonic literal. */
export interface Cause {
  /** From the relation itself down to the relation whose rule holds the literal. */
  readonly chain: readonly CauseStep[];
  readonly use: NonMonotonicUse;
}

export interface RelationInfo {
  readonly name: string;
  readonly monotonic: boolean;
  /** True when the relation's results are only final over a sealed epoch. */
  readonly requiresSeal: boolean;
  readonly stratum: number;
  /** Null when monotonic. */
  readonly cause: Cause | null;
  /** Clause ids that derive it (rules and facts). */
  readonly clauses: readonly number[];
  /** Relations its rules read (positively, negated or in aggregates). */
  readonly reads: readonly string[];
  /** True when no clause derives it: input data, or (without `.input`) fixed and empty, see `fixed`. */
  readonly isInput: boolean;
  /**
   * True when replicas cannot change it: not `.input`, and every clause is a program fact or a rule
   * reading only fixed relations (a relation with no clause and no `.input` is fixed and empty).
   */
  readonly fixed: boolean;
}

/** A strongly connected component of the dependency graph; strata are in evaluation order. */
export interface Stratum {
  readonly index: number;
  readonly relations: readonly string[];
  /** Clause ids whose head is in this stratum. */
  readonly clauses: readonly number[];
  /** True when some clause reads a relation of this same stratum. */
  readonly recursive: boolean;
  /** True when every relation of the stratum is monotonic: it may run on any replica at any time. */
  readonly monotonic: boolean;
}

export type EdgeKind = "positive" | "negation" | "aggregation";

/** `from` reads `to` (the head depends on the body relation). */
export interface DependencyEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly clause: number;
  readonly span: Span;
}

export interface Analysis {
  /** Indexed by clause id. */
  readonly rules: readonly RuleInfo[];
  readonly relations: ReadonlyMap<string, RelationInfo>;
  readonly strata: readonly Stratum[];
  readonly edges: readonly DependencyEdge[];
  /** False when the program could not be stratified (a CL301 diagnostic says why). */
  readonly stratified: boolean;
  /** The partition key of every stratum that needs a seal, or the literal that prevents one. */
  readonly partitions: Partitions;
}
