// The answer for one declared invariant: proved confluent, refuted with a counterexample,
// redesignable with per-replica rights, or honestly unknown after a bounded search.
import type { Span } from "../diagnostics/span.js";
import type { Value } from "../eval/values.js";

/** Facts by relation name. */
export type FactSet = Readonly<Record<string, readonly (readonly Value[])[]>>;

export type InvariantVerdict = "proved" | "counterexample" | "escrow" | "unknown";

/** What decided a verdict: a sufficient condition read off the rules, Z3, or a search replayed through the engine. */
export type InvariantMethod = "syntactic" | "solver" | "search";

/** What Z3 answered for "S0, S1, S2 valid and S1 ∪ S2 violates", when it was asked. */
export interface SolverRun {
  /** `unsat`: no such states exist; `sat`: Z3 found some; `unknown`: Z3 gave up; `unsupported`: not encodable. */
  readonly result: "unsat" | "sat" | "unknown" | "unsupported";
  /** Why it was not encodable, what was over-approximated, or why a model did not replay. */
  readonly note: string | null;
  /** Milliseconds, including Z3's start-up on the first query. */
  readonly ms: number;
}

/** A fact with the relation it belongs to. */
export interface Fact {
  readonly relation: string;
  readonly tuple: readonly Value[];
}

/** S0, the inserts on two replicas, and the violation their merge derives. */
export interface Counterexample {
  /** The common valid starting state S0 (input facts only). */
  readonly base: FactSet;
  /** Facts inserted on replica A (S1 = S0 ∪ A is valid). */
  readonly replicaA: FactSet;
  /** Facts inserted on replica B (S2 = S0 ∪ B is valid). */
  readonly replicaB: FactSet;
  /** The invariant tuple derived from S1 ∪ S2. */
  readonly violation: Fact;
  /** The clause (by id) that derives it and the facts its body matched. */
  readonly clause: number;
  readonly support: readonly Fact[];
  /** The story in plain lines: "stock 1; A sells one (valid: 1 <= 1); ...". */
  readonly explanation: readonly string[];
}

/** Per-replica rights that keep a bound without coordinating every update. */
export interface EscrowDesign {
  /**
   * `split`: a fixed bound split into shares; `authority`: the bound is 1, so one replica owns each key
   * (an authority or a preallocated namespace); `backed`: the bound grows (deposits), and a replica
   * spends only rights backed by what it has seen.
   */
  readonly kind: "split" | "authority" | "backed";
  /** The aggregate being bounded, e.g. `count : { sale(p, _) }`. */
  readonly aggregate: string;
  /** The bound as written, e.g. `10`, or the relation it comes from, e.g. `stock(p, n)`. */
  readonly bound: string;
  /** How the bound is split, e.g. "10 seats over 2 replicas: 5 each". */
  readonly split: string;
  /** What is given up. */
  readonly tradeoff: string;
}

export interface InvariantResult {
  readonly relation: string;
  readonly description: string | null;
  /** The `.invariant` directive. */
  readonly span: Span;
  readonly verdict: InvariantVerdict;
  /** Why, in one or two sentences; for `proved`, names the sufficient condition used. */
  readonly reason: string;
  /** The sufficient condition's stable name when proved (e.g. `single-replicated-read`). */
  readonly condition: string | null;
  readonly counterexample: Counterexample | null;
  readonly escrow: EscrowDesign | null;
  /** What decided the verdict; null for `unknown`. */
  readonly method: InvariantMethod | null;
  /** Z3's answer, when it was asked. */
  readonly solver: SolverRun | null;
  /** The bounded search that was run, if any. */
  readonly search: { readonly trials: number; readonly maxSize: number; readonly seed: number; readonly ms: number } | null;
  /** True when the invariant relation is non-monotonic, so checking it needs a sealed epoch. */
  readonly checkNeedsSeal: boolean;
}
